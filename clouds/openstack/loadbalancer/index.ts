/** Octavia's routes (`/openstack/load-balancer/...`): the version list and the v2 API under `/v2.0/lbaas` (also `/v2/lbaas`). */
import type { Handler } from '../shared/context.js';
import type { Route } from '../shared/routes.js';
import { ok } from '../shared/wire.js';

/** Octavia lists every API version; gophercloud users take the last as the current one. */
const VERSIONS = ['v2.0', ...Array.from({ length: 29 }, (_, i) => `v2.${i + 1}`)];

const versions: Handler = (c) =>
  ok({ versions: VERSIONS.map((id, i) => ({ id, status: i === VERSIONS.length - 1 ? 'CURRENT' : 'SUPPORTED', updated: '2024-10-01T00:00:00Z', links: [{ href: `${c.endpoint('load-balancer')}/v2`, rel: 'self' }] })) });

export const loadBalancerRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
];
