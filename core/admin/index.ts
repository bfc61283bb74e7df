/** The admin API under /_fauxcloud/: TypeBox schemas, served as OpenAPI at /_fauxcloud/openapi.json. */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import { bearerToken } from '../auth.js';
import type { Engine } from '../engine.js';
import { ScenarioError } from '../scenario.js';
import { clockRoutes } from './clock.js';
import { configRoutes } from './config.js';
import { controlRoutes } from './control.js';
import { endpointRoutes } from './endpoints.js';
import { faultRoutes } from './faults.js';
import { journalRoutes } from './journal.js';
import { journalStreamRoutes } from './journal-stream.js';
import { listenerRoutes } from './listeners.js';
import { resourceRoutes } from './resources.js';
import { stateRoutes } from './state.js';
import { DASHBOARD_HTML } from './ui-page.js';

export interface AdminOptions {
  engine: Engine;
  caPem: string | undefined;
  /** The HTTPS listener's certificate (its thumbprints are in `GET /endpoints`). */
  certPem?: string;
  version: string;
  scenarioPaths: boolean;
  /** `--admin-token`: required as `Authorization: Bearer <token>` on every admin route but OPEN_ROUTES. */
  adminToken?: string;
}

/**
 * Without the admin token: health (readiness probes and the Go harness poll it; it tells nothing
 * secret) and ca.pem (public by nature: clients need it to trust the HTTPS listener).
 */
const OPEN_ROUTES = new Set(['/_fauxcloud/health', '/_fauxcloud/ca.pem']);

function sameToken(given: string | undefined, want: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given), b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function adminPlugin(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ScenarioError) return reply.code(400).send({ error: 'InvalidScenario', message: err.message, problems: err.problems });
    if (err.validation) return reply.code(400).send({ error: 'BadRequest', message: err.message });
    // fastify's own refusals keep their status (413 body too large, 415 media type; some are RangeErrors).
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : err instanceof RangeError ? 400 : 500;
    if (status === 500) req.log.error({ err }, 'admin API failure');
    const error = status === 500 ? 'InternalError' : status === 413 ? 'PayloadTooLarge' : status === 415 ? 'UnsupportedMediaType' : status === 404 ? 'NotFound' : 'BadRequest';
    return reply.code(status).send({ error, message: status === 500 ? 'internal error, see the server log' : err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'NotFound', message: `no admin route ${req.method} ${req.url.split('?')[0]}` }));
  const token = opts.adminToken;
  if (token !== undefined)
    app.addHook('onRequest', async (req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      if (OPEN_ROUTES.has(path) || sameToken(bearerToken(req.headers.authorization), token)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="fauxcloud admin"')
        .send({ error: 'Unauthorized', message: 'the admin API wants Authorization: Bearer <the --admin-token value>' });
    });
  // Pass the options on without `prefix`, or each sub-plugin would prefix its routes a second time.
  const shared: AdminOptions = { engine: opts.engine, caPem: opts.caPem, certPem: opts.certPem, version: opts.version, scenarioPaths: opts.scenarioPaths, adminToken: opts.adminToken };
  for (const routes of [controlRoutes, clockRoutes, journalRoutes, journalStreamRoutes, stateRoutes, resourceRoutes, faultRoutes, listenerRoutes, endpointRoutes, configRoutes])
    await app.register(routes, shared);

  app.get('/ui', { schema: { tags: ['ui'], summary: 'The live dashboard: resources, journal, faults, clock' } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(DASHBOARD_HTML),
  );

  app.get('/ca.pem', { schema: { tags: ['tls'], summary: 'The CA certificate that signs the HTTPS listener' } }, async (_req, reply) => {
    if (!opts.caPem) return reply.code(404).send({ error: 'NotFound', message: 'HTTPS is off, so there is no CA' });
    return reply.type('application/x-pem-file').send(opts.caPem);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
