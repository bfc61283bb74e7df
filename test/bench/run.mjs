#!/usr/bin/env node
// fauxcloud benchmark (not a test: nothing here asserts speed): EC2 against
// moto, and a GCP leg (Compute Engine disks, fauxcloud only: no HTTP peer).
// Usage: npm run bench   (builds first)   — see test/bench/README.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describeAnswer, ec2Call, ec2Phase } from './ec2.mjs';
import { FLOW_MAX_CONCURRENCY, measureFlow } from './flow.mjs';
import {
  SEED_DISK, checkOperation, diskBody, gcePhase, measureGceFlow, parseJson, seedDisks, zonal,
} from './gcp.mjs';
import { measureAzureFlow, azListPhase, seedAzureDisks } from './azure.mjs';
import { ceilingPhase } from './ceiling.mjs';
import { measureStartup } from './startup.mjs';
import { measurePhase } from './load.mjs';
import { measureOsFlow, osLogin, osPhase } from './openstack.mjs';
import { report } from './report.mjs';
import { benchScale } from './scale.mjs';
import { benchVsphere } from './vsphere.mjs';
import { benchSoak } from './soak.mjs';
import {
  ROOT, ensureMoto, killAllSync, readRssKiB, rssSampler, startCeiling, startFauxcloud, startMoto,
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
  seedDisks: Math.round(num('BENCH_SEED_DISKS', 100, 1)),
  gcp: process.env.BENCH_GCP !== '0',
  openstack: process.env.BENCH_OPENSTACK !== '0',
  azure: process.env.BENCH_AZURE !== '0',
  ceiling: process.env.BENCH_CEILING !== '0',
  startupRuns: Math.round(num('BENCH_STARTUP_RUNS', 3, 0, 20)),
  ec2Table: process.env.BENCH_EC2_TABLE !== '0',
};
const CREATE_PARAMS = { AvailabilityZone: 'us-east-1a', Size: '8', VolumeType: 'gp3' };
const RESULTS = process.env.BENCH_RESULTS ? resolve(process.env.BENCH_RESULTS) : join(ROOT, 'test', 'bench', 'results', 'latest.md');
const LOAD_AT_START = os.loadavg()[0];

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

// ---- one server: start-up, RSS, its phases, always stopped ----------------------
/**
 * Starts a server, notes its start-up time and RSS, runs `phases(h, r, say, rss)` with an
 * RSS sampler going (its peak is r.rssPeakKiB), and stops the server whatever happened.
 * `label` prefixes the log lines. Resolves to the result `r` (available, reason, notes, figures).
 */
async function withServer(label, name, start, phases) {
  const r = { name, available: false, notes: [] };
  const say = (msg) => log(`${label}: ${msg}`);
  let h;
  try {
    say('starting');
    h = await start();
    handles.add(h);
    r.available = true;
    r.startupMs = h.startupMs;
    r.rssStartKiB = readRssKiB(h.pid);
    say(`ready at ${h.url} after ${h.startupMs.toFixed(0)} ms (pid ${h.pid})`);
    const rss = rssSampler(h.pid);
    try {
      await phases(h, r, say, rss);
    } finally {
      r.rssPeakKiB = rss.stop();
    }
  } catch (err) {
    if (!r.available) r.reason = err.message;
    else r.notes.push(`aborted: ${err.message}`);
    say(err.message);
  } finally {
    if (h) {
      if (h.exited()) r.notes.push('server process exited during the run');
      await h.stop();
      handles.delete(h);
    }
  }
  return r;
}

/** The RSS peak so far, sampled now too (the sampler's 100 ms tick may not have seen the phase's end). */
const rssPeakNow = (rss) => Math.max(rss.sample() ?? 0, rss.peakKiB ?? 0) || undefined;

/** One autocannon phase (ec2Phase / gcePhase) with the run's settings. */
const measureOp = (say, label, phase) => measurePhase({
  ...phase,
  seconds: SETTINGS.seconds,
  warmupSeconds: SETTINGS.warmupSeconds,
  connections: SETTINGS.connections,
  announce: () => say(`${label} x ${SETTINGS.seconds} s, ${SETTINGS.connections} connections`),
});

// ---- the ceiling leg: every list/get phase beside bare fastify sending the same bytes -----
/** The ceiling server (started in main), and one row per measured list/get phase. */
let CEILING;
const CEILING_ROWS = [];

/**
 * measureOp, then (when the ceiling leg is on) the very same request against bare fastify
 * answering the bytes fauxcloud just answered, right after it; both land in CEILING_ROWS.
 * `row` adds columns (cloud, call, moto req/s).
 */
