/** Octavia's routes (`/openstack/load-balancer/...`): the version list and the v2 API under `/v2.0/lbaas` (also `/v2/lbaas`). */
import type { Handler } from '../shared/context.js';
import type { Route } from '../shared/routes.js';
import { ok } from '../shared/wire.js';
import { listenerHandlers as lis, memberHandlers as mem, monitorHandlers as hm, poolHandlers as pool } from './children.js';
import { loadBalancerHandlers as lb } from './loadbalancers.js';

/** Octavia lists every API version it speaks, oldest first; callers take the last as current. */
const VERSIONS = ['v2.0', ...Array.from({ length: 29 }, (_, i) => `v2.${i + 1}`)];

const versions: Handler = (c) =>
  ok({ versions: VERSIONS.map((id, i) => ({ id, status: i === VERSIONS.length - 1 ? 'CURRENT' : 'SUPPORTED', updated: '2024-10-01T00:00:00Z', links: [{ href: `${c.endpoint('load-balancer')}/v2`, rel: 'self' }] })) });

type H = { list: Handler; get: Handler; create: Handler; update: Handler; remove: Handler };
function crud(prefix: string, plural: string, singular: string, h: H): Route<Handler>[] {
  return [
    { method: 'GET', path: `${prefix}/${plural}`, op: `List${singular}s`, handler: h.list },
    { method: 'POST', path: `${prefix}/${plural}`, op: `Create${singular}`, handler: h.create },
    { method: 'GET', path: `${prefix}/${plural}/{id}`, op: `Get${singular}`, handler: h.get },
    { method: 'PUT', path: `${prefix}/${plural}/{id}`, op: `Update${singular}`, handler: h.update },
    { method: 'DELETE', path: `${prefix}/${plural}/{id}`, op: `Delete${singular}`, handler: h.remove },
  ];
}

function v2(prefix: string): Route<Handler>[] {
  return [
    ...crud(prefix, 'loadbalancers', 'LoadBalancer', lb),
    { method: 'GET', path: `${prefix}/loadbalancers/{id}/status`, op: 'GetLoadBalancerStatus', handler: lb.status },
    ...crud(prefix, 'listeners', 'Listener', lis),
    ...crud(prefix, 'pools', 'Pool', pool),
    ...crud(prefix, 'healthmonitors', 'HealthMonitor', hm),
    { method: 'GET', path: `${prefix}/pools/{pool_id}/members`, op: 'ListMembers', handler: mem.list },
    { method: 'POST', path: `${prefix}/pools/{pool_id}/members`, op: 'CreateMember', handler: mem.create },
    { method: 'PUT', path: `${prefix}/pools/{pool_id}/members`, op: 'BatchUpdateMembers', handler: mem.batch },
    { method: 'GET', path: `${prefix}/pools/{pool_id}/members/{id}`, op: 'GetMember', handler: mem.get },
    { method: 'PUT', path: `${prefix}/pools/{pool_id}/members/{id}`, op: 'UpdateMember', handler: mem.update },
    { method: 'DELETE', path: `${prefix}/pools/{pool_id}/members/{id}`, op: 'DeleteMember', handler: mem.remove },
  ];
}

export const loadBalancerRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
  ...v2('/v2.0/lbaas'),
  ...v2('/v2/lbaas'),
];
