/**
 * The application as a fastify plugin tree: core decorations, the admin API, one plugin per cloud,
 * then the dispatcher that serves every cloud request on the same port.
 */
import { createServer as createHttpServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import { BODY_LIMIT_BYTES } from './cloud-api.js';
import { adminPlugin } from './admin/index.js';
import { dispatchPlugin } from './dispatch.js';
import { Engine } from './engine.js';
import { packageVersion } from './paths.js';
import { lazySchemaCompilers } from './lazy-schemas.js';
import { requestLogging, serverLogger } from './logging.js';
import { HttpsProxy } from './proxy/index.js';
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
  /** Admin API callers may name scenario files by path (`--scenario-paths`). */
  scenarioPaths?: boolean;
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
  /** The CONNECT proxy every listener serves (its tunnels are closed before the listeners). */
  proxy: HttpsProxy;
}

export const VERSION = packageVersion();

function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
  const what = err.code === 'HPE_INVALID_METHOD' ? 'unknown HTTP method' : status === 431 ? 'the request headers are too large' : status === 408 ? 'the request took too long' : 'malformed HTTP request';
  const body = JSON.stringify({ error: reason.replace(/ /g, ''), message: `fauxcloud: ${what}${err.code ? ` (${err.code})` : ''}` });
  // An answer to HEAD carries no body: HTTP clients read the bytes after it as a broken next
  // answer (node's "Data after Connection: close"; found by the OpenStack fuzz with a huge HEAD).
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`);
}

export async function buildApp(opts: AppOptions): Promise<BuiltApp> {
  let httpsServer: HttpsServer | undefined;
  const log = serverLogger(opts.logLevel ?? 'warn');
  const app = Fastify<Server, IncomingMessage, ServerResponse>({
    ...requestLogging(log),
    // Per-request logs would cost more than most requests; the journal records every request instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Unknown admin parameters are errors, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // Compiled on each route's first request, not at start-up (issue #16: start-up time).
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // Clients that use fauxcloud as an HTTP proxy (auth-provider-gcp hard-codes
    // http://metadata.google.internal/…) send absolute-form request lines: route them by path.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return url.startsWith('/') ? url : url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
    },
    // Requests node's parser refuses (bad method, header too large, malformed line) get an answer
    // saying so, never a silent close or a stack.
    clientErrorHandler: answerClientError,
    // One handler, two listeners: HTTPS serves exactly what HTTP serves.
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
      if (opts.tls) {
        httpsServer = createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler);
        httpsServer.on('clientError', answerClientError);
      }
      return createHttpServer(handler);
    },
  });

  // Every listener is also an HTTPS forward proxy; tunnels are served as connections of the app's
  // HTTP server, or of the pinned listener that accepted them (so its pinned headers apply).
  const proxy = new HttpsProxy(opts.tls, log);
  proxy.attach(app.server);
  if (httpsServer) proxy.attach(httpsServer, app.server);
  opts.engine.pinned.attach((req, res) => app.routing(req, res), (server) => proxy.attach(server));
  app.addHook('preClose', async () => proxy.closeAll());
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
  await app.register(adminPlugin, { prefix: '/_fauxcloud', engine: opts.engine, caPem: opts.tls?.caPem, certPem: opts.tls?.certPem, version: VERSION, scenarioPaths: opts.scenarioPaths ?? false, adminToken: opts.adminToken });
  for (const cloud of opts.clouds) await app.register(cloud, { engine: opts.engine });
  await app.register(dispatchPlugin, { engine: opts.engine });
  await app.ready();
  opts.engine.loadScenario(opts.scenario(opts.engine));
  return { app, engine: opts.engine, https: httpsServer, proxy };
}
