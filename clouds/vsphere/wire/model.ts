/**
 * The shape of the generated wire tables (generated.ts, from govmomi's Go types) and lookups over
 * them: a type's fields including its bases', subtype checks, a managed object's properties.
 */
import { MANAGED, METHODS, TYPES } from './generated.js';

/** [XML name, wire type, flags]: 1 array, 2 optional, 4 polymorphic (xsi:type), 8 attribute, 16 text. */
export type WireField = readonly [string, string, number];
export interface WireType {
  base?: string;
  fields?: readonly WireField[];
  enum?: readonly string[];
}
export interface WireMethod {
  params: string;
  returns: WireField | undefined;
}

export const ARRAY = 1;
export const OPTIONAL = 2;
export const POLY = 4;
export const ATTR = 8;
export const TEXT = 16;

export interface FieldInfo {
  name: string;
  type: string;
  array: boolean;
  poly: boolean;
  attr: boolean;
  text: boolean;
}

function info(f: WireField): FieldInfo {
  return { name: f[0], type: f[1], array: (f[2] & ARRAY) !== 0, poly: (f[2] & POLY) !== 0, attr: (f[2] & ATTR) !== 0, text: (f[2] & TEXT) !== 0 };
}

/** Look a wire type up by its xsi:type spelling (`TraversalSpec`, `vim25:TraversalSpec`, `pbm:PbmProfileId`). */
export function wireType(name: string): WireType | undefined {
  const t = TYPES[name];
  if (t) return t;
  if (name.startsWith('vim25:')) return TYPES[name.slice(6)];
  // PBM types are registered with their prefix; accept them without it too.
  if (!name.includes(':')) return TYPES[`pbm:${name}`];
  return undefined;
}

export function canonicalType(name: string): string {
  if (TYPES[name]) return name;
  if (name.startsWith('vim25:')) return name.slice(6);
  return !name.includes(':') && TYPES[`pbm:${name}`] ? `pbm:${name}` : name;
}

export interface TypeFields {
  list: FieldInfo[];
  byName: Map<string, FieldInfo>;
  /** The fields that are XML attributes or the element's text (the encoder writes them first). */
  special: FieldInfo[];
  /** The fields that are child elements, in order. */
  elements: FieldInfo[];
}

const fieldCache = new Map<string, TypeFields>();

/** All fields of a data type, its bases' first (the order the WSDL sequences them). */
export function fieldsOf(type: string): TypeFields {
  let c = fieldCache.get(type);
  if (c) return c;
  const chain: WireType[] = [];
  for (let t = wireType(type); t; t = t.base ? wireType(t.base) : undefined) chain.unshift(t);
  const list = chain.flatMap((t) => (t.fields ?? []).map(info));
  c = { list, byName: new Map(list.map((f) => [f.name, f])), special: list.filter((f) => f.attr || f.text), elements: list.filter((f) => !f.attr && !f.text) };
  fieldCache.set(type, c);
  return c;
}

export function isEnum(type: string): boolean {
  return wireType(type)?.enum !== undefined;
}

/** Is `type` the data type `base` or derived from it? */
export function isA(type: string, base: string): boolean {
  for (let t: string | undefined = type; t; t = wireType(t)?.base) if (t === base) return true;
  return false;
}

export function method(name: string): WireMethod | undefined {
  return Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
}

const propCache = new Map<string, Map<string, FieldInfo>>();

/** Properties of a managed object type, its bases' included (`ManagedEntity.name`, `.parent`, …). */
export function propertiesOf(moType: string): Map<string, FieldInfo> {
  let c = propCache.get(moType);
  if (c) return c;
  c = new Map();
  const chain: WireType[] = [];
  for (let t: WireType | undefined = MANAGED[moType]; t; t = t.base ? MANAGED[t.base] : undefined) chain.unshift(t);
  for (const t of chain) for (const f of t.fields ?? []) if (f[0] !== 'self') c.set(f[0], info(f));
  propCache.set(moType, c);
  return c;
}

/** Is managed object type `type` the type `base` or derived from it (`ClusterComputeResource` is a `ComputeResource`)? */
export function isManagedA(type: string, base: string): boolean {
  for (let t: string | undefined = type; t; t = MANAGED[t]?.base) if (t === base) return true;
  return false;
}

export function isManagedType(type: string): boolean {
  return MANAGED[type] !== undefined;
}

/**
 * The declared type of a dotted property path (`summary.runtime.powerState`), or undefined when a
 * segment names nothing. Array-valued segments end the walk (vSphere does not index into arrays).
 */
export function pathType(moType: string, path: string): FieldInfo | undefined {
  const segs = path.split('.');
  let f = propertiesOf(moType).get(segs[0]!);
  for (let i = 1; f && i < segs.length; i++) {
    if (f.array) return undefined;
    f = fieldsOf(f.type).byName.get(segs[i]!);
  }
  return f;
}
