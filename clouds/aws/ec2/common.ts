/** Helpers every EC2 operation shares: dry runs, filters, pagination, tags, zones, id checks. */
import type { Filter, Tag, TagSpecification } from '@aws-sdk/client-ec2';
import { CoreInputError } from '../../../core/errors.js';
import { compileFilters, indexableTagFilters, type FilterFields, type FilterSpec } from '../../../core/filters.js';
import { cursorOf, paginate, type Page } from '../../../core/pagination.js';
import { hasWildcard } from '../../../core/wildcard.js';
import type { ListQuery, ResourceRecord } from '../../../core/store.js';
import { Ec2Errors } from '../shared/errors.js';
import type { Ec2Context } from '../shared/context.js';
import { T, type ZoneData } from './records.js';
import { zoneIdPrefix } from './region-data.js';

/** Call after validation: a dry run reports validation errors first, success as DryRunOperation. */
export function checkDryRun(input: { DryRun?: boolean }): void {
  if (input.DryRun) throw Ec2Errors.dryRun();
}

/** Names and descriptions EC2 documents as "up to 255 characters". */
export const DESCRIPTION_MAX = 255;
export const tooLong = (param: string) => Ec2Errors.invalidParameterValue(`Value for parameter ${param} is invalid. Length exceeds maximum of ${DESCRIPTION_MAX} characters.`);

/** EC2's own bounds (FilterLimitExceeded): 200 filter values per call, 255 characters per value. */
export const FILTER_VALUES_MAX = 200;
export const FILTER_VALUE_LENGTH_MAX = 255;

export function filterSpecs(filters: Filter[] | undefined): FilterSpec[] {
  const list = filters ?? [];
  let values = 0;
  for (const f of list) {
    values += Math.max(1, f.Values?.length ?? 0);
    if (values > FILTER_VALUES_MAX) throw Ec2Errors.filterLimit(`The maximum number of filter values specified on a single call is ${FILTER_VALUES_MAX}`);
    for (const v of f.Values ?? [])
      if (v.length > FILTER_VALUE_LENGTH_MAX) throw Ec2Errors.filterLimit(`The maximum length for a filter value is ${FILTER_VALUE_LENGTH_MAX} characters`);
  }
  return list.map((f) => {
    if (!f.Name) throw Ec2Errors.invalidParameterValue('The filter name must not be empty');
    return { name: f.Name, values: f.Values ?? [] };
  });
}

/** The store query for a Describe call: explicit ids, or the tag index when tag filters allow. */
export function describeQuery(ctx: Ec2Context, ids: readonly string[], filters: Filter[] | undefined, idFilter?: string): ListQuery {
  if (ids.length > 0) return { region: ctx.region, ids };
  // An id filter of plain values (`volume-id`) names its candidates: look them up, not scan (the filter still runs).
  const byId = idFilter ? filters?.find((f) => f.Name === idFilter) : undefined;
  if (byId?.Values && byId.Values.length > 0 && !byId.Values.some((v) => hasWildcard(v))) return { region: ctx.region, ids: [...new Set(byId.Values)] };
  return { region: ctx.region, tags: indexableTagFilters(filterSpecs(filters)) };
}

/**
 * Plain values (regions, zones, instance types, tag descriptions) as rows the record filters and
 * page helpers take: the values' order is their sequence, and they carry no tags of their own.
 */
export function asRows<V>(values: readonly V[], idOf: (v: V) => string): ResourceRecord<V>[] {
  return values.map((data, i) => ({ id: idOf(data), type: 'row', seq: i + 1, createdAt: 0, tenant: '', tags: {}, data }));
}

export function filterRecords<D>(records: ResourceRecord<D>[], filters: Filter[] | undefined, spec: FilterFields<D>): ResourceRecord<D>[] {
  // No filter (a CCM's or CSI driver's plain describe): nothing to compile or test per record.
  if (!filters || filters.length === 0) return records;
  return records.filter(filterPredicate(filters, spec));
}

/** The filters as one predicate (an unknown filter name is EC2's InvalidParameterValue, raised now). */
export function filterPredicate<D>(filters: Filter[] | undefined, spec: FilterFields<D>): (r: ResourceRecord<D>) => boolean {
  const specs = filterSpecs(filters);
  try {
    return compileFilters(specs, spec);
  } catch (e) {
    if (e instanceof CoreInputError) throw Ec2Errors.invalidParameterValue(e.message);
    throw e;
  }
}

/**
 * The store window of one page (`afterSeq`, `limit`) for `pageOf` to cut the same page and token
 * from, so a page of a 100,000-volume account scans from its cursor, not from the start.
 */
export function pageWindow(o: Pick<PageOptions, 'maxResults' | 'nextToken' | 'lenient' | 'max' | 'query'>): Pick<ListQuery, 'afterSeq' | 'limit'> {
  const max = pageMax(o);
  try {
    return { afterSeq: cursorOf({ token: o.nextToken, query: o.query }), limit: max === undefined ? undefined : max + 1 };
  } catch (e) {
    if (e instanceof CoreInputError) throw Ec2Errors.invalidPaginationToken(o.nextToken ?? '');
    throw e;
  }
}

