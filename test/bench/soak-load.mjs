// The soak leg's open-loop driver: arrivals on a fixed schedule, whatever the answers do.
//
//   - Each stream (a read, or the start of a flow) has a rate; its i-th arrival is due at
//     t0 + i / rate. A 1 ms timer releases every arrival that has come due, so a slow answer
//     never delays the next arrival (open loop, unlike autocannon's default closed loop).
//   - At most `connections` requests are in flight (one keep-alive node:http Agent of that
//     many sockets); a due request finding them all busy waits in a backlog. A request sent
//     more than BEHIND_MS after it was due counts as "behind schedule"; a backlog longer than
//     `rate x BACKLOG_S` refuses new arrivals and counts them as "dropped (backlog full)".
//     Nothing is skipped silently.
//   - Latency is measured from the moment a request was due, not from when it went out,
//     so queueing in the client is part of it (no coordinated omission). A flow's later
//     steps are due the moment the previous answer arrived.
//   - Figures are kept per wall-clock minute (by completion) and folded into percentiles
//     as each minute closes, so the client's own memory stays flat.

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './load.mjs';

export const BEHIND_MS = 25;
const BACKLOG_S = 5;
const REQUEST_TIMEOUT_MS = 10_000;
// Idle keep-alive sockets are closed before fauxcloud's (Node's) 5 s keep-alive timeout would
// close them under a request in flight (ECONNRESET), as clients with an idle timeout do.
const IDLE_MS = 4_000;

/** One minute's figures while it is open. */
const newMinute = (index) => ({
  index, latencies: [], ok: 0, non2xx: 0, socket: 0, behind: 0, dropped: 0, flowsOk: 0, flowsFailed: 0, lagMax: 0,
});

