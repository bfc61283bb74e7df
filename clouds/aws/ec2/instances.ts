/** Instances: RunInstances (root and extra EBS volumes), DescribeInstances, TerminateInstances. */
import type {
  DescribeInstancesRequest,
  DescribeInstancesResult,
  Instance,
  InstanceNetworkInterface,
  InstanceStateChange,
  Reservation,
  RunInstancesRequest,
  TerminateInstancesRequest,
  TerminateInstancesResult,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { checkDryRun, checkIdShape, checkPaging, describeQuery, filterRecords, findZone, pageOf, regionZones, tagsFor, wireTags } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { allocateAddress, ensureDefaultVpc, subnets } from './network.js';
import { attachmentId, T, type AttachmentData, type InstanceData, type SecurityGroupData } from './records.js';
import { defaultGroupOf } from './security-groups.js';
import { resolveShape } from './volume-types.js';
import { attachmentsOnInstance, insertVolume } from './volumes.js';

type InstanceRecord = ResourceRecord<InstanceData>;

export const STATE_CODES: Readonly<Record<string, number>> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
/** Terminated instances stay visible for about an hour, as in EC2. */
const TERMINATED_VISIBLE_MS = 3600_000;

export const instances = (ctx: Ec2Context) => ctx.tenant.collection<InstanceData>(T.instance);

export function instanceState(r: InstanceRecord): string {
  return r.lc?.state ?? 'running';
}

export interface LaunchSpec {
  imageId: string;
  instanceType: string;
  zone?: string;
  subnetId?: string;
  tags: Record<string, string>;
  volumeTags: Record<string, string>;
  blockDevices: NonNullable<RunInstancesRequest['BlockDeviceMappings']>;
  reservationId: string;
  launchIndex: number;
  keyName?: string;
  clientToken?: string;
  securityGroupIds?: string[];
}

/** Create one instance with its root (and mapped) EBS volumes; used by RunInstances and the seed. */
export function launchInstance(ctx: Ec2Context, spec: LaunchSpec): InstanceRecord {
  ensureDefaultVpc(ctx);
  const subnet = spec.subnetId !== undefined
    ? subnets(ctx).get(spec.subnetId)
    : subnets(ctx).list({ region: ctx.region }).find((s) => (spec.zone === undefined || s.data.zone === spec.zone) && (s.data.defaultForAz || spec.zone !== undefined));
  if (spec.subnetId !== undefined && (!subnet || subnet.region !== ctx.region)) throw Ec2Errors.subnetNotFound(spec.subnetId);
  if (!subnet) throw Ec2Errors.invalidParameterValue(`No subnet found in availability zone ${spec.zone ?? ctx.region}`);
  const zone = findZone(ctx, subnet.data.zone, undefined);
  const groups = spec.securityGroupIds?.length ? spec.securityGroupIds : [defaultGroupOf(ctx, subnet.data.vpcId)?.id].filter((g): g is string => g !== undefined);
  for (const g of groups) {
    const rec = ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(g);
    if (!rec) throw ec2Error('InvalidGroup.NotFound', `The security group '${g}' does not exist in VPC '${subnet.data.vpcId}'`);
    if (rec.data.vpcId !== subnet.data.vpcId) throw Ec2Errors.invalidParameterValue(`Security group ${g} and subnet ${subnet.id} belong to different networks.`);
  }
  const ip = allocateAddress(subnet);
  const dnsSuffix = ctx.region === 'us-east-1' ? 'ec2.internal' : `${ctx.region}.compute.internal`;
  const now = ctx.now().toISOString();
  const rec = instances(ctx).insert({
    id: ctx.newId('i'),
    region: ctx.region,
    tags: spec.tags,
    data: {
      reservationId: spec.reservationId,
      imageId: spec.imageId,
      instanceType: spec.instanceType,
      zone: zone.zoneName,
      zoneId: zone.zoneId,
      subnetId: subnet.id,
      vpcId: subnet.data.vpcId,
      privateIp: ip,
      privateDnsName: `ip-${ip.replaceAll('.', '-')}.${dnsSuffix}`,
      macAddress: `0a:${ctx.engine.ids.hex('aws:mac', 10).replace(/(..)(?!$)/g, '$1:')}`,
      eniId: ctx.newId('eni'),
      eniAttachmentId: ctx.newId('eni-attach'),
      launchTime: now,
      amiLaunchIndex: spec.launchIndex,
      keyName: spec.keyName,
      clientToken: spec.clientToken,
      rootDeviceName: '/dev/xvda',
      securityGroupIds: groups,
      sourceDestCheck: true,
    },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'pending');

  const mappings = spec.blockDevices.some((m) => m.DeviceName === '/dev/xvda') ? spec.blockDevices : [{ DeviceName: '/dev/xvda', Ebs: {} }, ...spec.blockDevices];
  for (const m of mappings) {
    if (!m.Ebs || !m.DeviceName) continue;
    const shape = resolveShape({ VolumeType: m.Ebs.VolumeType ?? 'gp3', Size: m.Ebs.VolumeSize ?? 8, Iops: m.Ebs.Iops, Throughput: m.Ebs.Throughput });
    const vol = insertVolume(ctx, { shape, zone, tags: spec.volumeTags, encrypted: m.Ebs.Encrypted ?? false, kmsKeyId: m.Ebs.KmsKeyId, snapshotId: m.Ebs.SnapshotId });
    // Launch volumes are ready with the instance: no creating step of their own.
    ctx.engine.lifecycle.enter(ctx.tenant, vol, 'available');
    const att = ctx.tenant.collection<AttachmentData>(T.attachment).insert({
      id: attachmentId(vol.id, rec.id),
      region: ctx.region,
      parent: vol.id,
      data: { volumeId: vol.id, instanceId: rec.id, device: m.DeviceName, attachTime: now, deleteOnTermination: m.Ebs.DeleteOnTermination ?? true, atLaunch: true },
    });
    ctx.engine.lifecycle.enter(ctx.tenant, att, 'attached');
  }
  return rec;
}

export function groupsOf(ctx: Ec2Context, ids: readonly string[]): Array<{ GroupId: string; GroupName?: string }> {
  return ids.map((id) => ({ GroupId: id, GroupName: ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(id)?.data.groupName }));
}

/** An instance's primary network interface (device 0), as DescribeInstances nests it. */
export function primaryInterface(ctx: Ec2Context, r: InstanceRecord): InstanceNetworkInterface {
  const d = r.data;
  return {
    Attachment: { AttachTime: new Date(d.launchTime), AttachmentId: d.eniAttachmentId, DeleteOnTermination: true, DeviceIndex: 0, NetworkCardIndex: 0, Status: 'attached' },
    Description: '',
    Groups: groupsOf(ctx, d.securityGroupIds),
    Ipv6Addresses: [],
    MacAddress: d.macAddress,
    NetworkInterfaceId: d.eniId,
    OwnerId: ctx.account,
    PrivateDnsName: d.privateDnsName,
    PrivateIpAddress: d.privateIp,
    PrivateIpAddresses: [{ Primary: true, PrivateDnsName: d.privateDnsName, PrivateIpAddress: d.privateIp }],
    SourceDestCheck: d.sourceDestCheck,
    Status: 'in-use',
    SubnetId: d.subnetId,
    VpcId: d.vpcId,
    InterfaceType: 'interface',
  };
}

export function renderInstance(ctx: Ec2Context, r: InstanceRecord): Instance {
  const d = r.data;
  const state = instanceState(r);
  const live = state !== 'terminated';
  return {
    InstanceId: r.id,
    ImageId: d.imageId,
    State: { Code: STATE_CODES[state], Name: state as NonNullable<Instance['State']>['Name'] },
    PrivateDnsName: live ? d.privateDnsName : '',
    PublicDnsName: '',
    StateTransitionReason: state === 'terminated' ? `User initiated (${new Date(d.terminatedAt ?? 0).toISOString()})` : '',
    AmiLaunchIndex: d.amiLaunchIndex,
    ProductCodes: [],
    InstanceType: d.instanceType as Instance['InstanceType'],
    LaunchTime: new Date(d.launchTime),
    Placement: { AvailabilityZone: d.zone, AvailabilityZoneId: d.zoneId, GroupName: '', Tenancy: 'default' },
    Monitoring: { State: 'disabled' },
    SubnetId: live ? d.subnetId : undefined,
    VpcId: live ? d.vpcId : undefined,
    PrivateIpAddress: live ? d.privateIp : undefined,
    Architecture: 'x86_64',
    RootDeviceType: 'ebs',
    RootDeviceName: d.rootDeviceName,
    BlockDeviceMappings: attachmentsOnInstance(ctx, r.id).map((a) => ({
      DeviceName: a.data.device,
      Ebs: {
        AttachTime: new Date(a.data.attachTime),
        DeleteOnTermination: a.data.deleteOnTermination,
        Status: (a.lc?.state ?? 'attached') as 'attached',
        VolumeId: a.data.volumeId,
        EbsCardIndex: a.data.ebsCardIndex,
      },
    })),
    VirtualizationType: 'hvm',
    ClientToken: d.clientToken ?? '',
    Tags: Object.keys(r.tags).length > 0 ? wireTags(r.tags) : undefined,
    SecurityGroups: groupsOf(ctx, d.securityGroupIds),
    SourceDestCheck: d.sourceDestCheck,
    Hypervisor: 'xen',
    EbsOptimized: false,
    EnaSupport: true,
    KeyName: d.keyName,
    NetworkInterfaces: live ? [primaryInterface(ctx, r)] : [],
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', InstanceMetadataTags: 'disabled' },
  };
}

function runInstances(input: RunInstancesRequest, ctx: Ec2Context): Reservation {
  if (!input.ImageId) throw Ec2Errors.missingParameter('ImageId');
  if (input.MinCount === undefined) throw Ec2Errors.missingParameter('MinCount');
  if (input.MaxCount === undefined) throw Ec2Errors.missingParameter('MaxCount');
  if (input.MinCount < 1 || input.MaxCount < input.MinCount)
    throw Ec2Errors.invalidParameterValue(`Value (${input.MinCount}) for parameter minCount is invalid. Expected a positive value no greater than maxCount.`);
  const instanceType = input.InstanceType ?? 'm1.small';
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(instanceType)) throw Ec2Errors.invalidParameterValue(`Invalid value '${instanceType}' for InstanceType.`);
  const zone = input.Placement?.AvailabilityZone ?? undefined;
  if (zone !== undefined && !regionZones(ctx).some((z) => z.zoneName === zone))
    throw Ec2Errors.invalidParameterValue(`Invalid availability zone: [${zone}]`);
  const allowed = ['instance', 'volume', 'network-interface'];
  const tags = tagsFor(input.TagSpecifications, 'instance', allowed);
  const volumeTags = tagsFor(input.TagSpecifications, 'volume', allowed);
  checkDryRun(input);
  const reservationId = ctx.newId('r');
  const launched: InstanceRecord[] = [];
  for (let i = 0; i < input.MaxCount; i++)
    launched.push(
      launchInstance(ctx, {
        imageId: input.ImageId,
        instanceType,
        zone,
        subnetId: input.SubnetId,
        tags,
        volumeTags,
        blockDevices: input.BlockDeviceMappings ?? [],
        reservationId,
        launchIndex: i,
        keyName: input.KeyName,
        clientToken: input.ClientToken,
        securityGroupIds: input.SecurityGroupIds,
      }),
    );
  ctx.touch(...launched.map((r) => r.id));
  return { ReservationId: reservationId, OwnerId: ctx.account, Groups: [], Instances: launched.map((r) => renderInstance(ctx, r)) };
}

function visible(ctx: Ec2Context, r: InstanceRecord): boolean {
  if (instanceState(r) !== 'terminated' || r.data.terminatedAt === undefined) return true;
  if (ctx.engine.clock.now() - r.data.terminatedAt < TERMINATED_VISIBLE_MS) return true;
  instances(ctx).delete(r.id);
  return false;
}

function describeInstances(input: DescribeInstancesRequest, ctx: Ec2Context): DescribeInstancesResult {
  const ids = input.InstanceIds ?? [];
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'instanceId' });
  checkDryRun(input);
  let found = instances(ctx).list(describeQuery(ctx, ids, input.Filters)).filter((r) => visible(ctx, r));
  const missing = ids.filter((id) => !found.some((r) => r.id === id));
  if (missing.length > 0) throw Ec2Errors.instanceNotFound(missing);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'instance-id': (r) => r.id,
      'instance-state-name': (r) => instanceState(r),
      'instance-state-code': (r) => STATE_CODES[instanceState(r)],
      'instance-type': (r) => r.data.instanceType,
      'availability-zone': (r) => r.data.zone,
      'image-id': (r) => r.data.imageId,
      'reservation-id': (r) => r.data.reservationId,
      'private-dns-name': (r) => r.data.privateDnsName,
      'private-ip-address': (r) => r.data.privateIp,
      'network-interface.addresses.private-ip-address': (r) => r.data.privateIp,
      'subnet-id': (r) => r.data.subnetId,
      'vpc-id': (r) => r.data.vpcId,
      'key-name': (r) => r.data.keyName,
      'launch-time': (r) => r.data.launchTime,
      'root-device-name': (r) => r.data.rootDeviceName,
      'root-device-type': () => 'ebs',
      'block-device-mapping.volume-id': (r) => attachmentsOnInstance(ctx, r.id).map((a) => a.data.volumeId),
      'block-device-mapping.device-name': (r) => attachmentsOnInstance(ctx, r.id).map((a) => a.data.device),
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'instanceId', query: input.Filters ?? [] });
  ctx.touch(...page.items.map((r) => r.id));
  // One Reservation per launch, in launch order, as EC2 groups them.
  const reservations = new Map<string, Reservation>();
  for (const r of page.items) {
    let res = reservations.get(r.data.reservationId);
    if (!res) reservations.set(r.data.reservationId, (res = { ReservationId: r.data.reservationId, OwnerId: ctx.account, Groups: [], Instances: [] }));
    res.Instances!.push(renderInstance(ctx, r));
  }
  return { Reservations: [...reservations.values()], NextToken: page.nextToken };
}

