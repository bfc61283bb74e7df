/** What the store keeps for each EC2 resource type (internal shapes; rendering maps them to the wire). */
import { sealData, type ResourceRecord } from '../../../core/store.js';

export const T = {
  zone: 'aws.ec2.zone',
  vpc: 'aws.ec2.vpc',
  subnet: 'aws.ec2.subnet',
  instance: 'aws.ec2.instance',
  volume: 'aws.ec2.volume',
  attachment: 'aws.ec2.attachment',
  snapshot: 'aws.ec2.snapshot',
  /** The latest modification of a volume; its id is the volume id. */
  modification: 'aws.ec2.modification',
  /** Initialization of a volume created from a snapshot; its id is the volume id. */
  volumeInit: 'aws.ec2.volume-init',
  /** Fast snapshot restore of a snapshot in a zone; id `<snapshotId>/<zone>`. */
  fastRestore: 'aws.ec2.fast-snapshot-restore',
  securityGroup: 'aws.ec2.security-group',
  routeTable: 'aws.ec2.route-table',
  internetGateway: 'aws.ec2.internet-gateway',
  keyPair: 'aws.ec2.key-pair',
  launchTemplate: 'aws.ec2.launch-template',
  natGateway: 'aws.ec2.nat-gateway',
  /** Elastic IPs, by allocation id. */
  address: 'aws.ec2.address',
  /** Elastic IP pools (core/ipv4.ts), one record per region. */
  publicIpPool: 'aws.ec2.public-ip-pool',
  /** One record per region once its default VPC question is settled (id = region). */
  defaultVpc: 'aws.ec2.default-vpc',
} as const;

export interface ZoneData {
  zoneName: string;
  zoneId: string;
}

export interface VpcData {
  cidrBlock: string;
  isDefault: boolean;
  dhcpOptionsId: string;
  /** ModifyVpcAttribute; absent in older state documents (then EC2's defaults apply). */
  enableDnsSupport?: boolean;
  enableDnsHostnames?: boolean;
  enableNetworkAddressUsageMetrics?: boolean;
}

/** Whether a region's default VPC was made (its id), or the region started without one. */
export interface DefaultVpcMark {
  vpcId?: string;
}

export interface SubnetData {
  vpcId: string;
  zone: string;
  zoneId: string;
  cidrBlock: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
  /** ModifySubnetAttribute's other switches (absent = off). */
  assignIpv6AddressOnCreation?: boolean;
  enableDns64?: boolean;
  enableResourceNameDnsARecordOnLaunch?: boolean;
  enableResourceNameDnsAAAARecordOnLaunch?: boolean;
  privateDnsHostnameTypeOnLaunch?: 'ip-name' | 'resource-name';
  /** Next host number to hand out in the CIDR (the first four are AWS-reserved). */
  nextHost: number;
}

export interface InstanceData {
  reservationId: string;
  imageId: string;
  instanceType: string;
  zone: string;
  zoneId: string;
  subnetId?: string;
  vpcId?: string;
  privateIp: string;
  privateDnsName: string;
  macAddress: string;
  eniId: string;
  eniAttachmentId: string;
  launchTime: string;
  amiLaunchIndex: number;
  keyName?: string;
  clientToken?: string;
  rootDeviceName: string;
  terminatedAt?: number;
  securityGroupIds: string[];
  sourceDestCheck: boolean;
  /** What RunInstances asked for beyond the basics (absent in records stored before they existed). */
  ebsOptimized?: boolean;
  monitoring?: boolean;
  metadataOptions?: InstanceMetadataData;
  /** Base64, as sent. */
  userData?: string;
  disableApiTermination?: boolean;
  disableApiStop?: boolean;
  shutdownBehavior?: 'stop' | 'terminate';
  /** Auto-assigned public address: dropped on stop, a new one on start. */
  publicIp?: string;
  /** An associated Elastic IP: it is the instance's public address while bound, stopped or not. */
  elasticIp?: string;
  publicIpOnLaunch?: boolean;
  /** `StateTransitionReason` and `StateReason` as EC2 writes them on the last user-initiated change. */
  transitionReason?: string;
  stateReason?: { code: string; message: string };
  launchTemplate?: { id: string; name: string; version: string };
  eniDescription?: string;
  eniDeleteOnTermination?: boolean;
  architecture?: string;
  platform?: string;
}

export interface InstanceMetadataData {
  httpTokens: 'optional' | 'required';
  hopLimit: number;
  httpEndpoint: 'enabled' | 'disabled';
  httpProtocolIpv6: 'enabled' | 'disabled';
  instanceMetadataTags: 'enabled' | 'disabled';
}

export interface KeyPairData {
  keyName: string;
  keyPairId: string;
  keyType: 'rsa' | 'ed25519';
  fingerprint: string;
  publicKey: string;
  createTime: string;
}

