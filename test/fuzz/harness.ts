/**
 * The fuzz harness: one fauxcloud per generator, a seeded stream of malformed requests, and the
 * invariants every answer must keep whatever the request:
 * - an answer (no dropped connection), never a 5xx unless a fault rule the generator installed
 *   produced it (checked against the journal, which names the rule);
 * - no stack trace and none of the server's own file paths in any answer;
 * - the cloud's own shape (the generator's `shape` check), or core's NotRecognised JSON for
 *   requests no cloud claims, or a plain HTTP refusal with a body;
 * - `/_fauxcloud/health` answering throughout;
 * - caller-supplied patterns in linear time: a hostile pattern may cost at most RATIO_MAX times
 *   a plain request of the same kind (a ratio, never an absolute time).
 * A generator is one module in ./generators/ (see fuzz.test.ts for how one joins). One that needs
 * a session (a Keystone token, a vim25 cookie) gets it in its optional async `setup`, run once
 * before its requests, fixed cases and ReDoS cases; `next` stays synchronous and seeded.
 * Protocols whose every fault is HTTP 500 (vim25 SOAP) name those answers with `protocolFault`:
 * they are counted apart and shape-checked, never excused as a crash (the generator decides
 * which fault types are refusals; a SystemError or a 500 without the fault shape still fails).
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { packageRoot } from '../../core/paths.js';
import { SeededRandom, type RandomStream } from '../../core/rng.js';
import type { RunningServer } from '../../core/server.js';

export interface FuzzRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bytes sent as they are over a fresh socket (request lines node's client would refuse to write). */
  raw?: Buffer;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface FixedCase {
  why: string;
  request: FuzzRequest;
  /** Throw (e.g. with expect) when the answer is not the one the real cloud gives. */
  check(res: FuzzResponse): void;
}

export interface RedosCase {
  why: string;
  /** Requests that build the state the patterns run against (a long tag, a long description). */
  setup?: FuzzRequest[];
  /** The same kind of request with a plain pattern, and with a hostile one. */
  plain: FuzzRequest;
  hostile: FuzzRequest;
}

export interface GenContext {
  server: RunningServer;
}

export interface FuzzGenerator {
  /** `aws`, `gcp`, `admin`, `http`: the describe block's name. */
  name: string;
  /** How many random requests one run sends (the suite stays well under a minute). */
  requests: number;
  /** Fault rules installed before the run (admin API shape); the 5xx they inject are allowed. */
  faults?: unknown[];
  /**
   * The error code of the cloud's "fauxcloud does not emulate this method" answer (GCE's 501
   * notImplemented): an honest gap in the cloud's own shape, not a failure, so not counted as a 5xx.
   */
  notEmulated?: { status: number; code: string };
  /** Once before anything is sent: log in and keep the session (a token, a cookie) for `next`. */
  setup?(ctx: GenContext): Promise<void>;
  /**
   * For protocols that answer every fault with HTTP 500 (vim25 SOAP): true when this 5xx is the
   * cloud's own refusal of the request (a client-side fault type, in its fault shape), not a crash.
   */
  protocolFault?(req: FuzzRequest, res: FuzzResponse): boolean;
  /** The journal's side of `protocolFault`: a 5xx entry with this error code is a refusal, not a crash. */
  journalRefusal?(code: string): boolean;
  /** One random request; draw only from `rng`, so a seed replays the run. */
  next(rng: Rng, ctx: GenContext): FuzzRequest;
  /** A problem with an answer's shape for this cloud, or undefined when it is right. */
  shape(req: FuzzRequest, res: FuzzResponse): string | undefined;
  /** Known refusals with the exact answer the real cloud gives. */
  fixed?: FixedCase[];
  redos?: RedosCase[];
}

/** A seeded stream with the helpers generators need. */
export class Rng {
  private readonly s: RandomStream;
  constructor(seed: string, name: string) {
    this.s = new SeededRandom(seed).stream(name);
  }
  next(): number {
    return this.s.next();
  }
  int(max: number): number {
    return Math.floor(this.s.next() * max);
  }
  chance(p: number): boolean {
    return this.s.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A nasty string: empty, huge, unicode, control characters, quotes, wildcards, numbers that are not. */
  nasty(): string {
    const kinds: Array<() => string> = [
      () => '',
      () => ' ',
      () => this.pick(['0', '-1', '1e308', '0x10', 'NaN', 'Infinity', '9'.repeat(40), '1.5', '+7', '007']),
      () => this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']),
      () => this.pick(['"', "'", '\\', '"}', '{"a":', '<x>', ']]>', '&amp;', '%', '%zz', '%00', '\u0000', '\r\n', '\t']),
      () => this.pick(['*', '?', '**', '*a*a*a*a*b', '(a|a)*c', '(a*)*$', '.*', '[', '\\', '{a,b}', 'a{1000}{1000}']),
      () => this.pick(['é', '😀', '\uD800', '\u202E', 'ﬀ', 'Σ']),
      () => 'x'.repeat(this.pick([63, 64, 255, 256, 2049, 20_000])),
      () => this.word(),
    ];
    return clean(this.pick(kinds)());
  }
  word(max = 12): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_.';
    return Array.from({ length: 1 + this.int(max) }, () => alphabet[this.int(alphabet.length)]).join('');
  }
}