function terminateInstances(input: TerminateInstancesRequest, ctx: Ec2Context): TerminateInstancesResult {
  const ids = input.InstanceIds ?? [];
  if (ids.length === 0) throw Ec2Errors.missingParameter('InstanceId');
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  ctx.touch(...ids);
  const found = ids.map((id) => instances(ctx).get(id));
  const missing = ids.filter((_, i) => !found[i] || found[i]!.region !== ctx.region || !visible(ctx, found[i]!));
  if (missing.length > 0) throw Ec2Errors.instanceNotFound(missing);
  checkDryRun(input);
  const changes: InstanceStateChange[] = [];
  for (const r of found as InstanceRecord[]) {
    const previous = instanceState(r);
    if (previous !== 'terminated' && previous !== 'shutting-down') ctx.engine.lifecycle.enter(ctx.tenant, r, 'shutting-down');
    const current = instanceState(r);
    changes.push({
      InstanceId: r.id,
      PreviousState: { Code: STATE_CODES[previous], Name: previous as 'running' },
      CurrentState: { Code: STATE_CODES[current], Name: current as 'running' },
    });
  }
  return { TerminatingInstances: changes };
}

export const instanceOperations = {
  RunInstances: op(runInstances),
  DescribeInstances: op(describeInstances),
  TerminateInstances: op(terminateInstances),
};
