/**
 * Partial responses: the `fields` system parameter every Google API takes
 * (`items(name,zone),nextPageToken`, `items/disks/source`). Arrays are projected element-wise.
 */
import { invalid } from './problems.js';

type Mask = Map<string, Mask | true>;

export function parseFields(spec: string): Mask {
  let pos = 0;
  const bad = () => invalid(`Invalid field selection ${spec}`);
  const list = (): Mask => {
    const mask: Mask = new Map();
    for (;;) {
      const m = /[A-Za-z_*][\w*]*(?:\/[A-Za-z_*][\w*]*)*/y;
      m.lastIndex = pos;
      const r = m.exec(spec);
      if (!r) throw bad();
      pos = m.lastIndex;
      const path = r[0].split('/');
      let node = mask;
      for (const key of path.slice(0, -1)) {
        let next = node.get(key);
        if (next === true) break;
        if (!next) node.set(key, (next = new Map()));
        node = next;
      }
      const last = path[path.length - 1]!;
      if (spec[pos] === '(') {
        pos++;
        const sub = list();
        if (spec[pos] !== ')') throw bad();
        pos++;
        const cur = node.get(last);
        if (cur !== true) node.set(last, cur ? new Map([...cur, ...sub]) : sub);
      } else node.set(last, true);
      if (spec[pos] !== ',') return mask;
      pos++;
    }
  };
  const mask = list();
  if (pos !== spec.length) throw bad();
  return mask;
}

export function applyFields(value: unknown, mask: Mask): unknown {
  if (Array.isArray(value)) return value.map((v) => applyFields(v, mask));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of mask) {
    const keys = key === '*' ? Object.keys(value) : [key];
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      out[k] = sub === true ? v : applyFields(v, sub);
    }
  }
  return out;
}
