/** VPCs and subnets: DescribeVpcs, DescribeSubnets, private address allocation, the default VPC (writes: vpcs.ts, subnets.ts). */
import type { DescribeSubnetsRequest, DescribeSubnetsResult, DescribeVpcsRequest, DescribeVpcsResult, Subnet, Vpc } from '@aws-sdk/client-ec2';
import { cidrRange, intToIp } from '../../../core/ipv4.js';
import type { ResourceRecord } from '../../../core/store.js';
import { Ec2Errors, ec2Error } from '../shared/errors.js';
import { checkDryRun, filterRecords, pageOf, regionZones, wireTags } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { patch, T, type DefaultVpcMark, type SubnetData, type VpcData } from './records.js';
import { attachInternetGateway, createMainRouteTable } from './route-tables.js';
import { createGroup } from './security-groups.js';

export const vpcs = (ctx: Ec2Context) => ctx.tenant.collection<VpcData>(T.vpc);
export const subnets = (ctx: Ec2Context) => ctx.tenant.collection<SubnetData>(T.subnet);

/** A VPC comes with its default security group and its main route table (tagged like the VPC). */
export function createVpc(ctx: Ec2Context, cidrBlock: string, tags: Record<string, string>, isDefault = false): ResourceRecord<VpcData> {
  const vpc = vpcs(ctx).insert({ id: ctx.newId('vpc'), region: ctx.region, tags, data: { cidrBlock, isDefault, dhcpOptionsId: ctx.newId('dopt') } });
  createGroup(ctx, vpc.id, 'default', 'default VPC security group', {});
  createMainRouteTable(ctx, vpc.id, cidrBlock, tags);
  if (isDefault) attachInternetGateway(ctx, vpc.id, {});
  return vpc;
}

export function createSubnet(
  ctx: Ec2Context,
  vpc: ResourceRecord<VpcData>,
  zone: { zoneName: string; zoneId: string },
  cidrBlock: string,
  tags: Record<string, string>,
  /** The default VPC's own subnets are their zone's default (public IPs on launch); ones added later are not. */
  asDefault = vpc.data.isDefault,
): ResourceRecord<SubnetData> {
  return subnets(ctx).insert({
    id: ctx.newId('subnet'),
    region: ctx.region,
    parent: vpc.id,
    tags,
    data: { vpcId: vpc.id, zone: zone.zoneName, zoneId: zone.zoneId, cidrBlock, defaultForAz: asDefault, mapPublicIpOnLaunch: asDefault, nextHost: 4 },
  });
}

/**
 * Every region of a new account has a default VPC (172.31.0.0/16, one /20 per zone, an internet
 * gateway, its main route table and default group), made when a call first needs it. A mark per
 * region keeps a deleted default VPC deleted; a region a scenario (or an older state document)
 * gave VPCs starts without one, as an account whose default VPC was deleted.
 */
export function ensureDefaultVpc(ctx: Ec2Context): void {
  const marks = ctx.tenant.collection<DefaultVpcMark>(T.defaultVpc);
  if (marks.peek(ctx.region)) return;
  if ([...vpcs(ctx).all()].some((v) => v.region === ctx.region)) {
    marks.insert({ id: ctx.region, region: ctx.region, data: {} });
    return;
  }
  const vpc = createVpc(ctx, '172.31.0.0/16', {}, true);
  marks.insert({ id: ctx.region, region: ctx.region, data: { vpcId: vpc.id } });
  regionZones(ctx).forEach((z, i) => createSubnet(ctx, vpc, z, `172.31.${i * 16}.0/20`, {}));
}

/** The region's default VPC, if it has one. */
export function defaultVpcOf(ctx: Ec2Context): ResourceRecord<VpcData> | undefined {
  ensureDefaultVpc(ctx);
  return vpcs(ctx).list({ region: ctx.region }).find((v) => v.data.isDefault);
}

/**
 * The next free private address of a subnet: AWS reserves the first four and the last; the scan
 * wraps around, so addresses of terminated instances are handed out again rather than the subnet
 * running dry after its size in launches. `used` are addresses held now (skipped).
 */
