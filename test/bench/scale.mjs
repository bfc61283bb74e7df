// The scale leg (issue #16): a fauxcloud spawned as `npm start` spawns it, loaded through the
// API with BENCH_SCALE_N EBS volumes (one server) and BENCH_SCALE_N GCE disks (a second server),
// then 10,000 EC2 instances (BENCH_SCALE_INSTANCES) on the first. Reported, never asserted:
//   - RSS per 1,000 resources for each cloud (VmRSS before and after the load, each cloud on its
//     own fresh server so one cloud's figure holds nothing of the other's);
//   - p50/p99 of lookups whose answer is small while the tenant is large: DescribeVolumes by
//     VolumeId.1, by a `volume-id` filter, by a `tag:` filter (100 volumes); disks.get,
//     disks.list with `filter=name=...` and with `filter=labels.group=...` (100 disks);
//   - p50/p99 of one page of a paged walk through everything (DescribeVolumes MaxResults=500 +
//     NextToken; disks.list maxResults=500 + pageToken) and the whole walk's time;
//   - DescribeInstances with 10,000 instances: the full answer, one InstanceId, one page of 1,000.
// Loading goes through the API with BENCH_SCALE_CONCURRENCY requests in flight, so the real create
// path (validation, ids, lifecycle, journal, idempotency, operations) is what fills the memory.
//
//   BENCH_SCALE=1 node test/bench/run.mjs            (or: node test/bench/scale.mjs)
//   BENCH_SCALE_N=10000 node test/bench/scale.mjs    (a ~1 minute run)

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ec2Call, describeAnswer } from './ec2.mjs';
import { gceCall, describeGceAnswer, parseJson, zonal } from './gcp.mjs';
import { percentile } from './load.mjs';
import { ROOT, readRssKiB, startFauxcloud } from './servers.mjs';

const envNum = (name, dflt) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 1) throw new Error(`${name}: expected a positive number`);
  return Math.round(v);
};

export const SCALE = {
  n: envNum('BENCH_SCALE_N', 100_000),
  instances: envNum('BENCH_SCALE_INSTANCES', 10_000),
  concurrency: envNum('BENCH_SCALE_CONCURRENCY', 32),
  samples: envNum('BENCH_SCALE_SAMPLES', 200),
};
/** Resources per tag/label value: a filter by it answers this many, whatever the tenant's size. */
const GROUP = 100;
/** The tag/label group of resource i: GROUP resources a group (fewer groups when N is small). */
const groupOf = (i) => `g${i % Math.ceil(SCALE.n / GROUP)}`;

const fmt = (ms) => (Number.isFinite(ms) ? (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) : 'n/a');
const mib = (kib) => (kib / 1024).toFixed(0);

/** `count` calls of `fn(i)` with `concurrency` in flight; throws on the first failure. */
async function pool(count, concurrency, fn, progress) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
      if (++done % 10_000 === 0) progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * `call()` again after a network error (a loaded shared machine drops a connection now and then);
 * creates stay idempotent: EC2 by ClientToken, GCE by the alreadyExists a repeated name gets.
 */
async function retrying(call) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (attempt >= 5 || !(err instanceof TypeError || err.name === 'TimeoutError')) throw err;
      if (process.env.BENCH_SCALE_VERBOSE) console.error(`[scale] retry ${attempt}: ${err.cause?.code ?? err.message}`);
      await sleep(200 * attempt);
    }
  }
}

/** Latencies (ms) of `samples` sequential calls of `fn(i)`, each checked; p50/p99. */
async function timed(samples, fn) {
  const t = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 50), p99: percentile(t, 99), n: t.length };
}

/** RSS after the server settled (GC runs on idle): the lowest of a few samples over ~2 s. */
async function settledRss(pid) {
  let low = Infinity;
  for (let i = 0; i < 8; i++) {
    await sleep(250);
    low = Math.min(low, readRssKiB(pid) ?? Infinity);
  }
  return low;
}

const expectEc2 = async (url, action, params, check, timeoutMs = 30_000) => {
  const a = await ec2Call(url, action, params, { timeoutMs });
  if (a.status !== 200) throw new Error(`${action}: ${describeAnswer(a)}`);
  const why = check?.(a.body);
  if (why) throw new Error(`${action}: ${why}`);
  return a.body;
};
const count = (body, tag) => body.split(`<${tag}>`).length - 1;
const tokenOf = (body) => /<nextToken>([^<]*)<\/nextToken>/.exec(body)?.[1];

