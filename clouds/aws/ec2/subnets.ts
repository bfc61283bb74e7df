/**
 * Building subnets through the API: CreateSubnet (inside the VPC's block, /16 to /28, no overlap:
 * InvalidSubnet.Range / InvalidSubnet.Conflict), DeleteSubnet (DependencyViolation while instances
 * or NAT gateways live in it; its route table association goes with it), ModifySubnetAttribute.
 */
import type { CreateSubnetRequest, CreateSubnetResult, DeleteSubnetRequest, ModifySubnetAttributeRequest } from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type Ec2Context } from '../shared/context.js';
import { contains, overlaps, parseBlock, type Block } from './cidr.js';
import { checkDryRun, findZone, regionZones, tagsFor } from './common.js';
import { createSubnet, ensureDefaultVpc, renderSubnet, subnets } from './network.js';
import { patch, T, type InstanceData, type NatGatewayData, type SubnetData } from './records.js';
import { routeTables } from './route-tables.js';
import { requireVpc } from './vpcs.js';

export function requireSubnet(ctx: Ec2Context, id: string | undefined): ResourceRecord<SubnetData> {
  if (!id) throw Ec2Errors.missingParameter('SubnetId');
  ensureDefaultVpc(ctx);
  ctx.touch(id);
  const s = subnets(ctx).get(id);
  if (!s || s.region !== ctx.region) throw Ec2Errors.subnetNotFound(id);
  return s;
}

function createSubnetCall(input: CreateSubnetRequest, ctx: Ec2Context): CreateSubnetResult {
  if (!input.VpcId) throw Ec2Errors.missingParameter('VpcId');
  if (input.CidrBlock === undefined) throw Ec2Errors.missingParameter('CidrBlock');
  const block = parseBlock(input.CidrBlock);
  if (!block) throw Ec2Errors.invalidParameterValue(`Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  const tags = tagsFor(input.TagSpecifications, 'subnet', ['subnet']);
  const vpc = requireVpc(ctx, input.VpcId);
  const vpcBlock = parseBlock(vpc.data.cidrBlock)!;
  if (block.bits < 16 || block.bits > 28 || !contains(vpcBlock, block)) throw ec2Error('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
  const clash = subnets(ctx).peekChildren(vpc.id).find((s) => overlaps(parseBlock(s.data.cidrBlock) as Block, block));
  if (clash) throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${input.CidrBlock}' conflicts with another subnet`);
  // Without a zone EC2 picks one; the region's first keeps runs reproducible.
  const zone = input.AvailabilityZone === undefined && input.AvailabilityZoneId === undefined ? regionZones(ctx)[0]! : findZone(ctx, input.AvailabilityZone, input.AvailabilityZoneId);
  checkDryRun(input);
  const s = createSubnet(ctx, vpc, zone, block.text, tags, false);
  ctx.touch(s.id);
  return { Subnet: { ...renderSubnet(s, ctx), State: 'available' } };
}

/** Instances still in the subnet (terminated ones have let their interfaces go). */
const liveInstances = (ctx: Ec2Context, subnetId: string) =>
  [...ctx.tenant.collection<InstanceData>(T.instance).all()].filter((i) => i.data.subnetId === subnetId && i.lc?.state !== 'terminated');

function deleteSubnet(input: DeleteSubnetRequest, ctx: Ec2Context): object {
  const s = requireSubnet(ctx, input.SubnetId);
  const nats = [...ctx.tenant.collection<NatGatewayData>(T.natGateway).all()].filter((n) => n.data.subnetId === s.id && n.lc?.state !== 'deleted' && n.lc?.state !== 'failed');
  if (liveInstances(ctx, s.id).length > 0 || nats.length > 0) throw ec2Error('DependencyViolation', `The subnet '${s.id}' has dependencies and cannot be deleted.`);
  checkDryRun(input);
  for (const t of routeTables(ctx).peekChildren(s.data.vpcId)) patch(t, { subnetAssociations: t.data.subnetAssociations.filter((a) => a.subnetId !== s.id) });
  subnets(ctx).delete(s.id);
  return {};
}

function modifySubnetAttribute(input: ModifySubnetAttributeRequest, ctx: Ec2Context): object {
  const s = requireSubnet(ctx, input.SubnetId);
  const flags = {
    MapPublicIpOnLaunch: input.MapPublicIpOnLaunch,
    AssignIpv6AddressOnCreation: input.AssignIpv6AddressOnCreation,
    EnableDns64: input.EnableDns64,
    EnableResourceNameDnsARecordOnLaunch: input.EnableResourceNameDnsARecordOnLaunch,
    EnableResourceNameDnsAAAARecordOnLaunch: input.EnableResourceNameDnsAAAARecordOnLaunch,
  };
  const given = Object.entries(flags).filter(([, v]) => v !== undefined);
  const hostname = input.PrivateDnsHostnameTypeOnLaunch;
  if (given.length === 0 && hostname === undefined) throw Ec2Errors.missingParameter('MapPublicIpOnLaunch');
  for (const [name, v] of given) if (v!.Value === undefined) throw Ec2Errors.missingParameter(`${name}.Value`);
  if (hostname !== undefined && hostname !== 'ip-name' && hostname !== 'resource-name')
    throw Ec2Errors.invalidParameterValue(`Value (${hostname}) for parameter privateDnsHostnameTypeOnLaunch is invalid.`);
  // The subnet has no IPv6 block: EC2 refuses to hand out IPv6 addresses from it.
  if (input.AssignIpv6AddressOnCreation?.Value) throw Ec2Errors.invalidParameterValue(`Subnet ${s.id} does not have an IPv6 CIDR block associated with it.`);
  const d: Partial<SubnetData> = {};
  if (input.MapPublicIpOnLaunch) d.mapPublicIpOnLaunch = input.MapPublicIpOnLaunch.Value!;
  if (input.AssignIpv6AddressOnCreation) d.assignIpv6AddressOnCreation = input.AssignIpv6AddressOnCreation.Value!;
  if (input.EnableDns64) d.enableDns64 = input.EnableDns64.Value!;
  if (input.EnableResourceNameDnsARecordOnLaunch) d.enableResourceNameDnsARecordOnLaunch = input.EnableResourceNameDnsARecordOnLaunch.Value!;
  if (input.EnableResourceNameDnsAAAARecordOnLaunch) d.enableResourceNameDnsAAAARecordOnLaunch = input.EnableResourceNameDnsAAAARecordOnLaunch.Value!;
  if (hostname !== undefined) d.privateDnsHostnameTypeOnLaunch = hostname;
  patch(s, d);
  return {};
}

export const subnetOperations = {
  CreateSubnet: op(createSubnetCall),
  DeleteSubnet: op(deleteSubnet),
  ModifySubnetAttribute: op(modifySubnetAttribute),
};
