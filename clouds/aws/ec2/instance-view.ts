/**
 * How an instance reads on the wire (DescribeInstances, RunInstances, the ENI it owns) and the
 * DescribeInstances filter set, so every call that shows an instance shows the same one.
 */
import type { Instance, InstanceNetworkInterface } from '@aws-sdk/client-ec2';
import type { FieldAccessor } from '../../../core/filters.js';
import type { ResourceRecord } from '../../../core/store.js';
import { wireTags } from './common.js';
import type { Ec2Context } from '../shared/context.js';
import { isoDate } from '../shared/iso-time.js';
import { attachmentDeps, RenderCache } from './render-cache.js';
import { T, type AttachmentData, type InstanceData, type InstanceMetadataData, type SecurityGroupData } from './records.js';
import { attachmentsOnInstance } from './volumes.js';

type InstanceRecord = ResourceRecord<InstanceData>;

export const STATE_CODES: Readonly<Record<string, number>> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export function instanceState(r: InstanceRecord): string {
  return r.lc?.state ?? 'running';
}

export const DEFAULT_METADATA: InstanceMetadataData = { httpTokens: 'optional', hopLimit: 2, httpEndpoint: 'enabled', httpProtocolIpv6: 'disabled', instanceMetadataTags: 'disabled' };

/** `ec2-3-80-1-2.compute-1.amazonaws.com` in us-east-1, `ec2-….<region>.compute.amazonaws.com` elsewhere. */
export function publicDnsName(region: string, ip: string): string {
  const host = `ec2-${ip.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.compute-1.amazonaws.com` : `${host}.${region}.compute.amazonaws.com`;
}

/**
 * The instance's public address: an associated Elastic IP (kept while stopped), else the
 * auto-assigned one while it is running or about to (released on stop, as EC2 does).
 */
function publicIp(r: InstanceRecord): string | undefined {
  const s = instanceState(r);
  if (r.data.elasticIp && s !== 'terminated') return r.data.elasticIp;
  return s === 'pending' || s === 'running' || s === 'stopping' || s === 'shutting-down' ? r.data.publicIp : undefined;
}

export function groupsOf(ctx: Ec2Context, ids: readonly string[]): Array<{ GroupId: string; GroupName?: string }> {
  return ids.map((id) => ({ GroupId: id, GroupName: ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(id)?.data.groupName }));
}

/** An instance's primary network interface (device 0), as DescribeInstances nests it. */
export function primaryInterface(ctx: Ec2Context, r: InstanceRecord): InstanceNetworkInterface {
  const d = r.data;
  const ip = publicIp(r);
  const association = ip ? { IpOwnerId: 'amazon', PublicDnsName: publicDnsName(ctx.region, ip), PublicIp: ip } : undefined;
  return {
    Association: association,
    Attachment: { AttachTime: isoDate(d.launchTime), AttachmentId: d.eniAttachmentId, DeleteOnTermination: d.eniDeleteOnTermination ?? true, DeviceIndex: 0, NetworkCardIndex: 0, Status: 'attached' },
    Description: d.eniDescription ?? '',
    Groups: groupsOf(ctx, d.securityGroupIds),
    Ipv6Addresses: [],
    MacAddress: d.macAddress,
    NetworkInterfaceId: d.eniId,
    OwnerId: ctx.account,
    PrivateDnsName: d.privateDnsName,
    PrivateIpAddress: d.privateIp,
    PrivateIpAddresses: [{ Association: association, Primary: true, PrivateDnsName: d.privateDnsName, PrivateIpAddress: d.privateIp }],
    SourceDestCheck: d.sourceDestCheck,
    Status: 'in-use',
    SubnetId: d.subnetId,
    VpcId: d.vpcId,
    InterfaceType: 'interface',
  };
}

export function metadataOptions(d: InstanceData, state: 'applied' | 'pending' = 'applied'): NonNullable<Instance['MetadataOptions']> {
  const m = d.metadataOptions ?? DEFAULT_METADATA;
  return { State: state, HttpTokens: m.httpTokens, HttpPutResponseHopLimit: m.hopLimit, HttpEndpoint: m.httpEndpoint, HttpProtocolIpv6: m.httpProtocolIpv6, InstanceMetadataTags: m.instanceMetadataTags };
}

export function blockDeviceMappings(ctx: Ec2Context, r: InstanceRecord, atts = attachmentsOnInstance(ctx, r.id)): NonNullable<Instance['BlockDeviceMappings']> {
  return atts.map((a) => ({
    DeviceName: a.data.device,
    Ebs: {
      AttachTime: isoDate(a.data.attachTime),
      DeleteOnTermination: a.data.deleteOnTermination,
      Status: (a.lc?.state ?? 'attached') as 'attached',
      VolumeId: a.data.volumeId,
      EbsCardIndex: a.data.ebsCardIndex,
    },
  }));
}

