/**
 * OpenStack's list paging: `limit` and `marker` (the id of the last item seen), and a
 * `<collection>_links` entry with `rel: next` whenever a page came back full, pointing at the same
 * query with the marker set (gophercloud's linked pages follow it; cinder-csi turns its marker into
 * the CSI next token).
 */
import type { WireRequest } from '../../../core/cloud-api.js';
import { CloudError } from '../../../core/errors.js';
import { origin, queryInt } from './wire.js';

export interface Page<T> {
  items: T[];
  next?: string;
}

export function paginate<T extends { id: string }>(req: WireRequest, all: T[], opts: { maxLimit?: number; notFound: (marker: string) => CloudError }): Page<T> {
  const limit = queryInt(req.query, 'limit');
  const marker = req.query.get('marker');
  let start = 0;
  if (marker) {
    const i = all.findIndex((x) => x.id === marker);
    if (i < 0) throw opts.notFound(marker);
    start = i + 1;
  }
  const max = opts.maxLimit ?? 1000;
  const size = Math.min(limit ?? max, max);
  const items = all.slice(start, start + size);
  if (items.length === 0 || items.length < size) return { items };
  const q = new URLSearchParams(req.query);
  q.set('limit', String(size));
  q.set('marker', items[items.length - 1]!.id);
  return { items, next: `${origin(req)}${req.path}?${q.toString()}` };
}

export const nextLinks = (next: string | undefined): Array<{ href: string; rel: string }> => (next ? [{ href: next, rel: 'next' }] : []);
