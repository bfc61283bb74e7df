/**
 * Elastic IPs: AllocateAddress (from a per-region pool in the store), AssociateAddress to an
 * instance or its interface (its VPC needs an internet gateway: Gateway.NotAttached;
 * Resource.AlreadyAssociated unless AllowReassociation), DisassociateAddress, ReleaseAddress
 * (InvalidIPAddress.InUse while associated), DescribeAddresses. An association ends with its
 * instance's termination, read lazily here so the instance machine needs no hook.
 */
import type {
  Address,
  AllocateAddressRequest,
  AllocateAddressResult,
  AssociateAddressRequest,
  AssociateAddressResult,
  DescribeAddressesRequest,
  DescribeAddressesResult,
  DisassociateAddressRequest,
  ReleaseAddressRequest,
} from '@aws-sdk/client-ec2';
import { allocateIp, releaseIp, type IpPool } from '../../../core/ipv4.js';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type Ec2Context } from '../shared/context.js';
import { checkDryRun, filterRecords, tagsFor, wireTags } from './common.js';
import { gatewayOf } from './internet-gateways.js';
import { patch, T, type AddressData, type InstanceData } from './records.js';

type AddressRecord = ResourceRecord<AddressData>;
export const addresses = (ctx: Ec2Context) => ctx.tenant.collection<AddressData>(T.address);

/** Where Elastic IPs come from (an Amazon-owned range; the network and broadcast addresses are skipped). */
const POOL: IpPool = { type: T.publicIpPool, reserved: { low: 1, high: 1 } };
const POOL_CIDR = '54.160.0.0/16';

const allocationNotFound = (id: string) => ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
const associationNotFound = (id: string) => ec2Error('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);

/** The address's association, dropped if its instance has terminated meanwhile. */
function liveAssociation(ctx: Ec2Context, a: AddressRecord): AddressData['association'] {
  const assoc = a.data.association;
  if (!assoc?.instanceId) return assoc;
  const state = ctx.tenant.collection<InstanceData>(T.instance).peek(assoc.instanceId)?.lc?.state;
  if (state === undefined || state === 'terminated' || state === 'shutting-down') {
    patch(a, {}, ['association']);
    return undefined;
  }
  return assoc;
}

export function requireAddress(ctx: Ec2Context, allocationId: string | undefined, publicIp: string | undefined): AddressRecord {
  if (allocationId) {
    ctx.touch(allocationId);
    const a = addresses(ctx).get(allocationId);
    if (!a || a.region !== ctx.region) throw allocationNotFound(allocationId);
    return a;
  }
  if (!publicIp) throw Ec2Errors.missingParameter('AllocationId');
  const a = addresses(ctx).list({ region: ctx.region }).find((r) => r.data.publicIp === publicIp);
  if (!a) throw ec2Error('InvalidAddress.NotFound', `Address '${publicIp}' not found.`);
  return a;
}

/** Bind an address to a network interface (instances and NAT gateways). */
export function bindAddress(ctx: Ec2Context, a: AddressRecord, target: Omit<NonNullable<AddressData['association']>, 'associationId'>): string {
  const associationId = ctx.newId('eipassoc');
  patch(a, { association: { associationId, ...target } });
  const inst = target.instanceId ? ctx.tenant.collection<InstanceData>(T.instance).peek(target.instanceId) : undefined;
  if (inst) patch(inst, { elasticIp: a.data.publicIp });
  return associationId;
}

export function unbindAddress(ctx: Ec2Context, a: AddressRecord): void {
  const id = a.data.association?.instanceId;
  const inst = id ? ctx.tenant.collection<InstanceData>(T.instance).peek(id) : undefined;
  if (inst && inst.data.elasticIp === a.data.publicIp) patch(inst, {}, ['elasticIp']);
  patch(a, {}, ['association']);
}

function render(ctx: Ec2Context, a: AddressRecord): Address {
  const assoc = liveAssociation(ctx, a);
  return {
    AllocationId: a.id,
    PublicIp: a.data.publicIp,
    Domain: 'vpc',
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: ctx.region,
    AssociationId: assoc?.associationId,
    InstanceId: assoc?.instanceId,
    NetworkInterfaceId: assoc?.networkInterfaceId,
    NetworkInterfaceOwnerId: assoc ? ctx.account : undefined,
    PrivateIpAddress: assoc?.privateIp,
    Tags: Object.keys(a.tags).length > 0 ? wireTags(a.tags) : undefined,
  };
}

function allocateAddress(input: AllocateAddressRequest, ctx: Ec2Context): AllocateAddressResult {
  if (input.Domain !== undefined && input.Domain !== 'vpc' && input.Domain !== 'standard')
    throw Ec2Errors.invalidParameterValue(`Value (${input.Domain}) for parameter domain is invalid.`);
  if (input.Address !== undefined || (input.PublicIpv4Pool !== undefined && input.PublicIpv4Pool !== 'amazon'))
    throw ec2Error('InvalidParameterValue', 'Bring-your-own-IP pools are not emulated by fauxcloud; allocate from the amazon pool.');
  if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== ctx.region)
    throw Ec2Errors.invalidParameterValue(`The network border group '${input.NetworkBorderGroup}' is invalid.`);
  const tags = tagsFor(input.TagSpecifications, 'elastic-ip', ['elastic-ip']);
  checkDryRun(input);
  const ip = allocateIp(ctx.tenant, POOL, ctx.region, POOL_CIDR);
  if (!ip) throw ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
  const a = addresses(ctx).insert({ id: ctx.newId('eipalloc'), region: ctx.region, tags, data: { publicIp: ip } });
  ctx.touch(a.id);
  return { AllocationId: a.id, PublicIp: ip, Domain: 'vpc', PublicIpv4Pool: 'amazon', NetworkBorderGroup: ctx.region };
}

