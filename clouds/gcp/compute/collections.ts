/**
 * The generic resource collection: insert / get / list / aggregatedList / delete / update (PUT) /
 * patch / setLabels for any Compute resource kept as its own JSON, as a declaration per resource
 * (vcsim-style: behaviour as data, hooks only where a resource differs). Records are keyed by
 * their path inside the project (`zones/z/disks/d`); references inside are stored `compute://…`.
 */
import { createHash } from 'node:crypto';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { defineHandlers, operation, scopeOf, type ComputeCall, type ComputeHandler } from './call.js';
import type { Json } from './codec.js';
import { compileFilter } from './filter.js';
import { listAnswer, aggregatedAnswer, listWindow } from './lists.js';
import { computeModel } from './model.js';
import { defineEffect, timestamp } from './operations.js';
import { alreadyExists, badRequest, fingerprintMismatch, invalid, notFound, required } from './problems.js';
import { normalizeRef, ref } from './urls.js';

export type Scope = 'zone' | 'region' | 'global';

export interface CollectionDef {
  /** Path segment (`disks`); the method prefix (`disks`, `regionDisks`) may differ. */
  plural: string;
  service: string;
  type: string;
  kind: string;
  scope: Scope;
  /** Path parameter naming one resource (`disk`, `firewall`). */
  nameParam: string;
  /** Check and complete a new resource (defaults, allocations); throws the synchronous errors. */
  prepare?(call: ComputeCall, resource: Json, key: string): void;
  /** The resource's lifecycle starts in this state, when its type has a machine (`CREATING`). */
  initialState?: string;
  /** Refuse a delete (still in use); runs synchronously. */
  beforeDelete?(call: ComputeCall, rec: ResourceRecord<Json>): void;
  /** Side effects of the delete, applied at DONE. */
  onDeleted?(tenant: TenantStore, rec: ResourceRecord<Json>): void;
  /** Extra fields computed at read time. */
  decorate?(tenant: TenantStore, rec: ResourceRecord<Json>, out: Json): void;
  /** PUT and PATCH results go through `prepare` again (defaults and checks; only where it allocates nothing). */
  revalidate?: boolean;
  /** Fields a PUT or PATCH must not change. */
  immutable?: readonly string[];
}

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME_FILTER = /^\s*name\s*=\s*([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)\s*$/;

const defs = new Map<string, CollectionDef>();

export function collectionByType(type: string): CollectionDef | undefined {
  return defs.get(type);
}

export const fingerprint = (value: unknown): string => createHash('sha1').update(JSON.stringify(value ?? null)).digest('base64').slice(0, 12);

/** Whether the model's message for a kind (`compute#disk` → `Disk`) has a field: labels are where GCE has them. */
function hasField(kind: string, field: string): boolean {
  const name = kind.replace('compute#', '');
  return computeModel().message('v1', name.charAt(0).toUpperCase() + name.slice(1))?.fields[field] !== undefined;
}

export function keyOf(def: CollectionDef, call: ComputeCall, name: string): string {
  return `${scopeOf(call)}/${def.plural}/${name}`;
}

export function render(tenant: TenantStore, def: CollectionDef, rec: ResourceRecord<Json>): Json {
  const out: Json = { ...rec.data };
  if (rec.lc) out['status'] = rec.lc.state;
  def.decorate?.(tenant, rec, out);
  return out;
}

export function getRecord(call: ComputeCall, def: CollectionDef, name = call.params[def.nameParam] ?? call.params['resource']!): ResourceRecord<Json> {
  const key = keyOf(def, call, name);
  const rec = call.tenant.collection<Json>(def.type).get(key);
  if (!rec) throw notFound(`projects/${call.project}/${key}`);
  return rec;
}

/** Insert a resource now (the store record exists while its operation runs, as on the real API). */
export function createResource(call: ComputeCall, def: CollectionDef, body: Json): { rec: ResourceRecord<Json>; key: string } {
  const name = body['name'];
  if (typeof name !== 'string' || name === '') throw required(`resource.name`);
  if (!NAME.test(name))
    throw invalid(`Invalid value for field 'resource.name': '${name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
  const key = keyOf(def, call, name);
  const coll = call.tenant.collection<Json>(def.type);
  if (coll.has(key)) throw alreadyExists(`projects/${call.project}/${key}`);
  const scope = scopeOf(call);
  const resource: Json = {
    kind: def.kind,
    id: call.engine.ids.digits('gcp:id', 19).replace(/^0/, '1'),
    creationTimestamp: timestamp(call.engine.clock.now()),
    ...body,
    selfLink: ref(call.project, key),
  };
  if (scope !== 'global') resource[def.scope] = ref(call.project, scope);
  def.prepare?.(call, resource, key);
  if (hasField(def.kind, 'labelFingerprint')) resource['labelFingerprint'] = fingerprint(resource['labels'] ?? {});
  const rec = coll.insert({ id: key, region: scope.startsWith('global') ? undefined : call.params['region'] ?? call.params['zone']!.replace(/-[a-z]$/, ''), data: resource });
  if (def.initialState) call.engine.lifecycle.enter(call.tenant, rec, def.initialState);
  call.ctx.touch(key);
  return { rec, key };
}

// Effects applied when the operation is DONE (see operations.ts).
defineEffect('created', {
  apply: () => undefined,
  abandon: ({ tenant }, args) => {
    const coll = tenant.collection<Json>(String(args['type']));
    const rec = coll.peek(String(args['key']));
    if (!rec) return;
    coll.delete(rec.id);
    defs.get(rec.type)?.onDeleted?.(tenant, rec);
  },
});
defineEffect('deleted', {
  apply: ({ tenant }, args) => {
    const coll = tenant.collection<Json>(String(args['type']));
    const rec = coll.peek(String(args['key']));
    if (!rec) return;
    coll.delete(rec.id);
    defs.get(String(args['type']))?.onDeleted?.(tenant, rec);
  },
});
defineEffect('replaced', {
  apply: ({ tenant }, args) => {
    const rec = tenant.collection<Json>(String(args['type'])).peek(String(args['key']));
    if (rec) rec.data = args['data'] as Json;
  },
});

/** Resolve references the caller wrote as partial paths or other hosts' URLs to stored form. */
export function normalizeRefs(project: string, resource: Json, fields: readonly string[]): void {
  for (const f of fields) {
    const v = resource[f];
    if (typeof v === 'string') resource[f] = normalizeRef(v, project) ?? v;
    else if (Array.isArray(v)) resource[f] = v.map((x) => (typeof x === 'string' ? (normalizeRef(x, project) ?? x) : x));
  }
}

function mergePatch(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? mergePatch(cur as Json, v as Json) : v;
  }
  return out;
}

export function defineCollection(def: CollectionDef, only?: ReadonlyArray<'insert' | 'get' | 'list' | 'aggregatedList' | 'delete' | 'update' | 'patch' | 'setLabels'>): void {
  defs.set(def.type, def);
  const all: Record<string, ComputeHandler> = {
    insert: (call) => {
      const { rec, key } = createResource(call, def, call.body);
      return operation(call, { scope: scopeOf(call), operationType: 'insert', target: key, targetId: String(rec.data['id']), effect: { kind: 'created', args: { type: def.type, key } } });
    },
    get: (call) => render(call.tenant, def, getRecord(call, def)),
    list: (call) => {
      const scope = scopeOf(call);
      const prefix = `${scope}/${def.plural}/`;
      // The filter runs in the scan from the page's cursor; listAnswer then cuts the same page and token.
      const filter = call.query['filter'] as string | undefined;
      const matches = compileFilter(filter);
      // `name = x` (the PD CSI driver's lookup) names its only candidate: a key lookup, not a scan.
      const named = typeof filter === 'string' ? NAME_FILTER.exec(filter)?.[1] : undefined;
      const items = call.tenant.collection<Json>(def.type).list({
        region: call.params['region'] ?? call.params['zone']?.replace(/-[a-z]$/, ''),
        ...(named !== undefined ? { ids: [`${prefix}${named}`] } : {}),
        ...listWindow(call),
        where: (r) => r.id.startsWith(prefix) && (!matches || matches(render(call.tenant, def, r as ResourceRecord<Json>))),
      });
      return listAnswer(call, def.kind, items, (r) => render(call.tenant, def, r), `${scope}/${def.plural}`);
    },
    aggregatedList: (call) => aggregatedAnswer(call, def.kind, def.plural, call.tenant.collection<Json>(def.type).list(), (r) => render(call.tenant, def, r)),
    delete: (call) => {
      const rec = getRecord(call, def);
      def.beforeDelete?.(call, rec);
      call.ctx.touch(rec.id);
      return operation(call, { scope: scopeOf(call), operationType: 'delete', target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'deleted', args: { type: def.type, key: rec.id } } });
    },
    update: (call) => replace(call, def, (cur) => ({ ...call.body, name: cur['name'] }), 'update'),
    patch: (call) => replace(call, def, (cur) => mergePatch(cur, call.body), 'patch'),
    setLabels: (call) => {
      const rec = getRecord(call, def);
      const given = call.body['labelFingerprint'];
      if (given !== undefined && given !== rec.data['labelFingerprint']) throw fingerprintMismatch('labelFingerprint');
      if (given === undefined) throw badRequest('required', "Required field 'labelFingerprint' not specified");
      const labels = (call.body['labels'] as Json | undefined) ?? {};
      return operation(call, {
        scope: scopeOf(call),
        operationType: 'setLabels',
        target: rec.id,
        targetId: String(rec.data['id']),
        effect: { kind: 'replaced', args: { type: def.type, key: rec.id, data: { ...rec.data, labels, labelFingerprint: fingerprint(labels) } } },
      });
    },
  };
  const ops = only ?? (['insert', 'get', 'list', 'delete', 'update', 'patch'] as const);
  defineHandlers(Object.fromEntries(ops.map((op) => [`${def.service}.${op}`, all[op]!])));
}

function replace(call: ComputeCall, def: CollectionDef, next: (current: Json) => Json, operationType: string): Json {
  const rec = getRecord(call, def);
  const data = next(rec.data);
  for (const f of ['kind', 'id', 'creationTimestamp', 'selfLink', 'zone', 'region', ...(def.immutable ?? [])]) if (rec.data[f] !== undefined) data[f] = rec.data[f];
  if (data['fingerprint'] !== undefined && call.body['fingerprint'] !== undefined && call.body['fingerprint'] !== rec.data['fingerprint']) throw fingerprintMismatch('fingerprint');
  if (def.revalidate) def.prepare?.(call, data, rec.id);
  if (rec.data['fingerprint'] !== undefined) data['fingerprint'] = fingerprint(data);
  return operation(call, { scope: scopeOf(call), operationType, target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'replaced', args: { type: def.type, key: rec.id, data } } });
}
