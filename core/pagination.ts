/**
 * Opaque pagination tokens. A token carries the creation sequence of the last item returned and
 * a fingerprint of the query, so paging survives inserts and deletes between pages and a token
 * replayed against a different query is rejected (as the real clouds do).
 */
import { createHash } from 'node:crypto';
import { CoreInputError } from './errors.js';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function paginate<T extends { seq: number }>(
  items: readonly T[],
  opts: { maxResults?: number; token?: string; query?: unknown },
): Page<T> {
  // The query's fingerprint (a hash) only when a token is read or written: a one-page list needs none.
  let after = 0;
  if (opts.token !== undefined && opts.token !== '') after = decodeToken(opts.token, queryScope(opts.query));
  const start = after === 0 ? 0 : firstAfter(items, after);
  const max = opts.maxResults;
  if (max === undefined || start + max >= items.length) return { items: start === 0 ? items.slice() : items.slice(start) };
  const page = items.slice(start, start + max);
  return { items: page, nextToken: encodeToken(page[page.length - 1]!.seq, queryScope(opts.query)) };
}

/**
 * The cursor a page token carries (0 without one), checked against the query as `paginate` checks
 * it: a caller that passes it to the store (`afterSeq`, `limit: maxResults + 1`) scans only the
 * page, and `paginate` over that scan answers the very page and token it would over everything.
 */
export function cursorOf(opts: { token?: string; query?: unknown }): number {
  return opts.token !== undefined && opts.token !== '' ? decodeToken(opts.token, queryScope(opts.query)) : 0;
}

/** Index of the first item with a seq greater than `seq`: items arrive in creation (seq) order, so a binary search. */
export function firstAfter(items: ReadonlyArray<{ seq: number }>, seq: number): number {
  let lo = 0, hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function queryScope(query: unknown): string {
  return createHash('sha1').update(JSON.stringify(query ?? null)).digest('base64url').slice(0, 8);
}

function encodeToken(seq: number, scope: string): string {
  return Buffer.from(`v1:${scope}:${seq}`).toString('base64url');
}

function decodeToken(token: string, scope: string): number {
  const parts = Buffer.from(token, 'base64url').toString('utf8').split(':');
  const seq = Number(parts[2]);
  if (parts.length !== 3 || parts[0] !== 'v1' || parts[1] !== scope || !Number.isInteger(seq) || seq < 0)
    throw new CoreInputError('invalid-token', 'The pagination token is not valid for this request', token);
  return seq;
}
