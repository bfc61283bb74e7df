// The start-up leg: fauxcloud spawned as `npm start` runs it (`node dist/core/cli.js`, plus
// `--port 0 --https-port 0` so that runs never collide), timed from spawn() to the "ready" line,
// to the first answered admin request, to the first AWS answer (DescribeRegions: it loads the
// EC2 model) and to the first Compute Engine answer (zones.list: the compute model), with VmRSS
// when idle and after those first answers. Median of BENCH_STARTUP_RUNS runs.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { ec2Call } from './ec2.mjs';
import { gceCall } from './gcp.mjs';
import { ROOT, readRssKiB } from './servers.mjs';

const median = (xs) => { const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : undefined; };

async function once(cli) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, '--port', '0', '--https-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no ready line within 120 s')), 120_000);
      let buf = '';
      child.stdout.on('data', (d) => { buf += d; const m = /fauxcloud ready\b.*?\bhttp=(http:\/\/\S+)/.exec(buf); if (m) { clearTimeout(timer); res(m[1]); } });
      child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`exited (code ${code}) before ready`)); });
    });
    const r = { readyMs: performance.now() - t0 };
    const health = await fetch(`${url}/_fauxcloud/health`, { signal: AbortSignal.timeout(10_000) });
    await health.arrayBuffer();
    r.firstAdminMs = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 200)); // idle: let start-up garbage settle
    r.idleRssKiB = readRssKiB(child.pid);
    const t1 = performance.now();
    const aws = await ec2Call(url, 'DescribeRegions', {}, { timeoutMs: 30_000 });
    if (aws.status !== 200) throw new Error(`DescribeRegions answered ${aws.status}`);
    r.firstAwsMs = performance.now() - t1;
    const t2 = performance.now();
    const gcp = await gceCall(url, 'GET', 'zones', undefined, { timeoutMs: 30_000 });
    if (gcp.status !== 200) throw new Error(`zones.list answered ${gcp.status}`);
    r.firstGcpMs = performance.now() - t2;
    r.rssAfterKiB = readRssKiB(child.pid);
    return r;
  } finally {
    child.kill('SIGKILL');
  }
}

/** Resolves to { runs, readyMs, firstAdminMs, firstAwsMs, firstGcpMs, idleRssKiB, rssAfterKiB } (medians) or { error }. */
export async function measureStartup(runs, cli = join(ROOT, process.env.BENCH_FAUXCLOUD_CLI || join('dist', 'core', 'cli.js'))) {
  const all = [];
  try {
    for (let i = 0; i < runs; i++) all.push(await once(cli));
  } catch (err) {
    return { error: err.message };
  }
  const m = (k) => median(all.map((r) => r[k]));
  return { runs, readyMs: m('readyMs'), firstAdminMs: m('firstAdminMs'), firstAwsMs: m('firstAwsMs'), firstGcpMs: m('firstGcpMs'), idleRssKiB: m('idleRssKiB'), rssAfterKiB: m('rssAfterKiB') };
}
