/**
 * The application as a fastify plugin tree: core decorations, the admin API, one plugin per cloud,
 * then the dispatcher that serves every cloud request on the same port.
 */
import { createServer as createHttpServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import { adminPlugin } from './admin/index.js';
import { dispatchPlugin } from './dispatch.js';
import { Engine } from './engine.js';
import { packageVersion } from './paths.js';
import type { Scenario } from './scenario.js';
import type { TlsMaterial } from './tls.js';

export interface CloudPluginOptions {
  engine: Engine;
}
export type CloudPlugin = FastifyPluginAsync<CloudPluginOptions>;

export interface AppOptions {
  engine: Engine;
  clouds: readonly CloudPlugin[];
  /** Called once the clouds are registered (their seed loaders and machines exist). */
  scenario: (engine: Engine) => Scenario;
  tls?: TlsMaterial;
  logLevel?: string;
  /** `--admin-token`: the admin API wants it as a bearer token (core/admin/index.ts says where not). */
  adminToken?: string;
  /** Called after every request that may have changed the state (persistence writes on it). */
  onChange?: () => void;
}

export interface BuiltApp {
  app: FastifyInstance;
  engine: Engine;
  /** The HTTPS server answering exactly what the app answers, when TLS is on. */
  https: HttpsServer | undefined;
}

export const VERSION = packageVersion();

export async function buildApp(opts: AppOptions): Promise<BuiltApp> {
  let httpsServer: HttpsServer | undefined;
  const app = Fastify<Server, IncomingMessage, ServerResponse>({
    logger: { level: opts.logLevel ?? 'warn' },
    // Per-request logs would cost more than most requests; the journal records every request instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 32 * 1024 * 1024,
    // Unknown admin parameters are errors, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // Clients that use fauxcloud as an HTTP proxy (auth-provider-gcp hard-codes
    // http://metadata.google.internal/…) send absolute-form request lines: route them by path.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url.startsWith('/') ? url : url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
    },
    // One handler, two listeners: HTTPS serves exactly what HTTP serves.
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
      if (opts.tls) httpsServer = createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler);
      return createHttpServer(handler);
    },
  });

  opts.engine.pinned.attach((req, res) => app.routing(req, res));
  const onChange = opts.onChange;
  if (onChange)
    // Any cloud request can change state (ids drawn, reads counted toward manual steps); admin reads cannot.
    app.addHook('onResponse', async (req) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && req.url.startsWith('/_fauxcloud/')) return;
      onChange();
    });
  app.addHook('onClose', async () => opts.engine.pinned.closeAll());
  await app.register(swagger, {
    openapi: {
      info: { title: 'fauxcloud admin API', version: VERSION, description: 'Control fauxcloud: reset, seed, clock, journal, state, lifecycle.' },
    },
  });
  await app.register(adminPlugin, { prefix: '/_fauxcloud', engine: opts.engine, caPem: opts.tls?.caPem, version: VERSION, adminToken: opts.adminToken });
  for (const cloud of opts.clouds) await app.register(cloud, { engine: opts.engine });
  await app.register(dispatchPlugin, { engine: opts.engine });
  await app.ready();
  opts.engine.loadScenario(opts.scenario(opts.engine));
  return { app, engine: opts.engine, https: httpsServer };
}
