/** Elastic Volumes, clones, instance types and attach limits, as the EBS CSI controller meets them. */
import {
  AttachVolumeCommand,
  CopyVolumesCommand,
  CreateVolumeCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  waitUntilVolumeAvailable,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});

async function volume(extra: Partial<ConstructorParameters<typeof CreateVolumeCommand>[0]> = {}): Promise<string> {
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 10, VolumeType: 'gp3', ...extra }));
  await waitUntilVolumeAvailable({ client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { VolumeIds: [VolumeId!] });
  return VolumeId!;
}
const vol1 = async (id: string) => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
const mod1 = async (id: string) => (await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [id] }))).VolumesModifications!.at(-1)!;

describe('ModifyVolume', () => {
  it('runs modifying → optimizing → completed; the volume has its new shape by optimizing', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.modification': { modifying: { delay: { ms: 3000 } }, optimizing: { delay: { ms: 60_000 } } } });
    const id = await volume();
    await expect(ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [id] }))).rejects.toMatchObject({ name: 'InvalidVolumeModification.NotFound' });

    const res = await ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 20, Iops: 4000, Throughput: 250 }));
    expect(res.VolumeModification).toMatchObject({ ModificationState: 'modifying', OriginalSize: 10, TargetSize: 20, TargetIops: 4000, TargetThroughput: 250, TargetVolumeType: 'gp3' });
    expect((await vol1(id)).Size).toBe(10);
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 30 }))).rejects.toMatchObject({ name: 'IncorrectModificationState' });

    await admin(server).post('/clock/advance', { ms: 3000 });
    expect((await mod1(id)).ModificationState).toBe('optimizing');
    expect(await vol1(id)).toMatchObject({ Size: 20, Iops: 4000, Throughput: 250 });
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 30 }))).rejects.toMatchObject({ name: 'IncorrectModificationState' });

    await admin(server).post('/clock/advance', { ms: 60_000 });
    const done = await mod1(id);
    expect(done).toMatchObject({ ModificationState: 'completed', Progress: 100 });
    expect(done.EndTime).toBeInstanceOf(Date);
    const again = await ec2.send(new ModifyVolumeCommand({ VolumeId: id, VolumeType: 'io2', Iops: 5000 }));
    expect(again.VolumeModification).toMatchObject({ OriginalVolumeType: 'gp3', TargetVolumeType: 'io2', TargetIops: 5000, OriginalSize: 20, TargetSize: 20 });
  });

  it('refuses shrinking, no-op changes and out-of-range targets', async () => {
    const id = await volume();
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 10 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Iops: 90_000 }))).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/maximum is 80000/) });
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: 'vol-0123456789abcdef0', Size: 50 }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });
});

describe('CopyVolumes', () => {
  it('clones a volume idempotently, at least as large as the source', async () => {
    const src = await volume({ Size: 12, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'team', Value: 'a' }] }] });
    const req = { SourceVolumeId: src, ClientToken: 'clone-1', TagSpecifications: [{ ResourceType: 'volume' as const, Tags: [{ Key: 'CSIVolumeName', Value: 'pvc-clone' }] }] };
    const copy = await ec2.send(new CopyVolumesCommand(req));
    expect(copy.Volumes).toHaveLength(1);
    expect(copy.Volumes![0]).toMatchObject({ State: 'creating', Size: 12, VolumeType: 'gp3', AvailabilityZone: 'us-east-1a', Tags: [{ Key: 'CSIVolumeName', Value: 'pvc-clone' }] });
    expect((await ec2.send(new CopyVolumesCommand(req))).Volumes![0]!.VolumeId).toBe(copy.Volumes![0]!.VolumeId);
    await expect(ec2.send(new CopyVolumesCommand({ ...req, Size: 20 }))).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
    await expect(ec2.send(new CopyVolumesCommand({ SourceVolumeId: src, Size: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new CopyVolumesCommand({ SourceVolumeId: 'vol-0123456789abcdef0' }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });
});

describe('instance types and attach limits', () => {
  it('describes instance types with the EBS facts the driver reads', async () => {
    const res = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.large', 't2.micro', 'm5d.4xlarge'] }));
    const byName = Object.fromEntries(res.InstanceTypes!.map((t) => [t.InstanceType, t]));
    expect(byName['m5.large']!.EbsInfo).toMatchObject({ NvmeSupport: 'required', MaximumEbsCards: 1, MaximumEbsAttachments: 28, AttachmentLimitType: 'shared' });
    expect(byName['m5.large']).toMatchObject({ VCpuInfo: { DefaultVCpus: 2 }, MemoryInfo: { SizeInMiB: 8192 }, Hypervisor: 'nitro' });
    expect(byName['t2.micro']!.EbsInfo).toMatchObject({ NvmeSupport: 'unsupported' });
    expect(byName['m5d.4xlarge']!.InstanceStorageInfo).toMatchObject({ TotalSizeInGB: 600, NvmeSupport: 'required' });
    await expect(ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.enormous' as 'm5.large'] }))).rejects.toMatchObject({ name: 'InvalidInstanceType' });
    const arm = await ec2.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }], MaxResults: 100 }));
    expect(arm.InstanceTypes!.every((t) => t.InstanceType!.startsWith('m6g.'))).toBe(true);
  });

  it('refuses an attachment beyond the instance type’s shared Nitro slots', async () => {
    const node = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] }))).Reservations![0]!.Instances![0]!.InstanceId!;
    // m5.large: 28 slots; the ENI and the root volume use two.
    const devices = [...'bcdefghijklmnopqrstuvwxyz'].map((l) => `/dev/xvdb${l}`).concat('/dev/xvdca');
    for (const device of devices) await ec2.send(new AttachVolumeCommand({ VolumeId: await volume({ Size: 1 }), InstanceId: node, Device: device }));
    const extra = await volume({ Size: 1 });
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: extra, InstanceId: node, Device: '/dev/xvdzz' }))).rejects.toMatchObject({ name: 'AttachmentLimitExceeded' });
  });

  it('lets io2 Multi-Attach volumes attach to several Nitro instances, but not gp3 ones', async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: 2, MaxCount: 2, Placement: { AvailabilityZone: 'us-east-1a' } }));
    const [a, b] = run.Instances!.map((i) => i.InstanceId!);
    await ec2.send(new DescribeInstancesCommand({ InstanceIds: [a!, b!] }));
    const shared = await volume({ VolumeType: 'io2', Iops: 1000, MultiAttachEnabled: true });
    await ec2.send(new AttachVolumeCommand({ VolumeId: shared, InstanceId: a, Device: '/dev/xvdf' }));
    await ec2.send(new AttachVolumeCommand({ VolumeId: shared, InstanceId: b, Device: '/dev/xvdf' }));
    expect((await vol1(shared)).Attachments!.map((x) => x.InstanceId).sort()).toEqual([a, b].sort());

    const single = await volume();
    await ec2.send(new AttachVolumeCommand({ VolumeId: single, InstanceId: a, Device: '/dev/xvdg' }));
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: single, InstanceId: b, Device: '/dev/xvdg' }))).rejects.toMatchObject({ name: 'VolumeInUse' });
    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 10, VolumeType: 'gp3', MultiAttachEnabled: true }))).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
    });
  });
});