async function awsLeg(say) {
  const h = await startFauxcloud();
  const r = { cloud: 'AWS (EBS volumes)' };
  try {
    const url = h.url;
    r.rssStart = await settledRss(h.pid);
    const t0 = performance.now();
    await pool(SCALE.n, SCALE.concurrency, (i) => retrying(() => expectEc2(url, 'CreateVolume', {
      ClientToken: `scale-${i}`, AvailabilityZone: 'us-east-1a', Size: '8', VolumeType: 'gp3',
      'TagSpecification.1.ResourceType': 'volume',
      'TagSpecification.1.Tag.1.Key': 'group', 'TagSpecification.1.Tag.1.Value': groupOf(i),
      'TagSpecification.1.Tag.2.Key': 'Name', 'TagSpecification.1.Tag.2.Value': `scale-${i}`,
    }, (b) => (b.includes('<volumeId>') ? undefined : 'no volumeId'))), (d) => say(`${d} volumes`));
    r.loadS = (performance.now() - t0) / 1000;
    r.rssLoaded = await settledRss(h.pid);
    r.perK = (r.rssLoaded - r.rssStart) / (SCALE.n / 1000);
    say(`loaded ${SCALE.n} volumes in ${r.loadS.toFixed(1)} s, RSS ${mib(r.rssStart)} -> ${mib(r.rssLoaded)} MiB`);

    // Volume ids in creation order from one paged walk, which is itself measured.
    const ids = new Set();
    const pages = [];
    const w0 = performance.now();
    let token;
    do {
      const p0 = performance.now();
      const body = await expectEc2(url, 'DescribeVolumes', { MaxResults: '500', ...(token ? { NextToken: token } : {}) });
      pages.push(performance.now() - p0);
      for (const m of body.matchAll(/<volumeId>(vol-[0-9a-f]+)<\/volumeId>/g)) ids.add(m[1]);
      token = tokenOf(body);
    } while (token);
    r.walkS = (performance.now() - w0) / 1000;
    pages.sort((a, b) => a - b);
    r.page = { p50: percentile(pages, 50), p99: percentile(pages, 99), n: pages.length };
    if (ids.size < SCALE.n) throw new Error(`paged walk saw ${ids.size} volumes, expected >= ${SCALE.n}`);
    const idList = [...ids];
    const pick = (i) => idList[Math.floor((i * 7919) % idList.length)];
    r.byId = await timed(SCALE.samples, (i) => expectEc2(url, 'DescribeVolumes', { 'VolumeId.1': pick(i) }, (b) => (count(b, 'volumeId') >= 1 ? undefined : 'no volume')));
    r.byIdFilter = await timed(SCALE.samples, (i) => expectEc2(url, 'DescribeVolumes', { 'Filter.1.Name': 'volume-id', 'Filter.1.Value.1': pick(i) }, (b) => (b.includes(pick(i)) ? undefined : 'volume missing')));
    r.byTag = await timed(Math.min(SCALE.samples, 50), (i) => expectEc2(url, 'DescribeVolumes', { 'Filter.1.Name': 'tag:group', 'Filter.1.Value.1': groupOf(i) }, (b) => (count(b, 'volumeId') >= Math.min(GROUP, SCALE.n) ? undefined : 'too few volumes')));
    say(`volumes: page p50 ${fmt(r.page.p50)} ms, by id p50 ${fmt(r.byId.p50)}, volume-id filter p50 ${fmt(r.byIdFilter.p50)}, tag filter p50 ${fmt(r.byTag.p50)}`);

    // 10,000 instances, RunInstances in launches of 100 spread over three zones: one default
    // subnet (/20, 4,091 addresses) cannot hold them, and EC2 says so (InsufficientFreeAddresses).
    const rss0 = await settledRss(h.pid);
    const i0 = performance.now();
    await pool(Math.ceil(SCALE.instances / 100), 4, (i) => retrying(() => expectEc2(url, 'RunInstances', {
      ClientToken: `scale-run-${i}`, ImageId: 'ami-0fa0c10d000000001', InstanceType: 'm5.large', MinCount: '100', MaxCount: '100', 'Placement.AvailabilityZone': `us-east-1${'abc'[i % 3]}`,
    }, undefined, 120_000)));
    r.instLoadS = (performance.now() - i0) / 1000;
    r.instRssPerK = ((await settledRss(h.pid)) - rss0) / (SCALE.instances / 1000);
    let instIds = [];
    let full;
    r.instFull = await timed(5, async () => {
      const b = await expectEc2(url, 'DescribeInstances', {}, undefined, 120_000);
      full = b;
    });
    r.instFullKiB = full.length / 1024;
    instIds = [...full.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)].map((m) => m[1]);
    r.instCount = new Set(instIds).size;
    r.instById = await timed(SCALE.samples, (i) => expectEc2(url, 'DescribeInstances', { 'InstanceId.1': instIds[(i * 131) % instIds.length] }));
    r.instPage = await timed(20, () => expectEc2(url, 'DescribeInstances', { MaxResults: '1000' }));
    say(`instances: ${r.instCount}, full DescribeInstances p50 ${fmt(r.instFull.p50)} ms (${r.instFullKiB.toFixed(0)} KiB), by id p50 ${fmt(r.instById.p50)}`);
    r.rssEnd = readRssKiB(h.pid);
  } finally {
    await h.stop();
  }
  return r;
}