function associateAddress(input: AssociateAddressRequest, ctx: Ec2Context): AssociateAddressResult {
  if (!input.InstanceId && !input.NetworkInterfaceId) throw Ec2Errors.missingParameter('InstanceId');
  const a = requireAddress(ctx, input.AllocationId, input.PublicIp);
  const instances = ctx.tenant.collection<InstanceData>(T.instance);
  let inst: ResourceRecord<InstanceData> | undefined;
  if (input.InstanceId) {
    ctx.touch(input.InstanceId);
    inst = instances.get(input.InstanceId);
    if (!inst || inst.region !== ctx.region || inst.lc?.state === 'terminated') throw Ec2Errors.instanceNotFound([input.InstanceId]);
    if (input.NetworkInterfaceId && input.NetworkInterfaceId !== inst.data.eniId)
      throw Ec2Errors.invalidParameterCombination(`The network interface ${input.NetworkInterfaceId} is not attached to instance ${inst.id}.`);
  } else {
    inst = [...instances.all()].find((i) => i.data.eniId === input.NetworkInterfaceId && i.lc?.state !== 'terminated');
    if (!inst) throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`);
  }
  const state = inst.lc?.state ?? 'running';
  if (state !== 'running' && state !== 'stopped') throw Ec2Errors.incorrectInstanceState(inst.id);
  if (input.PrivateIpAddress !== undefined && input.PrivateIpAddress !== inst.data.privateIp)
    throw Ec2Errors.invalidParameterValue(`The private IP address ${input.PrivateIpAddress} is not assigned to interface ${inst.data.eniId}.`);
  if (!inst.data.vpcId || !gatewayOf(ctx, inst.data.vpcId)) throw ec2Error('Gateway.NotAttached', `Network ${inst.data.vpcId ?? ''} is not attached to any internet gateway`);
  const current = liveAssociation(ctx, a);
  if (current && input.AllowReassociation !== true)
    throw ec2Error('Resource.AlreadyAssociated', `resource ${a.id} is already associated with associate-id ${current.associationId}`);
  if (current?.natGatewayId) throw ec2Error('Resource.AlreadyAssociated', `resource ${a.id} is already associated with NAT gateway ${current.natGatewayId}`);
  checkDryRun(input);
  // An instance interface holds one public address: another Elastic IP on it is let go.
  for (const other of addresses(ctx).list({ region: ctx.region }))
    if (other.id !== a.id && liveAssociation(ctx, other)?.networkInterfaceId === inst.data.eniId) unbindAddress(ctx, other);
  return { AssociationId: bindAddress(ctx, a, { instanceId: inst.id, networkInterfaceId: inst.data.eniId, privateIp: inst.data.privateIp }) };
}

function disassociateAddress(input: DisassociateAddressRequest, ctx: Ec2Context): object {
  let a: AddressRecord | undefined;
  if (input.AssociationId) {
    a = addresses(ctx).list({ region: ctx.region }).find((r) => liveAssociation(ctx, r)?.associationId === input.AssociationId);
    if (!a) throw associationNotFound(input.AssociationId);
  } else {
    if (!input.PublicIp) throw Ec2Errors.missingParameter('AssociationId');
    a = requireAddress(ctx, undefined, input.PublicIp);
    if (!liveAssociation(ctx, a)) return {};
  }
  // A NAT gateway's address goes with the gateway, not on request.
  if (a.data.association?.natGatewayId) throw ec2Error('AuthFailure', 'You do not have permission to access the specified resource.', 400);
  checkDryRun(input);
  unbindAddress(ctx, a);
  return {};
}

function releaseAddress(input: ReleaseAddressRequest, ctx: Ec2Context): object {
  const a = requireAddress(ctx, input.AllocationId, input.PublicIp);
  if (liveAssociation(ctx, a)) throw ec2Error('InvalidIPAddress.InUse', `Address ${a.data.publicIp} is in use.`);
  checkDryRun(input);
  releaseIp(ctx.tenant, POOL, ctx.region, a.data.publicIp);
  addresses(ctx).delete(a.id);
  return {};
}

function describeAddresses(input: DescribeAddressesRequest, ctx: Ec2Context): DescribeAddressesResult {
  checkDryRun(input);
  let found = addresses(ctx).list({ region: ctx.region });
  for (const id of input.AllocationIds ?? []) if (!found.some((a) => a.id === id)) throw allocationNotFound(id);
  for (const ip of input.PublicIps ?? []) if (!found.some((a) => a.data.publicIp === ip)) throw ec2Error('InvalidAddress.NotFound', `Address '${ip}' not found.`);
  if (input.AllocationIds?.length) found = found.filter((a) => input.AllocationIds!.includes(a.id));
  if (input.PublicIps?.length) found = found.filter((a) => input.PublicIps!.includes(a.data.publicIp));
  const assoc = (a: AddressRecord) => liveAssociation(ctx, a);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'allocation-id': (a) => a.id,
      'association-id': (a) => (assoc(a) ? [assoc(a)!.associationId] : []),
      'instance-id': (a) => (assoc(a)?.instanceId ? [assoc(a)!.instanceId!] : []),
      'network-interface-id': (a) => (assoc(a) ? [assoc(a)!.networkInterfaceId] : []),
      'private-ip-address': (a) => (assoc(a) ? [assoc(a)!.privateIp] : []),
      'public-ip': (a) => a.data.publicIp,
      domain: () => 'vpc',
      'network-border-group': () => ctx.region,
      'network-interface-owner-id': (a) => (assoc(a) ? [ctx.account] : []),
    },
  });
  return { Addresses: found.map((a) => render(ctx, a)) };
}

export const addressOperations = {
  AllocateAddress: op(allocateAddress),
  AssociateAddress: op(associateAddress),
  DisassociateAddress: op(disassociateAddress),
  ReleaseAddress: op(releaseAddress),
  DescribeAddresses: op(describeAddresses),
};
