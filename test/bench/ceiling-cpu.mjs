#!/usr/bin/env node
// The ceiling leg's AWS rows as CPU time per answer, for a shared machine. req/s beside bare
// fastify is the figure that counts (run.mjs), but when other work takes the cores both servers
// get a slice and req/s says more about the neighbours than about the code. The CPU the server
// process itself spends per answer (utime + stime from /proc, over an autocannon run) holds up
// far better: ratio = bare CPU per answer / fauxcloud CPU per answer, the share of the ceiling
// fauxcloud would reach if CPU were all that counted. Builds side by side in one run:
//   CEILING_CPU_BUILDS="before=/tmp/base/dist/core/cli.js,after=dist/core/cli.js" node test/bench/ceiling-cpu.mjs
// Env: CEILING_CPU_SECONDS (3), CEILING_CPU_SIZES (100,1000), CEILING_CPU_OUT (a Markdown file),
// CEILING_CPU_CALLS: `lists` (the default: DescribeVolumes and DescribeInstances at each size) or
// `small` (disks.get of one disk, DescribeVolumes of one volume, DescribeRegions: answers of a few
// hundred bytes to a few KiB, where what every request pays in core outweighs the rendering).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { setCeiling, answerOf } from './ceiling.mjs';
import { describeAnswer, ec2Body, ec2Call, ec2Headers } from './ec2.mjs';
import { gceHeaders, gcePath, seedDisks, zonal } from './gcp.mjs';
import { runLoad } from './load.mjs';
import { cpuSeconds, killAllSync, ROOT, startCeiling, startFauxcloud } from './servers.mjs';

const SECONDS = Number(process.env.CEILING_CPU_SECONDS ?? 3);
const SIZES = (process.env.CEILING_CPU_SIZES ?? '100,1000').split(',').map(Number);
const BUILDS = (process.env.CEILING_CPU_BUILDS ?? 'this=dist/core/cli.js').split(',').map((b) => b.split('='));
const CALLS = process.env.CEILING_CPU_CALLS ?? 'lists';
if (CALLS !== 'lists' && CALLS !== 'small') throw new Error(`CEILING_CPU_CALLS must be lists or small, not ${CALLS}`);

process.on('exit', killAllSync);

/** An EC2 query request (runLoad's options without url). */
const ec2Request = (action, params) => ({ headers: ec2Headers(), body: ec2Body(action, params), label: action });
/** A Compute GET (runLoad's options without url). */
const gceGet = (rel, label) => ({ method: 'GET', path: gcePath(rel), headers: gceHeaders(false), label });

/** CPU µs per 2xx answer of `server` to `request` (runLoad's options without url), over SECONDS of 10-connection load. */
async function cpuPerAnswer(server, url, request) {
  const load = { ...request, url, seconds: 1, connections: 10, collectLatency: false };
  await runLoad(load); // warm-up
  const before = cpuSeconds(server.pid) * 1e6;
  const r = await runLoad({ ...load, seconds: SECONDS });
  const used = cpuSeconds(server.pid) * 1e6 - before;
  if (r.non2xx || r.errors || r.timeouts) throw new Error(`${request.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return { us: used / r.ok2xx, reqPerSec: r.reqPerSec };
}

/** One table row: `request` measured on fauxcloud and, sending the very bytes it answered, on bare fastify. */
async function measureRow(label, faux, ceiling, call, request) {
  const answer = await answerOf({ ...request, url: faux.url });
  if (answer.status !== 200) throw new Error(`${call}: fauxcloud answered ${answer.status}`);
  await setCeiling(ceiling.url, answer);
  const f = await cpuPerAnswer(faux, faux.url, request);
  const b = await cpuPerAnswer(ceiling, ceiling.url, request);
  const row = { build: label, call, kib: answer.body.length / 1024, fauxUs: f.us, bareUs: b.us, ratio: b.us / f.us, fauxRps: f.reqPerSec, bareRps: b.reqPerSec, load: os.loadavg()[0] };
  rows.push(row);
  console.log(JSON.stringify(row));
}

/** disks.get of one disk, DescribeVolumes of one volume, DescribeRegions. */
async function smallRows(label, faux, ceiling) {
  const { seeded, firstFailure } = await seedDisks(faux.url, 'ceiling-cpu-', 1);
  if (seeded !== 1) throw new Error(`seeding a disk: ${firstFailure}`);
  const v = await ec2Call(faux.url, 'CreateVolume', { AvailabilityZone: 'us-east-1a', Size: '8', VolumeType: 'gp3' });
  if (v.status !== 200) throw new Error(`seeding a volume: ${describeAnswer(v)}`);
  await measureRow(label, faux, ceiling, 'disks.get', gceGet(zonal('disks/ceiling-cpu-0'), 'disks.get'));
  await measureRow(label, faux, ceiling, 'DescribeVolumes, 1', ec2Request('DescribeVolumes'));
  await measureRow(label, faux, ceiling, 'DescribeRegions', ec2Request('DescribeRegions'));
}

const rows = [];
const ceiling = await startCeiling();
try {
  for (const [label, cli] of BUILDS) {
    process.env.BENCH_FAUXCLOUD_CLI = resolve(ROOT, cli);
    const faux = await startFauxcloud();
    try {
      if (CALLS === 'small') {
        await smallRows(label, faux, ceiling);
        continue;
      }
      const seed = async (action, params, target, per) => {
        for (let n = 0; n < target; n += per) {
          const a = await ec2Call(faux.url, action, per > 1 ? { ...params, MinCount: String(per), MaxCount: String(per) } : params, { timeoutMs: 30_000 });
          if (a.status !== 200) throw new Error(`seeding ${action}: ${describeAnswer(a)}`);
        }
      };
      let have = { DescribeVolumes: 0, DescribeInstances: 0 };
      for (const [action, create, params, per] of [
        ['DescribeVolumes', 'CreateVolume', { AvailabilityZone: 'us-east-1a', Size: '8', VolumeType: 'gp3' }, 1],
        ['DescribeInstances', 'RunInstances', { ImageId: 'ami-0fa0c10d000000001', InstanceType: 'm5.large', 'Placement.AvailabilityZone': 'us-east-1a' }, 100],
      ]) {
        for (const size of SIZES) {
          await seed(create, params, size - have[action], per);
          have[action] = size;
          await measureRow(label, faux, ceiling, `${action}, ${size}`, ec2Request(action));
        }
      }
    } finally {
      await faux.stop();
    }
  }
} finally {
  await ceiling.stop();
}

const fmt = (n, d = 0) => n.toFixed(d);
const md = [
  `CPU of the server process per answer (utime+stime from /proc), autocannon 10 connections, ${SECONDS} s after a 1 s warm-up; node ${process.version}, ${os.cpus().length} CPUs; ${new Date().toISOString()}.`,
  '',
  '| build | call | answer KiB | bare CPU µs/answer | fauxcloud CPU µs/answer | CPU ratio | bare req/s | fauxcloud req/s | load (1 min) |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.build} | ${r.call} | ${fmt(r.kib, 1)} | ${fmt(r.bareUs)} | ${fmt(r.fauxUs)} | ${fmt(r.ratio, 2)} | ${fmt(r.bareRps)} | ${fmt(r.fauxRps)} | ${fmt(r.load, 1)} |`),
  '',
].join('\n');
if (process.env.CEILING_CPU_OUT) writeFileSync(resolve(process.env.CEILING_CPU_OUT), md);
console.log(`\n${md}`);