async function measureWithCeiling(say, label, phase, row = {}) {
  const mine = await measureOp(say, label, phase);
  if (!CEILING) return mine;
  const entry = { label, ...row, faux: mine };
  CEILING_ROWS.push(entry);
  try {
    const c = await ceilingPhase(CEILING.url, phase.request);
    entry.bytes = c.bytes;
    entry.bare = await measureOp(say, `${label} on the ceiling (bare fastify, ${c.bytes} bytes)`, c.phase);
  } catch (err) {
    entry.error = err.message;
  }
  return mine;
}

/** One flow phase (measureFlow / measureGceFlow) with the run's settings. */
const measureFlowPhase = (say, label, measure, url) => {
  say(`${label} x ${SETTINGS.seconds} s, ${SETTINGS.flowConcurrency} concurrent flows`);
  return measure(url, { seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds, concurrency: SETTINGS.flowConcurrency });
};

// ---- the EC2 leg: seed, DescribeVolumes, EBS volume flow, CreateVolume -----------
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

const benchEc2 = (name, start) => withServer(name, name, start, async (h, r, say, rss) => {
  let seeded = 0;
  let firstFailure;
  for (let i = 0; i < SETTINGS.seedVolumes; i++) {
    const a = await ec2Call(h.url, 'CreateVolume', CREATE_PARAMS).catch((e) => ({ status: 0, body: String(e.cause?.code ?? e.message) }));
    if (a.status >= 200 && a.status < 300 && a.body.includes('<volumeId>')) seeded++;
    else firstFailure ??= describeAnswer(a);
  }
  r.seeded = seeded;
  if (firstFailure) r.notes.push(`seeding: ${SETTINGS.seedVolumes - seeded}/${SETTINGS.seedVolumes} CreateVolume calls failed, first: ${firstFailure}`);
  say(`seeded ${seeded} volumes`);

  // DescribeVolumes first, so that it sees exactly the seeded volumes.
  r.describe = await measureOp(say, 'DescribeVolumes', ec2Phase(h.url, 'DescribeVolumes', {}, (body) => {
    if (!body.includes('<volumeSet>') && !body.includes('<volumeSet/>')) return 'no <volumeSet> in the answer';
    if (!body.includes('<volumeId>')) return 'no <volumeId> in the answer';
    const n = volumesIn(body);
    if (n === undefined) return 'answer is not parsable XML';
    if (n < seeded) return `only ${n} volumes in <volumeSet>, expected >= ${seeded}`;
    return undefined;
  }));
  r.describeVolumes = volumesIn(r.describe.sampleBody ?? '');
  r.describeKiB = (r.describe.sampleBody?.length ?? 0) / 1024;
  r.rssDescribePeakKiB = rssPeakNow(rss);
  r.flow = await measureFlowPhase(say, 'EBS volume flow', measureFlow, h.url);
  r.create = await measureOp(say, 'CreateVolume', ec2Phase(h.url, 'CreateVolume', CREATE_PARAMS, (body) =>
    (body.includes('<volumeId>') ? undefined : 'no <volumeId> in the answer')));
  r.volumesCreated = seeded + r.create.ok2xx + r.create.extraOk;
});

// ---- the EC2 ceiling leg: DescribeVolumes / DescribeInstances at 100 and 1,000 -----------
/** Instances in a DescribeInstances answer (all reservations). */
function instancesIn(body) {
  try {
    const doc = new XMLParser({ isArray: (name) => name === 'item' }).parse(body);
    return (doc?.DescribeInstancesResponse?.reservationSet?.item ?? []).reduce((n, r) => n + (r.instancesSet?.item?.length ?? 0), 0);
  } catch {
    return undefined;
  }
}

const EC2_SIZES = [100, 1000];

