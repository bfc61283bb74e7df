/**
 * DescribeVolumes and DescribeInstances build their answers from each record's cached XML
 * (clouds/aws/ec2/render-cache.ts). The answer must be byte for byte the one rendered afresh,
 * whatever happened to the records since they were cached: an update, a state transition, tags,
 * an attach and a detach, a modification, a stop and a termination, in two regions.
 */
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DetachVolumeCommand,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCacheSwitch } from '../../clouds/aws/ec2/render-cache.js';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, rawEc2, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;
let west: EC2Client;
useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
  west = ec2Client(s, { region: 'us-west-2' });
});
afterEach(() => {
  renderCacheSwitch.on = true;
});

const CALLS = [
  'Action=DescribeVolumes&Version=2016-11-15',
  'Action=DescribeVolumes&Version=2016-11-15&MaxResults=5',
  'Action=DescribeVolumes&Version=2016-11-15&Filter.1.Name=status&Filter.1.Value.1=in-use',
  'Action=DescribeInstances&Version=2016-11-15',
  'Action=DescribeInstances&Version=2016-11-15&MaxResults=5',
  'Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.1=running',
  'Action=DescribeSnapshots&Version=2016-11-15&Owner.1=self',
];

const answer = async (form: string, region: string) => {
  const r = await rawEc2(server, form, region);
  expect(r.status, r.text).toBe(200);
  return r.text.replace(/<requestId>[^<]*<\/requestId>/, '');
};

/** Every call twice from the cache (the second all hits), then afresh: the same text. */
async function expectSameAnswers(regions = ['us-east-1', 'us-west-2']): Promise<void> {
  for (const region of regions)
    for (const form of CALLS) {
      renderCacheSwitch.on = true;
      const first = await answer(form, region);
      const cached = await answer(form, region);
      renderCacheSwitch.on = false;
      const fresh = await answer(form, region);
      renderCacheSwitch.on = true;
      expect(cached, `${region} ${form}`).toBe(fresh);
      expect(first, `${region} ${form}`).toBe(fresh);
    }
}

describe('list answers from cached record XML', () => {
  it('equal answers rendered afresh through updates, transitions, tags and attachments', async () => {
    const nodeA = (await ec2.send(new DescribeInstancesCommand({}))).Reservations![0]!.Instances![0]!;
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0fa0c10d000000001', InstanceType: 'm5.large', MinCount: 3, MaxCount: 3, Placement: { AvailabilityZone: 'us-east-1a' } }));
    await west.send(new RunInstancesCommand({ ImageId: 'ami-0fa0c10d000000001', InstanceType: 'm5.large', MinCount: 2, MaxCount: 2 }));
    const vols: string[] = [];
    for (let i = 0; i < 7; i++) vols.push((await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 + i, VolumeType: 'gp3' }))).VolumeId!);
    await admin(server).put('/lifecycle', { 'aws.ec2.snapshot': { pending: { delay: { ms: 60_000 } } } });
    const snap = await ec2.send(new CreateSnapshotCommand({ VolumeId: vols[4]!, Description: 'before' }));
    await expectSameAnswers();
    // Progress moves with the clock while the snapshot is pending, then it completes.
    await admin(server).post('/clock/advance', { ms: 30_000 });
    await expectSameAnswers();
    await ec2.send(new CreateTagsCommand({ Resources: [snap.SnapshotId!], Tags: [{ Key: 'k', Value: 'v' }] }));
    await admin(server).post('/clock/advance', { ms: 40_000 });
    await expectSameAnswers();

    const [i1, i2] = run.Instances!.map((i) => i.InstanceId!);
    await ec2.send(new CreateTagsCommand({ Resources: [vols[0]!, i1!], Tags: [{ Key: 'Name', Value: 'a&b <c>' }] }));
    await expectSameAnswers();
    await ec2.send(new AttachVolumeCommand({ VolumeId: vols[1]!, InstanceId: i1!, Device: '/dev/xvdf' }));
    await ec2.send(new AttachVolumeCommand({ VolumeId: vols[2]!, InstanceId: nodeA.InstanceId!, Device: '/dev/xvdg' }));
    await expectSameAnswers();
    await ec2.send(new ModifyVolumeCommand({ VolumeId: vols[3]!, Size: 100 }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: i2!, SourceDestCheck: { Value: false } }));
    await expectSameAnswers();
    await ec2.send(new DeleteTagsCommand({ Resources: [vols[0]!], Tags: [{ Key: 'Name' }] }));
    await ec2.send(new DetachVolumeCommand({ VolumeId: vols[1]!, Force: true }));
    await ec2.send(new StopInstancesCommand({ InstanceIds: [i2!] }));
    await expectSameAnswers();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [i1!] }));
    await expectSameAnswers();
    // Terminated instances drop out of the answer after an hour.
    await admin(server).post('/clock/advance', { ms: 3_700_000 });
    await expectSameAnswers();
  });

  it('pages DescribeInstances from the cursor, reservations grouped as without pages', async () => {
    for (let i = 0; i < 3; i++)
      await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0fa0c10d000000001', InstanceType: 'm5.large', MinCount: 4, MaxCount: 4, Placement: { AvailabilityZone: 'us-east-1b' } }));
    const all = await ec2.send(new DescribeInstancesCommand({}));
    const flat = (rs: typeof all.Reservations) => (rs ?? []).flatMap((r) => r.Instances!.map((i) => `${r.ReservationId}/${i.InstanceId}`));
    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token }));
      expect(page.Reservations!.flatMap((r) => r.Instances!).length).toBeLessThanOrEqual(5);
      paged.push(...flat(page.Reservations));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(paged).toEqual(flat(all.Reservations));
    expect(pages).toBe(Math.ceil(paged.length / 5));
    // A token is bound to its filters.
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: 'instance-type', Values: ['m5.large'] }] }))).rejects.toMatchObject({
      name: 'InvalidPaginationToken',
    });
  });
});
