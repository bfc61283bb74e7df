#!/usr/bin/env node
// The vSphere leg of the benchmark: fauxcloud side by side with vcsim (govmomi's simulator, built
// from the same govmomi module as the client), both over HTTPS, driven by one govmomi program
// (test/bench/vsphere/load): RetrievePropertiesEx of every VM's properties through a container
// view, and the vSphere CSI controller's CNS flow (create → attach → detach → delete, each task
// waited through the property collector). Measures start-up, RSS and throughput; asserts nothing.
//
//   node test/bench/vsphere.mjs      (alone; `npm run bench` runs it after the other legs)
// Writes test/bench/results/vsphere.md.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ROOT, readRssKiB, rssSampler } from './servers.mjs';

const GO_MODULE = join(ROOT, 'test', 'bench', 'vsphere');
const RESULTS = join(ROOT, 'test', 'bench', 'results', 'vsphere.md');
const STARTUP_TIMEOUT_MS = 60_000;
const GOVMOMI = 'github.com/vmware/govmomi@v0.52.0';

const num = (name, dflt) => {
  const v = Number(process.env[name] || dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}=${process.env[name]}: expected a positive number`);
  return v;
};

/** Builds the load driver and vcsim (cached by Go's build cache; a few seconds when warm). */
function buildGo(log) {
  const bin = join(os.tmpdir(), `fauxcloud-bench-vsphere-${process.getuid?.() ?? 'u'}`);
  mkdirSync(bin, { recursive: true });
  for (const cmd of ['load', 'vcsim']) {
    log(`go build ./${cmd}`);
    const r = spawnSync('go', ['build', '-o', join(bin, cmd), `./${cmd}`], { cwd: GO_MODULE, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`go build ./${cmd} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { load: join(bin, 'load'), vcsim: join(bin, 'vcsim') };
}

const live = new Set();
process.on('exit', () => { for (const c of live) try { c.kill('SIGKILL'); } catch { /* gone */ } });

