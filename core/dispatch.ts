/**
 * The one way through for cloud requests: identify → (cloud) decode → fault gate → handler →
 * encode → journal. Lives in its own plugin scope so every body reaches the clouds as raw bytes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext, CloudApi, RoutedCall, WireReply, WireRequest } from './cloud-api.js';
import { CloudError } from './errors.js';
import type { Engine } from './engine.js';

export async function dispatchPlugin(app: FastifyInstance, opts: { engine: Engine }): Promise<void> {
  const { engine } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const wire = toWire(req);
    const out = await dispatch(engine, wire, req);
    reply.code(out.status).headers(out.headers).send(out.body);
  };
  const hidden = { schema: { hide: true } };
  app.all('/', hidden, handler);
  app.all('/*', hidden, handler);
}

function toWire(req: FastifyRequest): WireRequest {
  const raw = req.raw.url ?? '/';
  const q = raw.indexOf('?');
  return {
    method: req.method,
    path: q === -1 ? raw : raw.slice(0, q),
    query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)),
    headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}

async function dispatch(engine: Engine, wire: WireRequest, req: FastifyRequest): Promise<WireReply> {
  const started = performance.now();
  const time = new Date(engine.clock.now()).toISOString();
  const requestId = engine.ids.uuid('request');
  engine.lifecycle.settle();

  let found: { api: CloudApi; call: RoutedCall } | undefined;
  const touched = new Set<string>();
  let reply: WireReply;
  try {
    found = engine.clouds.identify(wire);
    if (!found) reply = notRecognised(wire, requestId);
    else {
      const { api, call } = found;
      const ctx: CallContext = {
        engine,
        requestId,
        touch: (...ids) => ids.forEach((id) => touched.add(id)),
        gate: async () => {
          // Fault rules arrive with the scenario engine; the hook is already in the path.
          const effect = engine.faults.evaluate({ cloud: api.name, ...call, resourceIds: [...touched] });
          if (effect.kind === 'error') throw new CloudError(effect.code, effect.status ?? 500, effect.message ?? effect.code);
        },
      };
      reply = await api.handle(call, wire, ctx);
    }
  } catch (err) {
    reply = renderFailure(err, found, requestId, req);
  }

  engine.journal.add({
    time,
    cloud: found?.api.name ?? 'unknown',
    service: found?.call.service ?? 'unknown',
    operation: found?.call.operation ?? 'unknown',
    tenant: found?.call.tenant,
    region: found?.call.region,
    method: wire.method,
    path: wire.path,
    status: reply.status,
    errorCode: reply.errorCode,
    latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    resourceIds: [...touched],
  });
  return reply;
}

/** Every failure leaves in the cloud's own shape; an unexpected one is logged, never put on the wire. */
function renderFailure(err: unknown, found: { api: CloudApi; call: RoutedCall } | undefined, requestId: string, req: FastifyRequest): WireReply {
  let cloudErr: CloudError;
  if (err instanceof CloudError) cloudErr = err;
  else {
    req.log.error({ err, requestId }, 'unexpected error while serving a cloud request');
    cloudErr = new CloudError('InternalError', 500, 'An internal error has occurred');
  }
  if (found) {
    try {
      return found.api.renderError(cloudErr, found.call, requestId);
    } catch (renderErr) {
      req.log.error({ err: renderErr, requestId }, 'error renderer failed');
    }
  }
  return jsonReply(cloudErr.status, { error: cloudErr.code, message: cloudErr.message, requestId }, cloudErr.code);
}

function notRecognised(wire: WireRequest, requestId: string): WireReply {
  return jsonReply(
    404,
    { error: 'NotRecognised', message: `fauxcloud: no cloud API recognises ${wire.method} ${wire.path}`, requestId },
    'NotRecognised',
  );
}

function jsonReply(status: number, body: unknown, code: string): WireReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), errorCode: code };
}
