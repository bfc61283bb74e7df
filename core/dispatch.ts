/**
 * The one way through for cloud requests: identify → (cloud) decode → fault gate → handler →
 * encode → journal. Lives in its own plugin scope so every body reaches the clouds as raw bytes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BODY_LIMIT_BYTES, type CallContext, type CloudApi, type HttpRefusal, type RoutedCall, type WireReply, type WireRequest } from './cloud-api.js';
import { CloudError } from './errors.js';
import type { Engine } from './engine.js';
import { performConnectionFault } from './faults/connection.js';
import type { CallInfo, ConnectionFault, GateDecision } from './faults/types.js';
import { isoTime } from './iso-time.js';
import { tunnelTarget } from './proxy/index.js';
import { tenantKey } from './store.js';

/** Thrown through the cloud's handler when a rule drops the connection before any answer. */
class ConnectionDropped extends Error {
  constructor(readonly fault: ConnectionFault) {
    super(fault.kind);
  }
}

interface Outcome {
  reply: WireReply;
  /** Set when the answer must be mangled or withheld at the socket. */
  connection?: ConnectionFault;
}

export async function dispatchPlugin(app: FastifyInstance, opts: { engine: Engine }): Promise<void> {
  const { engine } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // An empty Content-Type names no media type: treat it as absent, so the cloud answers in its own
  // shape rather than fastify refusing the body with its 415 (found by the Azure fuzz).
  // A callback hook, not an async one: no promise per request.
  app.addHook('onRequest', (req, _reply, done) => {
    const type = req.headers['content-type'];
    if (type !== undefined && type.trim() === '') delete req.headers['content-type'];
    done();
  });

  // Not an async function: fastify would wrap its promise, and an await here is one more hop.
  const handler = (req: FastifyRequest, reply: FastifyReply): void => {
    const answer = (out: Outcome): void => {
      if (out.connection) performConnectionFault(out.connection, req, reply, out.reply);
      else {
        const { headers, body } = sendable(out.reply);
        reply.code(out.reply.status).headers(headers).send(body);
      }
    };
    // dispatch answers every failure itself; this is the last line, never a stack on the wire.
    const failed = (err: unknown): void => {
      req.log.error({ err }, 'dispatcher failure');
      answer({ reply: jsonReply(500, { error: 'InternalError', message: 'An internal error has occurred' }, 'InternalError') });
    };
    let pending: Promise<Outcome>;
    try {
      pending = dispatch(engine, toWire(req), req);
    } catch (err) {
      failed(err);
      return;
    }
    pending.then(answer, failed);
  };
  const hidden = { schema: { hide: true } };
  app.all('/', hidden, handler);
  app.all('/*', hidden, handler);
  // Methods `all` does not route (PROPFIND, MKCOL, …) reach the same dispatcher: the cloud whose
  // path it is answers, never fastify's `Route X:/ not found`.
  app.setNotFoundHandler(handler);
  // A body over the limit: refused from its Content-Length before a byte is read (fastify
  // checks it up front; a chunked body is dropped as it streams once past the limit), in the
  // shape of the cloud the path and headers name. The connection closes: the rest is not drained.
  app.setErrorHandler(async (err: Error & { code?: string }, req, reply) => {
    if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
    let out: WireReply;
    try {
      out = refuse(engine, 'tooLarge', { ...toWire(req), body: Buffer.alloc(0) }, req);
    } catch (e) {
      req.log.error({ err: e }, 'refusal failure');
      out = jsonReply(413, { error: 'PayloadTooLarge', message: 'fauxcloud: the request body is too large' }, 'PayloadTooLarge');
    }
    reply.code(out.status).headers({ ...out.headers, connection: 'close' }).send(out.body);
  });
}

const LIMIT_MIB = BODY_LIMIT_BYTES / 2 ** 20;

/**
 * An HTTP-level refusal in the shape of the cloud the request is for: the identified cloud's own
 * answer (its hook, else its renderError with a 413), else the first cloud that claims the
 * request, else core's plain JSON. Journaled like any answer, with the cloud that gave it.
 */
