/**
 * Generic resource filtering: a cloud maps its filter names to accessors and core does the
 * matching (any value of a filter matches; all filters must match), with the `*` and `?`
 * wildcards EC2-style filters allow, matched in linear time (core/wildcard.ts). Size bounds
 * (how many filters, how long a value) are the cloud's to enforce with its own error.
 */
import { CoreInputError } from './errors.js';
import type { ResourceRecord } from './store.js';
import { hasWildcard, wildcardMatcher } from './wildcard.js';

export interface FilterSpec {
  name: string;
  values: readonly string[];
}

export type FieldValue = string | number | boolean | undefined | null | ReadonlyArray<string | number | boolean | undefined | null>;
export type FieldAccessor<T> = (record: ResourceRecord<T>) => FieldValue;

export interface FilterFields<T> {
  fields: Readonly<Record<string, FieldAccessor<T>>>;
  /** Support `tag:<key>`, `tag-key` and `tag-value` from the record's tags. */
  tags?: boolean;
}

type Predicate<T> = (r: ResourceRecord<T>) => boolean;

export function compileFilters<T>(filters: readonly FilterSpec[] | undefined, spec: FilterFields<T>): Predicate<T> {
  if (!filters || filters.length === 0) return () => true;
  const preds = filters.map((f) => compileOne(f, spec));
  return (r) => preds.every((p) => p(r));
}

/** Tag filters that the tag index can answer directly (an optimisation; the predicate still runs). */
export function indexableTagFilters(filters: readonly FilterSpec[] | undefined): Record<string, string | undefined> | undefined {
  if (!filters) return undefined;
  const out: Record<string, string | undefined> = {};
  let any = false;
  for (const f of filters) {
    if (f.name.startsWith('tag:') && f.values.length === 1 && !hasWildcard(f.values[0]!)) {
      out[f.name.slice(4)] = f.values[0];
      any = true;
    } else if (f.name === 'tag-key' && f.values.length === 1 && !hasWildcard(f.values[0]!)) {
      out[f.values[0]!] = undefined;
      any = true;
    }
  }
  return any ? out : undefined;
}

function compileOne<T>(f: FilterSpec, spec: FilterFields<T>): Predicate<T> {
  const matchers = f.values.map(valueMatcher);
  const anyMatch = (v: FieldValue): boolean => {
    if (v === undefined || v === null) return false;
    const list = Array.isArray(v) ? v : [v];
    return list.some((x) => x !== undefined && x !== null && matchers.some((m) => m(String(x))));
  };
  if (spec.tags) {
    if (f.name.startsWith('tag:')) {
      const key = f.name.slice(4);
      return (r) => anyMatch(r.tags[key]);
    }
    if (f.name === 'tag-key') return (r) => anyMatch(Object.keys(r.tags));
    if (f.name === 'tag-value') return (r) => anyMatch(Object.values(r.tags));
  }
  const accessor = spec.fields[f.name];
  if (!accessor) throw new CoreInputError('invalid-filter', `The filter '${f.name}' is invalid`, f.name);
  return (r) => anyMatch(accessor(r));
}

function valueMatcher(pattern: string): (v: string) => boolean {
  // `\*` and `\?` are literal, as in EC2; matched without backtracking (core/wildcard.ts).
  return hasWildcard(pattern) ? wildcardMatcher(pattern) : (v) => v === pattern;
}
