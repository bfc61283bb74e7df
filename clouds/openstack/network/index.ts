/** Neutron's routes (`/openstack/network/...`): the version root and the v2.0 API. */
import type { Handler } from '../shared/context.js';
import type { Route } from '../shared/routes.js';
import { ok } from '../shared/wire.js';

const versions: Handler = (c) => ok({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${c.endpoint('network')}/v2.0/` }] }] });

export const networkRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
];