const benchEc2Lists = (name, start) => withServer(`${name} (EC2 lists)`, name, start, async (h, r, say) => {
  let volumes = 0;
  for (const size of EC2_SIZES) {
    for (; volumes < size; volumes++) {
      const a = await ec2Call(h.url, 'CreateVolume', CREATE_PARAMS);
      if (a.status !== 200) throw new Error(`seeding CreateVolume: ${describeAnswer(a)}`);
    }
    const answer = await ec2Call(h.url, 'DescribeVolumes');
    const n = volumesIn(answer.body);
    await measureWithCeiling(say, `DescribeVolumes, ${n} volumes`, ec2Phase(h.url, 'DescribeVolumes', {}, (body) =>
      (volumesIn(body) >= size ? undefined : `fewer than ${size} volumes in the answer`)), { moto: size === SETTINGS.seedVolumes ? 'describe' : undefined });
  }
  let instances = 0;
  for (const size of EC2_SIZES) {
    while (instances < size) {
      const batch = Math.min(100, size - instances);
      const a = await ec2Call(h.url, 'RunInstances', {
        ImageId: 'ami-0fa0c10d000000001', InstanceType: 'm5.large', MinCount: String(batch), MaxCount: String(batch), 'Placement.AvailabilityZone': 'us-east-1a',
      }, { timeoutMs: 30_000 });
      if (a.status !== 200) throw new Error(`seeding RunInstances: ${describeAnswer(a)}`);
      instances += batch;
    }
    const n = instancesIn((await ec2Call(h.url, 'DescribeInstances', {}, { timeoutMs: 30_000 })).body);
    await measureWithCeiling(say, `DescribeInstances, ${n} instances`, ec2Phase(h.url, 'DescribeInstances', {}, (body) =>
      ((instancesIn(body) ?? 0) >= size ? undefined : `fewer than ${size} instances in the answer`)));
  }
});

// ---- the GCP leg: Compute Engine disks on a fresh fauxcloud (no peer) -------------
/** Number of disks in a disks.list answer (parsed), or undefined when it is not one. */
function diskCount(list) {
  if (list?.kind !== 'compute#diskList') return undefined;
  return Array.isArray(list.items) ? list.items.length : 0;
}

const benchGcp = (name, start) => withServer(`${name} (GCP)`, name, start, async (h, r, say, rss) => {
  const { seeded, firstFailure } = await seedDisks(h.url, SEED_DISK, SETTINGS.seedDisks);
  r.seeded = seeded;
  if (firstFailure) r.notes.push(`seeding: ${SETTINGS.seedDisks - seeded}/${SETTINGS.seedDisks} disks.insert + wait failed, first: ${firstFailure}`);
  say(`seeded ${seeded} disks`);

  const target = `${SEED_DISK}0`;
  r.get = await measureWithCeiling(say, 'disks.get', gcePhase(h.url, {
    method: 'GET',
    rel: zonal(`disks/${target}`),
    check: (d) => (d.kind !== 'compute#disk' || d.name !== target ? `not the disk ${target}`
      : d.status !== 'READY' ? `disk ${target} is ${d.status}, not READY` : undefined),
  }));

  // disks.list before the flow and disks.insert, so that it sees exactly the seeded disks.
  r.list = await measureWithCeiling(say, `disks.list, ${seeded} disks`, gcePhase(h.url, {
    method: 'GET',
    rel: zonal('disks'),
    check: (l) => {
      const n = diskCount(l);
      if (n === undefined) return 'not a compute#diskList';
      if (n < seeded) return `only ${n} disks in items, expected >= ${seeded}`;
      if (l.nextPageToken) return 'answer is paged (nextPageToken), expected one page';
      return undefined;
    },
  }));
  r.listDisks = diskCount(parseJson(r.list.sampleBody ?? ''));
  r.listKiB = (r.list.sampleBody?.length ?? 0) / 1024;
  r.rssListPeakKiB = rssPeakNow(rss);
  r.flow = await measureFlowPhase(say, 'PD CSI controller flow', measureGceFlow, h.url);

  let n = 0;
  r.insert = await measureOp(say, 'disks.insert', gcePhase(h.url, {
    method: 'POST',
    rel: zonal('disks'),
    makeBody: () => diskBody(`bench-insert-${n++}`),
    check: (op) => checkOperation(op) ?? (op.operationType !== 'insert' ? `operationType ${op.operationType}, not insert` : undefined),
  }));
  r.disksCreated = seeded + r.insert.ok2xx + r.insert.extraOk;
});

