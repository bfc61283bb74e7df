/**
 * List answers: `filter`, `maxResults` (default and cap 500) and `nextPageToken`, plus
 * aggregatedList's map of scopes (`zones/us-central1-a: {disks: [...]}`, or a warning for an
 * empty scope, as the API answers).
 */
import { cursorOf, paginate } from '../../../core/pagination.js';
import type { ListQuery } from '../../../core/store.js';
import { CoreInputError } from '../../../core/errors.js';
import type { ComputeCall } from './call.js';
import type { Json } from './codec.js';
import { compileFilter } from './filter.js';
import { invalid } from './problems.js';
import { ref } from './urls.js';

const MAX_RESULTS = 500;

function page<T extends { seq: number }>(call: ComputeCall, rows: readonly T[]): { items: T[]; nextPageToken?: string } {
  const max = call.query['maxResults'] === undefined ? MAX_RESULTS : Number(call.query['maxResults']);
  if (!Number.isInteger(max) || max < 0) throw invalid(`Invalid value for field 'maxResults': '${String(call.query['maxResults'])}'. Must be a non-negative integer.`);
  try {
    const p = paginate(rows, {
      maxResults: Math.min(max === 0 ? MAX_RESULTS : max, MAX_RESULTS),
      token: call.query['pageToken'] as string | undefined,
      query: pageScope(call),
    });
    return { items: p.items, ...(p.nextToken ? { nextPageToken: p.nextToken } : {}) };
  } catch (e) {
    if (e instanceof CoreInputError) throw invalid(`Invalid value for field 'pageToken': '${String(call.query['pageToken'])}'.`);
    throw e;
  }
}

const pageScope = (call: ComputeCall): unknown => [call.route.operation, call.params, call.query['filter'] ?? '', call.query['orderBy'] ?? ''];

/**
 * The store window of the page a list call asks for (its token's cursor, one more than maxResults),
 * so that page 200 of 100,000 disks scans from its cursor. A bad maxResults or token gets no window:
 * the full scan then reaches `page`, which refuses them with the usual errors, in the usual order.
 */
export function listWindow(call: ComputeCall): Pick<ListQuery, 'afterSeq' | 'limit'> {
  const raw = call.query['maxResults'];
  const max = raw === undefined ? MAX_RESULTS : Number(raw);
  if (!Number.isInteger(max) || max < 0) return {};
  try {
    return { afterSeq: cursorOf({ token: call.query['pageToken'] as string | undefined, query: pageScope(call) }), limit: Math.min(max === 0 ? MAX_RESULTS : max, MAX_RESULTS) + 1 };
  } catch (e) {
    if (e instanceof CoreInputError) return {};
    throw e;
  }
}

/**
 * The page of rendered items, in record order (the page cursor is the record's seq). Without a
 * filter the page is cut first and only its records are rendered, so a page costs what it holds,
 * not what the tenant holds; a filter is evaluated on the rendered item, as the API does.
 */
function pageOf<R extends { seq: number }>(call: ComputeCall, records: readonly R[], render: (r: R) => Json): { items: Json[]; nextPageToken?: string } {
  const matches = compileFilter(call.query['filter'] as string | undefined);
  if (!matches) {
    const p = page(call, records);
    return { items: p.items.map(render), ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}) };
  }
  const rows: Array<{ seq: number; item: Json }> = [];
  for (const r of records) {
    const item = render(r);
    if (matches(item)) rows.push({ seq: r.seq, item });
  }
  const p = page(call, rows);
  return { items: p.items.map((r) => r.item), ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}) };
}

export function listAnswer<R extends { seq: number }>(call: ComputeCall, kind: string, records: readonly R[], render: (r: R) => Json, path: string): Json {
  const p = pageOf(call, records, render);
  return {
    kind: `${kind}List`,
    id: `projects/${call.project}/${path}`,
    items: p.items,
    ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
    selfLink: ref(call.project, path),
  };
}

export function aggregatedAnswer<R extends { seq: number }>(call: ComputeCall, kind: string, plural: string, records: readonly R[], render: (r: R) => Json): Json {
  const p = pageOf(call, records, render);
  const items: Record<string, Json> = {};
  for (const item of p.items) {
    const link = String(item['selfLink'] ?? '');
    const m = /projects\/[^/]+\/((?:zones|regions)\/[^/]+|global)\//.exec(link);
    const scope = m?.[1] ?? 'global';
    ((items[scope] ??= { [plural]: [] })[plural] as Json[]).push(item);
  }
  for (const zone of call.tenant.collection('gcp.compute.zone').list()) {
    const scope = `zones/${zone.id}`;
    items[scope] ??= { warning: { code: 'NO_RESULTS_ON_PAGE', message: `There are no results for scope '${scope}' on this page.`, data: [{ key: 'scope', value: scope }] } };
  }
  return {
    kind: `${kind}AggregatedList`,
    id: `projects/${call.project}/aggregated/${plural}`,
    items,
    ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
    selfLink: ref(call.project, `aggregated/${plural}`),
  };
}
