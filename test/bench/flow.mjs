// The EBS CSI volume flow, repeated by `concurrency` closed-loop workers:
//   CreateVolume (gp3, 1 GiB, us-east-1a) -> poll DescribeVolumes until `available`
//   -> AttachVolume (device /dev/xvdXY, unique per in-flight flow) -> poll until `attached`
//   -> DetachVolume -> poll until `available` -> DeleteVolume
// on one running instance in us-east-1a (RunInstances one if there is none).
//
// Client: node:http with one keep-alive Agent, the same code for both servers.
// Node's client honours `Connection: close` (moto sends it on every answer): that
// socket is not reused and the next request opens a new one; `connections`
// counts how many were opened. The first poll follows its mutating call at once,
// later ones every POLL_MS. Every request, wait and phase is bounded in time.

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { XMLParser } from 'fast-xml-parser';
import { describeAnswer, ec2Body, ec2Headers } from './ec2.mjs';
import { percentile } from './load.mjs';

export const FLOW_ZONE = 'us-east-1a';
export const FLOW_AMI = 'ami-12c6146b'; // in moto's default AMI list
export const FLOW_MAX_CONCURRENCY = 24; // an m5.large takes 26 more EBS volumes (28 slots, minus root volume and ENI)
const REQUEST_TIMEOUT_MS = 10_000;
const WAIT_TIMEOUT_MS = 10_000; // per poll loop
const POLL_MS = 10;
const GRACE_MS = 30_000; // after the deadline, flows still running are aborted

const xml = new XMLParser({ isArray: (name) => name === 'item', parseTagValue: false });
const items = (x) => (Array.isArray(x?.item) ? x.item : []);

class FlowError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; } // kind: non2xx | socket | other
}

const showParams = (p) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join('&');

