/**
 * The generic ARM resource: GET, list (paged with `nextLink`), PUT, PATCH and DELETE for every
 * type a family declares with `defineType`. The store keeps each resource as its wire JSON
 * (record id = its ARM id in lower case, parent = its resource group's or parent resource's id);
 * bodies are read through the model's shape, answers rendered through it. Mutations carry an
 * `etag` check (`If-Match`, `If-None-Match: *` → 412), move `provisioningState` through an
 * operation (lro.ts) and finish in the type's hooks.
 */
import type { CallContext, GateAnswer, WireReply, WireRequest } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { armError, badRequest, notFound, rgNotFound } from '../errors.js';
import { defineEffect, pollingHeaders, startOperation, type EffectContext } from './lro.js';
import { idKey, resourceId, rgId, typeKey } from './path.js';
import { renderer } from './render.js';
import { readBody, type Json, type Shape } from './shapes.js';

export const RESOURCE_GROUP = 'azure.resourceGroup';

/** One call on a resource path, with what every handler needs. */
export interface ArmCall {
  engine: Engine;
  tenant: TenantStore;
  ctx: CallContext;
  req: WireRequest;
  gate: GateAnswer;
  sub: string;
  rg: string;
  namespace: string;
  types: string[];
  names: string[];
  action?: string;
  /** Scheme and host the caller used, for URLs in answers. */
  base: string;
  apiVersion: string;
}

export interface PutInput {
  call: ArmCall;
  type: ArmType;
  id: string;
  name: string;
  /** The body read through the shape (PATCH: merged onto the existing resource). */
  body: Json;
  existing?: ResourceRecord<Json>;
  method: 'PUT' | 'PATCH';
}

export interface ArmType {
  namespace: string;
  /** Resource types from the namespace on, as ARM spells them (`virtualMachineScaleSets`, `virtualMachines`). */
  types: readonly string[];
  shape: () => Shape;
  /** Compute PUTs carry partial bodies that merge into the resource; Network PUTs replace it. */
  putMerges?: boolean;
  /** Status codes of a PUT that creates / updates and of a PATCH. */
  status?: { create?: number; update?: number; patch?: number };
  /** Initial `provisioningState` while a PUT/PATCH runs. */
  transient?: { create: string; update: string };
  etag?: 'weak' | 'counter';
  /** Refuse or complete the resource; the returned JSON is what the store keeps. */
  prepare(input: PutInput): Json;
  /** After the store holds the new body (dependent records: disks of a VM, …). */
  afterPut?(input: PutInput, record: ResourceRecord<Json>): void;
  /** When the operation succeeds / fails (attach → disk Attached, …). */
  commit?(ctx: EffectContext, record: ResourceRecord<Json>): void;
  abandon?(ctx: EffectContext, record: ResourceRecord<Json>): void;
  beforeDelete?(call: ArmCall, record: ResourceRecord<Json>): void;
  onDeleted?(ctx: EffectContext, record: ResourceRecord<Json>): void;
  /** Read-time additions (instanceView) before rendering. */
  decorate?(call: ArmCall, record: ResourceRecord<Json>): Json;
  actions?: Record<string, (call: ArmCall, record: ResourceRecord<Json>) => WireReply | Promise<WireReply>>;
  /** List filter (`$filter`) the type understands. */
  filter?(call: ArmCall, records: ResourceRecord<Json>[]): ResourceRecord<Json>[];
  /** Lists also at subscription scope (`/subscriptions/s/providers/Microsoft.Compute/disks`). */
  subscriptionList?: boolean;
  /** DELETE is an LRO with 202; otherwise 200. */
  deleteStatus?: number;
}

const types = new Map<string, ArmType>();

export function defineType(t: ArmType): ArmType {
  types.set(typeKey(t.namespace, t.types), t);
  return t;
}

export function armType(namespace: string, path: readonly string[]): ArmType | undefined {
  return types.get(typeKey(namespace, path));
}

