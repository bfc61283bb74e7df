/**
 * The EBS CSI controller's volume flow, performed with the official JS SDK:
 * CreateVolume (idempotent by ClientToken) → wait available → AttachVolume → wait attached →
 * find by CSIVolumeName tag → DetachVolume → wait available → DeleteVolume → NotFound.
 */
import { createHash } from 'node:crypto';
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  waitUntilVolumeAvailable,
  waitUntilVolumeInUse,
  type EC2Client,
  type EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, until, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;
let nodeA: string;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});
beforeEach(async () => {
  const res = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }, { Name: 'tag-key', Values: ['kubernetes.io/cluster/fauxcloud'] }] }),
  );
  nodeA = res.Reservations![0]!.Instances![0]!.InstanceId!;
});

const tokenFor = (pvName: string) => createHash('sha256').update(pvName).digest('hex');
const createFor = (pvName: string, size = 10) =>
  new CreateVolumeCommand({
    AvailabilityZone: 'us-east-1a',
    Size: size,
    VolumeType: 'gp3',
    ClientToken: tokenFor(pvName),
    TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'CSIVolumeName', Value: pvName }, { Key: 'ebs.csi.aws.com/cluster', Value: 'true' }] }],
  });
const describe1 = async (id: string) => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
const waiter = { client: () => ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 };

describe('the CSI controller volume flow', () => {
  it('creates idempotently, attaches, finds by tag, detaches and deletes', async () => {
    const first = await ec2.send(createFor('pvc-1111'));
    expect(first.State).toBe('creating');
    expect(first.VolumeId).toMatch(/^vol-[0-9a-f]{17}$/);
    expect(first).toMatchObject({ Size: 10, VolumeType: 'gp3', Iops: 3000, Throughput: 125, AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' });

    const again = await ec2.send(createFor('pvc-1111'));
    expect(again.VolumeId).toBe(first.VolumeId);

    const mismatch = await ec2.send(createFor('pvc-1111', 20)).catch((e: EC2ServiceException) => e);
    expect(mismatch).toMatchObject({ name: 'IdempotentParameterMismatch' });

    const id = first.VolumeId!;
    await waitUntilVolumeAvailable({ ...waiter, client: ec2 }, { VolumeIds: [id] });

    const att = await ec2.send(new AttachVolumeCommand({ VolumeId: id, InstanceId: nodeA, Device: '/dev/xvdba' }));
    expect(att).toMatchObject({ State: 'attaching', Device: '/dev/xvdba', InstanceId: nodeA, VolumeId: id });
    await waitUntilVolumeInUse({ ...waiter, client: ec2 }, { VolumeIds: [id] });
    const inUse = await describe1(id);
    expect(inUse.State).toBe('in-use');
    expect(inUse.Attachments).toEqual([expect.objectContaining({ State: 'attached', InstanceId: nodeA, Device: '/dev/xvdba', DeleteOnTermination: false })]);

    // The instance's block device mapping shows the volume, with <ebs> (the driver derefs it).
    const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [nodeA] }))).Reservations![0]!.Instances![0]!;
    expect(inst.BlockDeviceMappings).toContainEqual(expect.objectContaining({ DeviceName: '/dev/xvdba', Ebs: expect.objectContaining({ VolumeId: id, Status: 'attached' }) }));

    const byTag = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:CSIVolumeName', Values: ['pvc-1111'] }] }));
    expect(byTag.Volumes!.map((v) => v.VolumeId)).toEqual([id]);

    const det = await ec2.send(new DetachVolumeCommand({ VolumeId: id, InstanceId: nodeA }));
    expect(det.State).toBe('detaching');
    await waitUntilVolumeAvailable({ ...waiter, client: ec2 }, { VolumeIds: [id] });
    expect((await describe1(id)).Attachments).toEqual([]);

    await ec2.send(new DeleteVolumeCommand({ VolumeId: id }));
    const gone = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] })).catch((e: EC2ServiceException) => e);
    expect(gone).toMatchObject({ name: 'InvalidVolume.NotFound', message: `The volume '${id}' does not exist.` });
  });

  it('shows attaching first when attachments take 2 s, then attached', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.attachment': { attaching: { delay: { ms: 2000 } } } });
    const { VolumeId: id } = await ec2.send(createFor('pvc-slow'));
    await waitUntilVolumeAvailable({ ...waiter, client: ec2 }, { VolumeIds: [id!] });
    const started = Date.now();
    await ec2.send(new AttachVolumeCommand({ VolumeId: id, InstanceId: nodeA, Device: '/dev/xvdbb' }));

    const early = await describe1(id!);
    expect(early.State).toBe('in-use');
    expect(early.Attachments![0]!.State).toBe('attaching');

    const done = await until(() => describe1(id!), (v) => v.Attachments?.[0]?.State === 'attached', 10_000);
    expect(done.Attachments![0]!.State).toBe('attached');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('holds a volume in creating until the virtual clock passes the delay', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume': { creating: { delay: { ms: 60_000 } } } });
    const { VolumeId: id } = await ec2.send(createFor('pvc-clock'));
    expect((await describe1(id!)).State).toBe('creating');
    await admin(server).post('/clock/advance', { ms: 59_000 });
    expect((await describe1(id!)).State).toBe('creating');
    await admin(server).post('/clock/advance', { ms: 1_000 });
    expect((await describe1(id!)).State).toBe('available');
  });

  it('moves a manual step after the configured number of reads', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume': { creating: { manual: { afterReads: 2 } } } });
    const { VolumeId: id } = await ec2.send(createFor('pvc-manual'));
    expect((await describe1(id!)).State).toBe('creating');
    expect((await describe1(id!)).State).toBe('creating');
    expect((await describe1(id!)).State).toBe('available');
  });

  it('pages through volumes with MaxResults and NextToken, each exactly once', async () => {
    const created: string[] = [];
    for (let i = 0; i < 12; i++) created.push((await ec2.send(createFor(`pvc-page-${i}`, 1 + i))).VolumeId!);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: token, Filters: [{ Name: 'tag-key', Values: ['CSIVolumeName'] }] }));
      seen.push(...page.Volumes!.map((v) => v.VolumeId!));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(created);
  });

  it('keeps a deleted volume visible as deleting while deletion takes time', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume': { deleting: { delay: { ms: 30_000 } } } });
    const { VolumeId: id } = await ec2.send(createFor('pvc-deleting'));
    await waitUntilVolumeAvailable({ ...waiter, client: ec2 }, { VolumeIds: [id!] });
    await ec2.send(new DeleteVolumeCommand({ VolumeId: id }));
    expect((await describe1(id!)).State).toBe('deleting');
    await admin(server).post('/clock/advance', { ms: 30_000 });
    await expect(describe1(id!)).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });
});
