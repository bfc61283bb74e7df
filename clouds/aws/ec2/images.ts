/**
 * AMIs: a fixed catalogue of public images every account and region sees (each with its root
 * device and root snapshot, which RunInstances turns into the root volume), and DescribeImages
 * with EC2's owner and filter semantics.
 */
import type { DescribeImagesRequest, DescribeImagesResult, Image } from '@aws-sdk/client-ec2';
import { ec2Error } from '../shared/errors.js';
import { asRows, checkDryRun, checkPaging, filterRecords, pageOf } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';

export interface AmiData {
  imageId: string;
  name: string;
  description: string;
  ownerId: string;
  ownerAlias?: 'amazon';
  architecture: 'x86_64' | 'arm64';
  platform?: 'windows';
  rootDeviceName: string;
  rootSnapshotId: string;
  rootSize: number;
  rootVolumeType: 'gp2' | 'gp3';
  creationDate: string;
  bootMode?: 'uefi' | 'legacy-bios' | 'uefi-preferred';
}

const AMAZON = '137112412989';
const CANONICAL = '099720109477';
const AMAZON_WINDOWS = '801119661308';

/** The catalogue. The first is fauxcloud's default (seeded instances); the others are ids that SDK docs, moto and our benches use. */
export const IMAGES: readonly AmiData[] = [
  { imageId: 'ami-0fa0c10d000000001', name: 'al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64', description: 'Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1', ownerId: AMAZON, ownerAlias: 'amazon', architecture: 'x86_64', rootDeviceName: '/dev/xvda', rootSnapshotId: 'snap-0fa0c10d000000001', rootSize: 8, rootVolumeType: 'gp3', creationDate: '2024-12-12T20:33:06.000Z', bootMode: 'uefi-preferred' },
  { imageId: 'ami-0fa0c10d000000002', name: 'al2023-ami-2023.6.20241212.0-kernel-6.1-arm64', description: 'Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1', ownerId: AMAZON, ownerAlias: 'amazon', architecture: 'arm64', rootDeviceName: '/dev/xvda', rootSnapshotId: 'snap-0fa0c10d000000002', rootSize: 8, rootVolumeType: 'gp3', creationDate: '2024-12-12T20:33:08.000Z', bootMode: 'uefi' },
  { imageId: 'ami-0123456789abcdef0', name: 'amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2', description: 'Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2', ownerId: AMAZON, ownerAlias: 'amazon', architecture: 'x86_64', rootDeviceName: '/dev/xvda', rootSnapshotId: 'snap-0fa0c10d000000003', rootSize: 8, rootVolumeType: 'gp2', creationDate: '2024-12-17T22:01:12.000Z' },
  { imageId: 'ami-12c6146b', name: 'amzn-ami-hvm-2018.03.0.20180811-x86_64-gp2', description: 'Amazon Linux AMI 2018.03.0.20180811 x86_64 HVM GP2', ownerId: AMAZON, ownerAlias: 'amazon', architecture: 'x86_64', rootDeviceName: '/dev/xvda', rootSnapshotId: 'snap-0fa0c10d000000004', rootSize: 8, rootVolumeType: 'gp2', creationDate: '2018-08-11T02:30:11.000Z' },
  { imageId: 'ami-0fa0c10d000000005', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206', description: 'Canonical, Ubuntu, 24.04, amd64 noble image', ownerId: CANONICAL, architecture: 'x86_64', rootDeviceName: '/dev/sda1', rootSnapshotId: 'snap-0fa0c10d000000005', rootSize: 8, rootVolumeType: 'gp3', creationDate: '2024-12-06T04:55:51.000Z', bootMode: 'uefi-preferred' },
  { imageId: 'ami-0fa0c10d000000006', name: 'Windows_Server-2022-English-Full-Base-2024.12.13', description: 'Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon', ownerId: AMAZON_WINDOWS, ownerAlias: 'amazon', architecture: 'x86_64', platform: 'windows', rootDeviceName: '/dev/sda1', rootSnapshotId: 'snap-0fa0c10d000000006', rootSize: 30, rootVolumeType: 'gp2', creationDate: '2024-12-13T08:21:12.000Z' },
];

const BY_ID = new Map(IMAGES.map((i) => [i.imageId, i]));

export const amiMalformed = (id: string) => ec2Error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
export const amiNotFound = (ids: readonly string[]) => ec2Error('InvalidAMIID.NotFound', `The image id '[${ids.join(', ')}]' does not exist`);

/** An image RunInstances may launch (EC2 checks the id's shape before looking it up). */
export function requireImage(id: string): AmiData {
  if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw amiMalformed(id);
  const image = BY_ID.get(id);
  if (!image) throw amiNotFound([id]);
  return image;
}

/** Stored instances may name images outside the catalogue (older state, scenario seeds). */
export function imageOrUndefined(id: string): AmiData | undefined {
  return BY_ID.get(id);
}

function renderImage(i: AmiData): Image {
  return {
    ImageId: i.imageId,
    ImageLocation: `${i.ownerAlias ?? i.ownerId}/${i.name}`,
    State: 'available',
    OwnerId: i.ownerId,
    ImageOwnerAlias: i.ownerAlias,
    CreationDate: i.creationDate,
    Public: true,
    Architecture: i.architecture,
    ImageType: 'machine',
    Platform: i.platform as Image['Platform'],
    PlatformDetails: i.platform === 'windows' ? 'Windows' : 'Linux/UNIX',
    UsageOperation: i.platform === 'windows' ? 'RunInstances:0002' : 'RunInstances',
    Name: i.name,
    Description: i.description,
    RootDeviceName: i.rootDeviceName,
    RootDeviceType: 'ebs',
    VirtualizationType: 'hvm',
    Hypervisor: 'xen',
    EnaSupport: true,
    SriovNetSupport: 'simple',
    BootMode: i.bootMode,
    ImdsSupport: i.ownerId === AMAZON && i.name.startsWith('al2023') ? 'v2.0' : undefined,
    BlockDeviceMappings: [
      { DeviceName: i.rootDeviceName, Ebs: { DeleteOnTermination: true, SnapshotId: i.rootSnapshotId, VolumeSize: i.rootSize, VolumeType: i.rootVolumeType, Encrypted: false } },
    ],
    DeprecationTime: new Date(Date.parse(i.creationDate) + 2 * 365 * 86400_000).toISOString(),
  };
}

function describeImages(input: DescribeImagesRequest, ctx: Ec2Context): DescribeImagesResult {
  const ids = input.ImageIds ?? [];
  for (const id of ids) if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw amiMalformed(id);
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'imageId' });
  checkDryRun(input);
  const missing = ids.filter((id) => !BY_ID.has(id));
  if (missing.length > 0) throw amiNotFound(missing);
  // Owners: account ids, `self` (this account owns no images here), `amazon`, `aws-marketplace`.
  const owners = input.Owners ?? [];
  const ownedBy = (i: AmiData) =>
    owners.length === 0 || owners.some((o) => o === i.ownerId || (o === 'amazon' && i.ownerAlias === 'amazon') || (o === 'self' && i.ownerId === ctx.account));
  let rows = asRows(
    IMAGES.filter((i) => (ids.length === 0 || ids.includes(i.imageId)) && ownedBy(i)),
    (i) => i.imageId,
  );
  rows = filterRecords(rows, input.Filters, {
    tags: true,
    fields: {
      'image-id': (r) => r.data.imageId,
      name: (r) => r.data.name,
      description: (r) => r.data.description,
      'owner-id': (r) => r.data.ownerId,
      'owner-alias': (r) => r.data.ownerAlias,
      architecture: (r) => r.data.architecture,
      platform: (r) => r.data.platform,
      'platform-details': (r) => (r.data.platform === 'windows' ? 'Windows' : 'Linux/UNIX'),
      'usage-operation': (r) => (r.data.platform === 'windows' ? 'RunInstances:0002' : 'RunInstances'),
      state: () => 'available',
      'is-public': () => true,
      'image-type': () => 'machine',
      'root-device-name': (r) => r.data.rootDeviceName,
      'root-device-type': () => 'ebs',
      'virtualization-type': () => 'hvm',
      hypervisor: () => 'xen',
      'ena-support': () => true,
      'sriov-net-support': () => 'simple',
      'creation-date': (r) => r.data.creationDate,
      'boot-mode': (r) => r.data.bootMode,
      'manifest-location': (r) => `${r.data.ownerAlias ?? r.data.ownerId}/${r.data.name}`,
      'block-device-mapping.device-name': (r) => r.data.rootDeviceName,
      'block-device-mapping.snapshot-id': (r) => r.data.rootSnapshotId,
      'block-device-mapping.volume-size': (r) => r.data.rootSize,
      'block-device-mapping.volume-type': (r) => r.data.rootVolumeType,
      'block-device-mapping.delete-on-termination': () => true,
      'block-device-mapping.encrypted': () => false,
    },
  });
  const page = pageOf(rows, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'imageId', query: { f: input.Filters ?? [], o: owners } });
  return { Images: page.items.map((r) => renderImage(r.data)), NextToken: page.nextToken };
}

export const imageOperations = {
  DescribeImages: op(describeImages),
};
