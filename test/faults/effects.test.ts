/** Each fault effect as the real JS SDK surfaces it: error codes, retries, timeouts, broken sockets. */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});
beforeEach(async () => {
  await admin(server).delete('/journal');
});

async function faults(rules: unknown) {
  const res = await admin(server).put<Array<{ hits: number }>>('/faults', rules);
  expect(res.status).toBe(200);
  return res;
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ name: 'no error', status: undefined as number | undefined }),
    (e: { name: string; code?: string; $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, code: e.code, status: e.$metadata?.httpStatusCode }),
  );

describe('error', () => {
  it('answers a catalogue code with its real status, and the SDK retries it', async () => {
    await faults([{ name: 'storm', match: { operation: 'DescribeVolumes', times: 2 }, error: 'RequestLimitExceeded' }]);
    expect(await failure(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'RequestLimitExceeded', status: 503 });

    const retrying = new EC2Client({ endpoint: server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 3 });
    const res = await retrying.send(new DescribeVolumesCommand({}));
    expect(res.$metadata.attempts).toBe(2);
    const journal = (await admin(server).get<{ entries: Array<{ status: number; rule?: string }> }>('/journal?operation=DescribeVolumes')).body.entries;
    expect(journal.map((e) => [e.status, e.rule])).toEqual([[503, 'storm'], [503, 'storm'], [200, undefined]]);
    expect((await admin(server).get<Array<{ hits: number }>>('/faults')).body[0]!.hits).toBe(2);
  });

  it('takes a status and message of the rule’s own', async () => {
    await faults([{ match: { operation: 'CreateVolume' }, error: { code: 'InsufficientVolumeCapacity', status: 503, message: 'no gp3 left in us-east-1a' } }]);
    const e = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 })).catch((x: Error & { $metadata: { httpStatusCode: number } }) => x);
    expect(e).toMatchObject({ name: 'InsufficientVolumeCapacity', message: 'no gp3 left in us-east-1a', $metadata: { httpStatusCode: 503 } });
  });
});

describe('throttle', () => {
  it('lets a burst through, then answers RequestLimitExceeded until the bucket refills on the virtual clock', async () => {
    await faults([{ name: 'bucket', match: { operation: 'Describe*' }, throttle: { rate: 1, burst: 2 } }]);
    expect(await failure(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'no error' });
    expect(await failure(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'no error' });
    expect(await failure(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'RequestLimitExceeded', status: 503 });
    // Buckets are per operation.
    expect(await failure(ec2.send(new DescribeInstancesCommand({})))).toMatchObject({ name: 'no error' });
    await admin(server).post('/clock/advance', { ms: 1000 });
    expect(await failure(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'no error' });
  });
});

describe('latency', () => {
  it('delays answers by fixed and uniform amounts', async () => {
    await faults([{ match: { operation: 'DescribeVolumes' }, latency: { fixed: '300ms' } }]);
    let t = Date.now();
    await ec2.send(new DescribeVolumesCommand({}));
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    await faults([{ match: { operation: 'DescribeVolumes' }, latency: { uniform: { min: 100, max: 200 } } }, { match: { operation: 'DescribeVolumes' }, latency: { fixed: 50 } }]);
    t = Date.now();
    await ec2.send(new DescribeVolumesCommand({}));
    // Latency rules are passive: both apply.
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });
});

describe('connection', () => {
  const withTimeout = (ms: number) =>
    new EC2Client({ endpoint: server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1, requestHandler: new NodeHttpHandler({ requestTimeout: ms, throwOnRequestTimeout: true }) });

  it('resets the connection', async () => {
    await faults([{ match: { operation: 'DescribeVolumes' }, connection: 'reset' }]);
    const e = await failure(ec2.send(new DescribeVolumesCommand({})));
    expect(e.code ?? e.name).toMatch(/ECONNRESET|socket hang up/i);
    const j = (await admin(server).get<{ entries: Array<{ status: number; errorCode?: string }> }>('/journal?operation=DescribeVolumes')).body.entries;
    expect(j[0]).toMatchObject({ status: 0, errorCode: 'connection:reset' });
  });

  it('hangs until the client gives up', async () => {
    await faults([{ match: { operation: 'DescribeVolumes' }, connection: { hang: { for: '5s' } } }]);
    const e = await failure(withTimeout(300).send(new DescribeVolumesCommand({})));
    expect(e.name).toBe('TimeoutError');
  });

  it('closes without a reply', async () => {
    await faults([{ match: { operation: 'DescribeVolumes' }, connection: 'empty' }]);
    const e = await failure(ec2.send(new DescribeVolumesCommand({})));
    expect(e.name).not.toBe('no error');
  });

  it('sends a body that does not parse', async () => {
    await faults([{ match: { operation: 'DescribeVolumes' }, connection: 'malformed' }]);
    const e = await failure(ec2.send(new DescribeVolumesCommand({})));
    expect(e.name).not.toBe('no error');
    expect(e.status).toBe(200);
  });

  it('trickles the body out slowly, but whole', async () => {
    await faults([{ match: { operation: 'DescribeVolumes' }, connection: { slow: { bytesPerSecond: 8000 } } }]);
    const t = Date.now();
    const res = await ec2.send(new DescribeVolumesCommand({}));
    expect(res.Volumes!.length).toBe(3);
    expect(Date.now() - t).toBeGreaterThanOrEqual(200);
  });
});

describe('state', () => {
  it('holds an attachment in attaching for N reads', async () => {
    await faults([{ name: 'stuck', match: { operation: 'AttachVolume' }, state: { hold: 'attaching', reads: 3 } }]);
    const node = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] }))).Reservations![0]!.Instances![0]!.InstanceId;
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    await ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: node, Device: '/dev/xvdbq' }));
    const states: string[] = [];
    for (let i = 0; i < 5; i++) states.push((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes![0]!.Attachments![0]!.State!);
    expect(states).toEqual(['attaching', 'attaching', 'attaching', 'attached', 'attached']);
  });

  it('holds for a virtual duration', async () => {
    await faults([{ match: { operation: 'AttachVolume' }, state: { hold: 'attaching', for: '2m' } }]);
    const node = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] }))).Reservations![0]!.Instances![0]!.InstanceId;
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }));
    await ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: node, Device: '/dev/xvdbq' }));
    await admin(server).post('/clock/advance', { ms: 119_000 });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes![0]!.Attachments![0]!.State).toBe('attaching');
    await admin(server).post('/clock/advance', { ms: 1_000 });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes![0]!.Attachments![0]!.State).toBe('attached');
  });

  it('serves stale reads: a new volume is not found until the window passes', async () => {
    await faults([{ match: { operation: 'Describe*' }, state: { stale: '5s' } }]);
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    expect(await failure(ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] })))).toMatchObject({ name: 'InvalidVolume.NotFound' });
    await admin(server).post('/clock/advance', { ms: 5_000 });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes).toHaveLength(1);
  });
});
