// Start / stop / readiness / RSS for the two servers under test:
//   fauxcloud  node dist/core/cli.js --port 0 --https-port 0 --seed 42
//   moto       test/bench/.venv/bin/moto_server -H 127.0.0.1 -p <free port>
// Every wait here is bounded; every child is registered so that run.mjs can
// kill it on error, SIGINT or exit.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describeAnswer, ec2Call } from './ec2.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const VENV = join(HERE, '.venv');
export const MOTO_SPEC = process.env.BENCH_MOTO_SPEC || 'moto[server]==5.2.5';

const STARTUP_TIMEOUT_MS = Number(process.env.BENCH_STARTUP_TIMEOUT_S || 60) * 1000; // spawn -> first 2xx DescribeRegions
const POLL_MS = 10;
const STOP_GRACE_MS = 3_000;

/** Children not yet known to have exited. */
const live = new Set();

/** Last-resort cleanup, usable from a synchronous 'exit' handler. */
export function killAllSync() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
}

/** VmRSS of a pid in KiB, or undefined when /proc is unavailable. */
export function readRssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; undefined elsewhere). */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every intervalMs until stop(); peakKiB is the maximum seen. */
export function rssSampler(pid, intervalMs = 100) {
  const s = { peakKiB: undefined, samples: 0 };
  s.sample = () => {
    const kib = readRssKiB(pid);
    if (kib !== undefined) {
      s.samples++;
      s.peakKiB = Math.max(s.peakKiB ?? 0, kib);
    }
    return kib;
  };
  const timer = setInterval(s.sample, intervalMs);
  timer.unref();
  s.stop = () => { clearInterval(timer); s.sample(); return s.peakKiB; };
  s.sample();
  return s;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Spawns a server and waits until DescribeRegions answers 2xx.
 * `urlFromLine` extracts the base URL from an output line (fauxcloud prints
 * it); `fixedUrl` is used when the port is known up front (moto).
 * Resolves to a handle; rejects with a descriptive Error (child killed).
 */
async function launch({ name, cmd, args, cwd, urlFromLine, fixedUrl }) {
  const tail = [];
  const remember = (line) => { tail.push(line); if (tail.length > 40) tail.shift(); };
  let url = fixedUrl;
  let wake = () => {};

  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  live.add(child);

  let exitInfo;
  const exited = new Promise((res) => {
    child.once('error', (err) => { exitInfo ??= `spawn failed: ${err.message}`; live.delete(child); res(); wake(); });
    child.once('exit', (code, signal) => { exitInfo ??= `exited (code ${code}, signal ${signal})`; live.delete(child); res(); wake(); });
  });

  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        remember(line);
        if (!url && urlFromLine) url = urlFromLine(line);
        wake(); // a new line often means "now listening": poll at once
      }
      if (buf.length > 65536) buf = buf.slice(-4096); // a runaway line must not grow forever
    });
  }

  const handle = {
    name,
    pid: child.pid,
    child,
    get url() { return url; },
    tail: () => tail.slice(),
    exited: () => exitInfo !== undefined,
    async stop() {
      if (exitInfo !== undefined) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(STOP_GRACE_MS)]);
      if (exitInfo === undefined) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(STOP_GRACE_MS)]);
      }
      live.delete(child);
    },
  };

  const fail = async (why) => {
    await handle.stop();
    const errLine = tail.find((l) => /\b\w*Error\b|^error/i.test(l))?.trim();
    const out = tail.slice(-8).map((l) => `    | ${l}`).join('\n');
    throw new Error(`${why}${errLine ? ` (${errLine.slice(0, 200)})` : ''}${out ? `\n  last output:\n${out}` : ''}`);
  };

  let last = 'no answer yet';
  let httpFailures = 0;
  while (performance.now() - t0 < STARTUP_TIMEOUT_MS) {
    if (exitInfo !== undefined) await fail(`${exitInfo} before it answered DescribeRegions`);
    if (url) {
      try {
        const answer = await ec2Call(url, 'DescribeRegions', {}, { timeoutMs: 2000 });
        if (answer.status >= 200 && answer.status < 300) {
          handle.startupMs = performance.now() - t0;
          handle.readyAnswer = answer;
          return handle;
        }
        last = `DescribeRegions answered ${describeAnswer(answer)}`;
        // A server that is up but answers errors will not get better: give up after ~2 s of it.
        if (++httpFailures >= 200) await fail(last);
      } catch (err) {
        last = `DescribeRegions failed: ${err.cause?.code ?? err.name}`;
      }
    }
    await new Promise((res) => { const t = setTimeout(res, POLL_MS); wake = () => { clearTimeout(t); res(); }; });
    wake = () => {};
  }
  return fail(`not ready within ${STARTUP_TIMEOUT_MS} ms (${url ? last : 'no "fauxcloud ready http=..." line on stdout'})`);
}

