/**
 * Barbican's root: OCCM creates a key-manager client at start-up and only warns when it fails;
 * it reads secrets only for TLS listeners, which fauxcloud does not store, so a secret or
 * container lookup is Barbican's 404.
 */
import { CloudError } from '../../core/errors.js';
import type { Handler } from './shared/context.js';
import type { Route } from './shared/routes.js';
import { ok } from './shared/wire.js';

const versions: Handler = (c) =>
  ok({ versions: { values: [{ id: 'v1', status: 'stable', 'min_version': '1.0', 'max_version': '1.1', links: [{ rel: 'self', href: `${c.endpoint('key-manager')}/v1/` }], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.key-manager-v1+json' }] }] } }, 300);
const missing = (what: string): Handler => (c) => {
  throw new CloudError('NotFound', 404, `Not Found. Sorry but your ${what} is in another castle.`, { id: c.params['id'] });
};

export const keyManagerRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
  { method: 'GET', path: '/v1/secrets/{id}', op: 'GetSecret', handler: missing('secret') },
  { method: 'GET', path: '/v1/containers/{id}', op: 'GetContainer', handler: missing('container') },
];