/** One EC2 query request on the shared agent; resolves to { status, body }. */
function request(ctx, action, params) {
  const body = ec2Body(action, params);
  return new Promise((resolve, reject) => {
    const req = http.request(ctx.url, {
      method: 'POST',
      agent: ctx.agent,
      headers: { ...ec2Headers(), 'content-length': Buffer.byteLength(body) },
      timeout: REQUEST_TIMEOUT_MS,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
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

/** A request that must answer 2xx; anything else ends the flow with the request and the answer. */
async function step(ctx, flow, action, params) {
  flow.requests++;
  ctx.stats.requests++;
  let a;
  try {
    a = await request(ctx, action, params);
  } catch (err) {
    if (ctx.aborted) throw new FlowError('other', `${action} ${showParams(params)}: aborted by the phase time limit`);
    throw new FlowError('socket', `${action} ${showParams(params)}: ${err.code ?? err.message}`);
  }
  if (a.status < 200 || a.status >= 300) throw new FlowError('non2xx', `${action} ${showParams(params)} answered ${describeAnswer(a)}`);
  return a;
}

function volumeOf(body) {
  const v = items(xml.parse(body)?.DescribeVolumesResponse?.volumeSet)[0];
  return v && { status: v.status, attachments: items(v.attachmentSet) };
}

async function waitVolume(ctx, flow, volumeId, what, done) {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    if (i > 0) await sleep(POLL_MS);
    const params = { 'VolumeId.1': volumeId };
    const v = volumeOf((await step(ctx, flow, 'DescribeVolumes', params)).body);
    if (!v) throw new FlowError('other', `DescribeVolumes ${showParams(params)}: no volume in the 2xx answer`);
    if (done(v)) return;
    if (performance.now() - t0 > WAIT_TIMEOUT_MS || ctx.aborted) {
      const atts = v.attachments.map((x) => `${x.instanceId}:${x.status}`).join(',') || 'none';
      throw new FlowError('other', `${volumeId} not ${what} after ${(performance.now() - t0).toFixed(0)} ms (last: status ${v.status}, attachments ${atts})`);
    }
  }
}

async function oneFlow(ctx, flow, device) {
  const c = await step(ctx, flow, 'CreateVolume', { AvailabilityZone: FLOW_ZONE, Size: '1', VolumeType: 'gp3' });
  const VolumeId = /<volumeId>([^<]+)<\/volumeId>/.exec(c.body)?.[1];
  if (!VolumeId) throw new FlowError('other', 'CreateVolume answered 2xx without <volumeId>');
  const InstanceId = ctx.instanceId;
  await waitVolume(ctx, flow, VolumeId, 'available', (v) => v.status === 'available');
  await step(ctx, flow, 'AttachVolume', { VolumeId, InstanceId, Device: device });
  await waitVolume(ctx, flow, VolumeId, 'attached', (v) => v.attachments.some((x) => x.instanceId === InstanceId && x.status === 'attached'));
  await step(ctx, flow, 'DetachVolume', { VolumeId, InstanceId });
  await waitVolume(ctx, flow, VolumeId, 'available after detach', (v) => v.status === 'available');
  await step(ctx, flow, 'DeleteVolume', { VolumeId });
}

/** /dev/xvdba ... /dev/xvdzz: a flow takes one and gives it back when it succeeds. */
const deviceNames = () => [...'bcdefghijklmnopqrstuvwxyz'].flatMap((x) => [...'abcdefghijklmnopqrstuvwxyz'].map((y) => `/dev/xvd${x}${y}`));

function runningIn(body) {
  const insts = items(xml.parse(body)?.DescribeInstancesResponse?.reservationSet).flatMap((r) => items(r.instancesSet));
  return insts.filter((i) => i.instanceState?.name === 'running').map((i) => i.instanceId);
}

/** A running instance in FLOW_ZONE: an existing one, or one launched with RunInstances. */
async function findInstance(ctx) {
  const flow = { requests: 0 };
  const filters = {
    'Filter.1.Name': 'availability-zone', 'Filter.1.Value.1': FLOW_ZONE,
    'Filter.2.Name': 'instance-state-name', 'Filter.2.Value.1': 'running',
  };
  const [existing] = runningIn((await step(ctx, flow, 'DescribeInstances', filters)).body);
  if (existing) return { instanceId: existing, launched: false };
  const run = await step(ctx, flow, 'RunInstances', {
    ImageId: FLOW_AMI, InstanceType: 'm5.large', MinCount: '1', MaxCount: '1', 'Placement.AvailabilityZone': FLOW_ZONE,
  });
  const id = /<instanceId>([^<]+)<\/instanceId>/.exec(run.body)?.[1];
  if (!id) throw new FlowError('other', 'RunInstances answered 2xx without <instanceId>');
  const t0 = performance.now();
  while (performance.now() - t0 < WAIT_TIMEOUT_MS) {
    if (runningIn((await step(ctx, flow, 'DescribeInstances', filters)).body).includes(id)) return { instanceId: id, launched: true };
    await sleep(100);
  }
  throw new FlowError('other', `launched ${id} is not running in ${FLOW_ZONE} after ${WAIT_TIMEOUT_MS} ms`);
}

const newCtx = (base) => ({ ...base, aborted: false, inflight: new Set(), stats: { requests: 0, connections: 0 } });

/** `concurrency` workers repeat the flow until `seconds` have passed; flows started by then finish (bounded). */
async function runFlows(base, seconds, concurrency) {
  const ctx = newCtx(base);
  const out = { ok: 0, okRequests: 0, latencies: [], non2xx: 0, socket: 0, other: 0, errors: [] };
  const devices = deviceNames();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const watchdog = setTimeout(() => {
    ctx.aborted = true;
    for (const req of ctx.inflight) req.destroy(new Error('aborted'));
  }, seconds * 1000 + GRACE_MS);
  const worker = async () => {
    while (performance.now() < deadline && !ctx.aborted) {
      const device = devices.shift();
      if (!device) return;
      const flow = { requests: 0 };
      const start = performance.now();
      try {
        await oneFlow(ctx, flow, device);
        out.latencies.push(performance.now() - start);
        out.ok++;
        out.okRequests += flow.requests;
        devices.push(device);
      } catch (err) {
        if (!(err instanceof FlowError)) throw err;
        out[err.kind]++;
        // its volume may still sit on `device`: that name is not handed out again
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
 * Finds (or launches) the instance, runs an unmeasured warm-up, then the measured phase.
 * Resolves to { instanceId, launched, flowsPerSec, p50Ms, p99Ms, ok, failed, non2xx, socket, other,
 * reqPerFlow, requests, connections, durationS, invalid[] }.
 */
export async function measureFlow(url, { seconds, warmupSeconds, concurrency }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const base = { url: url.replace(/\/?$/, '/'), agent };
  const invalid = [];
  try {
    let inst;
    try {
      inst = await findInstance(newCtx(base));
    } catch (err) {
      if (!(err instanceof FlowError)) throw err;
      return { invalid: [`no running instance in ${FLOW_ZONE}: ${err.message}`] };
    }
    Object.assign(base, inst);
    if (warmupSeconds > 0) {
      const w = await runFlows(base, warmupSeconds, concurrency);
      if (w.errors.length) invalid.push(`warm-up: ${w.non2xx + w.socket + w.other} flows failed, first: ${w.errors[0]}`);
    }
    const r = await runFlows(base, seconds, concurrency);
    const failed = r.non2xx + r.socket + r.other;
    if (failed) invalid.push(...r.errors.map((e, i) => `${i === 0 ? `${failed} flows failed; ` : ''}error ${i + 1}: ${e}`));
    if (r.ok === 0) invalid.push('no flow completed');
    const { latencies, errors, ...counts } = r;
    const sorted = Float64Array.from(latencies).sort();
    return {
      ...inst,
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
