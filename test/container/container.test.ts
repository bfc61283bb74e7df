/**
 * The container image as a user meets it: built from the repository's Dockerfile (on a base image
 * made locally when no registry can be reached), run with `docker run` and a data volume and a
 * scenario mounted as a file, and started through the Testcontainers module. Runs where a Docker
 * engine answers (`.ci/run` starts one); elsewhere it skips and says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const IMAGE = 'fauxcloud:test';

function engineProblem(): string | undefined {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  if (info.error) return `no docker CLI (${info.error.message})`;
  if (info.status !== 0) return `no Docker engine answers (${(info.stderr || info.stdout).trim().split('\n')[0]}); .ci/run starts one`;
  if (spawnSync('id', ['-u'], { encoding: 'utf8' }).stdout.trim() !== '0' && !existsSync('/usr/sbin/debootstrap')) return 'building the base image needs root and debootstrap';
  return undefined;
}

const problem = engineProblem();
if (problem) console.log(`container tests skipped: ${problem}`);

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 120_000 }).trim();
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

async function waitHealthy(url: string, ms = 30_000): Promise<Record<string, unknown>> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      // docker-proxy accepts before the server listens: bound each try.
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return (await res.json()) as Record<string, unknown>;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(problem !== undefined)('the fauxcloud image', () => {
  let scratch = '';
  const containers: string[] = [];

  beforeAll(() => {
    // Base image (debootstrap + official Node from npm) once per machine, then the real Dockerfile.
    execFileSync('bash', [join(root, 'scripts/docker/build-image.sh'), IMAGE], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
    scratch = mkdtempSync(join(tmpdir(), 'fauxcloud-container-'));
  }, 900_000);

  afterAll(() => {
    for (const id of containers) spawnSync('docker', ['rm', '-f', id]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('serves a mounted scenario, keeps its CA on the data volume and answers HTTPS with it', async () => {
    const data = join(scratch, 'data');
    const drill = join(scratch, 'drill.yaml');
    writeFileSync(
      drill,
      [
        'name: mounted-drill',
        'extends: default',
        'faults:',
        '  - name: zones-throttled',
        '    match: { cloud: aws, service: ec2, operation: DescribeAvailabilityZones }',
        '    error: RequestLimitExceeded',
        '',
      ].join('\n'),
    );
    const id = docker('run', '-d', '-p', '127.0.0.1::4600', '-p', '127.0.0.1::4601', '-v', `${data}:/data`, '-v', `${drill}:/drills/drill.yaml:ro`, '-e', 'FAUXCLOUD_SCENARIO=/drills/drill.yaml', IMAGE);
    containers.push(id);
    const port = (p: number) => docker('port', id, `${p}/tcp`).split('\n')[0]!.split(':').pop()!;
    const http = `http://127.0.0.1:${port(4600)}`;

    const health = await waitHealthy(`${http}/_fauxcloud/health`);
    expect(health.scenario).toBe('mounted-drill');
    const faults = (await (await fetch(`${http}/_fauxcloud/faults`)).json()) as Array<{ name: string }> | { rules: Array<{ name: string }> };
    expect(JSON.stringify(faults)).toContain('zones-throttled');

    // The CA the container generated lives on the volume; HTTPS verifies against it.
    const ca = readFileSync(join(data, 'ca.pem'), 'utf8');
    expect(ca).toContain('BEGIN CERTIFICATE');
    const viaTls = await httpsGet(`https://127.0.0.1:${port(4601)}/_fauxcloud/health`, ca);
    expect(viaTls.status).toBe(200);
    expect(JSON.parse(viaTls.body).scenario).toBe('mounted-drill');

    // The world is the default one: three nodes.
    const ec2 = new EC2Client({ endpoint: http, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const out = await ec2.send(new DescribeInstancesCommand({}));
    expect(out.Reservations?.flatMap((r) => r.Instances ?? []).length).toBe(3);
  }, 120_000);

  it('starts through the Testcontainers module with typed clients and admin calls', async () => {
    // Ryuk's image cannot be pulled here, and the host is known: no helper containers.
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
    const { FauxcloudContainer } = await import('../../integrations/testcontainers.js');
    const cloud = await new FauxcloudContainer(IMAGE).withScenario('ec2-throttle-storm').withSeed(7).start();
    containers.push(cloud.getId());
    try {
      const health = await cloud.admin.health();
      expect(health).toMatchObject({ status: 'ok', scenario: 'ec2-throttle-storm', seed: '7' });
      expect(cloud.caPem).toContain('BEGIN CERTIFICATE');
      expect((await httpsGet(`${cloud.httpsUrl}/_fauxcloud/health`, cloud.caPem)).status).toBe(200);

      // A clean slate without the storm, then the flow a test suite runs between cases.
      await cloud.admin.clearFaults();
      const ec2 = new EC2Client({ ...cloud.aws(), maxAttempts: 1 });
      const out = await ec2.send(new DescribeInstancesCommand({}));
      expect(out.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name)).toEqual(['running', 'running', 'running']);
      const journal = await cloud.admin.journal({ operation: 'DescribeInstances' });
      expect(journal.at(-1)).toMatchObject({ cloud: 'aws', service: 'ec2', status: 200 });

      const before = Date.parse((await cloud.admin.health()).now);
      await cloud.admin.advanceClock(3_600_000);
      expect(Date.parse((await cloud.admin.health()).now) - before).toBeGreaterThanOrEqual(3_600_000);

      await cloud.admin.addFault({ name: 'no-instances', match: { cloud: 'aws', operation: 'DescribeInstances' }, error: 'UnauthorizedOperation' });
      await expect(ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
      await cloud.admin.clearFaults();
      await expect(ec2.send(new DescribeInstancesCommand({}))).resolves.toBeDefined();
      expect(await cloud.admin.journal({ errorCode: 'UnauthorizedOperation' })).toHaveLength(1);
    } finally {
      await cloud.stop();
    }
  }, 120_000);
});
