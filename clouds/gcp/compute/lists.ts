/**
 * List answers: `filter`, `maxResults` (default and cap 500) and `nextPageToken`, plus
 * aggregatedList's map of scopes (`zones/us-central1-a: {disks: [...]}`, or a warning for an
 * empty scope, as the API answers).
 */
import { paginate } from '../../../core/pagination.js';
import { CoreInputError } from '../../../core/errors.js';
import type { ComputeCall } from './call.js';
import type { Json } from './codec.js';
import { compileFilter } from './filter.js';
import { invalid } from './problems.js';
import { ref } from './urls.js';

const MAX_RESULTS = 500;

function page<T extends { seq: number }>(call: ComputeCall, rows: T[]): { items: T[]; nextPageToken?: string } {
  const max = call.query['maxResults'] === undefined ? MAX_RESULTS : Number(call.query['maxResults']);
  if (!Number.isInteger(max) || max < 0) throw invalid(`Invalid value for field 'maxResults': '${String(call.query['maxResults'])}'. Must be a non-negative integer.`);
  try {
    const p = paginate(rows, {
      maxResults: Math.min(max === 0 ? MAX_RESULTS : max, MAX_RESULTS),
      token: call.query['pageToken'] as string | undefined,
      query: [call.route.operation, call.params, call.query['filter'] ?? '', call.query['orderBy'] ?? ''],
    });
    return { items: p.items, ...(p.nextToken ? { nextPageToken: p.nextToken } : {}) };
  } catch (e) {
    if (e instanceof CoreInputError) throw invalid(`Invalid value for field 'pageToken': '${String(call.query['pageToken'])}'.`);
    throw e;
  }
}

/** Rendered, filtered, paged items with their record order kept for the page cursor. */
function select<R extends { seq: number }>(call: ComputeCall, records: readonly R[], render: (r: R) => Json): Array<{ seq: number; item: Json }> {
  const matches = compileFilter(call.query['filter'] as string | undefined);
  const rows: Array<{ seq: number; item: Json }> = [];
  for (const r of records) {
    const item = render(r);
    if (!matches || matches(item)) rows.push({ seq: r.seq, item });
  }
  return rows;
}

export function listAnswer<R extends { seq: number }>(call: ComputeCall, kind: string, records: readonly R[], render: (r: R) => Json, path: string): Json {
  const p = page(call, select(call, records, render));
  return {
    kind: `${kind}List`,
    id: `projects/${call.project}/${path}`,
    items: p.items.map((r) => r.item),
    ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
    selfLink: ref(call.project, path),
  };
}

export function aggregatedAnswer<R extends { seq: number }>(call: ComputeCall, kind: string, plural: string, records: readonly R[], render: (r: R) => Json): Json {
  const p = page(call, select(call, records, render));
  const items: Record<string, Json> = {};
  for (const { item } of p.items) {
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
