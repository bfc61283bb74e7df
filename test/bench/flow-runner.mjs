// The closed-loop flow runner behind both flow phases: the EBS volume flow
// (flow.mjs, EC2) and the PD CSI controller flow (gcp.mjs, Compute Engine).
// Those files keep only their protocol steps (which requests, which answer
// ends a wait); what makes a flow phase comparable lives here, once:
//   - the client: node:http with one keep-alive Agent per phase, the same code
//     for every server. Node's client honours `Connection: close` (moto sends
//     it on every answer): that socket is not reused and the next request
//     opens a new one; `connections` counts how many were opened;
//   - `concurrency` workers repeating a flow until the deadline (closed loop:
//     one flow in flight per worker), after an unmeasured warm-up;
//   - the bounds: every request, every poll loop and the phase itself (flows
//     still running GRACE_MS after the deadline are aborted);
//   - the figures: flows/s, nearest-rank p50/p99 of completed flows, requests
//     per flow, failures by kind with the first three messages.

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './load.mjs';

const REQUEST_TIMEOUT_MS = 10_000;
export const WAIT_TIMEOUT_MS = 10_000; // per poll loop
const POLL_MS = 10;
const GRACE_MS = 30_000; // after the deadline, flows still running are aborted

/** Ends one flow; `kind` is the failed-flows column it counts in: non2xx | socket | other. */
export class FlowError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

/** For a prepare() step: its FlowError again, its message led by `prefix: ` (what the set-up looked for). */
export const failedAs = (prefix) => (err) => {
  throw err instanceof FlowError ? new FlowError(err.kind, `${prefix}: ${err.message}`) : err;
};

/** One request on the phase's agent; resolves to { status, body }. */
function request(ctx, { method, path, headers, body }) {
  return new Promise((resolve, reject) => {
    const all = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
    const req = http.request(`${ctx.url}${path}`, { method, agent: ctx.agent, headers: all, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    if (ctx.aborted) { req.destroy(new Error('aborted')); return; }
    ctx.inflight.add(req);
    req.on('close', () => ctx.inflight.delete(req));
    req.on('socket', () => { if (!req.reusedSocket) ctx.stats.connections++; });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One request of a flow ({ method, path, headers, body, what }) that must answer 2xx;
 * anything else ends the flow with `what` (the request as the notes show it) and the
 * answer as the protocol's `describe` puts it. Resolves to { status, headers, body }.
 */
export async function send(ctx, flow, req) {
  flow.requests++;
  ctx.stats.requests++;
  let a;
  try {
    a = await request(ctx, req);
  } catch (err) {
    if (ctx.aborted) throw new FlowError('other', `${req.what}: aborted by the phase time limit`);
    throw new FlowError('socket', `${req.what}: ${err.code ?? err.message}`);
  }
  if (a.status < 200 || a.status >= 300) throw new FlowError('non2xx', `${req.what} answered ${ctx.describe(a)}`);
  return a;
}

/**
 * `read()` at once (right after the mutating call), then every POLL_MS, until `done(value)`;
 * past WAIT_TIMEOUT_MS, or once the phase is aborted, the flow fails with `late(lastValue, ms)`.
 */
export async function poll(ctx, read, done, late) {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    if (i > 0) await sleep(POLL_MS);
    const v = await read();
    if (done(v)) return v;
    if (performance.now() - t0 > WAIT_TIMEOUT_MS || ctx.aborted) throw new FlowError('other', late(v, (performance.now() - t0).toFixed(0)));
  }
}

const newCtx = (base) => ({ ...base, aborted: false, inflight: new Set(), stats: { requests: 0, connections: 0 } });

/** `concurrency` workers repeat the flow until `seconds` have passed; flows started by then finish (bounded). */
async function runFlows(base, flows, phase, seconds, concurrency) {
  const ctx = newCtx(base);
  const out = { ok: 0, okRequests: 0, latencies: [], non2xx: 0, socket: 0, other: 0, errors: [] };
  const slots = flows.slots(phase);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const watchdog = setTimeout(() => {
    ctx.aborted = true;
    for (const req of ctx.inflight) req.destroy(new Error('aborted'));
  }, seconds * 1000 + GRACE_MS);
  const worker = async () => {
    while (performance.now() < deadline && !ctx.aborted) {
      const slot = slots.take();
      if (slot === undefined) return;
      const flow = { requests: 0 };
      const start = performance.now();
      try {
        await flows.oneFlow(ctx, flow, slot);
        out.latencies.push(performance.now() - start);
        out.ok++;
        out.okRequests += flow.requests;
        slots.release?.(slot); // a failed flow keeps its slot: what it left behind may still hold it
      } catch (err) {
        if (!(err instanceof FlowError)) throw err;
        out[err.kind]++;
        if (out.errors.length < 3) out.errors.push(err.message);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearTimeout(watchdog);
  }
  return { ...out, ...ctx.stats, durationS: (performance.now() - t0) / 1000 };
}

/**
 * A flow phase against the server at `url`. `flows` is the protocol's part:
 *   describe(answer)     an error answer as the notes show it;
 *   prepare(ctx, flow)   once, before the warm-up: resolves to what every flow needs (e.g. the
 *                        instance), merged into ctx and into the result; a FlowError it throws
 *                        is the phase's only `invalid` reason, as its message says it;
 *   slots(phase)         per 'warm-up' / 'measured' run: { take() -> what one flow holds (a device,
 *                        a name), undefined when none is left; release?(slot) after a success };
 *   oneFlow(ctx, flow, slot)  the steps of one flow, through send() and poll().
 * Resolves to { ...prepared, flowsPerSec, p50Ms, p99Ms, ok, failed, non2xx, socket, other,
 * reqPerFlow, requests, connections, durationS, invalid[] }.
 */
export async function measureFlows(url, { seconds, warmupSeconds, concurrency }, flows) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const base = { url: url.replace(/\/$/, ''), agent, describe: flows.describe };
  const invalid = [];
  try {
    let prepared;
    try {
      prepared = await flows.prepare(newCtx(base), { requests: 0 });
    } catch (err) {
      if (!(err instanceof FlowError)) throw err;
      return { invalid: [err.message] };
    }
    Object.assign(base, prepared);
    if (warmupSeconds > 0) {
      const w = await runFlows(base, flows, 'warm-up', warmupSeconds, concurrency);
      if (w.errors.length) invalid.push(`warm-up: ${w.non2xx + w.socket + w.other} flows failed, first: ${w.errors[0]}`);
    }
    const r = await runFlows(base, flows, 'measured', seconds, concurrency);
    const failed = r.non2xx + r.socket + r.other;
    if (failed) invalid.push(...r.errors.map((e, i) => `${i === 0 ? `${failed} flows failed; ` : ''}error ${i + 1}: ${e}`));
    if (r.ok === 0) invalid.push('no flow completed');
    const { latencies, errors, ...counts } = r;
    const sorted = Float64Array.from(latencies).sort();
    return {
      ...prepared,
      ...counts,
      flowsPerSec: r.ok / r.durationS,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      reqPerFlow: r.ok ? r.okRequests / r.ok : undefined,
      failed,
      invalid,
    };
  } finally {
    agent.destroy();
  }
}
