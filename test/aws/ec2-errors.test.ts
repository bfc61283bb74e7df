/** EC2 errors as EC2 sends them: codes, messages with ids, statuses, the XML shape, bad input. */
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, rawEc2, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({ code: e.name, message: e.message, status: e.$metadata?.httpStatusCode }),
  );

async function nodeIn(zone: string): Promise<string> {
  const res = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: [zone] }] }));
  return res.Reservations![0]!.Instances![0]!.InstanceId!;
}

describe('EC2 error answers', () => {
  it('answers a DryRun liveness probe with DryRunOperation (412)', async () => {
    expect(await failure(ec2.send(new DescribeAvailabilityZonesCommand({ DryRun: true })))).toEqual({
      code: 'DryRunOperation',
      message: 'Request would have succeeded, but DryRun flag is set.',
      status: 412,
    });
  });

  it('reports validation errors before DryRun success (the EBS driver probes IOPS this way)', async () => {
    const probe = await failure(ec2.send(new CreateVolumeCommand({ DryRun: true, AvailabilityZone: 'us-east-1a', Size: 4, VolumeType: 'io2', Iops: 2147483647 })));
    expect(probe.code).toBe('InvalidParameterValue');
    expect(probe.message).toMatch(/volume iops.*is too high.*maximum is (\d+)/i);
  });

  it('names every missing volume in InvalidVolume.NotFound', async () => {
    expect(await failure(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef0'] })))).toMatchObject({
      code: 'InvalidVolume.NotFound',
      message: "The volume 'vol-0123456789abcdef0' does not exist.",
      status: 400,
    });
    const two = await failure(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef0', 'vol-0123456789abcdef1'] })));
    expect(two.message).toContain('vol-0123456789abcdef0');
    expect(two.message).toContain('vol-0123456789abcdef1');
  });

  it('rejects malformed ids before looking them up', async () => {
    expect(await failure(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['volume-1'] })))).toMatchObject({ code: 'InvalidVolumeID.Malformed' });
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-xyz'] })))).toMatchObject({ code: 'InvalidInstanceID.Malformed' });
  });

  it('refuses to delete an attached volume, and to detach a volume that is not attached', async () => {
    const node = await nodeIn('us-east-1a');
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    expect(await failure(ec2.send(new DetachVolumeCommand({ VolumeId })))).toMatchObject({ code: 'IncorrectState' });
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    await ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: node, Device: '/dev/xvdbc' }));
    expect(await failure(ec2.send(new DeleteVolumeCommand({ VolumeId })))).toMatchObject({ code: 'VolumeInUse', message: `Volume ${VolumeId} is currently attached to ${node}` });
  });

  it('checks zones and device names on attach', async () => {
    const nodeB = await nodeIn('us-east-1b');
    const nodeA = await nodeIn('us-east-1a');
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    expect(await failure(ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: nodeB, Device: '/dev/xvdbd' })))).toMatchObject({ code: 'InvalidVolume.ZoneMismatch' });
    expect(await failure(ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: nodeA, Device: '/dev/xvda' })))).toMatchObject({
      code: 'InvalidParameterValue',
      message: expect.stringContaining('already in use'),
    });
    expect(await failure(ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: nodeA, Device: 'sdz' })))).toMatchObject({ code: 'InvalidParameterValue' });
    expect(await failure(ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: 'i-0123456789abcdef0', Device: '/dev/xvdbd' })))).toMatchObject({
      code: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0123456789abcdef0' does not exist",
    });
  });

  it('validates CreateVolume: zone, type, size', async () => {
    expect(await failure(ec2.send(new CreateVolumeCommand({ Size: 1 })))).toMatchObject({ code: 'MissingParameter' });
    expect(await failure(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1z', Size: 1 })))).toMatchObject({ code: 'InvalidZone.NotFound' });
    expect(await failure(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, VolumeType: 'ssd' as 'gp3' })))).toMatchObject({ code: 'InvalidParameterValue' });
    expect(await failure(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 70000, VolumeType: 'gp3' })))).toMatchObject({ code: 'InvalidParameterValue' });
    expect(await failure(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1', Size: 1 })))).toMatchObject({ code: 'InvalidParameterCombination' });
  });

  it('rejects bad pagination: MaxResults out of range, with ids, or a forged token', async () => {
    expect(await failure(ec2.send(new DescribeVolumesCommand({ MaxResults: 2 })))).toMatchObject({ code: 'InvalidParameterValue' });
    expect(await failure(ec2.send(new DescribeVolumesCommand({ MaxResults: 5, VolumeIds: ['vol-0123456789abcdef0'] })))).toMatchObject({ code: 'InvalidParameterCombination' });
    expect(await failure(ec2.send(new DescribeVolumesCommand({ NextToken: 'not-a-token' })))).toMatchObject({ code: 'InvalidPaginationToken' });
  });

  it('rejects an unknown filter name', async () => {
    expect(await failure(ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })))).toMatchObject({
      code: 'InvalidParameterValue',
      message: "The filter 'colour' is invalid",
    });
  });

  it('answers unknown actions and malformed requests in EC2 XML with status 400', async () => {
    const unknown = await rawEc2(server, 'Action=DescribeUnicorns&Version=2016-11-15');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/<Response><Errors><Error><Code>InvalidAction<\/Code><Message>The action DescribeUnicorns is not valid for this web service.<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);

    const param = await rawEc2(server, 'Action=DescribeVolumes&Version=2016-11-15&Colour=blue');
    expect(param.status).toBe(400);
    expect(param.text).toContain('<Code>UnknownParameter</Code>');

    const value = await rawEc2(server, 'Action=CreateVolume&Version=2016-11-15&AvailabilityZone=us-east-1a&Size=ten');
    expect(value.status).toBe(400);
    expect(value.text).toContain('<Code>InvalidParameterValue</Code>');

    const noVersion = await rawEc2(server, 'Action=DescribeVolumes');
    expect(noVersion.text).toContain('<Code>MissingParameter</Code>');

    const badRegion = await rawEc2(server, 'Action=DescribeVolumes&Version=2016-11-15', 'mars-north-1');
    expect(badRegion.status).toBe(401);
    expect(badRegion.text).toContain('<Code>AuthFailure</Code>');
  });

  it('journals every answer with its error code', async () => {
    await failure(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef9'] })));
    const { body } = await admin(server).get<{ entries: Array<{ operation: string; status: number; errorCode?: string; resourceIds: string[] }> }>(
      '/journal?operation=DescribeVolumes&errorCode=InvalidVolume.NotFound&limit=1',
    );
    expect(body.entries).toEqual([expect.objectContaining({ operation: 'DescribeVolumes', status: 400, errorCode: 'InvalidVolume.NotFound', resourceIds: ['vol-0123456789abcdef9'] })]);
  });
});
