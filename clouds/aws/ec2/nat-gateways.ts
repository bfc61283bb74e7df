/**
 * NAT gateways on the lifecycle engine (`aws.ec2.nat-gateway`: pending → available,
 * deleting → deleted; scenarios may hold either). A public gateway takes an Elastic IP and a
 * private address of its subnet; one whose VPC has no internet gateway, or whose address is
 * already taken, is accepted and then fails, as EC2 reports it (FailureCode/FailureMessage).
 * Deleted and failed gateways stay visible for an hour.
 */
import type {
  CreateNatGatewayRequest,
  CreateNatGatewayResult,
  DeleteNatGatewayRequest,
  DeleteNatGatewayResult,
  DescribeNatGatewaysRequest,
  DescribeNatGatewaysResult,
  NatGateway,
  NatGatewayState,
} from '@aws-sdk/client-ec2';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type Ec2Context } from '../shared/context.js';
import { bindAddress, requireAddress } from './addresses.js';
import { checkDryRun, describeQuery, filterRecords, pageOf, tagsFor, wireTags } from './common.js';
import { gatewayOf } from './internet-gateways.js';
import { allocateAddress } from './network.js';
import { patch, T, type AddressData, type NatGatewayData } from './records.js';
import { requireSubnet } from './subnets.js';

type NatRecord = ResourceRecord<NatGatewayData>;
const natGateways = (ctx: Ec2Context) => ctx.tenant.collection<NatGatewayData>(T.natGateway);
const GONE_VISIBLE_MS = 3600_000;

const notFound = (id: string) => ec2Error('NatGatewayNotFound', `The Nat Gateway ${id} was not found`);
const stateOf = (n: NatRecord) => (n.lc?.state ?? 'available') as NatGatewayState;

/** The NAT gateway machine; its address is let go when it is deleted or fails. */
export function defineNatGatewayMachine(engine: Engine): void {
  engine.lifecycle.define<NatGatewayData>({
    type: T.natGateway,
    auto: { pending: 'available', deleting: 'deleted' },
    onEnter: ({ record, to, at, tenant }) => {
      if (to === 'available' && record.data.failure) engine.lifecycle.enter(tenant, record, 'failed', at);
      if (to !== 'deleted' && to !== 'failed') return;
      patch(record, { deleteTime: new Date(at).toISOString() });
      const a = record.data.allocationId ? tenant.collection<AddressData>(T.address).peek(record.data.allocationId) : undefined;
      if (a?.data.association?.natGatewayId === record.id) patch(a, {}, ['association']);
    },
  });
}

function render(ctx: Ec2Context, n: NatRecord): NatGateway {
  const state = stateOf(n);
  const d = n.data;
  const address = {
    AllocationId: d.allocationId,
    NetworkInterfaceId: d.eniId,
    PrivateIp: d.privateIp,
    PublicIp: d.publicIp,
    IsPrimary: true,
    Status: state === 'available' ? 'succeeded' : state === 'pending' ? 'associating' : state === 'deleting' ? 'disassociating' : state === 'failed' ? 'failed' : 'succeeded',
  } as const;
  return {
    NatGatewayId: n.id,
    VpcId: d.vpcId,
    SubnetId: d.subnetId,
    State: state,
    ConnectivityType: d.connectivityType,
    CreateTime: new Date(d.createTime),
    DeleteTime: d.deleteTime ? new Date(d.deleteTime) : undefined,
    FailureCode: state === 'failed' ? d.failure?.code : undefined,
    FailureMessage: state === 'failed' ? d.failure?.message : undefined,
    NatGatewayAddresses: state === 'failed' ? [] : [address],
    Tags: Object.keys(n.tags).length > 0 ? wireTags(n.tags) : undefined,
  };
}

