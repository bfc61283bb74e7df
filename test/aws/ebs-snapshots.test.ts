/** Snapshots as the EBS CSI controller and csi-snapshotter use them, with real intermediate states. */
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  DescribeVolumeStatusCommand,
  DescribeVolumesCommand,
  EnableFastSnapshotRestoresCommand,
  LockSnapshotCommand,
  waitUntilSnapshotCompleted,
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

async function volume(size = 4): Promise<string> {
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: size, VolumeType: 'gp3' }));
  await waitUntilVolumeAvailable({ client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { VolumeIds: [VolumeId!] });
  return VolumeId!;
}
const snapshotNamed = (volumeId: string, name: string) =>
  new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'Created by AWS EBS CSI driver', TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'CSIVolumeSnapshotName', Value: name }] }] });

describe('snapshots', () => {
  it('goes pending → completed with progress on the virtual clock, and is found by its CSI name', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.snapshot': { pending: { delay: { ms: 100_000 } } } });
    const vol = await volume(7);
    const snap = await ec2.send(snapshotNamed(vol, 'snapshot-1'));
    expect(snap).toMatchObject({ State: 'pending', VolumeId: vol, VolumeSize: 7, OwnerId: '000000000000' });
    expect(snap.StartTime).toBeInstanceOf(Date);

    await admin(server).post('/clock/advance', { ms: 50_000 });
    const half = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap.SnapshotId!] }))).Snapshots![0]!;
    expect(half.State).toBe('pending');
    expect(half.Progress).toMatch(/^(49|50)%$/);

    await admin(server).post('/clock/advance', { ms: 50_000 });
    await waitUntilSnapshotCompleted({ client: ec2, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { SnapshotIds: [snap.SnapshotId!] });
    const byName = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:CSIVolumeSnapshotName', Values: ['snapshot-1'] }] }));
    expect(byName.Snapshots!.map((s) => [s.SnapshotId, s.State, s.Progress])).toEqual([[snap.SnapshotId, 'completed', '100%']]);
  });

  it('lists by volume with MaxResults pages of 5..1000', async () => {
    const vol = await volume();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await ec2.send(snapshotNamed(vol, `s-${i}`))).SnapshotId!);
    const first = await ec2.send(new DescribeSnapshotsCommand({ MaxResults: 5, Filters: [{ Name: 'volume-id', Values: [vol] }] }));
    const second = await ec2.send(new DescribeSnapshotsCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: 'volume-id', Values: [vol] }] }));
    expect([...first.Snapshots!, ...second.Snapshots!].map((s) => s.SnapshotId)).toEqual(ids);
    expect(second.NextToken).toBeUndefined();
    await expect(ec2.send(new DescribeSnapshotsCommand({ MaxResults: 4 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['123456789012'] }))).Snapshots).toEqual([]);
  });

  it('restores volumes from a completed snapshot, initializing in the background', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume-init': { initializing: { delay: { ms: 120_000 } } } });
    const vol = await volume(6);
    const { SnapshotId } = await ec2.send(snapshotNamed(vol, 'restore-me'));
    await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }));
    const restored = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', SnapshotId, VolumeType: 'gp3' }));
    expect(restored).toMatchObject({ Size: 6, SnapshotId });
    await waitUntilVolumeAvailable({ client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { VolumeIds: [restored.VolumeId!] });

    const status = async () => (await ec2.send(new DescribeVolumeStatusCommand({ VolumeIds: [restored.VolumeId!] }))).VolumeStatuses![0]!;
    const early = await status();
    expect(early.VolumeStatus!.Details).toContainEqual({ Name: 'initialization-state', Status: 'initializing' });
    expect(early.InitializationStatusDetails).toMatchObject({ InitializationType: 'default', EstimatedTimeToCompleteInSeconds: expect.any(Number) });
    await admin(server).post('/clock/advance', { ms: 120_000 });
    expect((await status()).VolumeStatus!.Details).toContainEqual({ Name: 'initialization-state', Status: 'completed' });

    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId, Size: 2 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: 'snap-0123456789abcdef0' }))).rejects.toMatchObject({
      name: 'InvalidSnapshot.NotFound',
      message: "The snapshot 'snap-0123456789abcdef0' does not exist.",
    });
  });

  it('refuses to restore from a pending snapshot', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.snapshot': { pending: { manual: { afterReads: 5 } } } });
    const { SnapshotId } = await ec2.send(snapshotNamed(await volume(), 'pending'));
    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId }))).rejects.toMatchObject({ name: 'IncorrectState' });
  });

  it('deletes snapshots unless locked', async () => {
    const vol = await volume();
    const a = (await ec2.send(snapshotNamed(vol, 'a'))).SnapshotId!;
    const b = (await ec2.send(snapshotNamed(vol, 'b'))).SnapshotId!;
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: a }));
    await expect(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [a] }))).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });

    const lock = await ec2.send(new LockSnapshotCommand({ SnapshotId: b, LockMode: 'compliance', LockDuration: 1, CoolOffPeriod: 1 }));
    expect(lock).toMatchObject({ SnapshotId: b, LockState: 'compliance-cooloff', LockDuration: 1, CoolOffPeriod: 1 });
    await expect(ec2.send(new DeleteSnapshotCommand({ SnapshotId: b }))).rejects.toMatchObject({ name: 'SnapshotLocked' });
    await admin(server).post('/clock/advance', { ms: 86_400_000 });
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: b }));
    await expect(ec2.send(new LockSnapshotCommand({ SnapshotId: b, LockMode: 'governance', LockDuration: 1 }))).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
  });

  it('enables fast snapshot restores per zone, reporting failures per snapshot', async () => {
    const { SnapshotId } = await ec2.send(snapshotNamed(await volume(), 'fsr'));
    const res = await ec2.send(new EnableFastSnapshotRestoresCommand({ SourceSnapshotIds: [SnapshotId!, 'snap-0123456789abcdef0'], AvailabilityZones: ['us-east-1a', 'us-east-1b'] }));
    expect(res.Successful!.map((s) => [s.SnapshotId, s.AvailabilityZone, s.State])).toEqual([
      [SnapshotId, 'us-east-1a', 'enabling'],
      [SnapshotId, 'us-east-1b', 'enabling'],
    ]);
    expect(res.Unsuccessful![0]!.FastSnapshotRestoreStateErrors![0]!.Error).toMatchObject({ Code: 'InvalidSnapshot.NotFound' });
    const again = await ec2.send(new EnableFastSnapshotRestoresCommand({ SourceSnapshotIds: [SnapshotId!], AvailabilityZones: ['us-east-1a'] }));
    expect(again.Successful![0]!.State).toBe('enabled');
    // The volume list is untouched by all this.
    expect((await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'snapshot-id', Values: [SnapshotId!] }] }))).Volumes).toEqual([]);
  });
});

