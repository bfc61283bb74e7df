/** The shipped scenarios: valid, described by the committed schema, and doing what they say. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, DescribeSubnetsCommand, DescribeVolumesCommand, EC2Client, type EC2Client as Client } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allClouds } from '../../clouds/index.js';
import { scenarioJsonSchema } from '../../core/scenario-schema.js';
import { offlineEngine, type RunningServer } from '../../core/server.js';
import { admin, ec2Client, startFauxcloud } from '../helpers/fauxcloud.js';

const SHIPPED = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it('all validate with `fauxcloud validate`, and a broken one is refused with its line', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'core/cli.ts', 'validate', ...SHIPPED.map((f) => `scenarios/${f}`)], { encoding: 'utf8' });
    for (const f of SHIPPED) expect(out).toContain(`scenarios/${f}: ok`);
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'core/cli.ts', 'validate', 'test/faults/fixtures/bad-drill.yaml'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      stderr = (e as { stderr: string }).stderr;
      expect((e as { status: number }).status).toBe(2);
    }
    expect(stderr).toContain('line 6: faults.0.match.probability');
  });

  it('match the committed JSON Schema (regenerate with `npm run schema`)', async () => {
    const { engine, close } = await offlineEngine(allClouds);
    try {
      expect(JSON.parse(readFileSync('scenarios/scenario.schema.json', 'utf8'))).toEqual(scenarioJsonSchema(engine));
    } finally {
      await close();
    }
  });
});

describe('drills', () => {
  let server: RunningServer;
  let ec2: Client;
  beforeAll(async () => {
    server = await startFauxcloud({ seed: 'drills' });
    ec2 = ec2Client(server);
  });
  afterAll(async () => server.close());
  const load = async (name: string) => expect((await admin(server).put('/scenario', { name })).status).toBe(200);
  const nodeIn = async (zone: string) =>
    (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: [zone] }] }))).Reservations![0]!.Instances![0]!.InstanceId!;

  it('ec2-throttle-storm: a retrying client gets through, the journal shows the storm, then it ends', async () => {
    await load('ec2-throttle-storm');
    // Ten attempts with 10 ms back-off: the SDK's own retryer, without the real-time waits.
    const retrying = new EC2Client({ endpoint: server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, retryStrategy: new ConfiguredRetryStrategy(10, 10) });
    for (let i = 0; i < 30; i++) await retrying.send(new DescribeVolumesCommand({}));
    const throttled = (await admin(server).get<{ count: number }>('/journal/count?errorCode=RequestLimitExceeded')).body.count;
    expect(throttled).toBeGreaterThan(3);
    await admin(server).post('/clock/advance', { ms: 120_000 });
    await admin(server).delete('/journal');
    for (let i = 0; i < 20; i++) await ec2.send(new DescribeVolumesCommand({}));
    expect((await admin(server).get<{ count: number }>('/journal/count?errorCode=RequestLimitExceeded')).body.count).toBe(0);
  });

  it('ebs-attach-stuck: the first attachment is still attaching 90 s after its attachTime', async () => {
    await load('ebs-attach-stuck');
    const node = await nodeIn('us-east-1a');
    const vol = async () => (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }))).VolumeId!;
    const [a, b] = [await vol(), await vol()];
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: [a, b] }));
    await ec2.send(new AttachVolumeCommand({ VolumeId: a, InstanceId: node, Device: '/dev/xvdba' }));
    await ec2.send(new AttachVolumeCommand({ VolumeId: b, InstanceId: node, Device: '/dev/xvdbb' }));
    await admin(server).post('/clock/advance', { ms: 91_000 });
    const [va, vb] = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [a, b] }))).Volumes!;
    expect(va!.Attachments![0]!.State).toBe('attaching');
    const now = (await admin(server).get<{ nowMs: number }>('/clock')).body.nowMs;
    expect(now - va!.Attachments![0]!.AttachTime!.getTime()).toBeGreaterThan(90_000);
    expect(vb!.Attachments![0]!.State).toBe('attached');
  });

  it('ec2-consistency-skew: a new volume is unknown to DescribeVolumes for 3 s', async () => {
    await load('ec2-consistency-skew');
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await expect(ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    await admin(server).post('/clock/advance', { ms: 3000 });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).Volumes![0]!.VolumeId).toBe(VolumeId);
  });

  it('slow-lb-provisioning: a new NLB stays provisioning for 5 minutes', async () => {
    await load('slow-lb-provisioning');
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] }))).Subnets![0]!.SubnetId!;
    const v2 = new ElasticLoadBalancingV2Client({ endpoint: server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const lb = (await v2.send(new CreateLoadBalancerCommand({ Name: 'slow', Type: 'network', Subnets: [subnet] }))).LoadBalancers![0]!;
    const state = async () => (await v2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }))).LoadBalancers![0]!.State!.Code;
    await admin(server).post('/clock/advance', { ms: 299_000 });
    expect(await state()).toBe('provisioning');
    await admin(server).post('/clock/advance', { ms: 1_000 });
    expect(await state()).toBe('active');
  });

  it('zone-outage: us-east-1b has no capacity and hangs attachments; us-east-1a works', async () => {
    await load('zone-outage');
    await expect(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', Size: 1 }))).rejects.toMatchObject({
      name: 'InsufficientVolumeCapacity',
      $metadata: { httpStatusCode: 500 },
    });
    const ok = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    expect(ok.State).toBe('creating');
  });
});
