/** The admin API under /_fauxcloud/: reset, seed, clock, journal, state, lifecycle, OpenAPI, TLS. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, startFauxcloud, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
}, { httpsPort: 0 });
beforeEach(async () => {
  await admin(server).post('/seed', { seed: 42 });
});

const instanceIds = async (client = ec2) =>
  (await client.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!));
const newVolume = async () => (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }))).VolumeId!;

describe('reset and seed', () => {
  it('reports health', async () => {
    const { status, body } = await admin(server).get('/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', scenario: 'default', seed: '42' });
    // Each cloud's seeded tenants (more clouds join as they land, so membership, not the whole list).
    expect((body as { clouds: string[] }).clouds).toEqual(expect.arrayContaining(['gcp', 'aws', 'azure', 'openstack', 'vsphere']));
    expect((body as { tenants: string[] }).tenants).toEqual(expect.arrayContaining(['aws:000000000000', 'gcp:fauxcloud-project', 'openstack:_cloud', 'vsphere:vcenter', 'azure:00000000-0000-0000-0000-000000000001']));
  });

  it('reset drops what the tests made and brings back the scenario, with the same ids', async () => {
    const seeded = await instanceIds();
    const vol = await newVolume();
    expect((await admin(server).post('/reset')).body).toEqual({ reset: 'all' });
    expect(await instanceIds()).toEqual(seeded);
    await expect(ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    // Same seed, same requests: same ids.
    expect(await newVolume()).toBe(vol);
  });

  it('gives the same ids for the same seed in two separate servers, and other ids for another seed', async () => {
    const a = await startFauxcloud({ seed: 'determinism' });
    const b = await startFauxcloud({ seed: 'determinism' });
    const c = await startFauxcloud({ seed: 'other' });
    try {
      const run = async (s: RunningServer) => {
        const client = ec2Client(s);
        const vol = (await client.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', Size: 3 }))).VolumeId;
        return [...(await instanceIds(client)), vol];
      };
      const [ra, rb, rc] = [await run(a), await run(b), await run(c)];
      expect(ra).toEqual(rb);
      expect(rc).not.toEqual(ra);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('seeds extra resources from a seed section, and rejects a bad one with its path', async () => {
    const ok = await admin(server).post('/seed', {
      resources: { aws: { accounts: { '444455556666': { regions: { 'eu-west-1': { instances: [{ zone: 'eu-west-1a', name: 'extra' }] } } } } } },
    });
    expect(ok).toMatchObject({ status: 200, body: { applied: ['aws'] } });
    const client = ec2Client(server, { accessKeyId: '444455556666', region: 'eu-west-1' });
    expect(await instanceIds(client)).toHaveLength(1);

    const bad = await admin(server).post<{ problems: Array<{ path: string; message: string }> }>('/seed', {
      resources: { aws: { accounts: { '444455556666': { regions: { 'eu-west-1': { instances: [{ zone: 'eu-west-1q' }] } } } } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([{ path: 'seed.aws.accounts.444455556666.regions.eu-west-1.instances.0.zone', message: expect.stringContaining('eu-west-1q') }]);
  });
});

describe('clock', () => {
  it('reads, advances and changes speed', async () => {
    const before = (await admin(server).get<{ nowMs: number; factor: number }>('/clock')).body;
    expect(before.factor).toBe(1);
    const after = (await admin(server).post<{ nowMs: number }>('/clock/advance', { ms: 3_600_000 })).body;
    expect(after.nowMs - before.nowMs).toBeGreaterThanOrEqual(3_600_000);
    expect((await admin(server).put<{ factor: number }>('/clock', { factor: 0 })).body.factor).toBe(0);
    const a = (await admin(server).get<{ nowMs: number }>('/clock')).body.nowMs;
    await new Promise((r) => setTimeout(r, 30));
    expect((await admin(server).get<{ nowMs: number }>('/clock')).body.nowMs).toBe(a);
    await admin(server).put('/clock', { factor: 1 });
    expect((await admin(server).post('/clock/advance', { ms: -1 })).status).toBe(400);
    // Virtual now can be set outright, even behind real time.
    const behind = Date.now() - 120_000;
    const set = (await admin(server).put<{ nowMs: number }>('/clock', { now: behind })).body.nowMs;
    expect(Math.abs(set - behind)).toBeLessThan(1000);
    expect((await admin(server).put<{ now: string }>('/clock', { now: '2030-01-01T00:00:00Z' })).body.now).toMatch(/^2030-01-01T00:00:0/);
  });

  it('refuses a clock no date can print, and every cloud keeps answering', async () => {
    const before = (await admin(server).get<{ nowMs: number; factor: number }>('/clock')).body;
    for (const [method, path, body] of [
      ['post', '/clock/advance', { ms: 1e308 }],
      ['post', '/clock/advance', { ms: 9e15 }],
      ['put', '/clock', { factor: 1e308 }],
      ['put', '/clock', { now: 9e15 }],
      ['put', '/clock', { now: -1 }],
      ['put', '/clock', { now: '+010000-01-01T00:00:00Z' }],
      // Nothing applies when one half is refused.
      ['put', '/clock', { now: 0, factor: 1e308 }],
    ] as const) {
      const res = method === 'post' ? await admin(server).post<{ error: string }>(path, body) : await admin(server).put<{ error: string }>(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('BadRequest');
    }
    const after = (await admin(server).get<{ nowMs: number; factor: number }>('/clock')).body;
    expect(after.factor).toBe(before.factor);
    expect(after.nowMs - before.nowMs).toBeLessThan(60_000);
    expect((await ec2.send(new DescribeVolumesCommand({}))).$metadata.httpStatusCode).toBe(200);
    expect((await admin(server).get('/health')).status).toBe(200);
  });

  it('answers in the cloud shape even if the clock were corrupt, and a reset repairs it', async () => {
    // Nothing the API accepts can do this; the dispatcher must hold anyway.
    (server.engine.clock as unknown as { anchorVirtual: number }).anchorVirtual = Number.NaN;
    const broken = await ec2.send(new DescribeVolumesCommand({})).catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);
    expect(broken).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect((await admin(server).post('/reset')).status).toBe(200);
    expect((await ec2.send(new DescribeVolumesCommand({}))).$metadata.httpStatusCode).toBe(200);
    expect(Math.abs((await admin(server).get<{ nowMs: number }>('/clock')).body.nowMs - Date.now())).toBeLessThan(60_000);
  });

  it('reports the next timed transition', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume': { creating: { delay: { ms: 5000 } } } });
    await newVolume();
    const clock = (await admin(server).get<{ nowMs: number; nextTransitionAt?: string }>('/clock')).body;
    expect(Date.parse(clock.nextTransitionAt!) - clock.nowMs).toBeGreaterThan(4000);
  });
});

describe('journal', () => {
  it('counts and lists requests by operation and status', async () => {
    await admin(server).delete('/journal');
    await ec2.send(new DescribeVolumesCommand({}));
    await ec2.send(new DescribeVolumesCommand({}));
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0000000000000000f'] })).catch(() => undefined);
    expect((await admin(server).get('/journal/count?operation=DescribeVolumes')).body).toEqual({ count: 3 });
    expect((await admin(server).get('/journal/count?operation=DescribeVolumes&status=200')).body).toEqual({ count: 2 });
    const { body } = await admin(server).get<{ entries: Array<Record<string, unknown>> }>('/journal?cloud=aws&limit=1');
    expect(body.entries[0]).toMatchObject({ cloud: 'aws', service: 'ec2', operation: 'DescribeVolumes', tenant: '000000000000', region: 'us-east-1', status: 400 });
    expect((await admin(server).get('/journal?bogus=1')).status).toBe(400);
  });
});

describe('state', () => {
  it('exports and imports the whole state, lifecycle progress included', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume': { creating: { delay: { ms: 10_000 } } } });
    const vol = await newVolume();
    const exported = (await admin(server).get('/state')).body;

    await admin(server).post('/seed', { seed: 'something-else' });
    await expect(ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });

    expect((await admin(server).put('/state', exported)).status).toBe(200);
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).Volumes![0]!.State).toBe('creating');
    await admin(server).post('/clock/advance', { ms: 10_000 });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).Volumes![0]!.State).toBe('available');
    // Ids continue where the export left off, as if nothing had happened in between.
    await admin(server).put('/state', exported);
    const next = await newVolume();
    await admin(server).put('/state', exported);
    expect(await newVolume()).toBe(next);
    expect((await admin(server).put('/state', { version: 2 })).status).toBe(400);
  });
});

describe('lifecycle', () => {
  it('validates modes against the machines clouds declare', async () => {
    const bad = await admin(server).put<{ problems: Array<{ path: string }> }>('/lifecycle', {
      'aws.ec2.volume': { available: { delay: { ms: 5 } }, creating: { delay: { ms: -1 } } },
      'aws.ec2.unicorn': { flying: 'instant' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p) => p.path)).toEqual(['lifecycle.aws.ec2.volume.available', 'lifecycle.aws.ec2.volume.creating', 'lifecycle.aws.ec2.unicorn']);
    const good = await admin(server).put('/lifecycle', { 'aws.ec2.attachment': { detaching: { manual: { afterReads: 3 } } } });
    expect(good.body).toEqual({ 'aws.ec2.attachment': { detaching: { manual: { afterReads: 3 } } } });
  });

  it('steps a manual transition by an admin call', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.volume': { creating: { manual: { afterReads: 100 } } } });
    const vol = await newVolume();
    const step = await admin(server).post('/lifecycle/step', { cloud: 'aws', tenant: '000000000000', type: 'aws.ec2.volume', id: vol });
    expect(step.body).toEqual({ state: 'available' });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).Volumes![0]!.State).toBe('available');
    expect((await admin(server).post('/lifecycle/step', { cloud: 'aws', tenant: '000000000000', type: 'aws.ec2.volume', id: vol })).status).toBe(409);
  });
});

describe('scenario', () => {
  it('loads a scenario from YAML and reports bad files with the line', async () => {
    const yaml = ['name: tiny', 'seed:', '  aws:', '    accounts:', '      "000000000000":', '        regions:', '          us-east-2:', '            instances:', '              - { zone: us-east-2a }'].join('\n');
    expect((await admin(server).put('/scenario', { yaml })).body).toMatchObject({ name: 'tiny', source: 'inline' });
    expect(await instanceIds()).toEqual([]);
    expect(await instanceIds(ec2Client(server, { region: 'us-east-2' }))).toHaveLength(1);

    const bad = await admin(server).put<{ problems: Array<{ line?: number; path: string }> }>('/scenario', { yaml: yaml.replace('us-east-2a', 'us-east-2z') });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.objectContaining({ line: 9, path: 'seed.aws.accounts.000000000000.regions.us-east-2.instances.0.zone' })]);
    expect((await admin(server).get('/scenario')).body).toMatchObject({ name: 'tiny' });

    expect((await admin(server).put('/scenario', { name: 'default' })).body).toMatchObject({ name: 'default' });
    expect(await instanceIds()).toHaveLength(3);
  });
});

describe('scenario files', () => {
  it('names only shipped scenarios through the admin API, and says nothing of the files it refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-'));
    const real = join(dir, 'real.yaml');
    writeFileSync(real, 'name: secret-name\nnot_a_key: 1\n');
    const answers: string[] = [];
    for (const name of [real, join(dir, 'missing.yaml'), '/etc/passwd', '../package.json', 'real.yaml', 'package', '..', '']) {
      const res = await admin(server).put<{ error: string; message: string }>('/scenario', { name });
      expect(res.status, name).toBe(400);
      expect(JSON.stringify(res.body)).not.toMatch(/secret-name|not_a_key|ENOENT|EACCES|cannot read|root:|line \d/);
      if (name.includes('/')) answers.push(res.body.message);
    }
    // An existing and a missing file get the same answer.
    expect(new Set(answers).size).toBe(1);
    for (const base of [real, './real.yaml', '../../etc/passwd']) {
      const res = await admin(server).put<{ message: string }>('/scenario', { yaml: `name: child\nextends: ${base}\n` });
      expect(res.status, base).toBe(400);
      expect(res.body.message).toBe(answers[0]);
    }
    // Shipped names keep working, by name and through extends.
    expect((await admin(server).put('/scenario', { yaml: 'name: child\nextends: zone-outage\n' })).status).toBe(200);
    expect((await admin(server).put('/scenario', { name: 'default' })).status).toBe(200);
  });

  it('loads files by path when the operator allowed it at start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-'));
    writeFileSync(join(dir, 'base.yaml'), 'name: base\nextends: default\n');
    writeFileSync(join(dir, 'child.yaml'), 'name: child\nextends: ./base.yaml\n');
    const open = await startFauxcloud({ scenarioPaths: true });
    try {
      expect((await admin(open).put('/scenario', { name: join(dir, 'child.yaml') })).body).toMatchObject({ name: 'child' });
    } finally {
      await open.close();
    }
  });

  it('refuses YAML alias bombs and wrongly typed seeds with the problem', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const res = await admin(server).put<{ error: string }>('/scenario', { yaml: bomb });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('InvalidScenario');
    for (const resources of [{ aws: 'x' }, { aws: { accounts: 5 } }, { aws: { accounts: { '000000000000': { regions: [] } } } }, { gcp: 7 }, { gcp: { projects: 'p' } }, { gcp: { projects: { p: { zones: 'z' } } } }]) {
      const seeded = await admin(server).post<{ error: string; problems: unknown[] }>('/seed', { resources });
      expect(seeded.status, JSON.stringify(resources)).toBe(400);
      expect(seeded.body.error).toBe('InvalidScenario');
      expect(seeded.body.problems.length).toBeGreaterThan(0);
    }
    expect((await admin(server).get('/health')).status).toBe(200);
  });
});

describe('OpenAPI and TLS', () => {
  it('serves an OpenAPI document describing the admin API', async () => {
    const { body } = await admin(server).get<{ openapi: string; paths: Record<string, unknown> }>('/openapi.json');
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/_fauxcloud/health', '/_fauxcloud/reset', '/_fauxcloud/seed', '/_fauxcloud/clock', '/_fauxcloud/journal', '/_fauxcloud/state', '/_fauxcloud/lifecycle']),
    );
    expect(Object.keys(body.paths).some((p) => !p.startsWith('/_fauxcloud/'))).toBe(false);
  });

  it('serves the same API over HTTPS with a certificate signed by the CA at /_fauxcloud/ca.pem', async () => {
    const ca = (await admin(server).get<string>('/ca.pem')).body;
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`${server.httpsUrl}/_fauxcloud/health`, { ca }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });

    const tls = ec2Client(server);
    const overTls = new (tls.constructor as typeof import('@aws-sdk/client-ec2').EC2Client)({
      endpoint: server.httpsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTLS', secretAccessKey: 'x' },
      requestHandler: { httpsAgent: { ca } } as never,
    });
    expect((await overTls.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(3);
  });
});
