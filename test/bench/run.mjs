#!/usr/bin/env node
// fauxcloud vs moto benchmark (not a test: nothing here asserts speed).
// Usage: npm run bench   (builds first)   — see test/bench/README.md.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import { describeAnswer, ec2Call } from './ec2.mjs';
import { FLOW_MAX_CONCURRENCY, measureFlow } from './flow.mjs';
import { runLoad } from './load.mjs';
import {
  ROOT, MOTO_SPEC, ensureMoto, killAllSync, readRssKiB, rssSampler, startFauxcloud, startMoto,
} from './servers.mjs';

const num = (name, dflt, min, max = Infinity) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name}=${raw}: expected a number >= ${min}${max < Infinity ? ` and <= ${max}` : ''}`);
  return v;
};
const SETTINGS = {
  seconds: num('BENCH_SECONDS', 5, 1),
  connections: Math.round(num('BENCH_CONNECTIONS', 10, 1)),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 1, 0),
  seedVolumes: Math.round(num('BENCH_SEED_VOLUMES', 100, 1)),
  flowConcurrency: Math.round(num('BENCH_FLOW_CONCURRENCY', 8, 1, FLOW_MAX_CONCURRENCY)),
};
const CREATE_PARAMS = { AvailabilityZone: 'us-east-1a', Size: '8', VolumeType: 'gp3' };
const RESULTS = join(ROOT, 'test', 'bench', 'results', 'latest.md');

const log = (msg) => console.log(`[bench] ${msg}`);

// ---- cleanup on every way out ------------------------------------------------
const handles = new Set();
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    log(`${sig}: stopping servers`);
    const hard = setTimeout(() => { killAllSync(); process.exit(130); }, 8000);
    await Promise.allSettled([...handles].map((h) => h.stop()));
    clearTimeout(hard);
    process.exit(130);
  });
}

// ---- one operation: sample check, warm-up, measured run, re-check ------------
async function measureOp(h, action, params, check) {
  const invalid = [];
  let probesOk = 0;
  const probe = async (when) => {
    try {
      const answer = await ec2Call(h.url, action, params);
      const problem = answer.status < 200 || answer.status >= 300
        ? describeAnswer(answer)
        : check(answer.body);
      if (problem) invalid.push(`sample ${when} load: ${problem}`);
      else probesOk++;
      return answer;
    } catch (err) {
      invalid.push(`sample ${when} load: request failed (${err.cause?.code ?? err.message})`);
      return undefined;
    }
  };
  const sample = await probe('before');
  let warmupOk = 0;
  if (SETTINGS.warmupSeconds > 0) {
    ({ ok2xx: warmupOk } = await runLoad({ url: h.url, action, params, seconds: SETTINGS.warmupSeconds, connections: SETTINGS.connections, collectLatency: false }));
  }
  log(`${h.name}: ${action} x ${SETTINGS.seconds} s, ${SETTINGS.connections} connections`);
  const load = await runLoad({ url: h.url, action, params, seconds: SETTINGS.seconds, connections: SETTINGS.connections });
  await probe('after');
  if (load.non2xx > 0) invalid.push(`${load.non2xx} non-2xx answers during load (status counts ${JSON.stringify(load.statusCodes)})`);
  if (load.errors > 0 || load.timeouts > 0) invalid.push(`${load.errors} socket errors, ${load.timeouts} timeouts during load`);
  if (load.ok2xx === 0) invalid.push('no 2xx answer during load');
  // 2xx answers outside the measured phase (for CreateVolume: volumes created there).
  return { ...load, invalid, sampleBody: sample?.body, extraOk: warmupOk + probesOk };
}

/** Number of volumes in a DescribeVolumes answer (attachments also carry <volumeId>, so count items). */
function volumesIn(body) {
  try {
    const doc = new XMLParser({ isArray: (name) => name === 'item' }).parse(body);
    const items = doc?.DescribeVolumesResponse?.volumeSet?.item;
    return Array.isArray(items) ? items.length : 0;
  } catch {
    return undefined;
  }
}

// ---- one server: start-up, RSS, seed, two load phases ---------------------------
async function benchServer(name, start) {
  const r = { name, available: false, notes: [] };
  let h;
  try {
    log(`${name}: starting`);
    h = await start();
    handles.add(h);
    r.available = true;
    r.startupMs = h.startupMs;
    r.rssStartKiB = readRssKiB(h.pid);
    log(`${name}: ready at ${h.url} after ${h.startupMs.toFixed(0)} ms (pid ${h.pid})`);
    const rss = rssSampler(h.pid);
    try {
      let seeded = 0;
      let firstFailure;
      for (let i = 0; i < SETTINGS.seedVolumes; i++) {
        const a = await ec2Call(h.url, 'CreateVolume', CREATE_PARAMS).catch((e) => ({ status: 0, body: String(e.cause?.code ?? e.message) }));
        if (a.status >= 200 && a.status < 300 && a.body.includes('<volumeId>')) seeded++;
        else firstFailure ??= describeAnswer(a);
      }
      r.seeded = seeded;
      if (firstFailure) r.notes.push(`seeding: ${SETTINGS.seedVolumes - seeded}/${SETTINGS.seedVolumes} CreateVolume calls failed, first: ${firstFailure}`);
      log(`${name}: seeded ${seeded} volumes`);

      // DescribeVolumes first, so that it sees exactly the seeded volumes.
      r.describe = await measureOp(h, 'DescribeVolumes', {}, (body) => {
        if (!body.includes('<volumeSet>') && !body.includes('<volumeSet/>')) return 'no <volumeSet> in the answer';
        if (!body.includes('<volumeId>')) return 'no <volumeId> in the answer';
        const n = volumesIn(body);
        if (n === undefined) return 'answer is not parsable XML';
        if (n < seeded) return `only ${n} volumes in <volumeSet>, expected >= ${seeded}`;
        return undefined;
      });
      r.describeVolumes = volumesIn(r.describe.sampleBody ?? '');
      r.describeKiB = (r.describe.sampleBody?.length ?? 0) / 1024;
      r.rssDescribePeakKiB = Math.max(rss.sample() ?? 0, rss.peakKiB ?? 0) || undefined;
      log(`${name}: EBS volume flow x ${SETTINGS.seconds} s, ${SETTINGS.flowConcurrency} concurrent flows`);
      r.flow = await measureFlow(h.url, {
        seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds, concurrency: SETTINGS.flowConcurrency,
      });
      r.create = await measureOp(h, 'CreateVolume', CREATE_PARAMS, (body) =>
        body.includes('<volumeId>') ? undefined : 'no <volumeId> in the answer');
      r.volumesCreated = seeded + r.create.ok2xx + r.create.extraOk;
    } finally {
      r.rssPeakKiB = rss.stop();
    }
  } catch (err) {
    if (!r.available) r.reason = err.message;
    else r.notes.push(`aborted: ${err.message}`);
    log(`${name}: ${err.message}`);
  } finally {
    if (h) {
      if (h.exited()) r.notes.push('server process exited during the run');
      await h.stop();
      handles.delete(h);
    }
  }
  return r;
}

// ---- formatting ----------------------------------------------------------------
const fmt = {
  ms0: (v) => (v === undefined ? '-' : v.toFixed(0)),
  ms2: (v) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1)),
  mib: (kib) => (kib === undefined ? '-' : (kib / 1024).toFixed(1)),
  rps: (v) => (v === undefined ? '-' : v.toFixed(0)),
  fps: (v) => (v === undefined ? '-' : v < 100 ? v.toFixed(1) : v.toFixed(0)),
};

/** Rows: [metric, getter(result) -> number|undefined, formatter, 'higher'|'lower'|null, op]. */
function rows() {
  const op = (key, label) => [
    [`${label} req/s`, (r) => r[key]?.reqPerSec, fmt.rps, 'higher', key],
    [`${label} p50 latency (ms)`, (r) => r[key]?.p50Ms, fmt.ms2, 'lower', key],
    [`${label} p99 latency (ms)`, (r) => r[key]?.p99Ms, fmt.ms2, 'lower', key],
    [`${label} non-2xx / socket errors`, (r) => r[key] && `${r[key].non2xx} / ${r[key].errors + r[key].timeouts}`, String, null, key],
  ];
  return [
    ['start-up to first DescribeRegions (ms)', (r) => r.startupMs, fmt.ms0, 'lower'],
    ['RSS after start-up (MiB)', (r) => r.rssStartKiB, fmt.mib, 'lower'],
    ['RSS peak up to end of DescribeVolumes (MiB)', (r) => r.rssDescribePeakKiB, fmt.mib, 'lower'],
    ['RSS peak up to end of CreateVolume (MiB)', (r) => r.rssPeakKiB, fmt.mib, 'lower'],
    ['volumes created by the bench', (r) => r.volumesCreated, String, null],
    ['DescribeVolumes answer: volumes / KiB', (r) => r.describe && `${r.describeVolumes ?? '?'} / ${r.describeKiB.toFixed(1)}`, String, null, 'describe'],
    ...op('describe', 'DescribeVolumes'),
    ...op('create', 'CreateVolume'),
    ['EBS volume flow flows/s', (r) => r.flow?.flowsPerSec, fmt.fps, 'higher', 'flow'],
    ['EBS volume flow p50 latency (ms)', (r) => r.flow?.p50Ms, fmt.ms2, 'lower', 'flow'],
    ['EBS volume flow p99 latency (ms)', (r) => r.flow?.p99Ms, fmt.ms2, 'lower', 'flow'],
    ['EBS volume flow requests per flow', (r) => r.flow?.reqPerFlow, (v) => v.toFixed(2), null, 'flow'],
    ['EBS volume flow failed flows (non-2xx / socket / other)',
      (r) => r.flow?.failed !== undefined ? `${r.flow.failed} (${r.flow.non2xx} / ${r.flow.socket} / ${r.flow.other})` : undefined, String, null, 'flow'],
  ];
}

function cell(r, get, format, opKey) {
  if (!r.available) return 'unavailable';
  const v = get(r);
  if (v === undefined) return '-';
  const bad = opKey && r[opKey]?.invalid.length > 0;
  return `${format(v)}${bad ? ' (INVALID)' : ''}`;
}

function ratio(f, m, get, better, opKey) {
  if (!better || !f.available || !m.available) return 'n/a';
  if (opKey && (f[opKey]?.invalid.length || m[opKey]?.invalid.length)) return 'n/a (invalid)';
  const a = get(f);
  const b = get(m);
  if (!(a > 0) || !(b > 0)) return 'n/a';
  const x = better === 'higher' ? a / b : b / a;
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;
}

function table(f, m) {
  const head = ['Metric', 'fauxcloud', 'moto', 'Ratio (>1 = fauxcloud better)'];
  const body = rows().map(([label, get, format, better, opKey]) => [
    label, cell(f, get, format, opKey), cell(m, get, format, opKey), ratio(f, m, get, better, opKey),
  ]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i].length)));
  const line = (row) => `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(head), sep, ...body.map(line)].join('\n');
}

