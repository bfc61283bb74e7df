/**
 * The wire shapes of ARM resources, read from the official JS SDKs in node_modules (never
 * hand-copied): `@azure/arm-network`'s serializer `Mappers` (serialized names with their
 * `properties.` flattening, `readOnly`, types) and, because `@azure/arm-compute` 24 is a TypeSpec
 * "modular" package without mappers, its generated wire (de)serializer functions, probed once
 * with a recording proxy: the deserializer's reads give every wire field and its nesting, the
 * serializer's output gives the writable ones, so a field only the deserializer knows is
 * read-only. A shape validates a request body (structure and, where the model says, scalar
 * types; read-only and unknown fields are dropped as ARM ignores them) and filters an answer.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CloudError } from '../../../core/errors.js';

export type Scalar = 'string' | 'number' | 'boolean' | 'date' | 'any';
export type Shape =
  | { kind: 'scalar'; type: Scalar; readOnly?: boolean; allowed?: readonly string[] }
  | { kind: 'object'; fields: Map<string, Shape>; readOnly?: boolean }
  | { kind: 'array'; of: Shape; readOnly?: boolean }
  | { kind: 'map'; of: Shape; readOnly?: boolean };

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => {
  // The packages' export maps hide the model files; find the package root from its main entry.
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(name.split('/').join('/')) && dir !== dirname(dir)) dir = dirname(dir);
  return dir;
};

// ---------------------------------------------------------------------------------------------
// @azure/arm-network: classic AutoRest Mappers.

interface MapperType {
  name: string;
  className?: string;
  modelProperties?: Record<string, { serializedName?: string; readOnly?: boolean; type: MapperType; constraints?: unknown }>;
  element?: { type: MapperType };
  value?: { type: MapperType };
  allowedValues?: string[];
}
let networkMappers: Record<string, { type: MapperType }> | undefined;
const networkShapes = new Map<string, Shape>();

/** A network model by its class name (`LoadBalancer`, `PublicIPAddress`, …). */
export function networkShape(className: string): Shape {
  networkMappers ??= require(join(packageDir('@azure/arm-network'), 'dist/commonjs/models/mappers.js')) as Record<string, { type: MapperType }>;
  return compositeShape(className);
}

function compositeShape(className: string): Shape {
  const known = networkShapes.get(className);
  if (known) return known;
  const mapper = networkMappers![className];
  if (!mapper) throw new Error(`@azure/arm-network has no mapper ${className}`);
  const shape: Shape = { kind: 'object', fields: new Map() };
  networkShapes.set(className, shape); // before the fields: models refer to themselves (subnets ↔ NICs)
  for (const prop of Object.values(mapper.type.modelProperties ?? {})) {
    if (!prop.serializedName) continue;
    const path = prop.serializedName.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'));
    let obj = shape;
    for (const part of path.slice(0, -1)) {
      let next = obj.fields.get(part);
      if (!next || next.kind !== 'object') obj.fields.set(part, (next = { kind: 'object', fields: new Map() }));
      obj = next;
    }
    const leaf = mapperShape(prop.type);
    obj.fields.set(path[path.length - 1]!, prop.readOnly ? { ...leaf, readOnly: true } : leaf);
  }
  return shape;
}

function mapperShape(t: MapperType): Shape {
  switch (t.name) {
    case 'Composite':
      return compositeShape(t.className!);
    case 'Sequence':
      return { kind: 'array', of: mapperShape(t.element!.type) };
    case 'Dictionary':
      return { kind: 'map', of: t.value ? mapperShape(t.value.type) : { kind: 'scalar', type: 'any' } };
    case 'String':
    case 'Uuid':
    case 'TimeSpan':
    case 'ByteArray':
    case 'Base64Url':
      return { kind: 'scalar', type: 'string' };
    case 'Enum':
      return { kind: 'scalar', type: 'string', allowed: t.allowedValues };
    case 'Number':
    case 'UnixTime':
      return { kind: 'scalar', type: 'number' };
    case 'Boolean':
      return { kind: 'scalar', type: 'boolean' };
    case 'DateTime':
    case 'Date':
    case 'DateTimeRfc1123':
      return { kind: 'scalar', type: 'date' };
    default:
      return { kind: 'scalar', type: 'any' };
  }
}

