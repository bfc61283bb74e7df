/** Rule matching (one test per field), the admin API for rules, determinism, scenario validation. */
import { CreateVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type EC2Client as Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, startFauxcloud, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});
beforeEach(async () => {
  await admin(server).delete('/journal');
});

async function rule(match: Record<string, unknown>) {
  const res = await admin(server).put('/faults', [{ name: 'r', match, error: 'InternalError' }]);
  expect(res.status).toBe(200);
}
const fails = (p: Promise<unknown>) => p.then(() => false, (e: { name: string }) => e.name === 'InternalError');
const describeVolumes = (client: Client = ec2) => fails(client.send(new DescribeVolumesCommand({})));
const createIn = (zone: string) => fails(ec2.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1 })));

describe('match fields', () => {
  it('cloud and service', async () => {
    await rule({ cloud: 'aws', service: 'ec2' });
    expect(await describeVolumes()).toBe(true);
    await rule({ cloud: 'gcp' });
    expect(await describeVolumes()).toBe(false);
    await rule({ service: 'imds' });
    expect(await describeVolumes()).toBe(false);
  });

  it('operation, as a glob', async () => {
    await rule({ operation: 'Describe*s' });
    expect(await describeVolumes()).toBe(true);
    expect(await createIn('us-east-1a')).toBe(false);
    await rule({ operation: 'Describe?olumes' });
    expect(await describeVolumes()).toBe(true);
  });

  it('tenant and region', async () => {
    await rule({ tenant: '111122223333' });
    expect(await describeVolumes()).toBe(false);
    expect(await describeVolumes(ec2Client(server, { accessKeyId: '111122223333' }))).toBe(true);
    await rule({ region: 'eu-west-1' });
    expect(await describeVolumes()).toBe(false);
    expect(await describeVolumes(ec2Client(server, { region: 'eu-west-1' }))).toBe(true);
  });

  it('zone, from the request or from the resources it touches', async () => {
    await rule({ zone: 'us-east-1b' });
    expect(await createIn('us-east-1a')).toBe(false);
    expect(await createIn('us-east-1b')).toBe(true);
    await admin(server).delete('/faults');
    const nodeB = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }))).Reservations![0]!.Instances![0]!.InstanceId!;
    await rule({ zone: 'us-east-1b', operation: 'DescribeInstances' });
    expect(await fails(ec2.send(new DescribeInstancesCommand({ InstanceIds: [nodeB] })))).toBe(true);
  });

  it('resource, by id or tags', async () => {
    const nodes = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
    await rule({ resource: { id: nodes[0]!.InstanceId } });
    expect(await fails(ec2.send(new DescribeInstancesCommand({ InstanceIds: [nodes[0]!.InstanceId!] })))).toBe(true);
    expect(await fails(ec2.send(new DescribeInstancesCommand({ InstanceIds: [nodes[1]!.InstanceId!] })))).toBe(false);
    await rule({ resource: { tags: { Name: 'node-c' } } });
    expect(await fails(ec2.send(new DescribeInstancesCommand({ InstanceIds: [nodes[2]!.InstanceId!] })))).toBe(true);
    expect(await fails(ec2.send(new DescribeInstancesCommand({ InstanceIds: [nodes[0]!.InstanceId!] })))).toBe(false);
  });

  it('skip and times', async () => {
    await rule({ operation: 'DescribeVolumes', skip: 2, times: 2 });
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await describeVolumes());
    expect(seen).toEqual([false, false, true, true, false, false]);
    const [status] = (await admin(server).get<Array<{ hits: number; matched: number }>>('/faults')).body;
    expect(status).toMatchObject({ hits: 2, matched: 6 });
  });

  it('after and until, on the virtual clock', async () => {
    await rule({ after: '1m', until: '2m' });
    expect(await describeVolumes()).toBe(false);
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect(await describeVolumes()).toBe(true);
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect(await describeVolumes()).toBe(false);
  });

  it('probability, drawn from the seed', async () => {
    await rule({ operation: 'DescribeVolumes', probability: 0.3 });
    let n = 0;
    for (let i = 0; i < 200; i++) if (await describeVolumes()) n++;
    expect(n).toBeGreaterThan(35);
    expect(n).toBeLessThan(85);
  });
});