/** `atts`: the instance's attachments when the caller has read them already (each read counts, see store.ts onRead). */
export function renderInstance(ctx: Ec2Context, r: InstanceRecord, atts?: ResourceRecord<AttachmentData>[]): Instance {
  const d = r.data;
  const state = instanceState(r);
  const live = state !== 'terminated';
  const ip = publicIp(r);
  type Name = NonNullable<Instance['State']>['Name'];
  return {
    InstanceId: r.id,
    ImageId: d.imageId,
    State: { Code: STATE_CODES[state], Name: state as Name },
    PrivateDnsName: live ? d.privateDnsName : '',
    PublicDnsName: ip ? publicDnsName(ctx.region, ip) : '',
    PublicIpAddress: ip,
    StateTransitionReason: d.transitionReason ?? (state === 'terminated' ? `User initiated (${gmt(d.terminatedAt ?? 0)})` : ''),
    StateReason: d.stateReason ? { Code: d.stateReason.code, Message: d.stateReason.message } : undefined,
    AmiLaunchIndex: d.amiLaunchIndex,
    ProductCodes: [],
    InstanceType: d.instanceType as Instance['InstanceType'],
    LaunchTime: isoDate(d.launchTime),
    Placement: { AvailabilityZone: d.zone, AvailabilityZoneId: d.zoneId, GroupName: '', Tenancy: 'default' },
    Monitoring: { State: d.monitoring ? 'enabled' : 'disabled' },
    SubnetId: live ? d.subnetId : undefined,
    VpcId: live ? d.vpcId : undefined,
    PrivateIpAddress: live ? d.privateIp : undefined,
    Architecture: (d.architecture ?? 'x86_64') as Instance['Architecture'],
    Platform: (d.platform === 'windows' ? 'windows' : undefined) as Instance['Platform'],
    RootDeviceType: 'ebs',
    RootDeviceName: d.rootDeviceName,
    BlockDeviceMappings: blockDeviceMappings(ctx, r, atts),
    VirtualizationType: 'hvm',
    ClientToken: d.clientToken ?? '',
    Tags: Object.keys(r.tags).length > 0 ? wireTags(r.tags) : undefined,
    SecurityGroups: live ? groupsOf(ctx, d.securityGroupIds) : [],
    SourceDestCheck: d.sourceDestCheck,
    Hypervisor: 'xen',
    EbsOptimized: d.ebsOptimized ?? false,
    EnaSupport: true,
    KeyName: d.keyName,
    NetworkInterfaces: live ? [primaryInterface(ctx, r)] : [],
    PlatformDetails: d.platform === 'windows' ? 'Windows' : 'Linux/UNIX',
    UsageOperation: d.platform === 'windows' ? 'RunInstances:0002' : 'RunInstances',
    UsageOperationUpdateTime: isoDate(d.launchTime),
    MetadataOptions: metadataOptions(d),
    CpuOptions: undefined,
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: false },
    EnclaveOptions: { Enabled: false },
    BootMode: undefined,
    CurrentInstanceBootMode: 'legacy-bios',
    MaintenanceOptions: { AutoRecovery: 'default' },
    PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
  };
}

const INSTANCE_XML = new RenderCache('DescribeInstances', ['Reservations', 'Instances']);

/**
 * The instance as DescribeInstances lists it: its cached XML while nothing it is rendered from
 * changed. Besides the record, that is the region and account (DNS names, owner), its security
 * groups' names and its attachments (block device mappings).
 */
export function listedInstance(ctx: Ec2Context, r: InstanceRecord): Instance {
  const atts = attachmentsOnInstance(ctx, r.id);
  const groups = ctx.tenant.collection<SecurityGroupData>(T.securityGroup);
  const deps: unknown[] = [ctx.region, ctx.account];
  for (const id of r.data.securityGroupIds) deps.push(groups.peek(id)?.data.groupName);
  return INSTANCE_XML.fragment(r, attachmentDeps(atts, deps), () => renderInstance(ctx, r, atts)) as Instance;
}

/** `2026-12-02 13:04:05 GMT`, the form EC2 writes in `StateTransitionReason`. */
export function gmt(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}

