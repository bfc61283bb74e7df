/**
 * vAPI REST: sessions (`/rest/com/vmware/cis/session`, `/api/session`) and the tagging service
 * (categories, tags, tag associations and their `~action`s) as govmomi's `vapi/tags` calls them.
 * `/rest` answers are wrapped in `{"value": …}`, `/api` answers are not; errors are vAPI's
 * `{"type": "com.vmware.vapi.std.errors.…", "value": {"messages": […]}}` (/rest) or
 * `{"error_type": "NOT_FOUND", "messages": […]}` (/api) with the matching HTTP status.
 */
import type { CallContext, RoutedCall, WireReply, WireRequest } from '../../../core/cloud-api.js';
import { CloudError } from '../../../core/errors.js';
import type { Engine } from '../../../core/engine.js';
import { Inventory } from '../inventory.js';
import type { Session, VsphereRuntime } from '../runtime.js';
import { serveTagging } from './tagging.js';

export interface RestCall extends RoutedCall {
  kind: 'rest';
  api: boolean;
  /** The path below `/rest` or `/api` with its `/com/vmware` prefix dropped: `/cis/session`, `/cis/tagging/tag`. */
  sub: string;
  action?: string;
}

const ERRORS: Record<number, string> = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'unauthorized', 404: 'not_found', 409: 'already_exists', 500: 'error', 503: 'service_unavailable' };

export class RestError extends CloudError {
  constructor(status: number, message: string, kind = ERRORS[status] ?? 'error') {
    super(kind, status, message);
  }
}

export function identifyRest(req: WireRequest, tenant: string): RestCall {
  const api = req.path === '/api' || req.path.startsWith('/api/');
  let sub = req.path.slice(api ? 4 : 5);
  if (sub.startsWith('/com/vmware')) sub = sub.slice('/com/vmware'.length);
  const action = req.query.get('~action') ?? undefined;
  const op = sub.replace(/\/id:[^/]*/g, '').replace(/^\//, '').replace(/\//g, '.') || 'root';
  return { kind: 'rest', api, sub, action, service: 'vapi', operation: `${req.method} ${op}${action ? `~${action}` : ''}`, tenant };
}

export interface RestContext {
  engine: Engine;
  inv: Inventory;
  rt: VsphereRuntime;
  call: RestCall;
  body: unknown;
  method: string;
}

function reply(call: RestCall, status: number, value: unknown): WireReply {
  if (value === undefined) return { status: status === 200 && call.api ? 204 : status, headers: {}, body: '' };
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.api ? value : { value }) };
}

function basicAuth(req: WireRequest): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !/^basic /i.test(h)) return undefined;
  const raw = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  return i === -1 ? undefined : { user: raw.slice(0, i), password: raw.slice(i + 1) };
}

function sessionOf(rt: VsphereRuntime, req: WireRequest): Session | undefined {
  const h = req.headers['vmware-api-session-id'];
  let id = typeof h === 'string' ? h : undefined;
  if (!id) {
    const c = typeof req.headers.cookie === 'string' ? /(?:^|;\s*)vmware-api-session-id=([^;]+)/.exec(req.headers.cookie) : null;
    id = c?.[1];
  }
  return rt.session(id);
}

export async function serveRest(engine: Engine, rt: VsphereRuntime, call: RestCall, req: WireRequest, cctx: CallContext): Promise<WireReply> {
  const inv = Inventory.of(engine);
  await cctx.gate();
  let body: unknown;
  if (req.body.length > 0) {
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new RestError(400, 'The request body is not valid JSON.');
    }
  }
  if (call.sub === '/cis/session' || call.sub === '/session') {
    if (req.method === 'POST' && (call.action === undefined || call.action === 'create')) {
      const auth = basicAuth(req);
      const rec = auth ? inv.tenant.collection<{ password: string }>('vsphere.user').get(auth.user) : undefined;
      if (!auth || !rec || rec.data.password !== auth.password) throw new RestError(401, 'Authentication required.');
      const now = engine.clock.now();
      const key = engine.ids.hex('vsphere:vapi-session', 32);
      rt.addSession({ key, userName: auth.user, loginTime: now, lastActive: now, callCount: 0 });
      const r = reply(call, call.api ? 201 : 200, key);
      if (req.headers['vmware-use-header-authn'] === undefined) r.headers['set-cookie'] = `vmware-api-session-id=${key}; Path=/rest; Secure; HttpOnly`;
      return r;
    }
    const s = sessionOf(rt, req);
    if (!s) throw new RestError(401, 'Authentication required.');
    if (req.method === 'DELETE') {
      rt.endSession(s.key);
      return reply(call, call.api ? 204 : 200, undefined);
    }
    if ((req.method === 'POST' && call.action === 'get') || req.method === 'GET')
      return reply(call, 200, { user: s.userName, created_time: new Date(s.loginTime).toISOString(), last_accessed_time: new Date(s.lastActive).toISOString() });
    throw new RestError(400, `${req.method} is not supported on the session resource`);
  }
  const s = sessionOf(rt, req);
  if (!s) throw new RestError(401, 'Authentication required.');
  rt.touch(s, false);
  if (call.sub.startsWith('/cis/tagging/')) {
    const out = serveTagging({ engine, inv, rt, call, body, method: req.method });
    return reply(call, out.status ?? 200, out.value);
  }
  throw new RestError(404, `fauxcloud does not serve ${req.method} ${req.path}`);
}

export function restError(err: CloudError, call: RestCall): WireReply {
  const status = err instanceof RestError ? err.status : err.status >= 400 && err.status < 600 ? err.status : 500;
  const kind = err instanceof RestError ? err.code : (ERRORS[status] ?? 'error');
  const messages = [{ args: [], default_message: err.message, id: `com.vmware.vapi.std.errors.${kind}` }];
  const body = call.api ? { error_type: kind.toUpperCase(), messages } : { type: `com.vmware.vapi.std.errors.${kind}`, value: { messages } };
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), errorCode: kind };
}
