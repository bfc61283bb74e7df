/**
 * `--data-dir` as an operator relies on it: the real CLI is stopped (SIGTERM, or kill -9) and
 * started again on the same directory, and what the AWS and Google SDKs created, the lifecycle
 * steps still pending, the fault rules' counters, issued credentials and the id streams are all
 * there. A corrupt state file is refused, left as it was, and only moved aside on request.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, CreateVolumeCommand, DescribeAvailabilityZonesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { adminOf, runCliToExit, startCli, type CliProcess } from '../helpers/cli.js';
import { computeClients, PROJECT, ZONE } from '../helpers/gcp.js';

const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

async function start(dir: string, extra: string[] = []): Promise<CliProcess> {
  const p = await startCli(['--data-dir', dir, '--seed', '7', '--state-debounce', '100', ...extra]);
  running.push(p);
  return p;
}

const creds = { accessKeyId: 'AKIDPERSIST', secretAccessKey: 'fauxcloud' };
const ec2Of = (p: CliProcess, credentials = creds) => new EC2Client({ endpoint: p.httpUrl, region: 'us-east-1', credentials, maxAttempts: 1 });

type State = { version: number; store: unknown; random: unknown; faults: unknown; auth: unknown; lifecycle: unknown; clock: { now: number; factor: number } };
type FaultStatus = Array<{ rule: { name: string }; hits: number; matched: number }>;

// Each case starts the real CLI two or three times; on a busy machine that takes a while.
describe('one fauxcloud per --data-dir', { timeout: 120_000 }, () => {
  it('a second process on the same directory refuses to start; a stale lock (dead pid) is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-lock-'));
    // A lock left by a process that no longer exists (a kill -9): taken over.
    writeFileSync(join(dir, 'fauxcloud.lock'), '999999999\n');
    const first = await start(dir);
    expect(readFileSync(join(dir, 'fauxcloud.lock'), 'utf8').trim()).toBe(String(first.child.pid));
    const second = await runCliToExit(['--data-dir', dir, '--seed', '7']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`is in use by fauxcloud pid ${first.child.pid}`);
    first.child.kill('SIGTERM');
    await first.exited;
    // A clean stop releases it.
    expect(existsSync(join(dir, 'fauxcloud.lock'))).toBe(false);
  });
});

describe('state that survives a restart (--data-dir)', { timeout: 120_000 }, () => {
  it('SIGTERM, then start again: resources, pending steps, fault counters, credentials and id streams are all back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-state-'));
    const first = await start(dir);
    expect(first.stdout()).toContain('no state file yet');
    const admin = adminOf(first.httpUrl);

    // A volume that stays `creating` for a minute of virtual time; a Compute disk whose insert is done.
    const ec2 = ec2Of(first);
    const ready = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 20, VolumeType: 'gp3' }))).VolumeId!;
    await admin('PUT', '/lifecycle', { 'aws.ec2.volume': { creating: { delay: { ms: 60_000 } } } });
    const pending = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, VolumeType: 'gp3' }))).VolumeId!;
    await ec2.send(new CreateTagsCommand({ Resources: [pending], Tags: [{ Key: 'CSIVolumeName', Value: 'pvc-1' }] }));
    const gcp = computeClients(first.server);
    const [insert] = await gcp.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'pvc-2', sizeGb: 30 } });
    expect((await gcp.wait(insert)).status).toBe('DONE');

    // A rule that fires twice; once before the restart.
    await admin('POST', '/faults', { name: 'flaky-zones', match: { cloud: 'aws', operation: 'DescribeAvailabilityZones', times: 2 }, error: 'RequestLimitExceeded' });
    await expect(ec2.send(new DescribeAvailabilityZonesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });

    // Keys STS issued keep mapping to the role's account.
    const sts = new STSClient({ endpoint: first.httpUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const role = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444455556666:role/ccm', RoleSessionName: 'persist', DurationSeconds: 3600 }))).Credentials!;

    const volumesBefore = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [pending, ready] }))).Volumes;
    expect(volumesBefore!.map((v) => [v.VolumeId, v.State])).toEqual([[ready, 'available'], [pending, 'creating']]);
    const [diskBefore] = await gcp.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-2' });
    await admin('PUT', '/clock', { factor: 0 }); // stop time so both documents describe the same instant
    const before = (await admin<State>('GET', '/state')).body;
    expect(before.version).toBe(2);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ version: 2 });

    const second = await start(dir);
    expect(second.stdout()).toMatch(/fauxcloud state: loaded .*state\.json .*instead of the scenario's seed/);
    const admin2 = adminOf(second.httpUrl);
    const after = (await admin2<State>('GET', '/state')).body;
    for (const part of ['store', 'random', 'faults', 'auth', 'lifecycle', 'clock'] as const) expect(after[part], part).toEqual(before[part]);

    // Read back through the SDKs, identically.
    const ec2b = ec2Of(second);
    expect((await ec2b.send(new DescribeVolumesCommand({ VolumeIds: [pending, ready] }))).Volumes).toEqual(volumesBefore);
    const gcpb = computeClients(second.server);
    // Links name the HTTPS listener, whose port 0 picked another number this time.
    const unported = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/127\.0\.0\.1:\d+/g, 'fauxcloud'));
    expect(unported((await gcpb.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-2' }))[0])).toEqual(unported(diskBefore));

    // The fault rule fires its second time, then never again: its counter came back.
    expect((await admin2<FaultStatus>('GET', '/faults')).body).toMatchObject([{ rule: { name: 'flaky-zones' }, hits: 1 }]);
    await expect(ec2b.send(new DescribeAvailabilityZonesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect((await ec2b.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.length).toBeGreaterThan(0);

    // The STS session still speaks for the role.
    const asRole = new STSClient({ endpoint: second.httpUrl, region: 'us-east-1', credentials: { accessKeyId: role.AccessKeyId!, secretAccessKey: role.SecretAccessKey!, sessionToken: role.SessionToken! }, maxAttempts: 1 });
    expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::444455556666:assumed-role/ccm/persist');

    // Ids continue from the stream: a new volume collides with nothing made before.
    const next = (await ec2b.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }))).VolumeId!;
    expect([pending, ready]).not.toContain(next);

    // The pending step completes once its minute has passed on the (restored) virtual clock.
    await admin2('POST', '/clock/advance', { ms: 61_000 });
    expect((await ec2b.send(new DescribeVolumesCommand({ VolumeIds: [pending] }))).Volumes![0]!.State).toBe('available');

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    const third = await start(dir);
    const last = (await ec2Of(third).send(new DescribeVolumesCommand({ VolumeIds: [next, pending] }))).Volumes!;
    expect(last.map((v) => [v.VolumeId, v.State])).toEqual([[pending, 'available'], [next, 'available']]);
  });

  it('kill -9 loses at most the last write window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-state-'));
    const first = await start(dir);
    const ec2 = ec2Of(first);
    const id = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', Size: 5 }))).VolumeId!;
    // Wait out the 100 ms window (and the write), as an operator's kill would come later still.
    const file = join(dir, 'state.json');
    for (let i = 0; i < 50 && !(existsSync(file) && readFileSync(file, 'utf8').includes(id)); i++) await new Promise((r) => setTimeout(r, 100));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await start(dir);
    expect(second.stdout()).toContain('fauxcloud state: loaded');
    const [vol] = (await ec2Of(second).send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes!;
    expect(vol).toMatchObject({ VolumeId: id, Size: 5, AvailabilityZone: 'us-east-1b' });
  });

  it('refuses a corrupt state file and leaves it untouched; --fresh-state moves it aside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-state-'));
    const file = join(dir, 'state.json');
    const garbage = '{"version": 2, "store": [truncated';
    writeFileSync(file, garbage);

    const refused = await runCliToExit(['--data-dir', dir]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`the state file ${file} cannot be loaded`);
    expect(refused.stderr).toContain('--fresh-state');
    expect(refused.stdout).not.toContain('ready');
    expect(readFileSync(file, 'utf8')).toBe(garbage);

    // Well-formed JSON that is not a state document is refused the same way.
    writeFileSync(file, JSON.stringify({ version: 2, clock: { now: 'soon' } }));
    expect((await runCliToExit(['--data-dir', dir])).code).toBe(3);
    writeFileSync(file, garbage);

    const fresh = await start(dir, ['--fresh-state']);
    expect(fresh.stdout()).toMatch(/--fresh-state: moved .*state\.json to .*state\.json\.corrupt-/);
    const aside = readdirSync(dir).filter((f) => f.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(garbage);
    // It runs from the scenario's seed, and writes a good file again.
    await ec2Of(fresh).send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 2 }));
    fresh.child.kill('SIGTERM');
    expect(await fresh.exited).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(2);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(garbage);
  });

  it('pinned listeners listen again (a taken port is reported, not fatal); a kept vim25 cookie keeps its view and property filter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-pinned-'));
    const first = await start(dir);
    const admin1 = adminOf(first.httpUrl);
    const kept = (await admin1<{ port: number; endpoint: string }>('POST', '/listeners', { headers: { 'X-Fauxcloud-Probe': 'kept' } })).body;
    const lost = (await admin1<{ port: number }>('POST', '/listeners', { headers: { 'X-Fauxcloud-Probe': 'lost' } })).body;

    // govmomi's way to watch VMs: a container view, a filter through it, WaitForUpdatesEx.
    const soap1 = soapOn(first.httpUrl);
    const login = await soap1('<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>fauxcloud</password></Login>');
    const cookie = login.cookie!.split(';')[0]!;
    const view = /<returnval type="ContainerView">([^<]+)</.exec((await soap1('<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>', cookie)).text)![1]!;
    const spec = `<propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>v</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>`;
    const filter = await soap1(`<CreateFilter xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><spec>${spec}</spec><partialUpdates>false</partialUpdates></CreateFilter>`, cookie);
    expect(filter.status).toBe(200);
    const initial = await soap1('<WaitForUpdatesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><version></version><options><maxWaitSeconds>0</maxWaitSeconds></options></WaitForUpdatesEx>', cookie);
    expect(initial.text).toContain('node-a');
    const version = /<version>([^<]+)<\/version>/.exec(initial.text)![1]!;
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Another process takes one of the two ports while fauxcloud is down.
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(lost.port, '127.0.0.1', () => resolve()));
    try {
      const second = await start(dir);
      const listeners = (await adminOf(second.httpUrl)<Array<{ port: number; unavailable?: string }>>('GET', '/listeners')).body;
      expect(listeners.find((l) => l.port === kept.port)).toEqual({ port: kept.port, endpoint: kept.endpoint, headers: { 'x-fauxcloud-probe': 'kept' } });
      expect(listeners.find((l) => l.port === lost.port)?.unavailable).toMatch(/EADDRINUSE: another process holds the port/);
      expect(second.stderr()).toMatch(new RegExp(`pinned listener: cannot listen again on 127\\.0\\.0\\.1:${lost.port}`));
      expect((await fetch(`${kept.endpoint}/_fauxcloud/health`)).status).toBe(200);

      // The same cookie, the same collector: the filter reports nothing new since its version, and
      // the view still lists the VMs.
      const soap2 = soapOn(second.httpUrl);
      const again = await soap2(`<WaitForUpdatesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><version>${version}</version><options><maxWaitSeconds>0</maxWaitSeconds></options></WaitForUpdatesEx>`, cookie);
      expect(again.status).toBe(200);
      expect(again.text).not.toContain('node-a');
      const props = await soap2(`<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet>${spec}</specSet><options/></RetrievePropertiesEx>`, cookie);
      expect(props.status).toBe(200);
      expect(props.text).toContain('node-a');
      // A VM powered off after the restart is reported to the restored filter.
      const vm = /<obj type="VirtualMachine">([^<]+)<\/obj>(?:(?!<\/objects>).)*?node-a</s.exec(props.text)![1]!;
      expect((await soap2(`<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">${vm}</_this></PowerOffVM_Task>`, cookie)).status).toBe(200);
      await adminOf(second.httpUrl)('POST', '/clock/advance', { ms: 60_000 });
      const changed = await soap2(`<WaitForUpdatesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><version>${version}</version><options><maxWaitSeconds>0</maxWaitSeconds></options></WaitForUpdatesEx>`, cookie);
      expect(changed.text).toContain(`<obj type="VirtualMachine">${vm}</obj>`);
      expect(changed.text).toContain('poweredOff');
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});

const ENVELOPE = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

/** vim25 SOAP as govmomi sends it: POST /sdk, SOAPAction, the session cookie. */
function soapOn(url: string) {
  return async (body: string, cookie?: string): Promise<{ status: number; text: string; cookie: string | null }> => {
    const res = await fetch(`${url}/sdk`, { method: 'POST', headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0', ...(cookie ? { cookie } : {}) }, body: ENVELOPE(body) });
    return { status: res.status, text: await res.text(), cookie: res.headers.get('set-cookie') };
  };
}