const pageMax = (o: Pick<PageOptions, 'maxResults' | 'lenient' | 'max'>): number | undefined =>
  o.maxResults === undefined || (o.lenient && o.maxResults === 0) ? undefined : Math.min(o.maxResults, o.lenient ? o.max : o.maxResults);

export interface PageOptions {
  maxResults?: number;
  nextToken?: string;
  /** EC2's bounds for MaxResults on this call. */
  min: number;
  max: number;
  /**
   * Calls whose documentation says a larger value returns `max` results (DescribeVolumes,
   * DescribeSnapshots) clamp instead of refusing, and take 0 as "not given" (the EBS CSI driver
   * has sent DescribeSnapshots MaxResults=0 for years).
   */
  lenient?: boolean;
  /** MaxResults may not be combined with explicit ids (`VolumeId.N`, `InstanceId.N`). */
  idsGiven: boolean;
  idsParam: string;
  query: unknown;
}

/** Parameter checks come before any lookup, as in EC2 (a bad MaxResults beats a missing id). */
export function checkPaging(o: Omit<PageOptions, 'query' | 'nextToken'>): void {
  if (o.maxResults !== undefined && !(o.lenient && o.maxResults === 0)) {
    if (o.idsGiven)
      throw Ec2Errors.invalidParameterCombination(`The parameter ${o.idsParam} cannot be used with the parameter maxResults`);
    // Beyond EC2's Integer (2^31-1) even the clamping calls refuse.
    if (!Number.isInteger(o.maxResults) || o.maxResults < o.min || (o.maxResults > o.max && !o.lenient) || o.maxResults > 2_147_483_647)
      throw Ec2Errors.invalidParameterValue(`Value ( ${o.maxResults} ) for parameter maxResults is invalid. Parameter must be between ${o.min} and ${o.max}.`);
  }
}

export function pageOf<T extends { seq: number }>(items: T[], o: PageOptions): Page<T> {
  checkPaging(o);
  const max = pageMax(o);
  try {
    return paginate(items, { maxResults: max, token: o.nextToken, query: o.query });
  } catch (e) {
    if (e instanceof CoreInputError) throw Ec2Errors.invalidPaginationToken(o.nextToken ?? '');
    throw e;
  }
}

export function wireTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function validateTags(tags: readonly Tag[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) {
    const key = t.Key;
    if (key === undefined || key === '') throw Ec2Errors.invalidParameterValue('Tag key must not be empty');
    if (key.length > 128) throw Ec2Errors.invalidParameterValue(`Tag key exceeds the maximum length of 128 characters`);
    if ((t.Value ?? '').length > 256) throw Ec2Errors.invalidParameterValue(`Tag value exceeds the maximum length of 256 characters`);
    if (key.toLowerCase().startsWith('aws:')) throw Ec2Errors.invalidParameterValue(`Tag keys starting with 'aws:' are reserved for internal use`);
    out[key] = t.Value ?? '';
  }
  if (Object.keys(out).length > 50) throw Ec2Errors.invalidParameterValue('The number of tags exceeds the limit of 50');
  return out;
}

/** Tags from `TagSpecification.N` for the resource types this call creates. */
export function tagsFor(specs: TagSpecification[] | undefined, resourceType: string, allowed: readonly string[]): Record<string, string> {
  let out: Record<string, string> = {};
  for (const spec of specs ?? []) {
    if (!spec.ResourceType) throw Ec2Errors.missingParameter('TagSpecification.ResourceType');
    if (!allowed.includes(spec.ResourceType))
      throw Ec2Errors.invalidParameterValue(`'${spec.ResourceType}' is not a valid taggable resource type for this operation.`);
    if (spec.ResourceType === resourceType) out = { ...out, ...validateTags(spec.Tags ?? []) };
  }
  return out;
}

/** The region's zones: seeded ones, else the region's first three, as a new account sees them. */
export function regionZones(ctx: Ec2Context): ZoneData[] {
  const seeded = ctx.tenant.collection<ZoneData>(T.zone).list({ region: ctx.region });
  if (seeded.length > 0) return seeded.map((r) => r.data);
  const prefix = zoneIdPrefix(ctx.region);
  return ['a', 'b', 'c'].map((l, i) => ({ zoneName: `${ctx.region}${l}`, zoneId: `${prefix}-az${i + 1}` }));
}

export function findZone(ctx: Ec2Context, name: string | undefined, id: string | undefined): ZoneData {
  if (name !== undefined && id !== undefined)
    throw Ec2Errors.invalidParameterCombination('The parameter AvailabilityZone cannot be used with the parameter AvailabilityZoneId');
  const zones = regionZones(ctx);
  const zone = name !== undefined ? zones.find((z) => z.zoneName === name) : zones.find((z) => z.zoneId === id);
  if (!zone) throw Ec2Errors.zoneNotFound(name ?? id ?? '');
  return zone;
}

/** Reject ids that cannot be of this type before looking them up, as EC2 does. */
export function checkIdShape(ids: readonly string[], prefix: string, code: string): void {
  const shape = new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
  for (const id of ids) if (!shape.test(id)) throw Ec2Errors.malformed(code, id, prefix);
}
