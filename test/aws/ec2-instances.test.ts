/** Instances, regions, zones, VPCs, tags and tenancy, as a cloud controller manager sees them. */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
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

describe('the default scenario', () => {
  it('has us-east-1 with three zones, a VPC with a subnet per zone, and three cluster nodes', async () => {
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
    expect(zones.map((z) => [z.ZoneName, z.ZoneId, z.State, z.ZoneType])).toEqual([
      ['us-east-1a', 'use1-az1', 'available', 'availability-zone'],
      ['us-east-1b', 'use1-az2', 'available', 'availability-zone'],
      ['us-east-1c', 'use1-az4', 'available', 'availability-zone'],
    ]);
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['fauxcloud'] }] }))).Vpcs!;
    expect(vpcs).toHaveLength(1);
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcs[0]!.VpcId!] }] }))).Subnets!;
    expect(subnets.map((s) => s.AvailabilityZone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);

    const res = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['kubernetes.io/cluster/fauxcloud'] }, { Name: 'instance-state-name', Values: ['running'] }] }),
    );
    const nodes = res.Reservations!.flatMap((r) => r.Instances!);
    expect(nodes.map((n) => n.Placement?.AvailabilityZone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    for (const n of nodes) {
      // What the CCM node controller reads: type, zone, private DNS, and the in-use ENI's address.
      expect(n).toMatchObject({ InstanceType: 'm5.large', State: { Code: 16, Name: 'running' }, VpcId: vpcs[0]!.VpcId });
      expect(n.PrivateDnsName).toBe(`ip-${n.PrivateIpAddress!.replaceAll('.', '-')}.ec2.internal`);
      expect(n.NetworkInterfaces![0]).toMatchObject({ Status: 'in-use', PrivateIpAddress: n.PrivateIpAddress, Attachment: { DeviceIndex: 0 } });
      expect(n.BlockDeviceMappings![0]).toMatchObject({ DeviceName: '/dev/xvda', Ebs: { Status: 'attached', DeleteOnTermination: true } });
    }
  });

  it('lists the regions, and answers other regions with their own zones and a default VPC', async () => {
    const regions = (await ec2.send(new DescribeRegionsCommand({ Filters: [{ Name: 'region-name', Values: ['eu-*'] }] }))).Regions!;
    expect(regions.map((r) => r.RegionName)).toContain('eu-west-1');
    expect(regions.every((r) => r.RegionName!.startsWith('eu-'))).toBe(true);

    const west = ec2Client(server, { region: 'us-west-2' });
    const zones = (await west.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
    expect(zones.map((z) => z.ZoneName)).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
    const vpcs = (await west.send(new DescribeVpcsCommand({}))).Vpcs!;
    expect(vpcs).toEqual([expect.objectContaining({ IsDefault: true, CidrBlock: '172.31.0.0/16' })]);
    // Regions do not see each other's resources.
    expect((await west.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
  });
});

describe('instances', () => {
  it('runs instances with tags and block devices, waits until running, terminates', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.instance': { pending: { delay: { ms: 300 } } } });
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 't3.micro',
        MinCount: 2,
        MaxCount: 2,
        Placement: { AvailabilityZone: 'us-east-1b' },
        BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 20, VolumeType: 'gp3', DeleteOnTermination: false } }],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'worker' }] }],
      }),
    );
    const ids = run.Instances!.map((i) => i.InstanceId!);
    expect(run.Instances!.map((i) => i.State?.Name)).toEqual(['pending', 'pending']);
    expect(run.Instances![0]!.Placement?.AvailabilityZone).toBe('us-east-1b');

    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { InstanceIds: ids });
    const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!;
    expect(described).toHaveLength(1);
    expect(described[0]!.ReservationId).toBe(run.ReservationId);
    const extra = described[0]!.Instances![0]!.BlockDeviceMappings!.find((m) => m.DeviceName === '/dev/sdf')!;
    const dataVolume = extra.Ebs!.VolumeId!;

    const term = await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    expect(term.TerminatingInstances!.map((t) => [t.PreviousState?.Name, t.CurrentState?.Name])).toEqual([
      ['running', 'shutting-down'],
      ['running', 'shutting-down'],
    ]);
    await waitUntilInstanceTerminated({ client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { InstanceIds: ids });
    // DeleteOnTermination=false keeps the data volume, now detached; the root volume goes.
    const vol = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [dataVolume] }))).Volumes![0]!;
    expect(vol).toMatchObject({ State: 'available', Size: 20, Attachments: [] });

    // Terminated instances disappear about an hour later.
    await admin(server).post('/clock/advance', { ms: 3_600_000 });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });

  it('pages DescribeInstances and filters by private DNS name', async () => {
    const all = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
    const dns = all[1]!.PrivateDnsName!;
    const one = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-dns-name', Values: [dns] }] }));
    expect(one.Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toEqual([all[1]!.InstanceId]);
    const page = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    expect(page.Reservations!.flatMap((r) => r.Instances!)).toHaveLength(3);
    expect(page.NextToken).toBeUndefined();
  });
});

describe('tags', () => {
  it('creates, lists and deletes tags the way the tagging controller does', async () => {
    const node = (await ec2.send(new DescribeInstancesCommand({}))).Reservations![0]!.Instances![0]!.InstanceId!;
    await ec2.send(new CreateTagsCommand({ Resources: [node], Tags: [{ Key: 'team', Value: 'storage' }, { Key: 'env', Value: 'ci' }] }));
    const tags = (await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [node] }] }))).Tags!;
    expect(tags.map((t) => `${t.Key}=${t.Value}`).sort()).toEqual(['Name=node-a', 'env=ci', 'kubernetes.io/cluster/fauxcloud=owned', 'team=storage']);
    expect(tags.every((t) => t.ResourceType === 'instance')).toBe(true);

    // A value that does not match leaves the tag; a key alone removes it.
    await ec2.send(new DeleteTagsCommand({ Resources: [node], Tags: [{ Key: 'team', Value: 'network' }, { Key: 'env' }] }));
    const after = (await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [node] }, { Name: 'key', Values: ['team', 'env'] }] }))).Tags!;
    expect(after.map((t) => t.Key)).toEqual(['team']);

    await expect(ec2.send(new CreateTagsCommand({ Resources: ['vol-0123456789abcdef0'], Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({
      name: 'InvalidVolume.NotFound',
    });
    await expect(ec2.send(new CreateTagsCommand({ Resources: [node], Tags: [{ Key: 'aws:reserved', Value: 'x' }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('tenancy', () => {
  it('keeps accounts apart: a 12-digit access key is its own account', async () => {
    const other = ec2Client(server, { accessKeyId: '111122223333' });
    expect((await other.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    const run = await other.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1 }));
    expect(run.OwnerId).toBe('111122223333');
    const mine = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
    expect(mine.map((i) => i.InstanceId)).not.toContain(run.Instances![0]!.InstanceId);

    // Resetting one tenant leaves the others alone.
    await admin(server).post('/reset', { cloud: 'aws', tenant: '111122223333' });
    expect((await other.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations!.length).toBe(3);
  });
});
