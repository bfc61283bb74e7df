#!/usr/bin/env node
// The soak leg (issue #16): fauxcloud spawned as `npm start` runs it, driven open-loop at a
// fixed arrival rate (default 1,000 req/s) by a mixed AWS + GCP CSI/CCM workload
// (soak-mix.mjs) for BENCH_SOAK_MINUTES (default 30), with its RSS sampled every second.
// A report, never an assertion: test/bench/results/soak.md.
//
//   node test/bench/soak.mjs                         alone (after `npm run build`)
//   BENCH_SOAK_MINUTES=2 node test/bench/soak.mjs    a short run
//   BENCH_SOAK=1 npm run bench                       as a leg of the bench (off by default)
//
// BENCH_SOAK_HEAPSNAPSHOTS=1 starts the server with --heapsnapshot-signal=SIGUSR2 and has it
// write a heap snapshot after minute 1 and after the run (into BENCH_SOAK_SNAPSHOT_DIR, default
// the OS temp dir) for comparing in Chrome DevTools when RSS is not flat. Writing one stalls
// the server for seconds and leaves RSS higher for good: that run's RSS figures are not a verdict.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SoakClient, BEHIND_MS } from './soak-load.mjs';
import { MIX, ec2Nodes, gceNodes, soakStreams } from './soak-mix.mjs';
import { soakReport } from './soak-report.mjs';
import { ROOT, cpuSeconds, killAllSync, readRssKiB, startFauxcloud } from './servers.mjs';

const ownCpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const num = (name, dflt, min) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name}=${raw}: expected a number >= ${min}`);
  return v;
};

export function soakSettings() {
  return {
    minutes: num('BENCH_SOAK_MINUTES', 30, 0.1),
    rate: num('BENCH_SOAK_RATE', 1000, 1),
    connections: Math.round(num('BENCH_SOAK_CONNECTIONS', 64, 1)),
    heapSnapshots: process.env.BENCH_SOAK_HEAPSNAPSHOTS === '1',
    snapshotDir: resolve(process.env.BENCH_SOAK_SNAPSHOT_DIR || os.tmpdir()),
    results: process.env.BENCH_SOAK_RESULTS ? resolve(process.env.BENCH_SOAK_RESULTS) : join(ROOT, 'test', 'bench', 'results', 'soak.md'),
  };
}

/** The server writes a heap snapshot on its main thread: once it answers again, the file is complete (bounded). */
async function snapshotWritten(url, log) {
  const until = performance.now() + 300_000;
  while (performance.now() < until) {
    try {
      const a = await fetch(`${url}/_fauxcloud/health`, { signal: AbortSignal.timeout(30_000) });
      await a.arrayBuffer();
      return;
    } catch { /* still writing */ }
  }
  log('the last heap snapshot may be incomplete: no answer within 300 s');
}

/** Runs the soak leg; resolves to the Markdown report (also written to settings.results). */
export async function benchSoak({ log = (m) => console.log(`[soak] ${m}`), settings = soakSettings() } = {}) {
  log(`settings: ${JSON.stringify(settings)}`);
  const loadStart = os.loadavg();
  const savedOptions = process.env.NODE_OPTIONS;
  if (settings.heapSnapshots) {
    mkdirSync(settings.snapshotDir, { recursive: true });
    process.env.NODE_OPTIONS = `${savedOptions ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${settings.snapshotDir}`.trim();
  }
  let h;
  try {
    h = await startFauxcloud();
  } finally {
    if (settings.heapSnapshots) process.env.NODE_OPTIONS = savedOptions ?? '';
    if (savedOptions === undefined && settings.heapSnapshots) delete process.env.NODE_OPTIONS;
  }
  log(`fauxcloud ready at ${h.url} after ${h.startupMs.toFixed(0)} ms (pid ${h.pid})`);
  const rss = [{ s: 0, kib: readRssKiB(h.pid) }];
  const snapshots = [];
  const loads = []; // per minute: { load, serverCpu, clientCpu } (CPU as % of one core)
  try {
    const client = new SoakClient(h.url, settings);
    const ec2s = await ec2Nodes(client);
    const gces = await gceNodes(client);
    const { streams, stats } = soakStreams(client, settings.rate, ec2s, gces);
    const seconds = Math.round(settings.minutes * 60);
    const snapshotAt = new Set(settings.heapSnapshots ? [60] : []); // and one after the run
    log(`${settings.rate} req/s for ${seconds} s over EC2 ${ec2s.map((n) => n.id).join(', ')} and GCE ${gces.map((n) => n.name).join(', ')}`);
    const t0 = performance.now();
    let cpu = { server: cpuSeconds(h.pid), client: ownCpuSeconds() };
    const run = await client.run(streams, seconds, (s) => {
      rss.push({ s, kib: readRssKiB(h.pid) });
      if (s % 60 === 0) {
        const now = { server: cpuSeconds(h.pid), client: ownCpuSeconds() };
        loads.push({ load: os.loadavg()[0], serverCpu: ((now.server - cpu.server) * 100) / 60, clientCpu: ((now.client - cpu.client) * 100) / 60 });
        cpu = now;
        const m = (client.current(), client.minutes.at(-1)); // closes the minute that just ended
        const l = loads.at(-1);
        log(`minute ${s / 60}: ${m ? `${m.answered} answered, p99 ${m.p99?.toFixed(1)} ms, behind ${m.behind}, dropped ${m.dropped}, ` : ''}RSS ${(rss.at(-1).kib / 1024).toFixed(1)} MiB, `
          + `CPU server ${l.serverCpu.toFixed(0)}% client ${l.clientCpu.toFixed(0)}%, load ${l.load.toFixed(2)}`);
      }
      if (snapshotAt.has(s)) {
        process.kill(h.pid, 'SIGUSR2');
        snapshots.push(`second ${s}`);
        log(`heap snapshot requested at second ${s} (into ${settings.snapshotDir})`);
      }
    });
    rss.push({ s: (performance.now() - t0) / 1000, kib: readRssKiB(h.pid) });
    if (settings.heapSnapshots) { // after the last answer, so that no request waits for it
      process.kill(h.pid, 'SIGUSR2');
      snapshots.push(`the end (second ${Math.round(run.seconds)})`);
      await snapshotWritten(h.url, log);
    }
    const figures = {
      settings, mix: MIX, run, rss, minutes: client.minutes, totals: client.totals, errors: client.errors, stats,
      commit: spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown',
      startupMs: h.startupMs, ec2s, gces, loadStart, loadEnd: os.loadavg(), loads, snapshots, behindMs: BEHIND_MS, exited: h.exited(),
    };
    // The raw figures, to re-render or re-analyse a long run without running it again.
    if (process.env.BENCH_SOAK_RAW) writeFileSync(process.env.BENCH_SOAK_RAW, JSON.stringify({ ...figures, errors: [...client.errors] }));
    const md = soakReport(figures);
    mkdirSync(dirname(settings.results), { recursive: true });
    writeFileSync(settings.results, md);
    log(`written to ${settings.results}`);
    return md;
  } finally {
    await h.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { killAllSync(); process.exit(130); });
  benchSoak().then((md) => console.log(`\n${md}`), (err) => {
    console.error(`[soak] failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  });
}