export async function startFauxcloud() {
  const cli = resolve(ROOT, process.env.BENCH_FAUXCLOUD_CLI || join('dist', 'core', 'cli.js'));
  if (!existsSync(cli)) throw new Error(`${cli} is missing (did \`npm run build\` succeed?)`);
  return launch({
    name: 'fauxcloud',
    cmd: process.execPath,
    args: [cli, '--port', '0', '--https-port', '0', '--seed', '42'],
    cwd: ROOT,
    urlFromLine: (line) => /fauxcloud ready\b.*?\bhttp=(http:\/\/\S+)/.exec(line)?.[1],
  });
}

export async function startMoto(moto) {
  const port = await freePort();
  return launch({
    name: 'moto',
    cmd: moto.bin,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    cwd: HERE,
    fixedUrl: `http://127.0.0.1:${port}`,
  });
}

const lastLine = (s) => (s || '').trim().split('\n').filter(Boolean).pop() || '';

/**
 * Makes sure moto's server is installed in test/bench/.venv (one-off pip
 * install of MOTO_SPEC). Returns { ok: true, bin, version } or
 * { ok: false, reason }.
 */
export function ensureMoto(log = console.log) {
  if (process.env.BENCH_MOTO === '0') return { ok: false, reason: 'disabled by BENCH_MOTO=0' };
  const bin = join(VENV, 'bin', 'moto_server');
  const py = join(VENV, 'bin', 'python');
  if (!existsSync(bin)) {
    if (!existsSync(py)) {
      const python = process.env.BENCH_PYTHON || 'python3';
      log(`creating venv test/bench/.venv with ${python} ...`);
      const r = spawnSync(python, ['-m', 'venv', VENV], { encoding: 'utf8', timeout: 120_000 });
      if (r.error || r.status !== 0) {
        return { ok: false, reason: `\`${python} -m venv\` failed: ${r.error?.message ?? lastLine(r.stderr)}` };
      }
    }
    log(`pip install '${MOTO_SPEC}' into test/bench/.venv (one-off, up to 10 min) ...`);
    const r = spawnSync(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', MOTO_SPEC], {
      encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.error || r.status !== 0) {
      return { ok: false, reason: `pip install '${MOTO_SPEC}' failed: ${r.error?.message ?? lastLine(r.stderr)}` };
    }
    if (!existsSync(bin)) return { ok: false, reason: `pip install '${MOTO_SPEC}' did not provide bin/moto_server` };
  }
  const v = spawnSync(py, ['-c', 'import sys, moto; print(moto.__version__, sys.version.split()[0])'], {
    encoding: 'utf8', timeout: 60_000,
  });
  if (v.error || v.status !== 0) return { ok: false, reason: `moto import failed: ${v.error?.message ?? lastLine(v.stderr)}` };
  const [version, python] = v.stdout.trim().split(/\s+/);
  return { ok: true, bin, version, python };
}

/** The ceiling server (ceiling-server.mjs: bare fastify 5), spawned like fauxcloud. */
export async function startCeiling() {
  return launch({
    name: 'ceiling',
    cmd: process.execPath,
    args: [join(HERE, 'ceiling-server.mjs')],
    cwd: ROOT,
    urlFromLine: (line) => /ceiling ready\b.*?\bhttp=(http:\/\/\S+)/.exec(line)?.[1],
  });
}
