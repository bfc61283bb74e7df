/**
 * What a CCM and an operator do to running instances: StopInstances / StartInstances /
 * RebootInstances through the lifecycle engine (with the reasons EC2 writes), metadata options,
 * DescribeNetworkInterfaces and DescribeInstanceTopology.
 */
import type {
  DescribeInstanceTopologyRequest,
  DescribeInstanceTopologyResult,
  DescribeNetworkInterfacesRequest,
  DescribeNetworkInterfacesResult,
  InstanceStateChange,
  ModifyInstanceMetadataOptionsRequest,
  ModifyInstanceMetadataOptionsResult,
  RebootInstancesRequest,
  NetworkInterface,
  StartInstancesRequest,
  StartInstancesResult,
  StopInstancesRequest,
  StopInstancesResult,
} from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type AwsContext } from '../shared/context.js';
import { checkDryRun, checkIdShape, filterRecords, pageOf } from './common.js';
import { groupsOf, instances, instanceState, primaryInterface, STATE_CODES, userInitiated } from './instances.js';
import { DEFAULT_METADATA, metadataOptions } from './instance-view.js';
import { assignPublicIp, metadataFrom } from './launch.js';
import { patch, type InstanceData } from './records.js';

type InstanceRecord = ResourceRecord<InstanceData>;

function requireInstances(ctx: AwsContext, ids: readonly string[] | undefined): InstanceRecord[] {
  if (!ids?.length) throw Ec2Errors.missingParameter('InstanceId');
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  ctx.touch(...ids);
  const found = ids.map((id) => instances(ctx).get(id));
  const missing = ids.filter((_, i) => !found[i] || found[i]!.region !== ctx.region || found[i]!.lc?.state === 'terminated');
  if (missing.length > 0) throw Ec2Errors.instanceNotFound(missing);
  return found as InstanceRecord[];
}

function change(ctx: AwsContext, r: InstanceRecord, from: string[], to: string): InstanceStateChange {
  const previous = instanceState(r);
  if (from.includes(previous)) ctx.engine.lifecycle.enter(ctx.tenant, r, to);
  const current = instanceState(r);
  type Name = NonNullable<InstanceStateChange['CurrentState']>['Name'];
  return { InstanceId: r.id, PreviousState: { Code: STATE_CODES[previous], Name: previous as Name }, CurrentState: { Code: STATE_CODES[current], Name: current as Name } };
}

function stopInstances(input: StopInstancesRequest, ctx: AwsContext): StopInstancesResult {
  const found = requireInstances(ctx, input.InstanceIds);
  for (const r of found) {
    if (['pending', 'shutting-down'].includes(instanceState(r))) throw Ec2Errors.incorrectInstanceState(r.id);
    if (r.data.disableApiStop)
      throw ec2Error('OperationNotPermitted', `The instance '${r.id}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`);
  }
  if (input.Hibernate) throw ec2Error('UnsupportedHibernationConfiguration', `For hibernation, the instance must be launched with hibernation enabled.`);
  checkDryRun(input);
  return {
    StoppingInstances: found.map((r) => {
      if (instanceState(r) === 'running') userInitiated(ctx, r);
      return change(ctx, r, ['running'], 'stopping');
    }),
  };
}

function startInstances(input: StartInstancesRequest, ctx: AwsContext): StartInstancesResult {
  const found = requireInstances(ctx, input.InstanceIds);
  for (const r of found) if (instanceState(r) === 'stopping') throw Ec2Errors.incorrectInstanceState(r.id);
  checkDryRun(input);
  return {
    StartingInstances: found.map((r) => {
      if (instanceState(r) === 'stopped') {
        patch(r, { transitionReason: '', stateReason: { code: 'pending', message: 'pending' } });
        assignPublicIp(ctx, r);
      }
      return change(ctx, r, ['stopped'], 'pending');
    }),
  };
}

function rebootInstances(input: RebootInstancesRequest, ctx: AwsContext): object {
  const found = requireInstances(ctx, input.InstanceIds);
  for (const r of found) if (instanceState(r) !== 'running' && instanceState(r) !== 'pending') throw Ec2Errors.incorrectInstanceState(r.id);
  checkDryRun(input);
  // A reboot keeps the instance running: no state change, no new reason.
  return {};
}

function modifyInstanceMetadataOptions(input: ModifyInstanceMetadataOptionsRequest, ctx: AwsContext): ModifyInstanceMetadataOptionsResult {
  const [r] = requireInstances(ctx, input.InstanceId ? [input.InstanceId] : undefined) as [InstanceRecord];
  const next = metadataFrom(input, r.data.metadataOptions ?? DEFAULT_METADATA);
  checkDryRun(input);
  patch(r, { metadataOptions: next });
  return { InstanceId: r.id, InstanceMetadataOptions: metadataOptions(r.data, 'pending') };
}