/** What a stack frame or one of the server's own paths looks like in an answer. */
const ROOT = packageRoot();
const STACK = /\n\s+at |^\s*at .*\(.*:\d+:\d+\)|node_modules|\.(?:ts|js|mjs|cjs):\d+:\d+|file:\/\//m;

/** Inputs never contain what the stack check looks for, so an echoed input cannot trip it. */
export function clean(s: string): string {
  return s.replaceAll(ROOT, '').replace(/node_modules|\.(?:ts|js|mjs|cjs):\d+|file:\/\/|\n\s+at |\bat /g, '');
}

export function leakProblem(res: FuzzResponse): string | undefined {
  if (res.text.includes(ROOT)) return 'the answer names a server file path';
  if (STACK.test(res.text)) return 'the answer carries a stack trace';
  return undefined;
}

/** Core's answer to a request no cloud recognises, and fastify's HTTP-level refusals. */
export function genericShape(res: FuzzResponse): boolean {
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return false;
  }
  const b = body as Record<string, unknown>;
  if (res.status === 404 && b['error'] === 'NotRecognised' && typeof b['message'] === 'string') return true;
  // fastify's own refusals (bad URL encoding, body too large, route not found for odd methods).
  return [400, 404, 413, 415, 431].includes(res.status) && typeof b['message'] === 'string' && typeof b['error'] === 'string';
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