function notes(f, m) {
  const out = [];
  for (const r of [f, m]) {
    if (!r.available) out.push(`- ${r.name}: unavailable (${r.reason.split('\n')[0]})`);
    for (const n of r.notes) out.push(`- ${r.name}: ${n}`);
    for (const [key, label] of [['describe', 'DescribeVolumes'], ['create', 'CreateVolume']]) {
      const op = r[key];
      if (op?.reconnects > 0) {
        out.push(`- ${r.name} ${label}: the server closed the connection after ${op.reconnects} of ${op.total} answers (\`Connection: close\`); `
          + 'each following request paid a new TCP connection, included in its latency');
      }
      for (const why of r[key]?.invalid ?? []) out.push(`- ${r.name} ${label} INVALID: ${why}`);
    }
    const fl = r.flow;
    if (fl?.instanceId) {
      out.push(`- ${r.name} EBS volume flow: instance ${fl.instanceId} (${fl.launched ? 'launched with RunInstances: no running instance in us-east-1a' : 'already running in us-east-1a'})`);
    }
    if (fl?.connections > 0) {
      out.push(`- ${r.name} EBS volume flow: ${fl.connections} connections opened for ${fl.requests} requests `
        + '(`Connection: close` answers); each TCP handshake is included in its flow\'s latency');
    }
    for (const why of fl?.invalid ?? []) out.push(`- ${r.name} EBS volume flow INVALID: ${why}`);
  }
  return out;
}