export const isArmType = (key: string): boolean => types.has(key);
export const collectionOf = (t: ArmType): string => `azure.${typeKey(t.namespace, t.types)}`;
export const fullType = (t: ArmType): string => `${t.namespace}/${t.types.join('/')}`;

export function records(tenant: TenantStore, t: ArmType) {
  return tenant.collection<Json>(collectionOf(t));
}

export function findResource(tenant: TenantStore, t: ArmType, id: string): ResourceRecord<Json> | undefined {
  return records(tenant, t).get(idKey(id));
}

export const props = (data: Json): Json => (data['properties'] ??= {}) as Json;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): WireReply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: body === undefined ? '' : JSON.stringify(body) };
}

export function requireResourceGroup(tenant: TenantStore, sub: string, rg: string): ResourceRecord<Json> {
  const rec = tenant.collection<Json>(RESOURCE_GROUP).get(idKey(rgId(sub, rg)));
  if (!rec) throw rgNotFound(rg);
  return rec;
}

export function newEtag(engine: Engine, t: ArmType, old: unknown): string | undefined {
  if (t.etag === 'weak') return `W/"${engine.ids.uuid('azure:etag')}"`;
  if (t.etag === 'counter') return `"${(typeof old === 'string' ? Number(old.replace(/\D/g, '')) || 0 : 0) + 1}"`;
  return undefined;
}

/** `If-Match` / `If-None-Match` as ARM checks them against the stored etag. */
export function checkPreconditions(req: WireRequest, existing: ResourceRecord<Json> | undefined): void {
  const ifMatch = header(req, 'if-match');
  const ifNone = header(req, 'if-none-match');
  const etag = existing?.data['etag'];
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etag)
    throw armError('PreconditionFailed', 412, `The specified precondition 'If-Match = ${ifMatch}' failed.`);
  if (ifMatch === '*' && !existing) throw armError('PreconditionFailed', 412, "The specified precondition 'If-Match = *' failed.");
  if (ifNone === '*' && existing) throw armError('PreconditionFailed', 412, "The specified precondition 'If-None-Match = *' failed.");
}