/** The DescribeInstances filters (EC2's documented names that this model holds data for). */
export function instanceFilterFields(ctx: Ec2Context): Record<string, FieldAccessor<InstanceData>> {
  const bdm = (r: InstanceRecord) => attachmentsOnInstance(ctx, r.id);
  const live = (r: InstanceRecord, v: string | undefined) => (instanceState(r) === 'terminated' ? undefined : v);
  return {
    'instance-id': (r) => r.id,
    'instance-state-name': (r) => instanceState(r),
    'instance-state-code': (r) => STATE_CODES[instanceState(r)],
    'instance-type': (r) => r.data.instanceType,
    'instance-lifecycle': () => undefined,
    'availability-zone': (r) => r.data.zone,
    'placement-availability-zone-id': (r) => r.data.zoneId,
    'image-id': (r) => r.data.imageId,
    'reservation-id': (r) => r.data.reservationId,
    'owner-id': () => ctx.account,
    'requester-id': () => undefined,
    'private-dns-name': (r) => live(r, r.data.privateDnsName),
    'private-ip-address': (r) => live(r, r.data.privateIp),
    'ip-address': (r) => publicIp(r),
    'dns-name': (r) => (publicIp(r) ? publicDnsName(ctx.region, publicIp(r)!) : undefined),
    'subnet-id': (r) => live(r, r.data.subnetId),
    'vpc-id': (r) => live(r, r.data.vpcId),
    'key-name': (r) => r.data.keyName,
    'launch-time': (r) => r.data.launchTime,
    'launch-index': (r) => r.data.amiLaunchIndex,
    'client-token': (r) => r.data.clientToken,
    architecture: (r) => r.data.architecture ?? 'x86_64',
    platform: (r) => (r.data.platform === 'windows' ? 'windows' : undefined),
    'platform-details': (r) => (r.data.platform === 'windows' ? 'Windows' : 'Linux/UNIX'),
    hypervisor: () => 'xen',
    'virtualization-type': () => 'hvm',
    tenancy: () => 'default',
    'placement-group-name': () => undefined,
    'monitoring-state': (r) => (r.data.monitoring ? 'enabled' : 'disabled'),
    'ebs-optimized': (r) => r.data.ebsOptimized ?? false,
    'ena-support': () => true,
    'source-dest-check': (r) => r.data.sourceDestCheck,
    'state-reason-code': (r) => r.data.stateReason?.code,
    'state-reason-message': (r) => r.data.stateReason?.message,
    'reason': (r) => r.data.transitionReason,
    'root-device-name': (r) => r.data.rootDeviceName,
    'root-device-type': () => 'ebs',
    'metadata-options.http-tokens': (r) => (r.data.metadataOptions ?? DEFAULT_METADATA).httpTokens,
    'metadata-options.http-put-response-hop-limit': (r) => (r.data.metadataOptions ?? DEFAULT_METADATA).hopLimit,
    'metadata-options.http-endpoint': (r) => (r.data.metadataOptions ?? DEFAULT_METADATA).httpEndpoint,
    'metadata-options.instance-metadata-tags': (r) => (r.data.metadataOptions ?? DEFAULT_METADATA).instanceMetadataTags,
    'instance.group-id': (r) => r.data.securityGroupIds,
    'instance.group-name': (r) => groupsOf(ctx, r.data.securityGroupIds).map((g) => g.GroupName),
    'group-id': (r) => r.data.securityGroupIds,
    'group-name': (r) => groupsOf(ctx, r.data.securityGroupIds).map((g) => g.GroupName),
    'block-device-mapping.volume-id': (r) => bdm(r).map((a) => a.data.volumeId),
    'block-device-mapping.device-name': (r) => bdm(r).map((a) => a.data.device),
    'block-device-mapping.attach-time': (r) => bdm(r).map((a) => a.data.attachTime),
    'block-device-mapping.delete-on-termination': (r) => bdm(r).map((a) => a.data.deleteOnTermination),
    'block-device-mapping.status': (r) => bdm(r).map((a) => a.lc?.state ?? 'attached'),
    'network-interface.network-interface-id': (r) => live(r, r.data.eniId),
    'network-interface.addresses.private-ip-address': (r) => live(r, r.data.privateIp),
    'network-interface.addresses.primary': (r) => (instanceState(r) === 'terminated' ? undefined : true),
    'network-interface.addresses.association.public-ip': (r) => publicIp(r),
    'network-interface.association.public-ip': (r) => publicIp(r),
    'network-interface.private-dns-name': (r) => live(r, r.data.privateDnsName),
    'network-interface.subnet-id': (r) => live(r, r.data.subnetId),
    'network-interface.vpc-id': (r) => live(r, r.data.vpcId),
    'network-interface.availability-zone': (r) => live(r, r.data.zone),
    'network-interface.mac-address': (r) => live(r, r.data.macAddress),
    'network-interface.owner-id': (r) => live(r, ctx.account),
    'network-interface.status': (r) => live(r, 'in-use'),
    'network-interface.source-dest-check': (r) => (instanceState(r) === 'terminated' ? undefined : r.data.sourceDestCheck),
    'network-interface.description': (r) => live(r, r.data.eniDescription ?? ''),
    'network-interface.group-id': (r) => (instanceState(r) === 'terminated' ? undefined : r.data.securityGroupIds),
    'network-interface.attachment.attachment-id': (r) => live(r, r.data.eniAttachmentId),
    'network-interface.attachment.instance-id': (r) => live(r, r.id),
    'network-interface.attachment.device-index': (r) => (instanceState(r) === 'terminated' ? undefined : 0),
    'network-interface.attachment.status': (r) => live(r, 'attached'),
    'network-interface.attachment.attach-time': (r) => live(r, r.data.launchTime),
    'network-interface.attachment.delete-on-termination': (r) => (instanceState(r) === 'terminated' ? undefined : (r.data.eniDeleteOnTermination ?? true)),
  };
}