describe('what the EBS CSI driver sends', () => {
  it('lists snapshots with MaxResults=0 (all) and clamps values above 1000', async () => {
    const vol = await volume();
    await ec2.send(snapshotNamed(vol, 'zero'));
    const all = await ec2.send(new DescribeSnapshotsCommand({ MaxResults: 0, Filters: [{ Name: 'volume-id', Values: [vol] }] }));
    expect(all.Snapshots).toHaveLength(1);
    expect(all.NextToken).toBeUndefined();
    expect((await ec2.send(new DescribeSnapshotsCommand({ MaxResults: 5000 }))).Snapshots).toHaveLength(1);
  });

  it('treats a CreateVolume retry with its tags in another order as the same request', async () => {
    const tags = [
      { Key: 'CSIVolumeName', Value: 'pvc-order' },
      { Key: 'ebs.csi.aws.com/cluster', Value: 'true' },
      { Key: 'kubernetes.io/cluster/fauxcloud', Value: 'owned' },
    ];
    const create = (t: typeof tags) =>
      ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 3, VolumeType: 'gp3', ClientToken: 'order-token', TagSpecifications: [{ ResourceType: 'volume', Tags: t }] }));
    const a = await create(tags);
    const b = await create([...tags].reverse());
    expect(b.VolumeId).toBe(a.VolumeId);
    await expect(create([...tags, { Key: 'extra', Value: '1' }])).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  });
});
