/**
 * Launching: one instance with its ENI, addresses and EBS volumes (RunInstances and the seed share
 * launchInstance), and the placement rules RunInstances applies before anything is created.
 */
import type { BlockDeviceMapping, InstanceNetworkInterfaceSpecification } from '@aws-sdk/client-ec2';
import { cidrRange, inCidr, ipToInt } from '../../../core/ipv4.js';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { findZone } from './common.js';
import type { Ec2Context } from '../shared/context.js';
import { imageOrUndefined, type AmiData } from './images.js';
import { instanceState } from './instance-view.js';
import { AWS_RESERVED, allocateAddress, ensureDefaultVpc, subnets } from './network.js';
import { attachmentId, patch, T, type AttachmentData, type InstanceData, type InstanceMetadataData, type SecurityGroupData, type SubnetData } from './records.js';
import { defaultGroupOf } from './security-groups.js';
import { requireCompletedSnapshot } from './snapshots.js';
import { resolveShape, type VolumeShape } from './volume-types.js';
import { insertVolume } from './volumes.js';

type InstanceRecord = ResourceRecord<InstanceData>;
type SubnetRecord = ResourceRecord<SubnetData>;

export const instances = (ctx: Ec2Context) => ctx.tenant.collection<InstanceData>(T.instance);

export interface LaunchSpec {
  /** Addresses of the subnet in use, computed once for a whole RunInstances (grown as it launches). */
  usedAddresses?: Set<string>;
  imageId: string;
  instanceType: string;
  zone?: string;
  subnetId?: string;
  tags: Record<string, string>;
  volumeTags: Record<string, string>;
  blockDevices: BlockDeviceMapping[];
  reservationId: string;
  launchIndex: number;
  keyName?: string;
  clientToken?: string;
  securityGroupIds?: string[];
  privateIp?: string;
  /** Assign a public address (default: the subnet's MapPublicIpOnLaunch). */
  publicIp?: boolean;
  extras?: Partial<Pick<InstanceData, 'ebsOptimized' | 'monitoring' | 'metadataOptions' | 'userData' | 'disableApiTermination' | 'disableApiStop' | 'shutdownBehavior' | 'launchTemplate' | 'eniDescription' | 'eniDeleteOnTermination'>>;
}

/** Where an instance goes: the named subnet, or the default subnet of the zone (or of the first zone). */
export function chooseSubnet(ctx: Ec2Context, subnetId: string | undefined, zone: string | undefined): SubnetRecord {
  ensureDefaultVpc(ctx);
  if (subnetId !== undefined) {
    if (!/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(subnetId)) throw ec2Error('InvalidSubnetID.Malformed', `Invalid id: "${subnetId}" (expecting "subnet-...")`);
    const s = subnets(ctx).get(subnetId);
    if (!s || s.region !== ctx.region) throw Ec2Errors.subnetNotFound(subnetId);
    if (zone !== undefined && s.data.zone !== zone)
      throw Ec2Errors.invalidParameterValue(`Value (${zone}) for parameter availabilityZone is invalid. Subnet '${s.id}' is in the availability zone ${s.data.zone}`);
    return s;
  }
  const list = subnets(ctx).list({ region: ctx.region });
  const s = list.find((x) => (zone === undefined || x.data.zone === zone) && x.data.defaultForAz) ?? list.find((x) => zone !== undefined && x.data.zone === zone);
  if (!s) throw ec2Error('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.');
  return s;
}

