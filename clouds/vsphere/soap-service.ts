/**
 * One way through for the SOAP endpoints (/sdk, and /pbm, /vsanHealth with their own method
 * tables): decode by the method's generated parameter type, check the session cookie, find `_this`,
 * pass the fault gate, run, encode. Faults leave as SOAP faults with HTTP 500.
 */
import type { CallContext, WireReply, WireRequest } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { DecodeError, type WireObject } from './wire/codec.js';
import { decodeParams, parseSoap, SOAP_CONTENT_TYPE, SoapParseError, soapResponse, type SoapRequest } from './wire/soap.js';
import { fault, VimFault, type MoRef } from './faults.js';
import { Inventory } from './inventory.js';
import type { VsphereRuntime } from './runtime.js';
import type { MethodTable, MoContext } from './mo/context.js';
import { typeOf } from './mo/objects.js';
import { isManagedA } from './wire/model.js';

export interface SoapCall {
  kind: 'soap';
  service: string;
  operation: string;
  tenant: string;
  /** urn:vim25, urn:vsan, urn:pbm: the namespace answers are written in. */
  ns: string;
  parsed?: SoapRequest;
  parseError?: string;
  sessionKey?: string;
}

export function sessionKeyOf(req: WireRequest, parsed?: SoapRequest): string | undefined {
  const raw = req.headers.cookie;
  const header = Array.isArray(raw) ? raw.join('; ') : raw;
  const m = header ? /(?:^|;\s*)vmware_soap_session="?([^";]+)"?/.exec(header) : null;
  return m?.[1] ?? parsed?.headerCookie?.replace(/^"|"$/g, '') ?? undefined;
}

export function identifySoap(req: WireRequest, service: string, ns: string, tenant: string): SoapCall {
  try {
    const parsed = parseSoap(req.body);
    return { kind: 'soap', service, operation: parsed.method, tenant, ns, parsed, sessionKey: sessionKeyOf(req, parsed) };
  } catch (err) {
    return { kind: 'soap', service, operation: 'Invalid', tenant, ns, parseError: err instanceof Error ? err.message : 'malformed request', sessionKey: sessionKeyOf(req) };
  }
}

export function newContext(engine: Engine, rt: VsphereRuntime, req: WireRequest, call?: CallContext): MoContext {
  return { engine, inv: Inventory.of(engine), rt, cookies: [], call, secure: req.secure === true, headers: req.headers };
}

/** An endpoint's own singletons by id, or a function naming the type of any id (VSLM's tasks). */
export type SoapObjects = Readonly<Record<string, string>> | ((ctx: MoContext, id: string) => string | undefined);

export async function serveSoap(engine: Engine, rt: VsphereRuntime, methods: MethodTable, call: SoapCall, req: WireRequest, cctx: CallContext, objects: SoapObjects = {}): Promise<WireReply> {
  if (!call.parsed) throw fault.invalidRequest(call.parseError ?? 'malformed request');
  const ctx = newContext(engine, rt, req, cctx);
  const def = methods[call.operation];
  let args: WireObject;
  try {
    args = decodeParams(call.parsed);
  } catch (err) {
    if (err instanceof SoapParseError || err instanceof DecodeError) {
      if (!def) throw fault.methodNotFound(thisOf(call.parsed), call.operation);
      throw fault.invalidRequest(err.message);
    }
    throw err;
  }
  const self = args['_this'] as MoRef | undefined;
  // A _this without its type attribute is no ManagedObjectReference: refusing it here keeps a
  // fault from naming 'vim.undefined:x' with an untyped obj (found by the fuzz).
  if (!self?.value || !self.type) throw fault.invalidRequest('the request names no _this object');
  if (!def) throw fault.methodNotFound(self, call.operation);
  ctx.session = rt.session(call.sessionKey);
  if (!def.anonymous && !ctx.session) throw fault.notAuthenticated();
  if (ctx.session) rt.touch(ctx.session, true);
  const type = typeof objects === 'function' ? objects(ctx, self.value) : Object.prototype.hasOwnProperty.call(objects, self.value) ? objects[self.value] : typeOf(ctx, self.value);
  if (!type || !isManagedA(type, self.type)) throw fault.notFoundObj(self);
  if (!def.on.some((t) => isManagedA(type, t))) throw fault.methodNotFound(self, call.operation);
  cctx.touch(self.value);
  const ent = ctx.inv.peek(self.value);
  ctx.gateAnswer = await cctx.gate(() => ({ resources: [{ id: self.value, tags: { type, ...(ent ? { name: ent.data.name } : {}) } }] }));
  const value = await def.run(ctx, self, args);
  const headers: Record<string, string> = { 'content-type': SOAP_CONTENT_TYPE };
  if (ctx.cookies.length > 0) headers['set-cookie'] = ctx.cookies.join(', ');
  return { status: 200, headers, body: soapResponse(call.operation, value, call.ns) };
}

function thisOf(parsed: SoapRequest): MoRef {
  const t = parsed.body.children.find((c) => c.name === '_this');
  return { _type: 'ManagedObjectReference', type: t?.attrs['type'] ?? 'ManagedObject', value: t?.text ?? '' };
}

export { VimFault };
