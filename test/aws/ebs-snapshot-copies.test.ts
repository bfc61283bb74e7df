/** Snapshot copies, multi-volume snapshots of an instance, and the archive tier, as backup tooling uses them. */
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeSnapshotTierStatusCommand,
  ModifySnapshotTierCommand,
  RestoreSnapshotTierCommand,
  RunInstancesCommand,
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

const wait = { maxWaitTime: 10, minDelay: 1, maxDelay: 1 };

async function completedSnapshot(): Promise<string> {
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 6, VolumeType: 'gp3', TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'app', Value: 'db' }] }] }));
  await waitUntilVolumeAvailable({ client: ec2, ...wait }, { VolumeIds: [VolumeId!] });
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId, Description: 'nightly' }));
  await waitUntilSnapshotCompleted({ client: ec2, ...wait }, { SnapshotIds: [SnapshotId!] });
  return SnapshotId!;
}

describe('CopySnapshot', () => {
  it('copies within a region and into another, encrypting on request', async () => {
    const source = await completedSnapshot();
    const copy = await ec2.send(new CopySnapshotCommand({ SourceSnapshotId: source, SourceRegion: 'us-east-1', Description: 'copy', TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'k', Value: 'v' }] }] }));
    expect(copy.SnapshotId).toMatch(/^snap-/);
    expect(copy.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    const got = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [copy.SnapshotId!] }))).Snapshots![0]!;
    expect(got).toMatchObject({ VolumeId: 'vol-ffffffff', VolumeSize: 6, Description: 'copy', Encrypted: false });

    const west = ec2Client(server, { region: 'us-west-2' });
    const far = await west.send(new CopySnapshotCommand({ SourceSnapshotId: source, SourceRegion: 'us-east-1', Encrypted: true }));
    const farSnap = (await west.send(new DescribeSnapshotsCommand({ SnapshotIds: [far.SnapshotId!] }))).Snapshots![0]!;
    expect(farSnap).toMatchObject({ Encrypted: true, VolumeSize: 6 });
    expect(farSnap.KmsKeyId).toContain(':us-west-2:');
    await expect(west.send(new CopySnapshotCommand({ SourceSnapshotId: source, SourceRegion: 'eu-west-1' }))).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
    await expect(ec2.send(new CopySnapshotCommand({ SourceSnapshotId: source, SourceRegion: 'us-east-1', KmsKeyId: 'alias/aws/ebs' }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
  });
});

describe('CreateSnapshots', () => {
  it('snapshots every volume of an instance, or only its data volumes, copying volume tags', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-0fa0c10d000000001',
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: 'us-east-1a' },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvdf', Ebs: { VolumeSize: 12 } }],
        TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'owner', Value: 'team-a' }] }],
      }),
    );
    const id = run.Instances![0]!.InstanceId!;
    const all = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: id }, Description: 'crash-consistent', CopyTagsFromSource: 'volume' }));
    expect(all.Snapshots!.map((s) => s.VolumeSize).sort((a, b) => a! - b!)).toEqual([8, 12]);
    expect(all.Snapshots!.every((s) => s.State === 'pending' && s.Description === 'crash-consistent')).toBe(true);
    expect(all.Snapshots![0]!.Tags).toEqual([{ Key: 'owner', Value: 'team-a' }]);
    const data = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: id, ExcludeBootVolume: true } }));
    expect(data.Snapshots!.map((s) => s.VolumeSize)).toEqual([12]);
    await expect(ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: 'i-0000000000000dead' } }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });
});

describe('snapshot tiers', () => {
  it('archives a snapshot, refuses volumes from it, restores it for a while and for good', async () => {
    const snap = await completedSnapshot();
    const tiered = await ec2.send(new ModifySnapshotTierCommand({ SnapshotId: snap, StorageTier: 'archive' }));
    expect(tiered.TieringStartTime).toBeInstanceOf(Date);
    const archived = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'storage-tier', Values: ['archive'] }] }));
    expect(archived.Snapshots!.map((s) => s.SnapshotId)).toEqual([snap]);
    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: snap }))).rejects.toMatchObject({ name: 'IncorrectState' });
    await expect(ec2.send(new ModifySnapshotTierCommand({ SnapshotId: snap, StorageTier: 'archive' }))).rejects.toMatchObject({ name: 'IncorrectState' });

    const temp = await ec2.send(new RestoreSnapshotTierCommand({ SnapshotId: snap, TemporaryRestoreDays: 2 }));
    expect(temp).toMatchObject({ RestoreDuration: 2, IsPermanentRestore: false });
    const restored = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }))).Snapshots![0]!;
    expect(restored.StorageTier).toBe('archive');
    expect(restored.RestoreExpiryTime).toBeInstanceOf(Date);
    await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: snap }));
    const status = (await ec2.send(new DescribeSnapshotTierStatusCommand({ Filters: [{ Name: 'snapshot-id', Values: [snap] }] }))).SnapshotTierStatuses!;
    expect(status[0]).toMatchObject({ SnapshotId: snap, StorageTier: 'archive', LastTieringOperationStatus: 'temporary-restore-completed' });

    // Two days later the temporary restore has lapsed.
    await admin(server).post('/clock/advance', { ms: 2 * 86_400_000 + 1000 });
    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: snap }))).rejects.toMatchObject({ name: 'IncorrectState' });
    await ec2.send(new RestoreSnapshotTierCommand({ SnapshotId: snap, PermanentRestore: true }));
    expect((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }))).Snapshots![0]!.StorageTier).toBe('standard');
  });

  it('answers owner filters: self finds own snapshots, the amazon alias finds none of them', async () => {
    const snap = await completedSnapshot();
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.map((s) => s.SnapshotId)).toContain(snap);
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['amazon'] }))).Snapshots).toEqual([]);
    expect((await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'owner-alias', Values: ['amazon'] }] }))).Snapshots).toEqual([]);
    expect((await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'owner-id', Values: ['000000000000'] }, { Name: 'description', Values: ['night*'] }] }))).Snapshots!.map((s) => s.SnapshotId)).toEqual([snap]);
  });
});