/** One SOAP RetrieveServiceContent over HTTPS (any certificate): resolves to the status, or 0. */
function serviceContent(sdk) {
  const body = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>';
  return new Promise((res) => {
    const req = https.request(sdk, { method: 'POST', rejectUnauthorized: false, timeout: 2000, agent: false, headers: { 'content-type': 'text/xml', SOAPAction: 'urn:vim25/8.0.3.0' } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', () => res(0));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

/**
 * Spawns a server, reads its SDK URL (and credentials) from its ready line and waits for the
 * first 200 to RetrieveServiceContent: start-up is spawn → that answer.
 */
async function launch(name, cmd, args, parseLine) {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let info;
  let exit;
  const tail = [];
  child.once('exit', (code, sig) => { exit = `exited (code ${code}, signal ${sig})`; live.delete(child); });
  child.once('error', (e) => { exit = e.message; });
  for (const s of [child.stdout, child.stderr]) {
    s.setEncoding('utf8');
    s.on('data', (chunk) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        info ??= parseLine(line);
      }
    });
  }
  const stop = async () => {
    if (exit) return;
    child.kill('SIGTERM');
    for (let i = 0; i < 30 && !exit; i++) await sleep(100);
    if (!exit) child.kill('SIGKILL');
  };
  while (performance.now() - t0 < STARTUP_TIMEOUT_MS) {
    if (exit) throw new Error(`${name} ${exit}: ${tail.slice(-3).join(' | ')}`);
    if (info && (await serviceContent(info.sdk)) === 200) {
      return { ...info, name, pid: child.pid, startupMs: performance.now() - t0, stop };
    }
    await sleep(10);
  }
  await stop();
  throw new Error(`${name} not ready within ${STARTUP_TIMEOUT_MS} ms`);
}

const startFauxcloud = () => launch('fauxcloud', process.execPath, [join(ROOT, 'dist', 'core', 'cli.js'), '--port', '0', '--https-port', '0', '--seed', '42'], (line) => {
  const m = /fauxcloud ready\b.*?\bhttp=(\S+).*?\bhttps=(\S+)/.exec(line);
  return m ? { admin: m[1], sdk: `${m[2]}/sdk`, user: 'administrator@vsphere.local', password: 'fauxcloud', datastore: 'vsanDatastore' } : undefined;
});

const startVcsim = (bin, vms) => launch('vcsim', bin, ['-vms', String(vms)], (line) => {
  const m = /vcsim ready sdk=(\S+) user=(\S*) password=(\S*)/.exec(line);
  return m ? { sdk: m[1], user: m[2], password: m[3], datastore: '*' } : undefined;
});

/**
 * fauxcloud's default scenario has 3 VMs; more are seeded through the admin API, spread over its
 * hosts (named again so the section declares them; applying it again changes nothing else).
 */
async function seedVms(h, vms) {
  if (vms <= 3) return;
  const extra = Array.from({ length: vms - 3 }, (_, i) => ({ name: `bench-vm-${i}`, host: `esxi-${(i % 3) + 1}.fauxcloud.local`, guest: { hostName: `bench-vm-${i}`, ips: [`10.30.${i >> 8}.${i & 255}`] } }));
  const r = await fetch(`${h.admin}/_fauxcloud/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resources: { vsphere: { datacenters: [{ name: 'dc1', clusters: [{ name: 'cluster1', hosts: [1, 2, 3].map((n) => ({ name: `esxi-${n}.fauxcloud.local` })) }], vms: extra }] } } }) });
  if (!r.ok) throw new Error(`seeding ${vms - 3} VMs: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`);
}

/** Runs the load driver once; resolves to its JSON result. */
function drive(bin, h, op, { seconds, warmupSeconds, concurrency, vms }) {
  return new Promise((res, rej) => {
    const args = ['-url', h.sdk, '-user', h.user, '-password', h.password, '-op', op, '-seconds', String(seconds), '-warmup', String(warmupSeconds), '-concurrency', String(concurrency), '-datastore', h.datastore];
    if (op === 'retrieve') args.push('-vms', String(vms));
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => {
      live.delete(child);
      try {
        if (code !== 0) throw new Error(err.trim() || `exit ${code}`);
        res(JSON.parse(out));
      } catch (e) {
        rej(new Error(`${op}: ${e.message}`));
      }
    });
  });
}

async function measure(name, start, bins, s, log) {
  const r = { name, available: false, notes: [] };
  let h;
  try {
    h = await start();
    r.available = true;
    r.startupMs = h.startupMs;
    r.rssStartKiB = readRssKiB(h.pid);
    log(`${name}: ready at ${h.sdk} after ${h.startupMs.toFixed(0)} ms`);
    if (name === 'fauxcloud') await seedVms(h, s.vms);
    const rss = rssSampler(h.pid);
    try {
      log(`${name}: RetrievePropertiesEx x ${s.seconds} s, ${s.connections} sessions`);
      r.retrieve = await drive(bins.load, h, 'retrieve', { ...s, concurrency: s.connections });
      log(`${name}: CNS flow x ${s.seconds} s, ${s.flowConcurrency} concurrent flows`);
      r.cns = await drive(bins.load, h, 'cns', { ...s, concurrency: s.flowConcurrency });
    } finally {
      r.rssPeakKiB = rss.stop();
    }
  } catch (e) {
    r.notes.push(e.message);
    log(`${name}: ${e.message}`);
  } finally {
    await h?.stop();
  }
  return r;
}

const mib = (k) => (k === undefined ? 'n/a' : (k / 1024).toFixed(1));
const fix = (v, d = 1) => (v === undefined ? 'n/a' : v.toFixed(d));

function report(f, v, s, loadAtStart) {
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
  const row = (label, get, d = 1, cmp) => `| ${label} | ${fix(get(f), d)} | ${fix(get(v), d)} | ${cmp ? ratio(cmp(get(f), get(v)), 1) : ''} |`;
  const errs = (x) => (x ? `${x.errors}${x.firstError ? ` (${x.firstError.slice(0, 120)})` : ''}` : 'n/a');
  const lines = [
    '# vSphere: fauxcloud vs vcsim',
    '',
    `Same client for both: test/bench/vsphere/load (govmomi ${GOVMOMI.split('@')[1]}), each worker its own session, over HTTPS. vcsim: govmomi/simulator VPX model from the same module with the CNS simulator, 1 datacenter, 1 cluster of 3 hosts, ${s.vms} VMs; fauxcloud: its default scenario${s.vms > 3 ? ` plus ${s.vms - 3} VMs` : ''} (the same shape).`,
    '',
    `Settings: ${s.seconds} s measured after ${s.warmupSeconds} s warm-up; RetrievePropertiesEx with ${s.connections} sessions, CNS flow with ${s.flowConcurrency} concurrent flows. Machine: ${os.cpus().length} CPUs, load ${loadAtStart.toFixed(1)} at start, node ${process.version}, ${new Date().toISOString()}.`,
    '',
    '| figure | fauxcloud | vcsim | fauxcloud / vcsim |',
    '| --- | --- | --- | --- |',
    `| start-up (ms) | ${fix(f.startupMs, 0)} | ${fix(v.startupMs, 0)} | |`,
    `| RSS after start-up (MiB) | ${mib(f.rssStartKiB)} | ${mib(v.rssStartKiB)} | |`,
    `| RSS peak (MiB) | ${mib(f.rssPeakKiB)} | ${mib(v.rssPeakKiB)} | |`,
    row('RetrievePropertiesEx, all VM properties: calls/s', (x) => x.retrieve?.perSecond, 1, (a, b) => a / b),
    row('RetrievePropertiesEx p50 (ms)', (x) => x.retrieve?.p50Ms, 1),
    row('RetrievePropertiesEx p99 (ms)', (x) => x.retrieve?.p99Ms, 1),
    `| RetrievePropertiesEx: VMs per answer / errors | ${f.retrieve?.vms ?? 'n/a'} / ${errs(f.retrieve)} | ${v.retrieve?.vms ?? 'n/a'} / ${errs(v.retrieve)} | |`,
    row('CNS create→attach→detach→delete: flows/s', (x) => x.cns?.perSecond, 1, (a, b) => a / b),
    row('CNS flow p50 (ms)', (x) => x.cns?.p50Ms, 1),
    row('CNS flow p99 (ms)', (x) => x.cns?.p99Ms, 1),
    row('CNS flow: HTTP requests per flow', (x) => x.cns?.requestsPerOp, 1),
    `| CNS flow errors | ${errs(f.cns)} | ${errs(v.cns)} | |`,
  ];
  const notes = [...f.notes.map((n) => `fauxcloud: ${n}`), ...v.notes.map((n) => `vcsim: ${n}`)];
  if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** The leg: both servers one after the other (never at once), then the table. */
export async function benchVsphere({ log = (m) => console.log(`[bench] ${m}`), seconds, warmupSeconds, connections, flowConcurrency } = {}) {
  const s = {
    seconds: seconds ?? num('BENCH_SECONDS', 5),
    // V8 needs a few seconds of a phase before its JIT has optimised the path (on a loaded 2-core
    // machine the first CNS seconds ran at half speed); both servers get the same warm-up.
    warmupSeconds: num('BENCH_VSPHERE_WARMUP_SECONDS', Math.max(3, warmupSeconds ?? num('BENCH_WARMUP_SECONDS', 1))),
    connections: connections ?? num('BENCH_CONNECTIONS', 10),
    flowConcurrency: flowConcurrency ?? num('BENCH_FLOW_CONCURRENCY', 8),
    vms: num('BENCH_VSPHERE_VMS', 3),
  };
  const say = (m) => log(`vSphere: ${m}`);
  const loadAtStart = os.loadavg()[0];
  if (!existsSync(join(ROOT, 'dist', 'core', 'cli.js'))) throw new Error('dist/core/cli.js is missing (run `npm run build`)');
  const bins = buildGo(say);
  const f = await measure('fauxcloud', startFauxcloud, bins, s, say);
  const v = await measure('vcsim', () => startVcsim(bins.vcsim, s.vms), bins, s, say);
  const md = report(f, v, s, loadAtStart);
  mkdirSync(join(ROOT, 'test', 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, md);
  console.log(`\n${md}`);
  say(`written to ${relative(process.cwd(), RESULTS) || RESULTS}`);
  return { f, v, md };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchVsphere().then(({ f }) => { if (!f.available) process.exitCode = 1; }, (e) => { console.error(`[bench] vSphere failed: ${e.stack ?? e}`); process.exitCode = 1; });
}
