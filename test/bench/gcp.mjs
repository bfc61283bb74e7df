// The GCP leg: Compute Engine's REST API (JSON over HTTP/1.1) as the PD CSI
// controller calls it, against fauxcloud only. No HTTP peer to compare with:
// moto and LocalStack do not emulate Compute Engine (the nearest "peers" are
// in-process Go fakes, which have no wire to measure).
//
//   gceCall / describeGceAnswer   one request, Google JSON error envelopes
//   gcePhase                      one Compute method as a load.mjs phase (a
//                                 fresh body per request for disks.insert)
//   seedDisks                     sequential disks.insert + operations.wait
//   measureGceFlow                insert -> wait -> attachDisk -> wait ->
//                                 detachDisk -> wait -> delete -> wait, run by
//                                 flow-runner.mjs's closed-loop workers
//
// Every request carries `Authorization: Bearer ...` like Google's clients;
// fauxcloud does not check it. Traffic is loopback only; every request, wait
// and phase is bounded in time.

import {
  FlowError, failedAs, measureFlows, poll, send,
} from './flow-runner.mjs';

export const GCE_PROJECT = 'fauxcloud-project';
export const GCE_ZONE = 'us-central1-a';
export const GCE_INSTANCE = 'node-a'; // in the default scenario, RUNNING in us-central1-a
/** A Compute path relative to the project: `zones/us-central1-a/disks/x`. */
export const zonal = (rest) => `zones/${GCE_ZONE}/${rest}`;
/** The request path of a project-relative Compute path. */
export const gcePath = (rel) => `/compute/v1/projects/${GCE_PROJECT}/${rel}`;
/** Name prefix of the seeded disks: `bench-seed-0`, `bench-seed-1`, ... */
export const SEED_DISK = 'bench-seed-';
/** The disk body every insert in the bench sends (a PD CSI StorageClass with type pd-balanced, 10 GB). */
export const diskBody = (name) => JSON.stringify({ name, sizeGb: '10', type: zonal('diskTypes/pd-balanced') });

export function gceHeaders(withBody) {
  return {
    authorization: 'Bearer ya29.fauxcloud-bench',
    accept: 'application/json',
    ...(withBody ? { 'content-type': 'application/json' } : {}),
  };
}

