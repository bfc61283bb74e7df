/** DescribeRegions and DescribeAvailabilityZones. */
import type {
  AvailabilityZone,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
  DescribeRegionsRequest,
  DescribeRegionsResult,
  Region,
} from '@aws-sdk/client-ec2';
import { compileFilters } from '../../../core/filters.js';
import { CoreInputError } from '../../../core/errors.js';
import type { ResourceRecord } from '../../../core/store.js';
import { Ec2Errors } from '../shared/errors.js';
import { checkDryRun, regionZones } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { OPT_IN_NOT_REQUIRED, REGIONS } from './region-data.js';

/** Filters over plain objects (regions and zones are not store records). */
function filterPlain<V>(values: V[], filters: DescribeRegionsRequest['Filters'], fields: Record<string, (v: V) => string | undefined>): V[] {
  const specs = (filters ?? []).map((f) => ({ name: f.Name ?? '', values: f.Values ?? [] }));
  try {
    const pred = compileFilters<V>(specs, { fields: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, (r: ResourceRecord<V>) => f(r.data)])) });
    return values.filter((v) => pred({ data: v } as ResourceRecord<V>));
  } catch (e) {
    if (e instanceof CoreInputError) throw Ec2Errors.invalidParameterValue(e.message);
    throw e;
  }
}

function describeRegions(input: DescribeRegionsRequest, ctx: Ec2Context): DescribeRegionsResult {
  checkDryRun(input);
  let regions: Region[] = Object.keys(REGIONS).map((name) => ({
    RegionName: name,
    Endpoint: `ec2.${name}.amazonaws.com`,
    OptInStatus: OPT_IN_NOT_REQUIRED.has(name) ? 'opt-in-not-required' : 'opted-in',
  }));
  for (const name of input.RegionNames ?? [])
    if (!REGIONS[name]) throw Ec2Errors.invalidParameterValue(`Invalid region name: ${name}`);
  if (input.RegionNames?.length) regions = regions.filter((r) => input.RegionNames!.includes(r.RegionName!));
  regions = filterPlain(regions, input.Filters, {
    'region-name': (r) => r.RegionName,
    endpoint: (r) => r.Endpoint,
    'opt-in-status': (r) => r.OptInStatus,
  });
  void ctx;
  return { Regions: regions };
}

function describeAvailabilityZones(input: DescribeAvailabilityZonesRequest, ctx: Ec2Context): DescribeAvailabilityZonesResult {
  let zones: AvailabilityZone[] = regionZones(ctx).map((z) => ({
    ZoneName: z.zoneName,
    ZoneId: z.zoneId,
    State: 'available',
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    RegionName: ctx.region,
    GroupName: ctx.region,
    NetworkBorderGroup: ctx.region,
    ZoneType: 'availability-zone',
    GroupLongName: ctx.region,
  }));
  for (const name of input.ZoneNames ?? [])
    if (!zones.some((z) => z.ZoneName === name)) throw Ec2Errors.invalidParameterValue(`The zone '${name}' does not exist.`);
  for (const id of input.ZoneIds ?? [])
    if (!zones.some((z) => z.ZoneId === id)) throw Ec2Errors.invalidParameterValue(`The zone ID '${id}' does not exist.`);
  checkDryRun(input);
  if (input.ZoneNames?.length || input.ZoneIds?.length)
    zones = zones.filter((z) => input.ZoneNames?.includes(z.ZoneName!) || input.ZoneIds?.includes(z.ZoneId!));
  zones = filterPlain(zones, input.Filters, {
    'zone-name': (z) => z.ZoneName,
    'zone-id': (z) => z.ZoneId,
    'region-name': (z) => z.RegionName,
    state: (z) => z.State,
    'zone-type': (z) => z.ZoneType,
    'group-name': (z) => z.GroupName,
    'opt-in-status': (z) => z.OptInStatus,
    'network-border-group': (z) => z.NetworkBorderGroup,
  });
  return { AvailabilityZones: zones };
}

export const regionOperations = {
  DescribeRegions: op(describeRegions),
  DescribeAvailabilityZones: op(describeAvailabilityZones),
};
