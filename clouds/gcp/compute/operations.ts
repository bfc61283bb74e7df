/**
 * Compute Engine Operations on the core lifecycle engine: every mutation answers with a zonal,
 * regional or global Operation that moves PENDING → RUNNING → DONE (instant by default; scenarios
 * slow, hold or fail it). The change a mutation makes is an *effect*, named data on the operation,
 * applied when it reaches DONE, so an operation that fails changes nothing and state exports
 * stay plain JSON.
 */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { httpMessage, notFound, type OpFailure } from './problems.js';
import { ref } from './urls.js';
import type { Json } from './codec.js';

export const OPERATION = 'gcp.compute.operation';

export interface OperationData {
  name: string;
  numericId: string;
  operationType: string;
  /** `zones/z`, `regions/r` or `global`. */
  scope: string;
  targetLink: string;
  targetId?: string;
  user: string;
  insertTime: string;
  startTime?: string;
  endTime?: string;
  effect?: Effect;
  failure?: OpFailure;
  waitFor?: WaitFor;
}

/**
 * A resource whose own lifecycle the operation follows (an instance starting or stopping): the
 * operation stays RUNNING until the resource reaches `state` (or is gone), and the resource's
 * machine finishes it (`finishWaitingOperation`), so a held or slowed instance holds its operation.
 */
export interface WaitFor {
  type: string;
  key: string;
  state: string;
}

/** Long enough for any drill; the awaited resource's machine ends the hold much sooner. */
const WAIT_HOLD_MS = 24 * 3600_000;

const reached = (tenant: TenantStore, w: WaitFor): boolean => {
  const rec = tenant.collection(w.type).peek(w.key);
  return !rec || (rec.lc?.state ?? w.state) === w.state;
};

/** Called by the awaited resource's machine once it reached its state: the operation completes. */
export function finishWaitingOperation(engine: Engine, tenant: TenantStore, opKey: string | undefined): void {
  const op = opKey ? tenant.collection<OperationData>(OPERATION).peek(opKey) : undefined;
  if (op?.lc?.state === 'RUNNING') engine.lifecycle.step(tenant, op);
}

export interface Effect {
  kind: string;
  args: Json;
}

export interface EffectContext {
  engine: Engine;
  tenant: TenantStore;
  project: string;
  at: number;
  op: OperationData;
}

/** What an effect does at DONE; `abandon` undoes what the call did up front when the operation fails. */
export interface EffectImpl {
  apply(ctx: EffectContext, args: Json): OpFailure | void;
  abandon?(ctx: EffectContext, args: Json): void;
}

const effects = new Map<string, EffectImpl>();

export function defineEffect(kind: string, impl: EffectImpl): void {
  effects.set(kind, impl);
}

export const timestamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');

export function defineOperationMachine(engine: Engine): void {
  engine.lifecycle.define<OperationData>({
    type: OPERATION,
    auto: { PENDING: 'RUNNING', RUNNING: 'DONE' },
    onEnter: ({ record, to, at, tenant }) => {
      const op = record.data;
      if (to === 'RUNNING') {
        op.startTime = timestamp(at);
        if (op.waitFor && !op.failure && !reached(tenant, op.waitFor)) engine.lifecycle.hold(tenant, record, 'RUNNING', { ms: WAIT_HOLD_MS });
      }
      if (to !== 'DONE') return;
      op.startTime ??= timestamp(at);
      op.endTime = timestamp(at);
      const impl = op.effect ? effects.get(op.effect.kind) : undefined;
      const ctx: EffectContext = { engine, tenant, project: tenant.id, at, op };
      if (op.failure) impl?.abandon?.(ctx, op.effect!.args);
      else if (impl) {
        const failure = impl.apply(ctx, op.effect!.args);
        if (failure) {
          op.failure = failure;
          impl.abandon?.(ctx, op.effect!.args);
        }
      }
    },
  });
}

export interface StartOperation {
  scope: string;
  operationType: string;
  /** Store key of the target, relative to the project (`zones/z/disks/d`). */
  target: string;
  targetId?: string;
  effect?: Effect;
  /** From a `fail:` fault rule: the operation ends DONE with this error. */
  failure?: OpFailure;
  waitFor?: WaitFor;
}

/**
 * GCE keeps finished operations for a while, not forever; a long run (a benchmark, a soak) would
 * otherwise hold every operation it ever started. Past this many per project, the oldest DONE
 * ones go (a caller polls an operation right after starting it, never thousands of calls later).
 */
export const OPERATIONS_KEPT = 5000;

