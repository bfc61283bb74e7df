/**
 * Internet gateways: create, attach (one per VPC: Resource.AlreadyAssociated), detach
 * (Gateway.NotAttached; DependencyViolation while Elastic IPs are mapped in the VPC), delete
 * (DependencyViolation while attached), describe. Routes to a detached gateway turn blackhole.
 */
import type {
  AttachInternetGatewayRequest,
  AttachmentStatus,
  CreateInternetGatewayRequest,
  CreateInternetGatewayResult,
  DeleteInternetGatewayRequest,
  DescribeInternetGatewaysRequest,
  DescribeInternetGatewaysResult,
  DetachInternetGatewayRequest,
  InternetGateway,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type Ec2Context } from '../shared/context.js';
import { checkDryRun, describeQuery, filterRecords, pageOf, tagsFor, wireTags } from './common.js';
import { ensureDefaultVpc } from './network.js';
import { patch, T, type AddressData, type InstanceData, type InternetGatewayData } from './records.js';
import { requireVpc } from './vpcs.js';

type GatewayRecord = ResourceRecord<InternetGatewayData>;
export const internetGateways = (ctx: Ec2Context) => ctx.tenant.collection<InternetGatewayData>(T.internetGateway);

const notFound = (id: string) => ec2Error('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`);

export function gatewayOf(ctx: Ec2Context, vpcId: string): GatewayRecord | undefined {
  return [...internetGateways(ctx).all()].find((g) => g.data.vpcId === vpcId);
}

function requireGateway(ctx: Ec2Context, id: string | undefined): GatewayRecord {
  if (!id) throw Ec2Errors.missingParameter('InternetGatewayId');
  ensureDefaultVpc(ctx);
  ctx.touch(id);
  const g = internetGateways(ctx).get(id);
  if (!g || g.region !== ctx.region) throw notFound(id);
  return g;
}

function render(ctx: Ec2Context, g: GatewayRecord): InternetGateway {
  return {
    InternetGatewayId: g.id,
    OwnerId: ctx.account,
    // EC2 reports an attached gateway as `available`, a value outside the model's AttachmentStatus.
    Attachments: g.data.vpcId ? [{ State: 'available' as AttachmentStatus, VpcId: g.data.vpcId }] : [],
    Tags: Object.keys(g.tags).length > 0 ? wireTags(g.tags) : undefined,
  };
}

function createInternetGateway(input: CreateInternetGatewayRequest, ctx: Ec2Context): CreateInternetGatewayResult {
  const tags = tagsFor(input.TagSpecifications, 'internet-gateway', ['internet-gateway']);
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  const g = internetGateways(ctx).insert({ id: ctx.newId('igw'), region: ctx.region, tags, data: {} });
  ctx.touch(g.id);
  return { InternetGateway: render(ctx, g) };
}

function attachInternetGateway(input: AttachInternetGatewayRequest, ctx: Ec2Context): object {
  const g = requireGateway(ctx, input.InternetGatewayId);
  const vpc = requireVpc(ctx, input.VpcId);
  if (g.data.vpcId) throw ec2Error('Resource.AlreadyAssociated', `resource ${g.id} is already attached to network ${g.data.vpcId}`);
  if (gatewayOf(ctx, vpc.id)) throw ec2Error('Resource.AlreadyAssociated', `Network ${vpc.id} already has an internet gateway attached`);
  checkDryRun(input);
  patch(g, { vpcId: vpc.id });
  return {};
}

/** Elastic IPs associated with instances of the VPC (they need the gateway). */
function mappedAddresses(ctx: Ec2Context, vpcId: string): boolean {
  const instances = ctx.tenant.collection<InstanceData>(T.instance);
  return [...ctx.tenant.collection<AddressData>(T.address).all()].some((a) => {
    const i = a.data.association?.instanceId;
    return i !== undefined && instances.peek(i)?.data.vpcId === vpcId && instances.peek(i)?.lc?.state !== 'terminated';
  });
}

function detachInternetGateway(input: DetachInternetGatewayRequest, ctx: Ec2Context): object {
  const g = requireGateway(ctx, input.InternetGatewayId);
  const vpc = requireVpc(ctx, input.VpcId);
  if (g.data.vpcId !== vpc.id) throw ec2Error('Gateway.NotAttached', `resource ${g.id} is not attached to network ${vpc.id}`);
  if (mappedAddresses(ctx, vpc.id))
    throw ec2Error('DependencyViolation', `Network ${vpc.id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`);
  checkDryRun(input);
  patch(g, {}, ['vpcId']);
  return {};
}

function deleteInternetGateway(input: DeleteInternetGatewayRequest, ctx: Ec2Context): object {
  const g = requireGateway(ctx, input.InternetGatewayId);
  if (g.data.vpcId) throw ec2Error('DependencyViolation', `The internetGateway '${g.id}' has dependencies and cannot be deleted.`);
  checkDryRun(input);
  internetGateways(ctx).delete(g.id);
  return {};
}

function describeInternetGateways(input: DescribeInternetGatewaysRequest, ctx: Ec2Context): DescribeInternetGatewaysResult {
  const ids = input.InternetGatewayIds ?? [];
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  let found = internetGateways(ctx).list(describeQuery(ctx, ids, input.Filters));
  const missing = ids.find((id) => !found.some((g) => g.id === id));
  if (missing !== undefined) throw notFound(missing);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'internet-gateway-id': (g) => g.id,
      'attachment.vpc-id': (g) => (g.data.vpcId ? [g.data.vpcId] : []),
      'attachment.state': (g) => (g.data.vpcId ? ['available'] : []),
      'owner-id': () => ctx.account,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'internetGatewayId', query: input.Filters ?? [] });
  return { InternetGateways: page.items.map((g) => render(ctx, g)), NextToken: page.nextToken };
}

export const internetGatewayOperations = {
  CreateInternetGateway: op(createInternetGateway),
  AttachInternetGateway: op(attachInternetGateway),
  DetachInternetGateway: op(detachInternetGateway),
  DeleteInternetGateway: op(deleteInternetGateway),
  DescribeInternetGateways: op(describeInternetGateways),
};