export function allocateAddress(subnet: ResourceRecord<SubnetData>, used: ReadonlySet<string> = new Set()): string {
  const { start, size } = cidrRange(subnet.data.cidrBlock);
  let next = subnet.data.nextHost;
  for (let tried = 0; tried < size - AWS_RESERVED; tried++) {
    if (next < 4 || next >= size - 1) next = 4;
    const ip = intToIp(start + next++);
    if (!used.has(ip)) {
      patch(subnet, { nextHost: next });
      return ip;
    }
  }
  if (next !== subnet.data.nextHost) patch(subnet, { nextHost: next });
  throw ec2Error('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`);
}

/** Addresses AWS keeps in every subnet: the first four and the last. */
export const AWS_RESERVED = 5;

export function renderVpc(r: ResourceRecord<VpcData>, ctx: Ec2Context): Vpc {
  return {
    VpcId: r.id,
    OwnerId: ctx.account,
    State: 'available',
    CidrBlock: r.data.cidrBlock,
    CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-${r.id.slice(4)}`, CidrBlock: r.data.cidrBlock, CidrBlockState: { State: 'associated' } }],
    DhcpOptionsId: r.data.dhcpOptionsId,
    InstanceTenancy: 'default',
    IsDefault: r.data.isDefault,
    Tags: Object.keys(r.tags).length > 0 ? wireTags(r.tags) : undefined,
  };
}

export function renderSubnet(r: ResourceRecord<SubnetData>, ctx: Ec2Context): Subnet {
  const bits = Number(r.data.cidrBlock.split('/')[1]);
  return {
    SubnetId: r.id,
    SubnetArn: `arn:aws:ec2:${ctx.region}:${ctx.account}:subnet/${r.id}`,
    VpcId: r.data.vpcId,
    OwnerId: ctx.account,
    State: 'available',
    AvailabilityZone: r.data.zone,
    AvailabilityZoneId: r.data.zoneId,
    CidrBlock: r.data.cidrBlock,
    AvailableIpAddressCount: 2 ** (32 - bits) - r.data.nextHost - 1,
    DefaultForAz: r.data.defaultForAz,
    MapPublicIpOnLaunch: r.data.mapPublicIpOnLaunch,
    AssignIpv6AddressOnCreation: r.data.assignIpv6AddressOnCreation ?? false,
    EnableDns64: r.data.enableDns64 ?? false,
    PrivateDnsNameOptionsOnLaunch: {
      HostnameType: r.data.privateDnsHostnameTypeOnLaunch ?? 'ip-name',
      EnableResourceNameDnsARecord: r.data.enableResourceNameDnsARecordOnLaunch ?? false,
      EnableResourceNameDnsAAAARecord: r.data.enableResourceNameDnsAAAARecordOnLaunch ?? false,
    },
    Ipv6CidrBlockAssociationSet: [],
    Tags: Object.keys(r.tags).length > 0 ? wireTags(r.tags) : undefined,
  };
}

function describeVpcs(input: DescribeVpcsRequest, ctx: Ec2Context): DescribeVpcsResult {
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  const ids = input.VpcIds ?? [];
  let found = vpcs(ctx).list({ region: ctx.region, ids: ids.length > 0 ? ids : undefined });
  const missing = ids.find((id) => !found.some((r) => r.id === id));
  if (missing !== undefined) throw Ec2Errors.vpcNotFound(missing);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'vpc-id': (r) => r.id,
      'cidr-block': (r) => r.data.cidrBlock,
      cidr: (r) => r.data.cidrBlock,
      'is-default': (r) => r.data.isDefault,
      state: () => 'available',
      'owner-id': () => ctx.account,
      'dhcp-options-id': (r) => r.data.dhcpOptionsId,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'vpcId', query: input.Filters ?? [] });
  return { Vpcs: page.items.map((r) => renderVpc(r, ctx)), NextToken: page.nextToken };
}

function describeSubnets(input: DescribeSubnetsRequest, ctx: Ec2Context): DescribeSubnetsResult {
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  const ids = input.SubnetIds ?? [];
  let found = subnets(ctx).list({ region: ctx.region, ids: ids.length > 0 ? ids : undefined });
  const missing = ids.find((id) => !found.some((r) => r.id === id));
  if (missing !== undefined) throw Ec2Errors.subnetNotFound(missing);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'subnet-id': (r) => r.id,
      'vpc-id': (r) => r.data.vpcId,
      'availability-zone': (r) => r.data.zone,
      'availability-zone-id': (r) => r.data.zoneId,
      'cidr-block': (r) => r.data.cidrBlock,
      'default-for-az': (r) => r.data.defaultForAz,
      state: () => 'available',
      'owner-id': () => ctx.account,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'subnetId', query: input.Filters ?? [] });
  return { Subnets: page.items.map((r) => renderSubnet(r, ctx)), NextToken: page.nextToken };
}

export const networkOperations = {
  DescribeVpcs: op(describeVpcs),
  DescribeSubnets: op(describeSubnets),
};
