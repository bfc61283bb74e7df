/** DescribeRegions and DescribeAvailabilityZones. */
import type {
  AvailabilityZone,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
  DescribeRegionsRequest,
  DescribeRegionsResult,
  Region,
} from '@aws-sdk/client-ec2';
import { Ec2Errors } from '../shared/errors.js';
import { asRows, checkDryRun, filterRecords, regionZones } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { OPT_IN_NOT_REQUIRED, REGIONS } from './region-data.js';

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
  regions = filterRecords(asRows(regions, (r) => r.RegionName!), input.Filters, {
    fields: { 'region-name': (r) => r.data.RegionName, endpoint: (r) => r.data.Endpoint, 'opt-in-status': (r) => r.data.OptInStatus },
  }).map((r) => r.data);
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
  zones = filterRecords(asRows(zones, (z) => z.ZoneName!), input.Filters, {
    fields: {
      'zone-name': (z) => z.data.ZoneName,
      'zone-id': (z) => z.data.ZoneId,
      'region-name': (z) => z.data.RegionName,
      state: (z) => z.data.State,
      'zone-type': (z) => z.data.ZoneType,
      'group-name': (z) => z.data.GroupName,
      'opt-in-status': (z) => z.data.OptInStatus,
      'network-border-group': (z) => z.data.NetworkBorderGroup,
    },
  }).map((r) => r.data);
  return { AvailabilityZones: zones };
}

export const regionOperations = {
  DescribeRegions: op(describeRegions),
  DescribeAvailabilityZones: op(describeAvailabilityZones),
};