/** Each instance's primary interface, as DescribeNetworkInterfaces lists it. */
function renderInterface(ctx: AwsContext, r: InstanceRecord): NetworkInterface {
  const eni = primaryInterface(ctx, r);
  return {
    NetworkInterfaceId: eni.NetworkInterfaceId,
    Attachment: { ...eni.Attachment, InstanceId: r.id, InstanceOwnerId: ctx.account },
    AvailabilityZone: r.data.zone,
    AvailabilityZoneId: r.data.zoneId,
    Description: '',
    Groups: groupsOf(ctx, r.data.securityGroupIds),
    InterfaceType: 'interface',
    MacAddress: r.data.macAddress,
    OwnerId: ctx.account,
    PrivateDnsName: r.data.privateDnsName,
    PrivateIpAddress: r.data.privateIp,
    PrivateIpAddresses: eni.PrivateIpAddresses?.map((p) => ({ Primary: p.Primary, PrivateDnsName: p.PrivateDnsName, PrivateIpAddress: p.PrivateIpAddress })),
    Ipv6Addresses: [],
    RequesterManaged: false,
    SourceDestCheck: r.data.sourceDestCheck,
    Status: 'in-use',
    SubnetId: r.data.subnetId,
    VpcId: r.data.vpcId,
    TagSet: [],
  };
}

function describeNetworkInterfaces(input: DescribeNetworkInterfacesRequest, ctx: AwsContext): DescribeNetworkInterfacesResult {
  checkDryRun(input);
  const ids = input.NetworkInterfaceIds ?? [];
  let found = instances(ctx).list({ region: ctx.region }).filter((r) => instanceState(r) !== 'terminated');
  if (ids.length > 0) {
    const missing = ids.find((id) => !found.some((r) => r.data.eniId === id));
    if (missing !== undefined) throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${missing}' does not exist`);
    found = found.filter((r) => ids.includes(r.data.eniId));
  }
  found = filterRecords(found, input.Filters, {
    fields: {
      'network-interface-id': (r) => r.data.eniId,
      'attachment.instance-id': (r) => r.id,
      'attachment.status': () => 'attached',
      'attachment.device-index': () => 0,
      'private-ip-address': (r) => r.data.privateIp,
      'addresses.private-ip-address': (r) => r.data.privateIp,
      'private-dns-name': (r) => r.data.privateDnsName,
      'subnet-id': (r) => r.data.subnetId,
      'vpc-id': (r) => r.data.vpcId,
      'availability-zone': (r) => r.data.zone,
      'mac-address': (r) => r.data.macAddress,
      'group-id': (r) => r.data.securityGroupIds,
      status: () => 'in-use',
      'owner-id': () => ctx.account,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'networkInterfaceId', query: input.Filters ?? [] });
  return { NetworkInterfaces: page.items.map((r) => renderInterface(ctx, r)), NextToken: page.nextToken };
}

/** Families EC2 reports topology for (the accelerated and HPC ones; others are left out of the answer). */
const TOPOLOGY_FAMILIES = /^(p3dn|p4d|p4de|p5|p5e|p5en|p6-b200|trn1|trn1n|trn2|hpc6a|hpc6id|hpc7a|hpc7g|g6|g6e)\./;

function describeInstanceTopology(input: DescribeInstanceTopologyRequest, ctx: AwsContext): DescribeInstanceTopologyResult {
  checkDryRun(input);
  const ids = input.InstanceIds ?? [];
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  const found = instances(ctx)
    .list({ region: ctx.region, ids: ids.length ? ids : undefined })
    .filter((r) => instanceState(r) === 'running' && TOPOLOGY_FAMILIES.test(r.data.instanceType));
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 1, max: 100, idsGiven: false, idsParam: '', query: ids });
  return {
    Instances: page.items.map((r) => {
      // Three network node layers per zone, stable per zone and spine group.
      const h = createHash('sha256').update(`${r.data.zoneId}:${r.data.instanceType.split('.')[0]}`).digest('hex');
      return {
        InstanceId: r.id,
        InstanceType: r.data.instanceType,
        NetworkNodes: [`nn-${h.slice(0, 17)}`, `nn-${h.slice(17, 34)}`, `nn-${h.slice(34, 51)}`],
        AvailabilityZone: r.data.zone,
        ZoneId: r.data.zoneId,
      };
    }),
    NextToken: page.nextToken,
  };
}

export const instanceActionOperations = {
  StopInstances: op(stopInstances),
  StartInstances: op(startInstances),
  RebootInstances: op(rebootInstances),
  ModifyInstanceMetadataOptions: op(modifyInstanceMetadataOptions),
  DescribeNetworkInterfaces: op(describeNetworkInterfaces),
  DescribeInstanceTopology: op(describeInstanceTopology),
};