function refuse(engine: Engine, kind: HttpRefusal, wire: WireRequest, req: FastifyRequest, requestId = drawRequestId(engine)): WireReply {
  let found: { api: CloudApi; call: RoutedCall } | undefined;
  let reply: WireReply | undefined;
  if (!wire.path.startsWith('/_fauxcloud/')) {
    try {
      found = kind === 'tooLarge' ? engine.clouds.identify(wire) : undefined;
    } catch {
      found = undefined;
    }
    if (found) {
      reply =
        found.api.renderHttpRefusal?.(kind, wire, found.call, requestId) ??
        found.api.renderError(new CloudError('RequestEntityTooLarge', 413, `The request body exceeds the ${LIMIT_MIB} MiB limit.`), found.call, requestId);
    } else {
      for (const api of engine.clouds.list()) {
        reply = api.renderHttpRefusal?.(kind, wire, undefined, requestId);
        if (reply) {
          found = { api, call: { service: 'http', operation: kind === 'tooLarge' ? 'RequestTooLarge' : 'UnknownRoute' } };
          break;
        }
      }
    }
  }
  reply ??=
    kind === 'tooLarge'
      ? jsonReply(413, { error: 'PayloadTooLarge', message: `fauxcloud: the request body exceeds the ${LIMIT_MIB} MiB limit`, requestId }, 'PayloadTooLarge')
      : notRecognised(wire, requestId, req);
  try {
    journal(engine, virtualTime(engine), wire, found, reply.status, reply.errorCode, 0, []);
  } catch (err) {
    req.log.error({ err, requestId }, 'journal failure');
  }
  return reply;
}

function virtualTime(engine: Engine): string {
  try {
    return isoTime(engine.clock.now());
  } catch {
    return '';
  }
}

/** From the seeded stream, so a replay gives the same ids; never throws. */
function drawRequestId(engine: Engine): string {
  try {
    return engine.ids.uuid('request');
  } catch {
    return '00000000-0000-4000-8000-000000000000';
  }
}

/** A media type with a charset: fastify sends a string or a Buffer under it unchanged. */
const WITH_CHARSET = /^[a-z]+\/[a-z0-9.+-]+; ?charset=[a-z0-9-]+$/i;

/**
 * A text answer leaves as one UTF-8 Buffer: fastify measures a string's byte length in a pass of
 * its own and the socket then encodes it again; a Buffer is encoded once and its length is known.
 * Only where the bytes on the wire stay the same: fastify adds `; charset=utf-8` to a JSON type
 * without one when it sends a string (done here as it does it), and names a type for a Buffer
 * that has none (left as a string).
 */
function sendable(reply: WireReply): { headers: Record<string, string>; body: string | Buffer } {
  const { headers, body } = reply;
  if (typeof body !== 'string' || body.length === 0) return reply;
  const type = headers['content-type'];
  if (type === undefined) return reply;
  if (type === 'application/json') return { headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(body, 'utf8') };
  return WITH_CHARSET.test(type) ? { headers, body: Buffer.from(body, 'utf8') } : reply;
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
    secure: (req.raw.socket as { encrypted?: boolean }).encrypted === true,
  };
}

async function dispatch(engine: Engine, wire: WireRequest, req: FastifyRequest): Promise<Outcome> {
  const started = performance.now();
  let time = '';
  // Drawn first (the id stream needs neither the clock nor the cloud): every answer, even one to
  // a failure of the bookkeeping below, carries a seeded id a replay reproduces.
  const requestId = drawRequestId(engine);
  let found: { api: CloudApi; call: RoutedCall } | undefined;
  // Made on the first touch: many calls (a list, a region lookup) touch nothing.
  let touched: Set<string> | undefined;
  let decision: GateDecision | undefined;
  let outcome: Outcome;
  // The dispatcher's own bookkeeping (clock, ids, lifecycle) runs inside the error handling too:
  // whatever state it meets, the caller gets an answer in the cloud's shape.
  try {
    // Identified first, so that even a failure of the bookkeeping below is answered by the cloud.
    found = engine.clouds.identify(wire);
    time = isoTime(engine.clock.now());
    engine.lifecycle.settle();
    if (!found) return { reply: refuse(engine, 'notFound', wire, req, requestId) };
    else {
      const { api, call } = found;
      const ctx: CallContext = {
        engine,
        requestId,
        touch: (...ids) => {
          for (const id of ids) (touched ??= new Set()).add(id);
        },
        gate: async (scopeOf) => {
          if (engine.faults.size === 0) return {};
          const scope = scopeOf?.();
          const info: CallInfo = {
            cloud: api.name,
            ...call,
            zones: scope?.zones ?? [],
            resources: scope?.resources ?? (touched ? [...touched].map((id) => ({ id, tags: {} })) : []),
          };
          decision = engine.faults.evaluate(info);
          if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision!.delayMs));
          const o = decision.outcome;
          if (o?.kind === 'error') throw api.faultError(o, call);
          if (o?.kind === 'connection' && (o.fault.kind === 'reset' || o.fault.kind === 'empty' || o.fault.kind === 'hang')) throw new ConnectionDropped(o.fault);
          return {
            staleHorizon: decision.staleMs === undefined ? undefined : engine.clock.now() - decision.staleMs,
            asyncFailure: decision.asyncFailure,
          };
        },
      };
      const reply = await api.handle(call, wire, ctx);
      const late = decision?.outcome?.kind === 'connection' ? decision.outcome.fault : undefined;
      outcome = { reply, connection: late };
      if (touched && decision && decision.holds.length > 0 && reply.status < 400 && call.tenant !== undefined) applyHolds(engine, tenantKey(api.name, call.tenant), touched, decision);
    }
  } catch (err) {
    outcome = err instanceof ConnectionDropped ? { reply: { status: 0, headers: {}, body: '', errorCode: `connection:${err.fault.kind}` }, connection: err.fault } : { reply: renderFailure(err, found, requestId, req) };
  }

  try {
    journal(
      engine,
      time,
      wire,
      found,
      outcome.reply.status,
      outcome.reply.errorCode ?? (outcome.connection ? `connection:${outcome.connection.kind}` : undefined),
      Math.round((performance.now() - started) * 1000) / 1000,
      touched ? [...touched] : [],
      decision && decision.fired.length > 0 ? decision.fired.join(',') : undefined,
    );
  } catch (err) {
    req.log.error({ err, requestId }, 'journal failure');
  }
  return outcome;
}