const expectGce = async (url, method, rel, body, check, existsIsOk = false) => {
  const a = await gceCall(url, method, rel, body, { timeoutMs: 30_000 });
  if (existsIsOk && a.status === 409) return undefined;
  if (a.status < 200 || a.status >= 300) throw new Error(`${method} ${rel}: ${describeGceAnswer(a)}`);
  const json = parseJson(a.body);
  const why = check?.(json);
  if (why) throw new Error(`${method} ${rel}: ${why}`);
  return json;
};

async function gcpLeg(say) {
  const h = await startFauxcloud();
  const r = { cloud: 'GCP (PD disks)' };
  try {
    const url = h.url;
    r.rssStart = await settledRss(h.pid);
    const t0 = performance.now();
    await pool(SCALE.n, SCALE.concurrency, (i) => retrying((attempt) => expectGce(url, 'POST', zonal('disks'), JSON.stringify({
      name: `scale-${i}`, sizeGb: '10', type: zonal('diskTypes/pd-balanced'), labels: { group: groupOf(i) },
    }), (op) => (op?.kind === 'compute#operation' ? undefined : 'not an operation'), attempt > 1)), (d) => say(`${d} disks`));
    r.loadS = (performance.now() - t0) / 1000;
    r.rssLoaded = await settledRss(h.pid);
    r.perK = (r.rssLoaded - r.rssStart) / (SCALE.n / 1000);
    say(`loaded ${SCALE.n} disks in ${r.loadS.toFixed(1)} s, RSS ${mib(r.rssStart)} -> ${mib(r.rssLoaded)} MiB`);

    const pages = [];
    let seen = 0;
    const w0 = performance.now();
    let token;
    do {
      const p0 = performance.now();
      const l = await expectGce(url, 'GET', `${zonal('disks')}?maxResults=500${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
      pages.push(performance.now() - p0);
      seen += l.items?.length ?? 0;
      token = l.nextPageToken;
    } while (token);
    r.walkS = (performance.now() - w0) / 1000;
    pages.sort((a, b) => a - b);
    r.page = { p50: percentile(pages, 50), p99: percentile(pages, 99), n: pages.length };
    if (seen < SCALE.n) throw new Error(`paged walk saw ${seen} disks, expected >= ${SCALE.n}`);
    const pick = (i) => `scale-${(i * 7919) % SCALE.n}`;
    r.get = await timed(SCALE.samples, (i) => expectGce(url, 'GET', zonal(`disks/${pick(i)}`), undefined, (d) => (d.name === pick(i) ? undefined : 'wrong disk')));
    r.byName = await timed(Math.min(SCALE.samples, 50), (i) => expectGce(url, 'GET', `${zonal('disks')}?filter=${encodeURIComponent(`name=${pick(i)}`)}`, undefined, (l) => (l.items?.length === 1 ? undefined : `${l.items?.length} disks, expected 1`)));
    r.byLabel = await timed(Math.min(SCALE.samples, 50), (i) => expectGce(url, 'GET', `${zonal('disks')}?filter=${encodeURIComponent(`labels.group=${groupOf(i)}`)}`, undefined, (l) => ((l.items?.length ?? 0) >= Math.min(GROUP, SCALE.n) ? undefined : 'too few disks')));
    say(`disks: page p50 ${fmt(r.page.p50)} ms, get p50 ${fmt(r.get.p50)}, name filter p50 ${fmt(r.byName.p50)}, label filter p50 ${fmt(r.byLabel.p50)}`);
    r.rssEnd = readRssKiB(h.pid);
  } finally {
    await h.stop();
  }
  return r;
}

const row = (label, s) => `| ${label} | ${s ? fmt(s.p50) : 'n/a'} | ${s ? fmt(s.p99) : 'n/a'} | ${s?.n ?? ''} |`;

export function scaleReport(aws, gcp, { title = 'Scale', loadAtStart, loadAtEnd } = {}) {
  const lines = [
    `## ${title}: ${SCALE.n.toLocaleString('en')} volumes, ${SCALE.n.toLocaleString('en')} disks, ${SCALE.instances.toLocaleString('en')} instances`,
    '',
    `${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs · load average ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at end · ` +
      `loaded through the API, ${SCALE.concurrency} requests in flight`,
    '',
    '| cloud | load time (s) | creates/s | RSS idle (MiB) | RSS loaded (MiB) | RSS per 1,000 (KiB) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of [aws, gcp].filter(Boolean))
    lines.push(`| ${r.cloud} | ${r.loadS.toFixed(1)} | ${(SCALE.n / r.loadS).toFixed(0)} | ${mib(r.rssStart)} | ${mib(r.rssLoaded)} | ${r.perK.toFixed(0)} |`);
  lines.push('', '| call (tenant holds everything above) | p50 (ms) | p99 (ms) | samples |', '|---|---|---|---|');
  if (aws) {
    lines.push(row('DescribeVolumes VolumeId.1 (1 volume)', aws.byId));
    lines.push(row('DescribeVolumes Filter volume-id (1 volume)', aws.byIdFilter));
    lines.push(row(`DescribeVolumes Filter tag:group (${GROUP} volumes)`, aws.byTag));
    lines.push(row(`DescribeVolumes MaxResults=500, one page of the walk (whole walk ${aws.walkS.toFixed(1)} s)`, aws.page));
  }
  if (gcp) {
    lines.push(row('disks.get', gcp.get));
    lines.push(row('disks.list filter=name=... (1 disk)', gcp.byName));
    lines.push(row(`disks.list filter=labels.group=... (${GROUP} disks)`, gcp.byLabel));
    lines.push(row(`disks.list maxResults=500, one page of the walk (whole walk ${gcp.walkS.toFixed(1)} s)`, gcp.page));
  }
  if (aws?.instFull) {
    lines.push(row(`DescribeInstances, all ${aws.instCount} instances (${aws.instFullKiB.toFixed(0)} KiB)`, aws.instFull));
    lines.push(row('DescribeInstances InstanceId.1', aws.instById));
    lines.push(row('DescribeInstances MaxResults=1000 (first page)', aws.instPage));
    lines.push('', `RunInstances x ${SCALE.instances / 100} launches of 100: ${aws.instLoadS.toFixed(1)} s, ${aws.instRssPerK.toFixed(0)} KiB RSS per 1,000 instances.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The whole leg; returns the markdown section (run.mjs appends it to its report when BENCH_SCALE=1). */
export async function benchScale({ log = console.log } = {}) {
  const loadAtStart = os.loadavg()[0];
  log(`[scale] settings ${JSON.stringify(SCALE)}`);
  const aws = process.env.BENCH_SCALE_AWS === '0' ? undefined : await awsLeg((m) => log(`[scale] aws: ${m}`));
  const gcp = process.env.BENCH_SCALE_GCP === '0' ? undefined : await gcpLeg((m) => log(`[scale] gcp: ${m}`));
  const md = scaleReport(aws, gcp, { title: process.env.BENCH_SCALE_TITLE || 'Scale', loadAtStart, loadAtEnd: os.loadavg()[0] });
  const out = process.env.BENCH_SCALE_RESULTS ? resolve(process.env.BENCH_SCALE_RESULTS) : join(ROOT, 'test', 'bench', 'results', 'scale-latest.md');
  writeFileSync(out, md);
  log(`[scale] written to ${out}`);
  return md;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchScale().then((md) => console.log(`\n${md}`), (err) => { console.error(`[scale] failed: ${err.stack ?? err} ${err.cause ? `(cause: ${err.cause.code ?? err.cause.message})` : ''}`); process.exitCode = 1; });
}