// ---------------------------------------------------------------------------------------------
// @azure/arm-compute: TypeSpec modular (de)serializers, probed.

type Fn = (item: unknown) => unknown;
const computeShapes = new Map<string, Shape>();
const MAX_DEPTH = 16;

/** A compute model by its name in the SDK (`disk`, `snapshot`, `virtualMachine`, …) and module. */
export function computeShape(model: string, module: 'compute' | 'computeDisk' = 'compute'): Shape {
  const key = `${module}:${model}`;
  const known = computeShapes.get(key);
  if (known) return known;
  const mod = require(join(packageDir('@azure/arm-compute'), `dist/commonjs/models/${module}/models.js`)) as Record<string, Fn>;
  const des = mod[`${model}Deserializer`];
  const ser = mod[`${model}Serializer`];
  if (!des || !ser) throw new Error(`@azure/arm-compute has no (de)serializer for ${model}`);
  const readable = probeDeserializer(des);
  const writable = probeSerializer(ser);
  markReadOnly(readable, writable);
  computeShapes.set(key, readable);
  return readable;
}

interface Probe {
  shape: Shape;
  proxy: object;
}

/** A proxy standing for a wire value: every read of it tells what the deserializer expects there. */
function wireProbe(depth: number): Probe {
  const fields = new Map<string, Probe>();
  let shape: Shape = { kind: 'scalar', type: 'any' };
  let element: Probe | undefined;
  const result: Probe = { shape, proxy: {} };
  const set = (s: Shape) => {
    shape = s;
    result.shape = s;
  };
  result.proxy = new Proxy(
    {},
    {
      get(_t, key) {
        if (key === Symbol.toPrimitive) {
          set({ kind: 'scalar', type: 'date' });
          return () => 0;
        }
        if (typeof key === 'symbol' || depth > MAX_DEPTH) return undefined;
        // Object.entries on a dictionary reads back the one key ownKeys offered.
        if (shape.kind === 'map' && key === 'k') return element!.proxy;
        if (key === 'map' && shape.kind !== 'object') {
          return (cb: (v: unknown, i: number) => unknown) => {
            element ??= wireProbe(depth + 1);
            const out = [cb(element.proxy, 0)];
            set({ kind: 'array', of: element.shape });
            return out;
          };
        }
        let f = fields.get(key);
        if (!f) fields.set(key, (f = wireProbe(depth + 1)));
        if (shape.kind !== 'object') set({ kind: 'object', fields: new Map() });
        return f.proxy;
      },
      ownKeys() {
        element ??= wireProbe(depth + 1);
        return ['k'];
      },
      getOwnPropertyDescriptor(_t, k) {
        if (k !== 'k') return undefined;
        set({ kind: 'map', of: element!.shape });
        return { value: element!.proxy, enumerable: true, configurable: true, writable: true };
      },
    },
  );
  // Resolve the child shapes once the deserializer has run (probes fill themselves in as read).
  (result as Probe & { finish: () => Shape }).finish = () => {
    if (shape.kind === 'object') for (const [k, f] of fields) shape.fields.set(k, finish(f));
    if ((shape.kind === 'array' || shape.kind === 'map') && element) shape.of = finish(element);
    return shape;
  };
  return result;
}

function finish(p: Probe): Shape {
  return (p as Probe & { finish: () => Shape }).finish();
}

function probeDeserializer(des: Fn): Shape {
  const p = wireProbe(0);
  des(p.proxy);
  return finish(p);
}

const PROBE = Symbol('probe');