/** Security groups by id (or by name in a default VPC), each of the subnet's VPC. */
export function resolveGroups(ctx: Ec2Context, subnet: SubnetRecord, ids: readonly string[] | undefined, names: readonly string[] | undefined, subnetGiven: boolean): string[] {
  const coll = ctx.tenant.collection<SecurityGroupData>(T.securityGroup);
  const out: string[] = [];
  if (names?.length) {
    if (subnetGiven && !subnet.data.defaultForAz) throw Ec2Errors.invalidParameterCombination('The parameter groupName cannot be used with the parameter subnet');
    for (const n of names) {
      const g = coll.list({ region: ctx.region }).find((x) => x.data.vpcId === subnet.data.vpcId && x.data.groupName === n);
      if (!g) throw ec2Error('InvalidGroup.NotFound', `The security group '${n}' does not exist in VPC '${subnet.data.vpcId}'`);
      out.push(g.id);
    }
  }
  for (const id of ids ?? []) {
    if (!/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    const g = coll.peek(id);
    if (!g || g.region !== ctx.region) throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    if (g.data.vpcId !== subnet.data.vpcId) throw Ec2Errors.invalidParameterValue(`Security group ${id} and subnet ${subnet.id} belong to different networks.`);
    if (!out.includes(id)) out.push(id);
  }
  if (out.length > 0) return out;
  const def = defaultGroupOf(ctx, subnet.data.vpcId);
  return def ? [def.id] : [];
}

/** Addresses held by live instances of a subnet. */
export function usedAddresses(ctx: Ec2Context, subnetId: string): Set<string> {
  return new Set(
    instances(ctx)
      .list({ region: ctx.region })
      .filter((r) => r.data.subnetId === subnetId && instanceState(r) !== 'terminated')
      .map((r) => r.data.privateIp),
  );
}

/** How many more addresses the subnet can hand out (AWS reserves five of each subnet). */
export function freeAddresses(subnet: SubnetRecord, used: ReadonlySet<string>): number {
  return cidrRange(subnet.data.cidrBlock).size - AWS_RESERVED - used.size;
}

/** A requested address must be inside the subnet, not one of the five AWS reserves, and free. */
export function checkPrivateIp(ctx: Ec2Context, subnet: SubnetRecord, ip: string): void {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255))
    throw Ec2Errors.invalidParameterValue(`Value (${ip}) for parameter privateIpAddress is invalid. ${ip} is not a valid IPv4 address.`);
  if (!inCidr(ip, subnet.data.cidrBlock)) throw Ec2Errors.invalidParameterValue(`Address does not fall within the subnet's address range`);
  const { start, size } = cidrRange(subnet.data.cidrBlock);
  const host = ipToInt(ip) - start;
  if (host < 4 || host === size - 1) throw Ec2Errors.invalidParameterValue(`Address ${ip} is reserved by AWS in subnet ${subnet.id}.`);
  if (usedAddresses(ctx, subnet.id).has(ip)) throw ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
}


/** The subnet's next free address, skipping those handed out by request. */
function nextAddress(ctx: Ec2Context, subnet: SubnetRecord, used = usedAddresses(ctx, subnet.id)): string {
  const ip = allocateAddress(subnet, used);
  used.add(ip);
  return ip;
}

/** A seeded public address from Amazon's 3.80.0.0/12 block. */
function publicAddress(ctx: Ec2Context): string {
  const h = ctx.engine.ids.hex('aws:public-ip', 6);
  const n = parseInt(h, 16);
  return `3.${80 + ((n >>> 16) & 15)}.${(n >>> 8) & 255}.${Math.max(1, n & 255)}`;
}

export function assignPublicIp(ctx: Ec2Context, r: InstanceRecord): void {
  if (r.data.publicIpOnLaunch) patch(r, { publicIp: publicAddress(ctx) });
}

/** One planned EBS volume of a launch (validated before any instance is created). */
export interface PlannedVolume {
  device: string;
  shape: VolumeShape;
  encrypted: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  deleteOnTermination: boolean;
}