export class SoakClient {
  constructor(url, { connections, rate }) {
    this.url = url.replace(/\/$/, '');
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, timeout: IDLE_MS });
    this.cap = connections;
    this.backlogCap = Math.max(100, Math.round(rate * BACKLOG_S));
    this.inflight = 0;
    this.backlog = [];
    this.sockets = new WeakSet();
    this.t0 = performance.now();
    this.minute = newMinute(0);
    this.minutes = [];
    this.totals = { sent: 0, ok: 0, behind: 0, dropped: 0, connections: 0 };
    this.errors = new Map(); // "HTTP 400 InvalidParameterValue" / "socket ECONNRESET" / "flow ebs: ..." -> count
  }

  /** Counts one error of a kind; the first message of each kind is kept as an example. */
  error(kind, example) {
    const e = this.errors.get(kind) ?? { count: 0, example };
    e.count++;
    this.errors.set(kind, e);
  }

  /** The open minute, closing finished ones first (by completion time). */
  current(now = performance.now()) {
    const index = Math.floor((now - this.t0) / 60_000);
    while (this.minute.index < index) {
      this.minutes.push(closeMinute(this.minute));
      this.minute = newMinute(this.minute.index + 1);
    }
    return this.minute;
  }

  /**
   * Sends `req` ({ method, path, headers, body }) as soon as a connection is free; `dueAt` is
   * when it should have gone out. Resolves to { status, body } for any HTTP answer, rejects
   * with { code } on a socket error or timeout, and with { dropped: true } when refused.
   */
  submit(req, dueAt = performance.now()) {
    return new Promise((resolve, reject) => {
      const job = { req, dueAt, resolve, reject };
      if (this.inflight < this.cap) this.send(job);
      else if (this.backlog.length < this.backlogCap) this.backlog.push(job);
      else {
        this.current().dropped++;
        this.totals.dropped++;
        reject(Object.assign(new Error('backlog full'), { dropped: true }));
      }
    });
  }

  send({ req, dueAt, resolve, reject }) {
    this.inflight++;
    this.totals.sent++;
    const sentAt = performance.now();
    const lag = sentAt - dueAt;
    const m = this.current(sentAt);
    if (lag > m.lagMax) m.lagMax = lag;
    if (lag > BEHIND_MS) { m.behind++; this.totals.behind++; }
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': Buffer.byteLength(req.body) };
    let settled = false;
    const done = (fn, value) => {
      if (settled) return;
      settled = true;
      this.inflight--;
      const next = this.backlog.shift();
      if (next) this.send(next);
      fn(value);
    };
    const r = http.request(`${this.url}${req.path}`, { method: req.method, agent: this.agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (err) => this.failed(done, reject, err));
      res.on('end', () => {
        const now = performance.now();
        const mm = this.current(now);
        const status = res.statusCode;
        if (status >= 200 && status < 300) {
          mm.ok++;
          this.totals.ok++;
          mm.latencies.push(now - dueAt);
        }
        const body = Buffer.concat(chunks).toString('utf8');
        if (status < 200 || status >= 300) {
          mm.non2xx++;
          this.error(`HTTP ${status} ${errorCode(body)}`, `${req.method} ${req.what ?? req.path}: ${body.replace(/\s+/g, ' ').slice(0, 200)}`);
        }
        done(resolve, { status, body });
      });
    });
    r.on('socket', (sock) => { // r.reusedSocket misses sockets handed over from the agent's queue
      if (!this.sockets.has(sock)) { this.sockets.add(sock); this.totals.connections++; }
    });
    r.on('timeout', () => r.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
    r.on('error', (err) => this.failed(done, reject, err));
    r.end(req.body);
  }

  failed(done, reject, err) {
    this.current().socket++;
    this.error(`socket ${err.code ?? err.message}`, err.message);
    done(reject, Object.assign(new Error(err.message), { code: err.code ?? 'ESOCKET' }));
  }

  /**
   * Runs the streams ({ name, rate, arrive(dueAt) }) for `seconds`: every arrival calls
   * arrive(dueAt) at once (the stream decides what to send; its promise is not awaited).
   * `onSecond(s)` runs once a second. Resolves once the schedule has ended and every
   * request still in flight has been answered (bounded by the request timeout).
   */
  async run(streams, seconds, onSecond = () => {}) {
    this.t0 = performance.now();
    this.minute = newMinute(0);
    const end = this.t0 + seconds * 1000;
    const issued = streams.map(() => 0);
    let lastSecond = 0;
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = Math.min(performance.now(), end);
        streams.forEach((s, i) => {
          // Arrival k is due at k / rate: k = 0 at once, the last one before the end.
          const due = Math.min(Math.floor(((now - this.t0) / 1000) * s.rate) + 1, Math.ceil(seconds * s.rate));
          for (; issued[i] < due; issued[i]++) s.arrive(this.t0 + (issued[i] * 1000) / s.rate);
        });
        const second = Math.floor((now - this.t0) / 1000);
        for (; lastSecond < second; lastSecond++) onSecond(lastSecond + 1);
        if (now >= end) { clearInterval(timer); resolve(); }
      }, 1);
    });
    const drainUntil = performance.now() + REQUEST_TIMEOUT_MS + 5000;
    while ((this.inflight > 0 || this.backlog.length > 0) && performance.now() < drainUntil) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.minutes.push(closeMinute(this.minute));
    this.agent.destroy();
    return { scheduled: issued.reduce((a, b) => a + b, 0), seconds: (performance.now() - this.t0) / 1000 };
  }
}

/** The error code of an EC2 XML (`<Code>`) or Google JSON (`"reason"`) error answer. */
const errorCode = (body) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? /"reason"\s*:\s*"([^"]*)"/.exec(body)?.[1] ?? '';

/** Percentiles of a closed minute; its raw latencies are dropped. */
function closeMinute(m) {
  const sorted = Float64Array.from(m.latencies).sort();
  const { latencies, ...rest } = m;
  return {
    ...rest,
    answered: m.ok + m.non2xx,
    p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : undefined,
  };
}