describe('rules through the admin API', () => {
  it('appends, lists with hits, deletes, and rejects a bad rule with its path', async () => {
    await admin(server).delete('/faults');
    await admin(server).post('/faults', { name: 'a', match: { operation: 'DescribeVolumes' }, latency: { fixed: 1 } });
    await admin(server).post('/faults', [{ match: { operation: 'DescribeVolumes' }, error: 'Unavailable' }]);
    expect(await fails(ec2.send(new DescribeVolumesCommand({})))).toBe(false);
    const list = (await admin(server).get<Array<{ rule: { name: string }; hits: number }>>('/faults')).body;
    expect(list.map((r) => [r.rule.name, r.hits])).toEqual([['a', 1], ['rule-2', 1]]);
    expect((await admin(server).get<{ entries: Array<{ rule?: string; errorCode?: string }> }>('/journal?operation=DescribeVolumes')).body.entries[0]).toMatchObject({
      rule: 'a,rule-2',
      errorCode: 'Unavailable',
    });
    expect((await admin(server).delete('/faults/rule-2')).body).toEqual({ deleted: true });
    expect((await admin(server).delete('/faults/rule-2')).status).toBe(404);
    expect((await admin(server).post('/faults', { name: 'a', error: 'X' })).status).toBe(400);

    const bad = await admin(server).put<{ problems: Array<{ path: string; message: string }> }>('/faults', [
      { match: { operation: 'X' }, error: 'X', latency: { fixed: 1 } },
      { state: { hold: 'attaching' } },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p) => p.path)).toEqual(['faults.0', 'faults.1.state']);
  });

  it('installs the scenario’s rules, which reset brings back', async () => {
    const yaml = `name: drill\nfaults:\n  - name: slow-describe\n    match: { operation: DescribeVolumes }\n    error: RequestLimitExceeded\n`;
    expect((await admin(server).put('/scenario', { yaml })).status).toBe(200);
    expect(await fails(ec2.send(new DescribeVolumesCommand({})))).toBe(false);
    await admin(server).delete('/faults');
    await admin(server).post('/reset');
    expect((await admin(server).get<unknown[]>('/faults')).body).toHaveLength(1);
    const badYaml = `name: drill\nfaults:\n  - match: { operation: DescribeVolumes }\n    throttle: { rate: 0 }\n`;
    const bad = await admin(server).put<{ problems: Array<{ line?: number; path: string }> }>('/scenario', { yaml: badYaml });
    expect(bad.body.problems[0]).toMatchObject({ line: 4, path: 'faults.0.throttle.rate' });
    await admin(server).put('/scenario', { name: 'default' });
  });
});

describe('determinism', () => {
  it('gives the same outcomes for the same seed, scenario and requests', async () => {
    const yaml = `name: dice\nfaults:\n  - match: { operation: Describe*, probability: 0.5 }\n    error: RequestLimitExceeded\n  - match: { operation: DescribeInstances, probability: 0.5 }\n    error: InternalError\n`;
    const run = async () => {
      const s = await startFauxcloud({ seed: 'dice' });
      try {
        await admin(s).put('/scenario', { yaml });
        const c = new EC2Client({ endpoint: s.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
        for (let i = 0; i < 30; i++) await c.send(i % 2 ? new DescribeVolumesCommand({}) : new DescribeInstancesCommand({})).catch(() => undefined);
        return (await admin(s).get<{ entries: Array<{ status: number; errorCode?: string; rule?: string }> }>('/journal?cloud=aws')).body.entries.map((e) => `${e.status}:${e.errorCode ?? ''}:${e.rule ?? ''}`);
      } finally {
        await s.close();
      }
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(2);
  });
});