export function header(req: WireRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parseBody(req: WireRequest): Json {
  if (req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw badRequest('InvalidRequestContent', `The request content was invalid and could not be deserialized: '${(e as Error).message}'.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body must be a JSON object.');
  return parsed as Json;
}

/** Merge a partial body into a resource: objects merge, arrays and scalars replace, null removes. */
export function merge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k])) out[k] = merge(out[k] as Json, v as Json);
    else out[k] = v;
  }
  return out;
}

export const normalizeLocation = (l: unknown): string => (typeof l === 'string' ? l.replace(/\s+/g, '').toLowerCase() : '');

// ---------------------------------------------------------------------------------------------

export function renderResource(call: ArmCall, t: ArmType, rec: ResourceRecord<Json>): unknown {
  const data = t.decorate ? t.decorate(call, rec) : rec.data;
  return renderer(t.shape())(data);
}

export function getResource(call: ArmCall, t: ArmType): WireReply {
  const rec = findResource(call.tenant, t, idOf(call, t));
  if (!rec) {
    requireResourceGroup(call.tenant, call.sub, call.rg);
    throw notFound(fullType(t), call.names.join('/'), call.rg);
  }
  call.ctx.touch(rec.data['id'] as string);
  const etag = rec.data['etag'];
  return json(200, renderResource(call, t, rec), typeof etag === 'string' ? { etag } : {});
}

export const idOf = (call: ArmCall, t: ArmType): string => resourceId(call.sub, call.rg, t.namespace, t.types, call.names);

/** The records a collection path names, in creation order. */
export function listScope(call: ArmCall, t: ArmType): ResourceRecord<Json>[] {
  const c = records(call.tenant, t);
  if (call.rg === '') return c.list(); // subscription scope
  if (t.types.length === 1) {
    requireResourceGroup(call.tenant, call.sub, call.rg);
    return c.list({ parent: idKey(rgId(call.sub, call.rg)) });
  }
  const parentType = armType(t.namespace, t.types.slice(0, -1));
  const parentId = resourceId(call.sub, call.rg, t.namespace, t.types.slice(0, -1), call.names);
  if (parentType && !findResource(call.tenant, parentType, parentId)) throw notFound(fullType(parentType), call.names.join('/'), call.rg);
  return c.list({ parent: idKey(parentId) });
}

const PAGE = 100;

export function listResources(call: ArmCall, t: ArmType): WireReply {
  let recs = listScope(call, t);
  if (t.filter) recs = t.filter(call, recs);
  // Cut the page first: a page costs what it holds, not what the resource group holds.
  return json(200, mapPage(page(call, recs), (r) => renderResource(call, t, r)));
}

/** One page of a list; `nextLink` carries the offset as `$skiptoken` on the same URL. */
export function mapPage<T, U>(p: { value: T[]; nextLink?: string }, f: (item: T) => U): { value: U[]; nextLink?: string } {
  const value = p.value.map(f);
  return p.nextLink === undefined ? { value } : { value, nextLink: p.nextLink };
}

export function page<T>(call: ArmCall, items: T[]): { value: T[]; nextLink?: string } {
  const top = Number(call.req.query.get('$top') ?? '');
  const size = Number.isInteger(top) && top > 0 && top < PAGE ? top : PAGE;
  const token = call.req.query.get('$skiptoken') ?? call.req.query.get('$skipToken');
  const start = token && /^\d{1,9}$/.test(token) ? Number(token) : 0;
  const value = items.slice(start, start + size);
  if (start + size >= items.length) return { value };
  const q = new URLSearchParams(call.req.query);
  q.delete('$skipToken');
  q.set('$skiptoken', String(start + size));
  // `$` stays literal, as in ARM's own nextLinks.
  return { value, nextLink: `${call.base}${call.req.path}?${q.toString().replace(/%24/g, '$')}` };
}

export function putResource(call: ArmCall, t: ArmType, method: 'PUT' | 'PATCH'): WireReply {
  requireResourceGroup(call.tenant, call.sub, call.rg);
  const id = idOf(call, t);
  const name = call.names[call.names.length - 1]!;
  if (t.types.length > 1) {
    const parentType = armType(t.namespace, t.types.slice(0, -1));
    const parentId = resourceId(call.sub, call.rg, t.namespace, t.types.slice(0, -1), call.names.slice(0, -1));
    if (parentType && !findResource(call.tenant, parentType, parentId))
      throw armError('ParentResourceNotFound', 404, `Can not perform requested operation on nested resource. Parent resource '${call.names.slice(0, -1).join('/')}' not found.`);
  }
  const c = records(call.tenant, t);
  const existing = c.peek(idKey(id));
  if (method === 'PATCH' && !existing) throw notFound(fullType(t), call.names.join('/'), call.rg);
  checkPreconditions(call.req, existing);
  const raw = parseBody(call.req);
  const read = readBody(t.shape(), raw) as Json;
  const body = existing && (method === 'PATCH' || t.putMerges) ? merge(structuredClone(existing.data), read) : read;
  const input: PutInput = { call, type: t, id, name, body, existing, method };
  const data = t.prepare(input);
  data['id'] = id;
  data['name'] = name;
  data['type'] = fullType(t);
  if (data['location'] !== undefined) data['location'] = normalizeLocation(data['location']);
  const etag = newEtag(call.engine, t, existing?.data['etag']);
  if (etag) data['etag'] = etag;
  const state = t.transient ? (existing ? t.transient.update : t.transient.create) : undefined;
  if (state) props(data)['provisioningState'] = state;
  let rec: ResourceRecord<Json>;
  if (existing) {
    existing.data = data;
    rec = existing;
  } else rec = c.insert({ id: idKey(id), parent: idKey(parentOf(call, t)), region: data['location'] as string | undefined, data });
  if (data['tags'] && typeof data['tags'] === 'object') c.setTags(rec.id, data['tags'] as Record<string, string>);
  call.ctx.touch(id);
  t.afterPut?.(input, rec);
  const op = startOperation(call.engine, call.tenant, {
    namespace: t.namespace,
    location: (data['location'] as string | undefined) ?? 'global',
    resourceType: typeKey(t.namespace, t.types),
    resourceId: rec.id,
    effect: { kind: 'arm.commit', args: { type: typeKey(t.namespace, t.types), id: rec.id } },
    asyncFailure: call.gate.asyncFailure,
    result: 'resource',
  });
  const status = method === 'PATCH' ? (t.status?.patch ?? 200) : existing ? (t.status?.update ?? 200) : (t.status?.create ?? 201);
  const headers = pollingHeaders(call.base, call.sub, op, call.apiVersion);
  if (typeof data['etag'] === 'string') headers['etag'] = data['etag'];
  return json(status, renderResource(call, t, rec), headers);
}

export function deleteResource(call: ArmCall, t: ArmType): WireReply {
  requireResourceGroup(call.tenant, call.sub, call.rg);
  const id = idOf(call, t);
  const rec = records(call.tenant, t).peek(idKey(id));
  if (!rec) return { status: 204, headers: {}, body: '' };
  checkPreconditions(call.req, rec);
  t.beforeDelete?.(call, rec);
  call.ctx.touch(id);
  const previous = props(rec.data)['provisioningState'];
  props(rec.data)['provisioningState'] = 'Deleting';
  const op = startOperation(call.engine, call.tenant, {
    namespace: t.namespace,
    location: (rec.data['location'] as string | undefined) ?? 'global',
    resourceType: typeKey(t.namespace, t.types),
    resourceId: rec.id,
    effect: { kind: 'arm.delete', args: { type: typeKey(t.namespace, t.types), id: rec.id, previous: previous ?? null } },
    asyncFailure: call.gate.asyncFailure,
    result: 'none',
  });
  return { status: t.deleteStatus ?? 202, headers: pollingHeaders(call.base, call.sub, op, call.apiVersion), body: '' };
}

function parentOf(call: ArmCall, t: ArmType): string {
  if (t.types.length === 1) return rgId(call.sub, call.rg);
  return resourceId(call.sub, call.rg, t.namespace, t.types.slice(0, -1), call.names.slice(0, -1));
}

defineEffect('arm.commit', {
  apply(ctx, args) {
    const t = types.get(args['type'] as string);
    const rec = t ? records(ctx.tenant, t).peek(args['id'] as string) : undefined;
    if (!t || !rec) return;
    props(rec.data)['provisioningState'] = 'Succeeded';
    t.commit?.(ctx, rec);
  },
  abandon(ctx, args) {
    const t = types.get(args['type'] as string);
    const rec = t ? records(ctx.tenant, t).peek(args['id'] as string) : undefined;
    if (!t || !rec) return;
    props(rec.data)['provisioningState'] = 'Failed';
    t.abandon?.(ctx, rec);
  },
});

defineEffect('arm.delete', {
  apply(ctx, args) {
    const t = types.get(args['type'] as string);
    const c = t ? records(ctx.tenant, t) : undefined;
    const rec = c?.peek(args['id'] as string);
    if (!t || !c || !rec) return;
    c.delete(rec.id);
    for (const childType of types.values())
      if (childType.types.length === t.types.length + 1 && typeKey(childType.namespace, childType.types.slice(0, -1)) === typeKey(t.namespace, t.types))
        for (const child of records(ctx.tenant, childType).peekChildren(rec.id)) records(ctx.tenant, childType).delete(child.id);
    t.onDeleted?.(ctx, rec);
  },
  abandon(ctx, args) {
    const t = types.get(args['type'] as string);
    const rec = t ? records(ctx.tenant, t).peek(args['id'] as string) : undefined;
    if (rec) props(rec.data)['provisioningState'] = (args['previous'] as string | null) ?? 'Succeeded';
  },
});