function gitRev() {
  const r = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return 'no commit yet';
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'core', 'clouds'], { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout.trim()}${dirty.stdout?.trim() ? ' (+ uncommitted changes)' : ''}`;
}

function report(f, m, moto) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const cpus = os.cpus();
  const n = notes(f, m);
  return [
    '# fauxcloud vs moto: EC2 benchmark',
    '',
    `Generated by \`npm run bench\` (test/bench/run.mjs) on ${new Date().toISOString()}.`,
    'Ratio: fauxcloud/moto for req/s, moto/fauxcloud for latency, memory and start-up;',
    'in every row a ratio above 1 means fauxcloud is better.',
    '',
    table(f, m),
    '',
    '## Notes',
    '',
    ...(n.length ? n : ['- none: every sample answer carried <volumeId>/<volumeSet>, no non-2xx, no socket errors']),
    '',
    '## Setup',
    '',
    `- load: autocannon, ${SETTINGS.connections} connections, ${SETTINGS.seconds} s per operation after a ${SETTINGS.warmupSeconds} s warm-up, loopback only`,
    `- DescribeVolumes runs after ${SETTINGS.seedVolumes} CreateVolume calls (same on both servers); then the EBS volume flow, then CreateVolume`,
    `- EBS volume flow: ${SETTINGS.flowConcurrency} concurrent closed-loop flows (Create, poll, Attach, poll, Detach, poll, Delete; 1 GiB gp3 in us-east-1a), node:http keep-alive agent, ${SETTINGS.seconds} s after a ${SETTINGS.warmupSeconds} s warm-up`,
    '- servers run one after the other, never at the same time; client and server share the machine',
    '- both servers hold the same volumes up to the end of DescribeVolumes; the CreateVolume phase stores as many volumes as each server manages to create, so the last RSS row compares unequal stores (see "volumes created")',
    `- fauxcloud ${pkg.version} (git ${gitRev()}): node ${process.env.BENCH_FAUXCLOUD_CLI || 'dist/core/cli.js'} --port 0 --https-port 0 --seed 42`,
    `- moto: ${moto.ok ? `${moto.version} (pinned ${MOTO_SPEC}), Python ${moto.python}, moto_server (Werkzeug dev server)` : `unavailable (${moto.reason})`}`,
    '',
    '## Machine',
    '',
    `- node ${process.version}, ${os.platform()} ${os.release()} ${os.arch()}`,
    `- ${cpus.length} CPUs (${cpus[0]?.model?.trim() ?? 'unknown model'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `- date ${new Date().toISOString()}`,
    '',
  ].join('\n');
}

// ---- main ----------------------------------------------------------------------
async function main() {
  log(`settings: ${JSON.stringify(SETTINGS)}`);
  const f = await benchServer('fauxcloud', startFauxcloud);
  const moto = ensureMoto(log);
  const m = moto.ok
    ? await benchServer('moto', () => startMoto(moto))
    : { name: 'moto', available: false, reason: moto.reason, notes: [] };
  if (!moto.ok) console.log(`moto: unavailable (${moto.reason})`);

  const md = report(f, m, moto);
  mkdirSync(join(ROOT, 'test', 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, md);
  console.log(`\n${md}`);
  log(`written to ${relative(process.cwd(), RESULTS) || RESULTS}`);
  if (!f.available) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`[bench] failed: ${err.stack ?? err}`);
  process.exitCode = 1;
}).finally(async () => {
  await Promise.allSettled([...handles].map((h) => h.stop()));
  killAllSync();
});