/**
 * One journal entry, built in one object the journal keeps (no copies: every request makes one),
 * its keys in the order the journal's stream prints them. Without a virtual time (the clock
 * failed), the real one.
 */
function journal(
  engine: Engine,
  time: string,
  wire: WireRequest,
  found: { api: CloudApi; call: RoutedCall } | undefined,
  status: number,
  errorCode: string | undefined,
  latencyMs: number,
  resourceIds: string[],
  rule?: string,
): void {
  engine.journal.record({
    seq: 0,
    time: time || isoTime(Date.now()),
    host: hostName(wire.headers.host),
    cloud: found?.api.name ?? 'unknown',
    service: found?.call.service ?? 'unknown',
    operation: found?.call.operation ?? 'unknown',
    tenant: found?.call.tenant,
    region: found?.call.region,
    method: wire.method,
    path: wire.path,
    status,
    errorCode,
    latencyMs,
    resourceIds,
    rule,
  });
}

/** `state: {hold: …}`: the touched resources (and their children, e.g. a volume's attachment) stay put. */
function applyHolds(engine: Engine, key: string, touched: Set<string>, decision: GateDecision): void {
  const tenant = engine.store.findTenant(key);
  if (!tenant) return;
  for (const type of tenant.collectionTypes()) {
    const c = tenant.collection(type);
    for (const id of touched)
      for (const rec of [c.peek(id), ...c.peekChildren(id)])
        if (rec) for (const h of decision.holds) engine.lifecycle.hold(tenant, rec, h.state, { ms: h.ms, reads: h.reads });
  }
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

/** The host a request named (`Host`, which proxied requests carry as the real one), without its port. */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return h.toLowerCase();
}

function notRecognised(wire: WireRequest, requestId: string, req: FastifyRequest): WireReply {
  // Through the proxy (a tunnel, or an absolute-form request line), an unknown request means a
  // host fauxcloud does not emulate: say so, as a proxy that cannot reach it would (502).
  const tunnel = tunnelTarget(req.raw.socket);
  // Asterisk-form (`OPTIONS *`) names no host: it is no proxy request.
  const absolute = !req.originalUrl.startsWith('/') && req.originalUrl !== '*';
  if (absolute && !tunnel && !validAbsoluteUrl(req.originalUrl)) {
    return jsonReply(400, { error: 'BadRequest', message: 'fauxcloud: the request target is not a valid absolute URL', requestId }, 'BadRequest');
  }
  if (tunnel || absolute) {
    const host = hostName(wire.headers.host) ?? tunnelTarget(req.raw.socket)?.host ?? 'unknown';
    return jsonReply(
      502,
      { error: 'UnknownHost', message: `fauxcloud does not emulate ${host}: no cloud API recognises ${wire.method} ${wire.path} there`, host, requestId },
      'UnknownHost',
    );
  }
  return jsonReply(
    404,
    { error: 'NotRecognised', message: `fauxcloud: no cloud API recognises ${wire.method} ${wire.path}`, requestId },
    'NotRecognised',
  );
}

function validAbsoluteUrl(target: string): boolean {
  try {
    return new URL(target).host !== '';
  } catch {
    return false;
  }
}

function jsonReply(status: number, body: unknown, code: string): WireReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), errorCode: code };
}