function createNatGateway(input: CreateNatGatewayRequest, ctx: Ec2Context): CreateNatGatewayResult {
  if (!input.SubnetId) throw Ec2Errors.missingParameter('SubnetId');
  const connectivityType = input.ConnectivityType ?? 'public';
  if (connectivityType !== 'public' && connectivityType !== 'private')
    throw Ec2Errors.invalidParameterValue(`Value (${connectivityType}) for parameter connectivityType is invalid.`);
  if (connectivityType === 'public' && !input.AllocationId) throw Ec2Errors.missingParameter('AllocationId');
  if (connectivityType === 'private' && input.AllocationId) throw Ec2Errors.invalidParameterCombination('A private NAT gateway cannot have an Elastic IP address.');
  const tags = tagsFor(input.TagSpecifications, 'natgateway', ['natgateway']);
  if (input.ClientToken) {
    const same = [...natGateways(ctx).all()].find((n) => n.data.clientToken === input.ClientToken && n.region === ctx.region);
    if (same) {
      if (same.data.subnetId !== input.SubnetId || same.data.allocationId !== input.AllocationId) throw Ec2Errors.idempotentMismatch();
      return { NatGateway: render(ctx, same), ClientToken: input.ClientToken };
    }
  }
  const subnet = requireSubnet(ctx, input.SubnetId);
  const eip = input.AllocationId ? requireAddress(ctx, input.AllocationId, undefined) : undefined;
  checkDryRun(input);
  let failure: NatGatewayData['failure'];
  if (eip?.data.association) failure = { code: 'Resource.AlreadyAssociated', message: `Elastic IP address ${eip.id} is already associated` };
  else if (connectivityType === 'public' && !gatewayOf(ctx, subnet.data.vpcId)) failure = { code: 'Gateway.NotAttached', message: `Network ${subnet.data.vpcId} has no Internet gateway attached` };
  const id = ctx.newId('nat');
  const eniId = ctx.newId('eni');
  const privateIp = input.PrivateIpAddress ?? allocateAddress(subnet);
  const n = natGateways(ctx).insert({
    id,
    region: ctx.region,
    tags,
    data: {
      vpcId: subnet.data.vpcId,
      subnetId: subnet.id,
      connectivityType,
      allocationId: eip?.id,
      publicIp: eip?.data.publicIp,
      privateIp,
      eniId,
      createTime: ctx.now().toISOString(),
      clientToken: input.ClientToken,
      failure,
    },
  });
  if (eip && !failure) bindAddress(ctx, eip, { networkInterfaceId: eniId, privateIp, natGatewayId: id });
  ctx.engine.lifecycle.enter(ctx.tenant, n, 'pending');
  ctx.touch(id);
  // The answer shows the gateway as it was created, whatever the lifecycle mode did since.
  return { NatGateway: { ...render(ctx, n), State: 'pending', FailureCode: undefined, FailureMessage: undefined, DeleteTime: undefined }, ClientToken: input.ClientToken };
}

function deleteNatGateway(input: DeleteNatGatewayRequest, ctx: Ec2Context): DeleteNatGatewayResult {
  if (!input.NatGatewayId) throw Ec2Errors.missingParameter('NatGatewayId');
  ctx.touch(input.NatGatewayId);
  const n = natGateways(ctx).get(input.NatGatewayId);
  if (!n || n.region !== ctx.region || stateOf(n) === 'deleted') throw notFound(input.NatGatewayId);
  checkDryRun(input);
  if (stateOf(n) !== 'deleting' && stateOf(n) !== 'failed') ctx.engine.lifecycle.enter(ctx.tenant, n, 'deleting');
  return { NatGatewayId: n.id };
}

function visible(ctx: Ec2Context, n: NatRecord): boolean {
  return !n.data.deleteTime || ctx.now().getTime() - Date.parse(n.data.deleteTime) < GONE_VISIBLE_MS;
}

function describeNatGateways(input: DescribeNatGatewaysRequest, ctx: Ec2Context): DescribeNatGatewaysResult {
  const ids = input.NatGatewayIds ?? [];
  checkDryRun(input);
  let found = natGateways(ctx).list(describeQuery(ctx, ids, input.Filter)).filter((n) => visible(ctx, n));
  const missing = ids.find((id) => !found.some((n) => n.id === id));
  if (missing !== undefined) throw notFound(missing);
  found = filterRecords(found, input.Filter, {
    tags: true,
    fields: {
      'nat-gateway-id': (n) => n.id,
      state: (n) => stateOf(n),
      'subnet-id': (n) => n.data.subnetId,
      'vpc-id': (n) => n.data.vpcId,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: false, idsParam: 'natGatewayId', query: input.Filter ?? [] });
  return { NatGateways: page.items.map((n) => render(ctx, n)), NextToken: page.nextToken };
}

export const natGatewayOperations = {
  CreateNatGateway: op(createNatGateway),
  DeleteNatGateway: op(deleteNatGateway),
  DescribeNatGateways: op(describeNatGateways),
};