/** An SDK-side value for the serializer: anything it asks for exists, so it writes every wire field. */
function sdkProbe(depth: number): object {
  return new Proxy(
    { [PROBE]: true },
    {
      get(t, key) {
        if (key === PROBE) return true;
        if (typeof key === 'symbol' || depth > MAX_DEPTH) return undefined;
        if (key === 'map') return (cb: (v: unknown, i: number) => unknown) => [cb(sdkProbe(depth + 1), 0)];
        if (key === 'toISOString' || key === 'getTime') return () => '1970-01-01T00:00:00Z';
        void t;
        return sdkProbe(depth + 1);
      },
      ownKeys: () => ['k', PROBE as unknown as string],
      getOwnPropertyDescriptor: (_t, k) => (k === 'k' ? { value: sdkProbe(depth + 1), enumerable: true, configurable: true, writable: true } : { value: true, enumerable: false, configurable: true, writable: true }),
    },
  );
}

/** The wire tree the serializer wrote: objects are its output, probes are leaves. */
function probeSerializer(ser: Fn): unknown {
  return ser(sdkProbe(0));
}

function markReadOnly(readable: Shape, written: unknown): void {
  if (readable.kind === 'object') {
    const out = written && typeof written === 'object' && !(written as Record<symbol, unknown>)[PROBE] ? (written as Record<string, unknown>) : undefined;
    for (const [k, f] of readable.fields) {
      if (!out || !(k in out)) readable.fields.set(k, { ...f, readOnly: true });
      else markReadOnly(f, out[k]);
    }
  } else if (readable.kind === 'array' && Array.isArray(written)) markReadOnly(readable.of, written[0]);
  else if (readable.kind === 'map' && written && typeof written === 'object') markReadOnly(readable.of, Object.values(written as object)[0]);
}

// ---------------------------------------------------------------------------------------------
// Using a shape.

export type Json = Record<string, unknown>;

function invalid(path: string, detail: string): CloudError {
  return new CloudError('InvalidRequestContent', 400, `The request content was invalid and could not be deserialized: '${detail}. Path '${path}'.'`);
}

/**
 * A request body as the resource provider reads it: structure and scalar types checked against
 * the model, read-only and unknown properties dropped (ARM ignores them), nulls kept (PATCH).
 */
export function readBody(shape: Shape, value: unknown, path = ''): unknown {
  if (value === null) return null;
  switch (shape.kind) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid(path, `Error converting value to an object`);
      const out: Json = {};
      for (const [k, v] of Object.entries(value as Json)) {
        const f = shape.fields.get(k) ?? caseInsensitive(shape.fields, k);
        if (!f || f.readOnly) continue;
        out[f === shape.fields.get(k) ? k : canonicalKey(shape.fields, k)] = readBody(f, v, path ? `${path}.${k}` : k);
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(value)) throw invalid(path, `Error converting value to an array`);
      return value.map((v, i) => readBody(shape.of, v, `${path}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid(path, `Error converting value to a dictionary`);
      return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, readBody(shape.of, v, `${path}.${k}`)]));
    case 'scalar':
      return readScalar(shape, value, path);
  }
}

function readScalar(shape: Extract<Shape, { kind: 'scalar' }>, value: unknown, path: string): unknown {
  const t = shape.type;
  if (t === 'any') return value;
  if (typeof value === 'object') throw invalid(path, `Unexpected character encountered while parsing value`);
  if (t === 'number') {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    throw invalid(path, `Could not convert string to integer: ${String(value)}`);
  }
  if (t === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw invalid(path, `Could not convert string to boolean: ${String(value)}`);
  }
  return typeof value === 'string' ? value : String(value);
}

function caseInsensitive(fields: Map<string, Shape>, key: string): Shape | undefined {
  const lower = key.toLowerCase();
  for (const [k, f] of fields) if (k.toLowerCase() === lower) return f;
  return undefined;
}

function canonicalKey(fields: Map<string, Shape>, key: string): string {
  const lower = key.toLowerCase();
  for (const k of fields.keys()) if (k.toLowerCase() === lower) return k;
  return key;
}

/** An answer through the model: only fields the model knows leave, empty values are left out. */
export function render(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  switch (shape.kind) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      const out: Json = {};
      for (const [k, v] of Object.entries(value as Json)) {
        const f = shape.fields.get(k);
        if (!f) continue;
        const r = render(f, v);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((v) => render(shape.of, v) ?? null) : undefined;
    case 'map':
      return typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, render(shape.of, v) ?? null])) : undefined;
    case 'scalar':
      return value;
  }
}
