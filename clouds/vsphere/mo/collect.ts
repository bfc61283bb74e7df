/**
 * The PropertyCollector's core: which objects a PropertyFilterSpec selects (ObjectSpec roots,
 * TraversalSpecs followed by property path, SelectionSpecs naming a TraversalSpec anywhere in the
 * spec, `skip` honoured) and their properties by dotted path, each value typed by the generated
 * managed-object table so it travels with the right xsi:type.
 */
import { encodeField, typed, type WireObject, type WireValue } from '../wire/codec.js';
import { isManagedA, pathType, propertiesOf, type FieldInfo } from '../wire/model.js';
import { fault, moref, type MoRef } from '../faults.js';
import type { MoContext } from './context.js';
import { render, typeOf } from './objects.js';

/** Renders each object at most once per request. */
export class RenderCache {
  private readonly cache = new Map<string, WireObject | undefined>();
  constructor(readonly ctx: MoContext) {}

  get(ref: { type: string; value: string }): WireObject | undefined {
    const k = `${ref.type}:${ref.value}`;
    if (this.cache.has(k)) return this.cache.get(k);
    const v = render(this.ctx, ref);
    this.cache.set(k, v);
    return v;
  }
}

export function getPath(obj: WireObject | undefined, path: string): WireValue {
  let v: WireValue = obj;
  for (const seg of path.split('.')) {
    if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as WireObject)[seg];
  }
  return v;
}

function isRef(v: WireValue): v is MoRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as WireObject)._type === 'ManagedObjectReference';
}

function specsByName(spec: WireObject): Map<string, WireObject> {
  const named = new Map<string, WireObject>();
  const visit = (sel: WireValue) => {
    for (const s of (sel as WireObject[] | undefined) ?? []) {
      if (s['path'] !== undefined && typeof s['name'] === 'string' && s['name'] !== '') {
        if (named.has(s['name'])) continue;
        named.set(s['name'], s);
      }
      if (s['path'] !== undefined) visit(s['selectSet']);
    }
  };
  for (const os of (spec['objectSet'] as WireObject[] | undefined) ?? []) visit(os['selectSet']);
  return named;
}

export interface Selection {
  objects: MoRef[];
  missing: MoRef[];
}

/** The objects a filter spec selects, in discovery order, each once. */
export function selectObjects(cache: RenderCache, spec: WireObject, strict: boolean): Selection {
  const ctx = cache.ctx;
  const named = specsByName(spec);
  const found = new Map<string, MoRef>();
  const missing: MoRef[] = [];
  const visited = new Set<string>();
  const ids = new WeakMap<WireObject, number>();
  let anon = 0;
  const identity = (ts: WireObject) => {
    if (typeof ts['name'] === 'string' && ts['name'] !== '') return ts['name'];
    let n = ids.get(ts);
    if (n === undefined) ids.set(ts, (n = ++anon));
    return `#${n}`;
  };
  const traverse = (ref: MoRef, type: string, selectSet: WireValue) => {
    for (const s of (selectSet as WireObject[] | undefined) ?? []) {
      const ts = s['path'] !== undefined ? s : named.get(String(s['name'] ?? ''));
      if (!ts) continue;
      if (!isManagedA(type, String(ts['type']))) continue;
      const key = `${ref.value}|${identity(ts)}`;
      if (visited.has(key)) continue;
      visited.add(key);
      const path = String(ts['path']);
      if (!pathType(String(ts['type']), path)) throw fault.invalidProperty(path);
      const v = getPath(cache.get({ type, value: ref.value }), path);
      const targets = (Array.isArray(v) ? v : [v]).filter(isRef);
      for (const t of targets) {
        const tt = typeOf(ctx, t.value);
        if (!tt) continue;
        const tref = moref(tt, t.value);
        if (ts['skip'] !== true && !found.has(t.value)) found.set(t.value, tref);
        traverse(tref, tt, ts['selectSet']);
      }
    }
  };
  for (const os of (spec['objectSet'] as WireObject[] | undefined) ?? []) {
    const obj = os['obj'] as MoRef | undefined;
    if (!obj || typeof obj.value !== 'string') throw fault.invalidArgument('specSet.objectSet.obj');
    const type = typeOf(ctx, obj.value);
    if (!type || !isManagedA(type, obj.type)) {
      if (strict) throw fault.notFoundObj(obj);
      missing.push(moref(obj.type, obj.value));
      continue;
    }
    const ref = moref(type, obj.value);
    if (os['skip'] !== true && !found.has(obj.value)) found.set(obj.value, ref);
    traverse(ref, type, os['selectSet']);
  }
  return { objects: [...found.values()], missing };
}

/** The property paths a filter spec asks of an object type; undefined when no PropertySpec covers it. */
export function pathsFor(spec: WireObject, type: string): string[] | undefined {
  let paths: Set<string> | undefined;
  for (const ps of (spec['propSet'] as WireObject[] | undefined) ?? []) {
    if (!isManagedA(type, String(ps['type']))) continue;
    paths ??= new Set();
    if (ps['all'] === true) for (const p of propertiesOf(type).keys()) paths.add(p);
    for (const p of (ps['pathSet'] as string[] | undefined) ?? []) paths.add(p);
  }
  return paths ? [...paths] : undefined;
}

/** Check every path of every PropertySpec against the generated table (InvalidProperty otherwise). */
export function validatePaths(spec: WireObject): void {
  for (const ps of (spec['propSet'] as WireObject[] | undefined) ?? []) {
    const type = String(ps['type']);
    // Types fauxcloud has no table for (VirtualApp, StoragePod, …) have no objects here either.
    if (propertiesOf(type).size === 0) continue;
    for (const p of (ps['pathSet'] as string[] | undefined) ?? []) if (!pathType(type, p)) throw fault.invalidProperty(p);
  }
}

/** A property value as an anyType slot carries it: its declared type, array-ness spelled out. */
export function typedValue(f: FieldInfo, v: WireValue): WireValue {
  return typed(f.type, v, f.array);
}

export interface PropValue {
  name: string;
  val: WireValue;
}

/** The set properties of one object (unset ones are left out, as vCenter does). */
export function propertiesFor(cache: RenderCache, ref: MoRef, paths: readonly string[]): PropValue[] {
  const props = cache.get(ref);
  const out: PropValue[] = [];
  for (const p of paths) {
    const f = pathType(ref.type, p);
    if (!f) throw fault.invalidProperty(p);
    const v = getPath(props, p);
    if (v === undefined || v === null) continue;
    out.push({ name: p, val: typedValue(f, v) });
  }
  return out;
}

export function objectContent(ref: MoRef, props: PropValue[]): WireObject {
  return { _type: 'ObjectContent', obj: ref, propSet: props.map((p) => ({ _type: 'DynamicProperty', name: p.name, val: p.val })) };
}

/** The XML of a property value, as WaitForUpdatesEx compares and re-sends it. */
export function serializeVal(val: WireValue): string {
  const out: string[] = [];
  encodeField(out, { name: 'val', type: 'anyType', poly: true, array: false }, val);
  return out.join('');
}