export async function send(server: RunningServer, req: FuzzRequest): Promise<FuzzResponse> {
  const url = new URL(server.httpUrl);
  if (req.raw) return sendRaw(Number(url.port), req.raw);
  // Header values node's client refuses to write (control characters, non-Latin-1) go out raw.
  if (Object.values(req.headers ?? {}).some((v) => /[^\t\x20-\x7e\x80-\xff]/.test(v))) {
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    const head = [`${req.method} ${req.path} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(req.headers ?? {}).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, 'Connection: close'];
    return sendRaw(Number(url.port), Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]));
  }
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: { ...req.headers }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

function sendRaw(port: number, bytes: Buffer): Promise<FuzzResponse> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      // One answer: a header value carrying CRLF splits the raw request in two, and the second
      // answer that follows on the socket is not part of the first one's body.
      const len = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      resolve({ status: m ? Number(m[1]) : 0, headers, text: split < 0 ? '' : text.slice(split + 4, len === undefined ? undefined : split + 4 + len) });
    };
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      // One answer is enough: the server closes or keeps the socket; we do not wait for either.
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(text);
      if (split >= 0 && len && Buffer.byteLength(text.slice(split + 4), 'latin1') >= Number(len[1])) sock.destroy();
    });
    sock.on('error', () => undefined);
    sock.on('close', done);
    sock.setTimeout(5_000, () => sock.destroy());
    sock.end(bytes);
  });
}

export async function admin(server: RunningServer, method: string, path: string, body?: unknown): Promise<FuzzResponse> {
  return send(server, { method, path: `/_fauxcloud${path}`, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

export async function healthy(server: RunningServer): Promise<boolean> {
  return (await admin(server, 'GET', '/health')).status === 200;
}

/** The hostile pattern may cost at most this many plain requests. */
export const RATIO_MAX = 25;

/** The best time of a hostile request against a plain one of the same kind, each timed on the client. */
export async function redosRatio(server: RunningServer, c: RedosCase, protocolFault?: FuzzGenerator['protocolFault']): Promise<{ plainMs: number; hostileMs: number; ratio: number }> {
  for (const s of c.setup ?? []) {
    const res = await send(server, s);
    if (res.status >= 400) throw new Error(`ReDoS setup for ${c.why} failed: ${res.status} ${res.text.slice(0, 200)}`);
  }
  const time = async (req: FuzzRequest) => {
    const t = performance.now();
    const res = await send(server, req);
    const ms = performance.now() - t;
    if (res.status >= 500 && !protocolFault?.(req, res)) throw new Error(`${c.why}: ${res.status} ${res.text.slice(0, 200)}`);
    return ms;
  };
  // The fastest of several runs: a busy machine only ever adds time, and a super-linear match
  // costs its seconds on every run, so the minimum is the robust measure of each.
  const best = (xs: number[]) => Math.min(...xs);
  await time(c.plain);
  const plain: number[] = [];
  const hostile: number[] = [];
  // Interleaved, so a busy machine slows both alike.
  for (let i = 0; i < 7; i++) {
    plain.push(await time(c.plain));
    hostile.push(await time(c.hostile));
  }
  const plainMs = best(plain);
  const hostileMs = best(hostile);
  // A floor of 1 ms keeps timer noise on a very fast plain request from looking like a ratio.
  return { plainMs, hostileMs, ratio: hostileMs / Math.max(plainMs, 1) };
}

export interface RunStats {
  sent: number;
  byStatus: Record<number, number>;
  problems: string[];
  /** 5xx answers, all of them injected by the generator's fault rules. */
  injected?: number;
  /** Answers saying fauxcloud does not emulate the method (see FuzzGenerator.notEmulated). */
  notEmulated?: number;
  /** 5xx that are the protocol's own refusals (see FuzzGenerator.protocolFault). */
  protocolFaults?: number;
}

/** Send `count` generated requests and check each answer; returns the problems found (empty is a pass). */
export async function run(server: RunningServer, gen: FuzzGenerator, seed: string): Promise<RunStats> {
  const rng = new Rng(seed, `fuzz:${gen.name}`);
  const stats: RunStats = { sent: 0, byStatus: {}, problems: [] };
  const note = (req: FuzzRequest, msg: string, res?: FuzzResponse) => {
    if (stats.problems.length < 20) stats.problems.push(`#${stats.sent} ${req.method} ${req.path.slice(0, 120)}${req.raw ? ` raw=${JSON.stringify(req.raw.toString('latin1').slice(0, 80))}` : ''}: ${msg}${res ? ` → ${res.status} ${res.text.slice(0, 300)}` : ''}`);
  };
  const since = (JSON.parse((await admin(server, 'GET', '/journal?limit=1')).text) as { lastSeq: number }).lastSeq;
  let fiveHundreds = 0;
  for (let i = 0; i < gen.requests; i++) {
    const req = gen.next(rng, { server });
    stats.sent++;
    let res: FuzzResponse;
    try {
      res = await send(server, req);
    } catch (e) {
      note(req, `no answer (${(e as Error).message})`);
      continue;
    }
    stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
    if (res.status === 0) note(req, 'no status line', res);
    const gap = gen.notEmulated && res.status === gen.notEmulated.status && res.text.includes(`"${gen.notEmulated.code}"`);
    const refusal = res.status >= 500 && gen.protocolFault?.(req, res) === true;
    if (gap) stats.notEmulated = (stats.notEmulated ?? 0) + 1;
    else if (refusal) stats.protocolFaults = (stats.protocolFaults ?? 0) + 1;
    else if (res.status >= 500) {
      fiveHundreds++;
      if (!gen.faults?.length) note(req, 'a 5xx no fault rule injected', res);
    }
    const leak = leakProblem(res);
    if (leak) note(req, leak, res);
    // 5xx are checked against the journal below (only injected ones may appear).
    if ((refusal || (res.status < 500 && res.status > 0)) && !genericShape(res)) {
      const bad = gen.shape(req, res);
      if (bad) note(req, bad, res);
    }
    if (i % 250 === 249 && !(await healthy(server))) note(req, 'health stopped answering');
  }
  if (gen.faults?.length) {
    // Every 5xx must be one a rule injected: the journal names the rule that fired. And a rule
    // that never fired proves nothing: each generator's rules must fire in its run.
    const { entries } = JSON.parse((await admin(server, 'GET', `/journal?since=${since}&limit=100000`)).text) as { entries: Array<{ status: number; rule?: string; operation: string; errorCode?: string }> };
    const injected = entries.filter((e) => e.status >= 500 && e.rule !== undefined).length;
    const refusal = (code: string | undefined) => code !== undefined && (code === gen.notEmulated?.code || gen.journalRefusal?.(code) === true);
    for (const e of entries.filter((x) => x.status >= 500 && x.rule === undefined && !refusal(x.errorCode)).slice(0, 5)) stats.problems.push(`a 5xx no rule injected: ${e.operation} ${e.status} ${e.errorCode ?? ''}`);
    if (injected < fiveHundreds) stats.problems.push(`${fiveHundreds} answers were 5xx but only ${injected} were injected by a rule (the rest were not journaled: admin or HTTP level)`);
    if (injected === 0) stats.problems.push(`none of the generator's fault rules fired (${gen.faults.length} installed): they prove nothing`);
  }
  stats.injected = fiveHundreds;
  return stats;
}

/**
 * A request whose Content-Length is over fauxcloud's 32 MiB body limit, with only a few bytes
 * sent: the refusal must come from the header alone, before the body is read.
 */
export function oversized(method: string, path: string, headers: Record<string, string> = {}): FuzzRequest {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${40 * 1024 * 1024}`, 'Connection: close'];
  return { method, path, raw: Buffer.from(`${head.join('\r\n')}\r\n\r\nAction=x`) };
}