/** One request (fetch); never throws for HTTP errors, only for network errors/timeouts. */
export async function gceCall(baseUrl, method, rel, body, { timeoutMs = 5000 } = {}) {
  const res = await fetch(`${baseUrl.replace(/\/$/, '')}${gcePath(rel)}`, {
    method,
    headers: gceHeaders(body !== undefined),
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: await res.text() };
}

export function parseJson(body) {
  try { return JSON.parse(body); } catch { return undefined; }
}

/** "HTTP 409 alreadyExists: The resource '...' already exists" from a Google JSON error envelope. */
export function describeGceAnswer({ status, body }) {
  const err = parseJson(body)?.error;
  if (err && typeof err === 'object') {
    const reason = err.errors?.[0]?.reason ?? err.status;
    return `HTTP ${status}${reason ? ` ${reason}` : ''}${err.message ? `: ${err.message}` : ''}`;
  }
  const snippet = String(body).replace(/\s+/g, ' ').trim().slice(0, 160);
  return `HTTP ${status}${snippet ? ` body: ${snippet}` : ' (empty body)'}`;
}

/** Why a DONE operation failed, or undefined when it succeeded. */
export function operationError(op) {
  const e = op?.error?.errors?.[0];
  if (!op?.error) return undefined;
  return `${op.name} DONE with error ${e?.code ?? '?'}: ${e?.message ?? JSON.stringify(op.error)}${op.httpErrorStatusCode ? ` (httpErrorStatusCode ${op.httpErrorStatusCode})` : ''}`;
}

/**
 * One Compute method as a load.mjs measurePhase: the same request for the load and the
 * sample, the sample judged by `check(json)` once it is 2xx JSON. `makeBody()`, when given,
 * builds a new body for every request (each disks.insert needs a new name).
 */
export function gcePhase(baseUrl, { method, rel, makeBody, check }) {
  return {
    request: { url: baseUrl, method, path: gcePath(rel), headers: gceHeaders(Boolean(makeBody)), makeBody, label: `${method} ${rel}` },
    sample: () => gceCall(baseUrl, method, rel, makeBody?.()),
    judge: (answer) => {
      if (answer.status < 200 || answer.status >= 300) return describeGceAnswer(answer);
      const json = parseJson(answer.body);
      return json === undefined ? 'answer is not JSON' : check(json);
    },
  };
}

/** An Operation answer checked: what is wrong with it, or undefined. */
export const checkOperation = (op) =>
  (op?.kind !== 'compute#operation' || typeof op.name !== 'string' ? 'answer is not a compute#operation with a name' : undefined);

/**
 * `n` disks `<prefix>0..n-1`, each inserted and its operation waited for, sequentially.
 * Resolves to { seeded, firstFailure }.
 */
export async function seedDisks(url, prefix, n) {
  let seeded = 0;
  let firstFailure;
  for (let i = 0; i < n; i++) {
    try {
      const a = await gceCall(url, 'POST', zonal('disks'), diskBody(`${prefix}${i}`));
      const op = parseJson(a.body);
      if (a.status < 200 || a.status >= 300) { firstFailure ??= describeGceAnswer(a); continue; }
      if (checkOperation(op)) { firstFailure ??= checkOperation(op); continue; }
      const w = await gceCall(url, 'POST', zonal(`operations/${op.name}/wait`));
      const done = parseJson(w.body);
      if (w.status < 200 || w.status >= 300) firstFailure ??= `operations.wait ${describeGceAnswer(w)}`;
      else if (done?.status !== 'DONE') firstFailure ??= `operations.wait answered status ${done?.status}`;
      else if (operationError(done)) firstFailure ??= operationError(done);
      else seeded++;
    } catch (err) {
      firstFailure ??= `request failed (${err.cause?.code ?? err.message})`;
    }
  }
  return { seeded, firstFailure };
}

// ---- the PD CSI controller flow ------------------------------------------------------

const methodName = (method, rel) => {
  const op = /operations\/[^/]+\/wait$/.test(rel) ? 'zoneOperations.wait'
    : /\/attachDisk$/.test(rel) ? 'instances.attachDisk'
      : /\/detachDisk\?/.test(rel) ? 'instances.detachDisk'
        : method === 'DELETE' ? 'disks.delete' : method === 'POST' ? 'disks.insert' : 'disks.get';
  return `${op} ${method} ${rel}`;
};

/** A Compute request of a flow that must answer 2xx with JSON; resolves to the parsed answer. */
async function step(ctx, flow, method, rel, body) {
  const what = methodName(method, rel);
  const a = await send(ctx, flow, { method, path: gcePath(rel), headers: gceHeaders(body !== undefined), body, what });
  const json = parseJson(a.body);
  if (json === undefined) throw new FlowError('other', `${what} answered 2xx with a body that is not JSON`);
  return json;
}

/** A mutating call answering an Operation, then zoneOperations.wait until DONE (bounded); fails on an operation error. */
async function mutate(ctx, flow, method, rel, body) {
  let op = await step(ctx, flow, method, rel, body);
  const bad = checkOperation(op);
  if (bad) throw new FlowError('other', `${methodName(method, rel)}: ${bad}`);
  const wait = zonal(`operations/${op.name}/wait`);
  op = await poll(ctx, () => step(ctx, flow, 'POST', wait), (o) => o.status === 'DONE',
    (o, ms) => `${methodName(method, rel)}: operation ${o.name} not DONE after ${ms} ms (last: ${o.status})`);
  const failed = operationError(op);
  if (failed) throw new FlowError('other', `${methodName(method, rel)}: operation ${failed}`);
}

/** What the PD CSI controller does for one volume: CreateVolume, ControllerPublish, ControllerUnpublish, DeleteVolume. */
async function oneFlow(ctx, flow, name) {
  await mutate(ctx, flow, 'POST', zonal('disks'), diskBody(name));
  await mutate(ctx, flow, 'POST', zonal(`instances/${GCE_INSTANCE}/attachDisk`),
    JSON.stringify({ source: zonal(`disks/${name}`), deviceName: name, mode: 'READ_WRITE', type: 'PERSISTENT' }));
  await mutate(ctx, flow, 'POST', zonal(`instances/${GCE_INSTANCE}/detachDisk?deviceName=${name}`));
  await mutate(ctx, flow, 'DELETE', zonal(`disks/${name}`));
}

/**
 * Checks the instance, runs an unmeasured warm-up, then the measured phase
 * (flow-runner.mjs's measureFlows). Resolves to its figures plus { instance }.
 */
export function measureGceFlow(url, settings) {
  return measureFlows(url, settings, {
    describe: describeGceAnswer,
    prepare: async (ctx, flow) => {
      const inst = await step(ctx, flow, 'GET', zonal(`instances/${GCE_INSTANCE}`))
        .catch(failedAs(`no instance ${GCE_INSTANCE} in ${GCE_ZONE}`));
      if (inst.status !== 'RUNNING') throw new FlowError('other', `instance ${GCE_INSTANCE} in ${GCE_ZONE} is ${inst.status}, not RUNNING`);
      return { instance: `${GCE_ZONE}/${GCE_INSTANCE}` };
    },
    // A disk and device name per flow, never reused (GCE names are unique; a failed flow's disk may remain).
    slots: (phase) => {
      let seq = 0;
      const tag = phase === 'warm-up' ? 'w' : 'm';
      return { take: () => `bench-flow-${tag}-${seq++}` };
    },
    oneFlow,
  });
}
