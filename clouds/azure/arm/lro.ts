/**
 * ARM long-running operations on the core lifecycle engine. A mutation answers at once with the
 * resource in a transient `provisioningState` and two polling URLs, `Azure-AsyncOperation` (the
 * operation status resource, `{status, startTime, endTime, error}`) and `Location` (202 while
 * running, the result when done), as azcore's pollers follow them. The operation moves
 * `InProgress → Succeeded` (type `azure.operation`; instant by default, so the first poll sees it
 * done); its *effect*, named data like GCE's, is applied then, or abandoned when a `fail:` rule
 * ends the operation `Failed`. While an operation runs, every poll carries `Retry-After`.
 */
import type { Engine } from '../../../core/engine.js';
import type { InjectedError } from '../../../core/cloud-api.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { armError, catalogued } from '../errors.js';

export const OPERATION = 'azure.operation';

export interface OperationData {
  name: string;
  namespace: string;
  location: string;
  startTime: string;
  endTime?: string;
  /** The resource the operation works on (lower-case store key of its type and id). */
  resourceType: string;
  resourceId: string;
  effect?: Effect;
  failure?: { code: string; status: number; message: string };
  /** What the Location URL answers once done: the resource (PUT/PATCH/POST) or nothing (DELETE). */
  result: 'resource' | 'none';
}

export interface Effect {
  kind: string;
  args: Record<string, unknown>;
}

export interface EffectContext {
  engine: Engine;
  tenant: TenantStore;
  at: number;
  op: OperationData;
}

export interface EffectImpl {
  apply(ctx: EffectContext, args: Record<string, unknown>): { code: string; status: number; message: string } | void;
  abandon?(ctx: EffectContext, args: Record<string, unknown>): void;
}

const effects = new Map<string, EffectImpl>();

export function defineEffect(kind: string, impl: EffectImpl): void {
  effects.set(kind, impl);
}

export const armTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');

export function defineOperationMachine(engine: Engine): void {
  engine.lifecycle.define<OperationData>({
    type: OPERATION,
    auto: { InProgress: 'Succeeded' },
    onEnter: ({ record, to, at, tenant }) => {
      if (to !== 'Succeeded') return;
      const op = record.data;
      op.endTime = armTime(at);
      const impl = op.effect ? effects.get(op.effect.kind) : undefined;
      const ctx: EffectContext = { engine, tenant, at, op };
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

/** ARM keeps operation status for a while; a long run would otherwise hold every one. */
const OPERATIONS_KEPT = 5000;

export interface StartOperation {
  namespace: string;
  location: string;
  resourceType: string;
  resourceId: string;
  effect?: Effect;
  asyncFailure?: InjectedError;
  result: 'resource' | 'none';
}

export function startOperation(engine: Engine, tenant: TenantStore, start: StartOperation): ResourceRecord<OperationData> {
  const ops = tenant.collection<OperationData>(OPERATION);
  let excess = ops.size - OPERATIONS_KEPT + 1;
  if (excess > 0)
    for (const rec of ops.all()) {
      if (excess <= 0) break;
      if (rec.lc?.state === 'InProgress') continue;
      ops.delete(rec.id);
      excess--;
    }
  const now = engine.clock.now();
  const name = engine.ids.uuid('azure:operation');
  const f = start.asyncFailure;
  const failure = f ? { code: f.code || 'InternalExecutionError', status: f.status ?? catalogued(f.code)?.[0] ?? 500, message: f.message ?? catalogued(f.code)?.[1] ?? `Operation failed with ${f.code}.` } : undefined;
  const record = ops.insert({
    id: name,
    region: start.location,
    data: { name, namespace: start.namespace, location: start.location, startTime: armTime(now), resourceType: start.resourceType, resourceId: start.resourceId, effect: start.effect, failure, result: start.result },
  });
  engine.lifecycle.enter(tenant, record, 'InProgress', now);
  return record;
}

export function operationStatus(rec: ResourceRecord<OperationData>): 'InProgress' | 'Succeeded' | 'Failed' {
  if (rec.lc?.state === 'InProgress') return 'InProgress';
  return rec.data.failure ? 'Failed' : 'Succeeded';
}

/** The operation status resource (`Azure-AsyncOperation`). */
export function renderOperationStatus(rec: ResourceRecord<OperationData>): Record<string, unknown> {
  const status = operationStatus(rec);
  const out: Record<string, unknown> = { startTime: rec.data.startTime, status, name: rec.data.name };
  if (status !== 'InProgress') out['endTime'] = rec.data.endTime;
  if (status === 'Failed') out['error'] = { code: rec.data.failure!.code, message: rec.data.failure!.message };
  return out;
}

/** Seconds a poller should wait: the real time left until the operation's step, at least 1. */
export function retryAfterSeconds(engine: Engine, rec: ResourceRecord<OperationData>): number {
  const due = rec.lc?.dueAt;
  if (due === undefined) return 1;
  return Math.max(1, Math.ceil(engine.clock.realDelayUntil(due) / 1000));
}

/** The polling headers a mutation answers with. */
export function pollingHeaders(base: string, sub: string, rec: ResourceRecord<OperationData>, apiVersion: string): Record<string, string> {
  const root = `${base}/subscriptions/${sub}/providers/${rec.data.namespace}/locations/${rec.data.location}`;
  const q = `?api-version=${encodeURIComponent(apiVersion)}`;
  return {
    'azure-asyncoperation': `${root}/operations/${rec.data.name}${q}`,
    location: `${root}/operationResults/${rec.data.name}${q}`,
  };
}

export function operationFailure(rec: ResourceRecord<OperationData>) {
  const f = rec.data.failure!;
  return armError(f.code, f.status, f.message);
}
