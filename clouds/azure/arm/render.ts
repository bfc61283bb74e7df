/**
 * Answers through the model, compiled: one closure per shape, made once, instead of the walk of
 * shapes.ts's `render` for every value (a switch and a field lookup per key, which was most of a
 * list answer's time). Same output to the byte (test/azure/render.test.ts holds the two side by
 * side): only fields the model knows leave, empty values are left out, nulls in arrays and maps
 * stay null. Recursive models (subnets ↔ NICs) compile lazily, a field on its first value.
 */
import type { Json, Shape } from './shapes.js';

type Render = (value: unknown) => unknown;

const compiled = new WeakMap<Shape, Render>();

export function renderer(shape: Shape): Render {
  let fn = compiled.get(shape);
  if (fn) return fn;
  fn = compile(shape);
  compiled.set(shape, fn);
  return fn;
}

/** A child's renderer, compiled on first use (a shape may contain itself). */
function lazy(shape: Shape): Render {
  let fn: Render | undefined;
  return (value) => (fn ??= renderer(shape))(value);
}

function compile(shape: Shape): Render {
  switch (shape.kind) {
    case 'object': {
      // Keys the model does not know map to null, so each is looked up in the shape once.
      const fields = new Map<string, Render | null>();
      const field = (k: string): Render | null => {
        let f = fields.get(k);
        if (f === undefined) {
          const s = shape.fields.get(k);
          f = s ? lazy(s) : null;
          fields.set(k, f);
        }
        return f;
      };
      return (value) => {
        if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
        const out: Json = {};
        const obj = value as Json;
        for (const k of Object.keys(obj)) {
          const f = field(k);
          if (f === null) continue;
          const r = f(obj[k]);
          if (r !== undefined) out[k] = r;
        }
        return out;
      };
    }
    case 'array': {
      const of = lazy(shape.of);
      return (value) => (Array.isArray(value) ? value.map((v) => of(v) ?? null) : undefined);
    }
    case 'map': {
      const of = lazy(shape.of);
      return (value) => {
        if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
        // fromEntries, as the walk does: a `__proto__` key stays an own property.
        return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, of(v) ?? null]));
      };
    }
    case 'scalar':
      return (value) => (value === null ? undefined : value);
  }
}
