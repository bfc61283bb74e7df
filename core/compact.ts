/**
 * Compact strings for records kept for the life of the process. A record's fields are often built
 * by concatenation (`${scope}/disks/${name}`, a selfLink, a region cut from a zone): V8 keeps such
 * a value as a tree of string pieces (a cons string) until something flattens it, and every record
 * carries its own copy of values all records share (the zone's URL, the disk type's URL). At
 * 100,000 disks that was most of GCP's ~3 KB a disk. Flattening frees the pieces; a small cache of
 * recent values shares the repeated ones. Plain objects and arrays are walked in place (identity
 * kept: callers may hold the object); anything else (a Date, a class instance) is left alone.
 */
const RECENT_MAX = 2048;
const LONG = 4096;
let recent = new Map<string, string>();

/** One string, flattened, and the shared copy when an equal one was seen recently. */
export function compactString(s: string): string {
  if (s.length > LONG) return s;
  const hit = recent.get(s);
  if (hit !== undefined) return hit;
  // ToNumber flattens a cons string in place (what the `flatstr` package relies on).
  void Number(s);
  // A bounded cache: unique values (ids) churn it; values every record repeats are back at once.
  if (recent.size >= RECENT_MAX) recent = new Map();
  recent.set(s, s);
  return s;
}

/** Compact every string in a plain JSON-like value, in place; returns the value. */
export function compactValue<T>(value: T, depth = 0): T {
  if (depth > 16 || value === null || typeof value !== 'object') return value;
  // Frozen: stored data sealed by the store (store.ts sealData), compacted before it was frozen.
  if (Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') value[i] = compactString(v);
      else if (v !== null && typeof v === 'object') compactValue(v, depth + 1);
    }
    return value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (typeof v === 'string') obj[k] = compactString(v);
    else if (v !== null && typeof v === 'object') compactValue(v, depth + 1);
  }
  return value;
}