/** The root volume from the image (a mapping for the root device overrides it) and every mapped EBS volume. */
export function planVolumes(ctx: Ec2Context, image: AmiData | undefined, mappings: readonly BlockDeviceMapping[]): PlannedVolume[] {
  const root = image?.rootDeviceName ?? '/dev/xvda';
  const out: PlannedVolume[] = [];
  const seen = new Set<string>();
  const list = mappings.some((m) => m.DeviceName === root) ? mappings : [{ DeviceName: root, Ebs: {} }, ...mappings];
  for (const m of list) {
    if (!m.DeviceName) throw Ec2Errors.missingParameter('BlockDeviceMapping.DeviceName');
    if (seen.has(m.DeviceName)) throw ec2Error('InvalidBlockDeviceMapping', `The device '${m.DeviceName}' is used in more than one block-device mapping`);
    seen.add(m.DeviceName);
    if (m.NoDevice !== undefined || m.VirtualName !== undefined || !m.Ebs) continue;
    const e = m.Ebs;
    const isRoot = m.DeviceName === root;
    const snap = e.SnapshotId !== undefined && !(isRoot && image && e.SnapshotId === image.rootSnapshotId) ? requireCompletedSnapshot(ctx, e.SnapshotId) : undefined;
    const minSize = snap?.data.volumeSize ?? (isRoot ? (image?.rootSize ?? 8) : undefined);
    const snapshotId = snap?.id ?? (isRoot ? image?.rootSnapshotId : undefined);
    if (e.VolumeSize !== undefined && minSize !== undefined && e.VolumeSize < minSize)
      throw ec2Error('InvalidBlockDeviceMapping', `Volume of size ${e.VolumeSize}GB is smaller than snapshot '${snapshotId}', expect size >= ${minSize}GB`);
    const size = e.VolumeSize ?? minSize;
    if (size === undefined) throw ec2Error('InvalidBlockDeviceMapping', `snapshotId or volumeSize must be specified for device ${m.DeviceName}`);
    if (e.KmsKeyId !== undefined && !e.Encrypted) throw Ec2Errors.invalidParameterCombination('The parameter KmsKeyId requires the parameter Encrypted to be set.');
    const volumeType = e.VolumeType ?? (isRoot ? (image?.rootVolumeType ?? 'gp3') : 'gp2');
    out.push({
      device: m.DeviceName,
      shape: resolveShape({ VolumeType: volumeType, Size: size, Iops: e.Iops, Throughput: e.Throughput }),
      encrypted: (e.Encrypted ?? false) || (snap?.data.encrypted ?? false),
      kmsKeyId: e.KmsKeyId ?? snap?.data.kmsKeyId,
      snapshotId,
      deleteOnTermination: e.DeleteOnTermination ?? true,
    });
  }
  return out;
}

/** Create one instance with its root (and mapped) EBS volumes; used by RunInstances and the seed. */
export function launchInstance(ctx: Ec2Context, spec: LaunchSpec): InstanceRecord {
  const subnet = chooseSubnet(ctx, spec.subnetId, spec.zone);
  const zone = findZone(ctx, subnet.data.zone, undefined);
  const groups = resolveGroups(ctx, subnet, spec.securityGroupIds, undefined, spec.subnetId !== undefined);
  const image = imageOrUndefined(spec.imageId);
  const planned = planVolumes(ctx, image, spec.blockDevices);
  if (spec.privateIp !== undefined) checkPrivateIp(ctx, subnet, spec.privateIp);
  const ip = spec.privateIp ?? nextAddress(ctx, subnet, spec.usedAddresses);
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
      rootDeviceName: image?.rootDeviceName ?? '/dev/xvda',
      securityGroupIds: groups,
      sourceDestCheck: true,
      architecture: image?.architecture,
      platform: image?.platform,
      publicIpOnLaunch: spec.publicIp ?? subnet.data.mapPublicIpOnLaunch,
      stateReason: { code: 'pending', message: 'pending' },
      ...spec.extras,
    },
  });
  assignPublicIp(ctx, rec);
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'pending');

  for (const p of planned) {
    const vol = insertVolume(ctx, { shape: p.shape, zone, tags: spec.volumeTags, encrypted: p.encrypted, kmsKeyId: p.kmsKeyId, snapshotId: p.snapshotId });
    // Launch volumes are ready with the instance: no creating step of their own.
    ctx.engine.lifecycle.enter(ctx.tenant, vol, 'available');
    const att = ctx.tenant.collection<AttachmentData>(T.attachment).insert({
      id: attachmentId(vol.id, rec.id),
      region: ctx.region,
      parent: vol.id,
      data: { volumeId: vol.id, instanceId: rec.id, device: p.device, attachTime: now, deleteOnTermination: p.deleteOnTermination, atLaunch: true },
    });
    ctx.engine.lifecycle.enter(ctx.tenant, att, 'attached');
  }
  return rec;
}

