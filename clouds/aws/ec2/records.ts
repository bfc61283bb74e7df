/** What the store keeps for each EC2 resource type (internal shapes; rendering maps them to the wire). */
export const T = {
  zone: 'aws.ec2.zone',
  vpc: 'aws.ec2.vpc',
  subnet: 'aws.ec2.subnet',
  instance: 'aws.ec2.instance',
  volume: 'aws.ec2.volume',
  attachment: 'aws.ec2.attachment',
} as const;

export interface ZoneData {
  zoneName: string;
  zoneId: string;
}

export interface VpcData {
  cidrBlock: string;
  isDefault: boolean;
  dhcpOptionsId: string;
}

export interface SubnetData {
  vpcId: string;
  zone: string;
  zoneId: string;
  cidrBlock: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
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
}

export const attachmentId = (volumeId: string, instanceId: string): string => `${volumeId}/${instanceId}`;
