// The start-up leg: fauxcloud spawned as `npm start` runs it (`node dist/core/cli.js`, plus
// `--port 0 --https-port 0` so that runs never collide), timed from spawn() to the "ready" line,
// to the first answered admin request, then to each cloud's first answer (each loads that
// cloud's services and models on first use): AWS DescribeRegions (EC2's Smithy model; sent 4
// times at once, since concurrent first requests must all wait on the one load), Compute Engine
// zones.list, Azure Resource Manager GET virtualMachines, OpenStack Keystone token issue and
// vSphere RetrieveServiceContent; VmRSS when idle and after those first answers. The floor,
// measured in the same run: a bare `node -e` HTTP server spawned the same way, to its ready line
// and first answer (other engineers' builds load the machine; the ratio says more than the ms).
// Median of BENCH_STARTUP_RUNS runs. Stand-alone: `node test/bench/startup.mjs [runs]`.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ec2Call } from './ec2.mjs';
import { gceCall } from './gcp.mjs';
import { ROOT, readRssKiB } from './servers.mjs';

const median = (xs) => { const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : undefined; };

const BARE = `require('http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log('fauxcloud ready http=http://127.0.0.1:' + this.address().port); })`;

async function spawnReady(args) {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no ready line within 120 s')), 120_000);
      let buf = '';
      child.stdout.on('data', (d) => { buf += d; const m = /fauxcloud ready\b.*?\bhttp=(http:\/\/\S+)/.exec(buf); if (m) { clearTimeout(timer); res(m[1]); } });
      child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`exited (code ${code}) before ready`)); });
    });
    return { child, t0, url, readyMs: performance.now() - t0 };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

async function timed(r, key, fn) {
  const t = performance.now();
  await fn();
  r[key] = performance.now() - t;
}

async function expectOk(what, res) {
  await res.arrayBuffer?.();
  if (res.status < 200 || res.status >= 300) throw new Error(`${what} answered ${res.status}`);
}

const soap = (body) => `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:vim25="urn:vim25"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

async function once(cli) {
  const floor = await spawnReady(['-e', BARE]);
  try {
    await expectOk('bare server', await fetch(floor.url, { signal: AbortSignal.timeout(10_000) }));
  } finally {
    floor.child.kill('SIGKILL');
  }
  const r = { floorReadyMs: floor.readyMs, floorFirstMs: performance.now() - floor.t0 };
  const { child, t0, url, readyMs } = await spawnReady([cli, '--port', '0', '--https-port', '0']);
  try {
    r.readyMs = readyMs;
    await expectOk('health', await fetch(`${url}/_fauxcloud/health`, { signal: AbortSignal.timeout(10_000) }));
    r.firstAdminMs = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 200)); // idle: let start-up garbage settle
    r.idleRssKiB = readRssKiB(child.pid);
    const signal = () => AbortSignal.timeout(30_000);
    await timed(r, 'firstAwsMs', async () => {
      const all = await Promise.all([0, 1, 2, 3].map(() => ec2Call(url, 'DescribeRegions', {}, { timeoutMs: 30_000 })));
      for (const a of all) if (a.status !== 200) throw new Error(`DescribeRegions answered ${a.status}`);
    });
    await timed(r, 'firstGcpMs', async () => {
      const g = await gceCall(url, 'GET', 'zones', undefined, { timeoutMs: 30_000 });
      if (g.status !== 200) throw new Error(`zones.list answered ${g.status}`);
    });
    await timed(r, 'firstAzureMs', async () =>
      expectOk('ARM virtualMachines list', await fetch(`${url}/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/fauxcloud/providers/Microsoft.Compute/virtualMachines?api-version=2025-04-01`, { headers: { authorization: 'Bearer fauxcloud-bench' }, signal: signal() })));
    await timed(r, 'firstOpenStackMs', async () =>
      expectOk('Keystone token', await fetch(`${url}/openstack/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'fauxcloud', domain: { name: 'Default' }, password: 'fauxcloud-password' } } }, scope: { project: { name: 'fauxcloud', domain: { name: 'Default' } } } } }), signal: signal() })));
    await timed(r, 'firstVsphereMs', async () =>
      expectOk('RetrieveServiceContent', await fetch(`${url}/sdk`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/8.0.2.0' }, body: soap('<vim25:RetrieveServiceContent><vim25:_this type="ServiceInstance">ServiceInstance</vim25:_this></vim25:RetrieveServiceContent>'), signal: signal() })));
    r.rssAfterKiB = readRssKiB(child.pid);
    return r;
  } finally {
    child.kill('SIGKILL');
  }
}

const KEYS = ['floorReadyMs', 'floorFirstMs', 'readyMs', 'firstAdminMs', 'firstAwsMs', 'firstGcpMs', 'firstAzureMs', 'firstOpenStackMs', 'firstVsphereMs', 'idleRssKiB', 'rssAfterKiB'];

/** Resolves to { runs, floorReadyMs, floorFirstMs, readyMs, firstAdminMs, first<Cloud>Ms…, idleRssKiB, rssAfterKiB } (medians) or { error }. */
export async function measureStartup(runs, cli = resolve(ROOT, process.env.BENCH_FAUXCLOUD_CLI || join('dist', 'core', 'cli.js'))) {
  const all = [];
  try {
    for (let i = 0; i < runs; i++) all.push(await once(cli));
  } catch (err) {
    return { error: err.message };
  }
  const out = { runs };
  for (const k of KEYS) out[k] = median(all.map((r) => r[k]));
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { loadavg } = await import('node:os');
  const load = loadavg()[0].toFixed(2);
  const s = await measureStartup(Number(process.argv[2] ?? process.env.BENCH_STARTUP_RUNS ?? 5));
  console.log(JSON.stringify({ loadAtStart: load, ...s, ratio: s.firstAdminMs && s.floorFirstMs ? +(s.firstAdminMs / s.floorFirstMs).toFixed(2) : undefined }, (k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v), 1));
}
