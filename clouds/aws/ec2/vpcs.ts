/**
 * Building VPCs through the API: CreateVpc (/16 to /28, EC2's InvalidVpc.Range), DeleteVpc (its
 * default group and main route table go with it; subnets, gateways, other groups and tables are
 * DependencyViolation), ModifyVpcAttribute / DescribeVpcAttribute for the DNS switches.
 */
import type {
  CreateVpcRequest,
  CreateVpcResult,
  DeleteVpcRequest,
  DescribeVpcAttributeRequest,
  DescribeVpcAttributeResult,
  ModifyVpcAttributeRequest,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type Ec2Context } from '../shared/context.js';
import { parseBlock } from './cidr.js';
import { checkDryRun, tagsFor } from './common.js';
import { createVpc, ensureDefaultVpc, renderVpc, subnets, vpcs } from './network.js';
import { patch, T, type InternetGatewayData, type NatGatewayData, type VpcData } from './records.js';
import { routeTables } from './route-tables.js';
import { securityGroups } from './security-groups.js';

export function requireVpc(ctx: Ec2Context, id: string | undefined, param = 'VpcId'): ResourceRecord<VpcData> {
  if (!id) throw Ec2Errors.missingParameter(param);
  ensureDefaultVpc(ctx);
  ctx.touch(id);
  const vpc = vpcs(ctx).get(id);
  if (!vpc || vpc.region !== ctx.region) throw Ec2Errors.vpcNotFound(id);
  return vpc;
}

/** EC2's defaults: DNS resolution on; DNS host names on only in a default VPC. */
export const dnsSupport = (v: VpcData) => v.enableDnsSupport ?? true;
export const dnsHostnames = (v: VpcData) => v.enableDnsHostnames ?? v.isDefault;

function createVpcCall(input: CreateVpcRequest, ctx: Ec2Context): CreateVpcResult {
  if (input.CidrBlock === undefined) throw Ec2Errors.missingParameter('CidrBlock');
  const block = parseBlock(input.CidrBlock);
  if (!block) throw Ec2Errors.invalidParameterValue(`Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  if (block.bits < 16 || block.bits > 28) throw ec2Error('InvalidVpc.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
  if (input.InstanceTenancy !== undefined && !['default', 'dedicated'].includes(input.InstanceTenancy))
    throw Ec2Errors.invalidParameterValue(`Value (${input.InstanceTenancy}) for parameter instanceTenancy is invalid.`);
  const tags = tagsFor(input.TagSpecifications, 'vpc', ['vpc']);
  checkDryRun(input);
  // A new account's first call may be this one: its default VPC exists before.
  ensureDefaultVpc(ctx);
  const vpc = createVpc(ctx, block.text, tags);
  ctx.touch(vpc.id);
  return { Vpc: { ...renderVpc(vpc, ctx), State: 'pending' } };
}

function deleteVpc(input: DeleteVpcRequest, ctx: Ec2Context): object {
  const vpc = requireVpc(ctx, input.VpcId);
  const dependent =
    subnets(ctx).peekChildren(vpc.id).length > 0 ||
    [...ctx.tenant.collection<InternetGatewayData>(T.internetGateway).all()].some((g) => g.data.vpcId === vpc.id) ||
    securityGroups(ctx).peekChildren(vpc.id).some((g) => g.data.groupName !== 'default') ||
    routeTables(ctx).peekChildren(vpc.id).some((t) => !t.data.main) ||
    [...ctx.tenant.collection<NatGatewayData>(T.natGateway).all()].some((n) => n.data.vpcId === vpc.id && n.lc?.state !== 'deleted' && n.lc?.state !== 'failed');
  if (dependent) throw ec2Error('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
  checkDryRun(input);
  for (const g of securityGroups(ctx).peekChildren(vpc.id)) securityGroups(ctx).delete(g.id);
  for (const t of routeTables(ctx).peekChildren(vpc.id)) routeTables(ctx).delete(t.id);
  vpcs(ctx).delete(vpc.id);
  return {};
}

const ATTRIBUTES = ['EnableDnsSupport', 'EnableDnsHostnames', 'EnableNetworkAddressUsageMetrics'] as const;

function modifyVpcAttribute(input: ModifyVpcAttributeRequest, ctx: Ec2Context): object {
  const given = ATTRIBUTES.filter((a) => input[a] !== undefined);
  if (given.length === 0) throw Ec2Errors.missingParameter('EnableDnsSupport');
  if (given.length > 1) throw Ec2Errors.invalidParameterCombination('Fields for multiple attribute types specified: ' + given.map((a) => a[0]!.toLowerCase() + a.slice(1)).join(', '));
  const attr = given[0]!;
  const value = input[attr]?.Value;
  if (value === undefined) throw Ec2Errors.missingParameter(`${attr}.Value`);
  const vpc = requireVpc(ctx, input.VpcId);
  // Host names need the resolver (EC2 refuses host names without DNS support).
  if (attr === 'EnableDnsHostnames' && value && !dnsSupport(vpc.data))
    throw Ec2Errors.invalidParameterValue('Cannot enable DNS hostnames for a VPC that has DNS support disabled.');
  if (attr === 'EnableDnsSupport') patch(vpc, { enableDnsSupport: value });
  else if (attr === 'EnableDnsHostnames') patch(vpc, { enableDnsHostnames: value });
  else patch(vpc, { enableNetworkAddressUsageMetrics: value });
  return {};
}

function describeVpcAttribute(input: DescribeVpcAttributeRequest, ctx: Ec2Context): DescribeVpcAttributeResult {
  if (!input.Attribute) throw Ec2Errors.missingParameter('Attribute');
  const vpc = requireVpc(ctx, input.VpcId);
  checkDryRun(input);
  switch (input.Attribute) {
    case 'enableDnsSupport':
      return { VpcId: vpc.id, EnableDnsSupport: { Value: dnsSupport(vpc.data) } };
    case 'enableDnsHostnames':
      return { VpcId: vpc.id, EnableDnsHostnames: { Value: dnsHostnames(vpc.data) } };
    case 'enableNetworkAddressUsageMetrics':
      return { VpcId: vpc.id, EnableNetworkAddressUsageMetrics: { Value: vpc.data.enableNetworkAddressUsageMetrics ?? false } };
    default:
      throw Ec2Errors.invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Unknown attribute.`);
  }
}

export const vpcOperations = {
  CreateVpc: op(createVpcCall),
  DeleteVpc: op(deleteVpc),
  ModifyVpcAttribute: op(modifyVpcAttribute),
  DescribeVpcAttribute: op(describeVpcAttribute),
};
