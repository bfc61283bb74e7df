/** Neutron's routes (`/openstack/network/...`): the version root and the v2.0 API. */
import type { Handler } from '../shared/context.js';
import type { Route } from '../shared/routes.js';
import { ok } from '../shared/wire.js';
import { tagRoutes } from './common.js';
import { OS } from '../records.js';
import { floatingIpHandlers as fip } from './floating-ips.js';
import { networkHandlers as net, subnetHandlers as sub } from './networks.js';
import { portHandlers as port } from './ports.js';
import { extensionHandlers as ext, routerHandlers as rtr } from './routers.js';
import { ruleHandlers as rule, securityGroupHandlers as sg } from './security-groups.js';

const versions: Handler = (c) => ok({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${c.endpoint('network')}/v2.0/` }] }] });

function crud(plural: string, singular: string, h: { list: Handler; get: Handler; create: Handler; update?: Handler; remove: Handler }): Route<Handler>[] {
  const routes: Route<Handler>[] = [
    { method: 'GET', path: `/v2.0/${plural}`, op: `List${singular}s`, handler: h.list },
    { method: 'POST', path: `/v2.0/${plural}`, op: `Create${singular}`, handler: h.create },
    { method: 'GET', path: `/v2.0/${plural}/{id}`, op: `Get${singular}`, handler: h.get },
    { method: 'DELETE', path: `/v2.0/${plural}/{id}`, op: `Delete${singular}`, handler: h.remove },
  ];
  if (h.update) routes.push({ method: 'PUT', path: `/v2.0/${plural}/{id}`, op: `Update${singular}`, handler: h.update });
  return routes;
}

export const networkRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
  { method: 'GET', path: '/v2.0', op: 'ListResources', handler: (c) => ok({ resources: ['networks', 'subnets', 'ports', 'routers', 'floatingips', 'security-groups', 'security-group-rules'].map((name) => ({ name, collection: name, links: [{ rel: 'self', href: `${c.endpoint('network')}/v2.0/${name}` }] })) }) },
  ...crud('networks', 'Network', net),
  ...crud('subnets', 'Subnet', sub),
  ...crud('ports', 'Port', port),
  ...crud('routers', 'Router', rtr),
  ...crud('floatingips', 'FloatingIP', fip),
  ...crud('security-groups', 'SecurityGroup', sg),
  ...crud('security-group-rules', 'SecurityGroupRule', rule),
  { method: 'PUT', path: '/v2.0/routers/{id}/add_extraroutes', op: 'AddExtraRoutes', handler: rtr.addExtraRoutes },
  { method: 'PUT', path: '/v2.0/routers/{id}/remove_extraroutes', op: 'RemoveExtraRoutes', handler: rtr.removeExtraRoutes },
  { method: 'PUT', path: '/v2.0/routers/{id}/add_router_interface', op: 'AddRouterInterface', handler: rtr.addInterface },
  { method: 'PUT', path: '/v2.0/routers/{id}/remove_router_interface', op: 'RemoveRouterInterface', handler: rtr.removeInterface },
  { method: 'GET', path: '/v2.0/extensions', op: 'ListExtensions', handler: ext.list },
  { method: 'GET', path: '/v2.0/extensions/{alias}', op: 'GetExtension', handler: ext.get },
  ...tagRoutes('networks', OS.network, 'Network'),
  ...tagRoutes('subnets', OS.subnet, 'Subnet'),
  ...tagRoutes('ports', OS.port, 'Port'),
  ...tagRoutes('routers', OS.router, 'Router'),
  ...tagRoutes('floatingips', OS.floatingIp, 'Floating IP'),
  ...tagRoutes('security-groups', OS.securityGroup, 'Security group'),
];