/** A launch template; its versions are kept in order (version N at index N-1). */
export interface LaunchTemplateData {
  name: string;
  createTime: string;
  createdBy: string;
  defaultVersion: number;
  versions: Array<{ number: number; description?: string; createTime: string; data: Record<string, unknown> }>;
}

export interface VolumeData {
  size: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  zone: string;
  zoneId: string;
  snapshotId: string;
  createTime: string;
  multiAttachEnabled: boolean;
  outpostArn?: string;
}

/** One volume-to-instance attachment; its id is `<volumeId>/<instanceId>`, its parent the volume. */
export interface AttachmentData {
  volumeId: string;
  instanceId: string;
  device: string;
  attachTime: string;
  deleteOnTermination: boolean;
  ebsCardIndex?: number;
  /** Mapped by RunInstances (IMDS lists only these under block-device-mapping). */
  atLaunch?: boolean;
}

/** Secondary index of attachments by instance id (declared in machines.ts). */
export const BY_INSTANCE = 'instance';

export const attachmentId = (volumeId: string, instanceId: string): string => `${volumeId}/${instanceId}`;

export interface SnapshotData {
  volumeId: string;
  volumeSize: number;
  description: string;
  startTime: string;
  encrypted: boolean;
  kmsKeyId?: string;
  outpostArn?: string;
  lock?: SnapshotLock;
  /** `archive` after ModifySnapshotTier; a restore keeps it readable until `restoreExpiryTime`. */
  storageTier?: 'standard' | 'archive';
  tierChangeTime?: string;
  restoreExpiryTime?: string;
  /** CopySnapshot's source (`snap-… ` in region). */
  sourceSnapshotId?: string;
  sourceRegion?: string;
}

export interface SnapshotLock {
  mode: 'governance' | 'compliance';
  createdOn: string;
  expiresOn: string;
  duration?: number;
  coolOffPeriod?: number;
  coolOffExpiresOn?: string;
}

export interface ModificationData {
  volumeId: string;
  original: { size: number; volumeType: string; iops?: number; throughput?: number; multiAttachEnabled: boolean };
  target: { size: number; volumeType: string; iops?: number; throughput?: number; multiAttachEnabled: boolean };
  startTime: string;
  endTime?: string;
}

export interface VolumeInitData {
  volumeId: string;
  type: 'default' | 'provisioned-rate' | 'volume-copy';
}

export interface FastRestoreData {
  snapshotId: string;
  zone: string;
  zoneId: string;
  enablingTime: string;
}

/** One ingress or egress rule: a protocol and port range to one peer (CIDR, IPv6 CIDR or group). */
export interface SecurityGroupRule {
  ruleId: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  cidrV6?: string;
  groupId?: string;
  userId?: string;
  description?: string;
}

export interface SecurityGroupData {
  vpcId: string;
  groupName: string;
  description: string;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
}

export interface RouteData {
  destinationCidrBlock: string;
  gatewayId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  natGatewayId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableData {
  vpcId: string;
  main: boolean;
  /** The main association's id (meaningful while `main`). */
  associationId: string;
  subnetAssociations: Array<{ associationId: string; subnetId: string }>;
  routes: RouteData[];
}

export interface InternetGatewayData {
  /** The VPC it is attached to; absent while detached. */
  vpcId?: string;
}

export interface NatGatewayData {
  vpcId: string;
  subnetId: string;
  connectivityType: 'public' | 'private';
  allocationId?: string;
  publicIp?: string;
  privateIp: string;
  eniId: string;
  createTime: string;
  deleteTime?: string;
  clientToken?: string;
  /** Set at creation when the gateway cannot come up; it then goes pending → failed. */
  failure?: { code: string; message: string };
}

export interface AddressData {
  publicIp: string;
  association?: { associationId: string; instanceId?: string; networkInterfaceId: string; privateIp: string; natGatewayId?: string };
}

/**
 * Change a record's data: a new object with `set` applied and `drop` removed, never an edit in
 * place, because rendered answers are cached by the identity of `rec.data` (render-cache.ts).
 * Fields a store index keys on (an attachment's instance id) must not change this way.
 */
export function patch<D extends object>(rec: ResourceRecord<D>, set: Partial<D>, drop: ReadonlyArray<keyof D> = []): D {
  const next = { ...rec.data, ...set };
  for (const k of drop) delete next[k];
  rec.data = sealData(rec.type, next);
  return rec.data;
}

/** Every EC2 type but the address pools (core/ipv4.ts keeps their used lists in place, and nothing renders them). */
export const IMMUTABLE_TYPES: readonly string[] = Object.values(T).filter((t) => t !== T.publicIpPool);
