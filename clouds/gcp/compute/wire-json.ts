/**
 * An answer's JSON text: stored references (`compute://…`) rendered against the caller's base and
 * empty repeated fields left out (proto3 JSON), then one native `JSON.stringify`. The result is
 * exactly `JSON.stringify(answer, replacer)` with the replacer below (wire-json.test.ts holds the
 * two side by side); a replacer costs a call from the engine into JS for every key, which made it
 * most of a list answer's time. Subtrees with nothing to change are shared, not copied.
 */
import { renderLink } from './urls.js';

/** The replacer this module stands for (kept for the equivalence test). */
export function linkReplacer(base: string): (key: string, value: unknown) => unknown {
  return (_k, v) => (typeof v === 'string' ? renderLink(v, base) : Array.isArray(v) && v.length === 0 ? undefined : v);
}

export function answerJson(answer: unknown, base: string): string {
  return JSON.stringify(wire('', answer, base));
}

function wire(key: string, value: unknown, base: string): unknown {
  let v = value;
  // JSON.stringify calls toJSON before the replacer sees the value.
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  if (typeof v === 'string') return renderLink(v, base);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const r = wire(String(i), item, base);
      if (r !== item && out === undefined) out = v.slice(0, i);
      if (out !== undefined) out.push(r);
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const item = obj[k];
    const r = wire(k, item, base);
    if (r === item) continue;
    out ??= { ...obj };
    if (k === '__proto__') Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true });
    else out[k] = r;
  }
  return out ?? obj;
}