// ---- the OpenStack leg: Cinder and Nova on a fresh fauxcloud (no peer) ----------
const benchOpenStack = (name, start) => withServer(`${name} (OpenStack)`, name, start, async (h, r, say, rss) => {
  const login = await osLogin(h.url);
  let seeded = 0;
  for (let i = 0; i < SETTINGS.seedVolumes; i++) {
    const a = await fetch(`${h.url}${login.volume}/volumes`, { method: 'POST', headers: login.headers, body: JSON.stringify({ volume: { name: `bench-seed-${i}`, size: 1 } }) });
    if (a.status === 202) seeded++;
    await a.arrayBuffer();
  }
  r.seeded = seeded;
  say(`seeded ${seeded} volumes`);
  r.detail = await measureWithCeiling(say, `Cinder GET volumes/detail, ${seeded} volumes`, osPhase(h.url, login, {
    method: 'GET', path: `${login.volume}/volumes/detail?limit=1000`,
    check: (l) => (!Array.isArray(l.volumes) ? 'no volumes[] in the answer' : l.volumes.length < seeded ? `only ${l.volumes.length} volumes, expected >= ${seeded}` : undefined),
  }));
  r.detailVolumes = parseJson(r.detail.sampleBody ?? '')?.volumes?.length;
  r.rssListPeakKiB = rssPeakNow(rss);
  r.flow = await measureFlowPhase(say, 'cinder-csi controller flow', measureOsFlow, h.url);
  let n = 0;
  r.create = await measureOp(say, 'POST volumes', osPhase(h.url, login, {
    method: 'POST', path: `${login.volume}/volumes`, makeBody: () => JSON.stringify({ volume: { name: `bench-create-${n++}`, size: 1 } }),
    check: (v) => (v.volume?.status !== 'creating' ? `status ${v.volume?.status}, not creating` : undefined),
  }));
});

// ---- the Azure leg: the disk CSI controller flow on a fresh fauxcloud (no peer) ------
const benchAzure = (name, start) => withServer(`${name} (Azure)`, name, start, async (h, r, say) => {
  if (SETTINGS.ceiling) {
    const seeded = await seedAzureDisks(h.url, SETTINGS.seedDisks);
    say(`seeded ${seeded} disks`);
    r.list = await measureWithCeiling(say, `Disks_ListByResourceGroup, ${seeded} disks`, azListPhase(h.url, seeded));
  }
  r.flow = await measureFlowPhase(say, 'Azure Disk CSI controller flow', measureAzureFlow, h.url);
});

// ---- main ----------------------------------------------------------------------
async function main() {
  log(`settings: ${JSON.stringify(SETTINGS)}`);
  if (SETTINGS.ceiling) {
    CEILING = await startCeiling();
    handles.add(CEILING);
    log(`ceiling (bare fastify) at ${CEILING.url}`);
  }
  const startup = SETTINGS.startupRuns > 0 ? await measureStartup(SETTINGS.startupRuns) : undefined;
  if (startup) log(`start-up: ${JSON.stringify(startup)}`);
  const f = SETTINGS.ec2Table ? await benchEc2('fauxcloud', startFauxcloud) : { name: 'fauxcloud', available: false, reason: 'skipped (BENCH_EC2_TABLE=0)', notes: [] };
  const lists = SETTINGS.ceiling && process.env.BENCH_EC2_LISTS !== '0' ? await benchEc2Lists('fauxcloud', startFauxcloud) : undefined;
  const g = SETTINGS.gcp ? await benchGcp('fauxcloud', startFauxcloud) : undefined;
  const o = SETTINGS.openstack ? await benchOpenStack('fauxcloud', startFauxcloud) : undefined;
  const az = SETTINGS.azure ? await benchAzure('fauxcloud', startFauxcloud) : undefined;
  if (process.env.BENCH_SCALE === '1') await benchScale({ log }); // 100,000 volumes and disks: results/scale-latest.md
  if (process.env.BENCH_VSPHERE !== '0') await benchVsphere({ log, ...SETTINGS }); // fauxcloud vs vcsim: results/vsphere.md
  if (process.env.BENCH_SOAK === '1') await benchSoak({ log }).catch((err) => log(`soak: ${err.message}`)); // results/soak.md
  const moto = SETTINGS.ec2Table ? ensureMoto(log) : { ok: false, reason: 'skipped (BENCH_EC2_TABLE=0)' };
  const m = moto.ok
    ? await benchEc2('moto', () => startMoto(moto))
    : { name: 'moto', available: false, reason: moto.reason, notes: [] };
  if (!moto.ok) console.log(`moto: unavailable (${moto.reason})`);

  if (CEILING) { await CEILING.stop(); handles.delete(CEILING); }
  const md = report({ f, m, moto, g, o, az, ceiling: SETTINGS.ceiling ? CEILING_ROWS : undefined, startup, settings: SETTINGS, loadAtStart: LOAD_AT_START });
  mkdirSync(join(ROOT, 'test', 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, md);
  console.log(`\n${md}`);
  log(`written to ${relative(process.cwd(), RESULTS) || RESULTS}`);
  if ((SETTINGS.ec2Table && !f.available) || (lists && !lists.available) || (g && !g.available) || (o && !o.available) || (az && !az.available)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`[bench] failed: ${err.stack ?? err}`);
  process.exitCode = 1;
}).finally(async () => {
  await Promise.allSettled([...handles].map((h) => h.stop()));
  killAllSync();
});