/** The network settings of RunInstances, whether given at the top level or as interface 0. */
export interface LaunchNetwork {
  subnetId?: string;
  privateIp?: string;
  groupIds?: string[];
  publicIp?: boolean;
  description?: string;
  deleteOnTermination?: boolean;
}

export function launchNetwork(
  top: { SubnetId?: string; PrivateIpAddress?: string; SecurityGroupIds?: string[] },
  nis: readonly InstanceNetworkInterfaceSpecification[] | undefined,
): LaunchNetwork {
  if (!nis?.length) return { subnetId: top.SubnetId, privateIp: top.PrivateIpAddress, groupIds: top.SecurityGroupIds };
  if (top.SubnetId !== undefined)
    throw Ec2Errors.invalidParameterCombination('Network interfaces and an instance-level subnet ID may not be specified on the same request');
  if (top.SecurityGroupIds?.length)
    throw Ec2Errors.invalidParameterCombination('Network interfaces and an instance-level security groups may not be specified on the same request');
  if (top.PrivateIpAddress !== undefined)
    throw Ec2Errors.invalidParameterCombination('Network interfaces and an instance-level private IP address should not be specified on the same request');
  const primary = nis.find((n) => (n.DeviceIndex ?? 0) === 0);
  if (!primary) throw Ec2Errors.invalidParameterValue('Each network interface requires a device index. The primary network interface must have device index 0.');
  if (nis.length > 1) throw ec2Error('Unsupported', 'fauxcloud launches instances with their primary network interface only.');
  if (primary.NetworkInterfaceId !== undefined) throw ec2Error('Unsupported', 'fauxcloud does not attach an existing network interface at launch.');
  if (primary.AssociatePublicIpAddress !== undefined && nis.length > 1)
    throw Ec2Errors.invalidParameterCombination('The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.');
  const privateIp = primary.PrivateIpAddress ?? primary.PrivateIpAddresses?.find((p) => p.Primary)?.PrivateIpAddress;
  return { subnetId: primary.SubnetId, privateIp, groupIds: primary.Groups, publicIp: primary.AssociatePublicIpAddress, description: primary.Description, deleteOnTermination: primary.DeleteOnTermination };
}

export function metadataFrom(m: { HttpTokens?: string; HttpPutResponseHopLimit?: number; HttpEndpoint?: string; HttpProtocolIpv6?: string; InstanceMetadataTags?: string } | undefined, base: InstanceMetadataData): InstanceMetadataData {
  const hop = m?.HttpPutResponseHopLimit;
  if (hop !== undefined && (!Number.isInteger(hop) || hop < 1 || hop > 64))
    throw Ec2Errors.invalidParameterValue(`The HttpPutResponseHopLimit value of ${hop} is not valid. Specify a value from 1 to 64.`);
  const pick = <V extends string>(v: string | undefined, allowed: readonly V[], name: string, dflt: V): V => {
    if (v === undefined) return dflt;
    if (!(allowed as readonly string[]).includes(v)) throw Ec2Errors.invalidParameterValue(`Value (${v}) for parameter ${name} is invalid. Valid values: ${allowed.join(', ')}`);
    return v as V;
  };
  return {
    httpTokens: pick(m?.HttpTokens, ['optional', 'required'], 'HttpTokens', base.httpTokens),
    hopLimit: hop ?? base.hopLimit,
    httpEndpoint: pick(m?.HttpEndpoint, ['enabled', 'disabled'], 'HttpEndpoint', base.httpEndpoint),
    httpProtocolIpv6: pick(m?.HttpProtocolIpv6, ['enabled', 'disabled'], 'HttpProtocolIpv6', base.httpProtocolIpv6),
    instanceMetadataTags: pick(m?.InstanceMetadataTags, ['enabled', 'disabled'], 'InstanceMetadataTags', base.instanceMetadataTags),
  };
}