function pruneOperations(tenant: TenantStore): void {
  const ops = tenant.collection<OperationData>(OPERATION);
  let excess = ops.size - OPERATIONS_KEPT + 1;
  if (excess <= 0) return;
  for (const rec of ops.all()) {
    if (excess <= 0) break;
    if (rec.lc?.state !== 'DONE') continue;
    ops.delete(rec.id);
    excess--;
  }
}

export function startOperation(engine: Engine, tenant: TenantStore, start: StartOperation): ResourceRecord<OperationData> {
  pruneOperations(tenant);
  const now = engine.clock.now();
  const name = `operation-${now}-${engine.ids.hex('gcp:op', 13)}-${engine.ids.hex('gcp:op', 8)}-${engine.ids.hex('gcp:op', 8)}`;
  const record = tenant.collection<OperationData>(OPERATION).insert({
    id: `${start.scope}/operations/${name}`,
    region: start.scope.startsWith('global') ? undefined : start.scope.split('/')[1]!.replace(/-[a-z]$/, ''),
    data: {
      name,
      numericId: engine.ids.digits('gcp:id', 19).replace(/^0/, '1'),
      operationType: start.operationType,
      scope: start.scope,
      targetLink: ref(tenant.id, start.target),
      targetId: start.targetId,
      user: 'fauxcloud@fauxcloud.iam.gserviceaccount.com',
      insertTime: timestamp(now),
      effect: start.effect,
      failure: start.failure,
      ...(start.waitFor ? { waitFor: start.waitFor } : {}),
    },
  });
  engine.lifecycle.enter(tenant, record, 'PENDING', now);
  return record;
}

export function findOperation(tenant: TenantStore, scope: string, name: string): ResourceRecord<OperationData> {
  const rec = tenant.collection<OperationData>(OPERATION).get(`${scope}/operations/${name}`);
  if (!rec) throw notFound(`projects/${tenant.id}/${scope}/operations/${name}`);
  return rec;
}

export function renderOperation(project: string, rec: ResourceRecord<OperationData>): Json {
  const op = rec.data;
  const status = rec.lc?.state ?? 'DONE';
  const out: Json = {
    kind: 'compute#operation',
    id: op.numericId,
    name: op.name,
    operationType: op.operationType,
    targetLink: op.targetLink,
    ...(op.targetId ? { targetId: op.targetId } : {}),
    status,
    user: op.user,
    progress: status === 'DONE' ? 100 : 0,
    insertTime: op.insertTime,
    ...(op.startTime ? { startTime: op.startTime } : {}),
    ...(status === 'DONE' && op.endTime ? { endTime: op.endTime } : {}),
    selfLink: ref(project, `${op.scope}/operations/${op.name}`),
  };
  if (op.scope.startsWith('zones/')) out['zone'] = ref(project, op.scope);
  else if (op.scope.startsWith('regions/')) out['region'] = ref(project, op.scope);
  if (status === 'DONE' && op.failure) {
    out['error'] = { errors: [{ code: op.failure.code, message: op.failure.message }] };
    out['httpErrorStatusCode'] = op.failure.httpStatus;
    out['httpErrorMessage'] = httpMessage(op.failure.httpStatus);
  }
  return out;
}

/**
 * `operations.wait`: the real call blocks up to two minutes for DONE (callers such as the PD CSI
 * driver back off for minutes when it does not). Here it blocks while the operation's next timed
 * step falls within that window in real time, rechecking often so a clock advanced meanwhile is
 * noticed, and answers at once when no waiting can bring the step (manual mode, a frozen clock, a
 * hold longer than the window).
 */
const tenant = (engine: Engine, rec: ResourceRecord): TenantStore | undefined => engine.store.findTenant(rec.tenant);

export async function waitForOperation(engine: Engine, rec: ResourceRecord<OperationData>, maxMs = 120_000): Promise<void> {
  const until = Date.now() + maxMs;
  for (;;) {
    engine.lifecycle.settle();
    const lc = rec.lc;
    if (!lc || lc.state === 'DONE' || lc.dueAt === undefined) return;
    // A held operation moves when the resource it follows does.
    const w = rec.data.waitFor;
    const followed = w && lc.state === 'RUNNING' ? tenant(engine, rec)?.collection(w.type).peek(w.key)?.lc?.dueAt : undefined;
    const due = followed !== undefined ? Math.min(followed, lc.dueAt) : lc.dueAt;
    const delay = engine.clock.realDelayUntil(due);
    if (Date.now() + delay > until) return;
    await new Promise((r) => setTimeout(r, Math.min(100, Math.ceil(delay) + 1)));
  }
}
