/**
 * Task: `info.state` moves queued → running → success | error on core's lifecycle engine
 * (`vsphere.task`, so scenarios can slow or hold it). What a task changes is a named effect applied
 * when it succeeds; a fault the effect throws, or a `fail:` fault rule, ends it in error instead.
 */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord } from '../../../core/store.js';
import { fault, injectedFault, localized, moref, VimFault, type MoRef } from '../faults.js';
import { Inventory } from '../inventory.js';
import type { VsphereRuntime } from '../runtime.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import type { MethodTable, MoContext, Renderer } from './context.js';

export const TASK = 'vsphere.task';

export interface TaskData {
  key: string;
  name: string;
  descriptionId: string;
  entity?: string;
  entityName?: string;
  entityType?: string;
  effect?: string;
  args?: Record<string, unknown>;
  result?: WireValue;
  error?: { fault: WireObject; message: string };
  /** An injected failure (`fail:` rule): the task ends in error with it. */
  failure?: { code: string; message?: string };
  userName: string;
  queueTime: number;
  startTime?: number;
  completeTime?: number;
  cancelled: boolean;
  eventChainId: number;
}

type Effect = (inv: Inventory, task: TaskData) => WireValue;
const effects = new Map<string, Effect>();

/** Register what a task does when it succeeds (returns TaskInfo.result). */
export function defineEffect(name: string, run: Effect): void {
  effects.set(name, run);
}

export function defineTaskMachine(engine: Engine, rt: VsphereRuntime): void {
  engine.lifecycle.define<TaskData>({
    type: TASK,
    auto: { queued: 'running', running: 'success' },
    onEnter: ({ record, to, at, tenant }) => {
      const t = record.data;
      if (to === 'running') t.startTime = at;
      if (to === 'success') {
        try {
          if (t.cancelled) throw fault.requestCanceled();
          if (t.failure) throw injectedFault({ code: t.failure.code, message: t.failure.message });
          const run = t.effect ? effects.get(t.effect) : undefined;
          const inv = new Inventory(engine, tenant);
          t.result = run ? run(inv, t) : undefined;
          t.completeTime = at;
        } catch (err) {
          const f = err instanceof VimFault ? err : new VimFault({ _type: 'SystemError', reason: String(err) }, 'A general system error occurred.');
          t.error = { fault: f.fault, message: f.message };
          engine.lifecycle.enter(tenant, record, 'error', at);
        }
      }
      if (to === 'error') t.completeTime = at;
      rt.changed();
    },
  });
}

export interface TaskSpec {
  name: string;
  descriptionId: string;
  entity?: string;
  effect?: string;
  args?: Record<string, unknown>;
}

/** Create a queued task for a method and return its reference (what `…_Task` methods answer). */
export function startTask(ctx: MoContext, spec: TaskSpec): MoRef {
  const col = ctx.inv.tenant.collection<TaskData>(TASK);
  const n = ctx.inv.newId('Task');
  const ent = spec.entity ? ctx.inv.peek(spec.entity) : undefined;
  const failure = ctx.gateAnswer?.asyncFailure;
  const rec = col.insert({
    id: n,
    data: {
      key: n,
      name: spec.name,
      descriptionId: spec.descriptionId,
      entity: spec.entity,
      entityName: ent?.data.name,
      entityType: ent?.data.type,
      effect: spec.effect,
      args: spec.args,
      userName: ctx.session?.userName ?? '',
      queueTime: ctx.engine.clock.now(),
      cancelled: false,
      eventChainId: Number(n.replace(/\D/g, '')),
      failure: failure ? { code: failure.code, message: failure.message } : undefined,
    },
  });
  ctx.engine.lifecycle.enter(ctx.inv.tenant, rec, 'queued');
  // An idle vCenter starts a task at once: it is answered running (so a `state: {hold: running}` rule can keep it there).
  if (ctx.engine.lifecycle.modeFor(TASK, 'queued').kind === 'instant') ctx.engine.lifecycle.step(ctx.inv.tenant, rec);
  ctx.call?.touch(n);
  ctx.rt.changed();
  return moref('Task', n);
}

export function taskInfo(ctx: MoContext, rec: ResourceRecord<TaskData>): WireObject {
  const t = rec.data;
  const state = rec.lc?.state ?? 'queued';
  return {
    _type: 'TaskInfo',
    key: t.key,
    task: moref('Task', rec.id),
    name: t.name,
    descriptionId: t.descriptionId,
    entity: t.entity ? moref(t.entityType ?? 'ManagedEntity', t.entity) : undefined,
    entityName: t.entityName,
    state,
    cancelled: t.cancelled,
    cancelable: state === 'queued' || state === 'running',
    error: t.error ? localized(new VimFault(t.error.fault, t.error.message)) : undefined,
    result: state === 'success' ? t.result : undefined,
    progress: state === 'running' ? 50 : state === 'queued' ? undefined : 100,
    reason: { _type: 'TaskReasonUser', userName: t.userName },
    queueTime: new Date(t.queueTime),
    startTime: t.startTime !== undefined ? new Date(t.startTime) : undefined,
    completeTime: t.completeTime !== undefined ? new Date(t.completeTime) : undefined,
    eventChainId: t.eventChainId,
  };
}

export const renderTask: Renderer = (ctx, id) => {
  const rec = ctx.inv.tenant.collection<TaskData>(TASK).get(id);
  if (!rec) return undefined;
  return { info: taskInfo(ctx, rec), value: [], availableField: [] };
};

export const taskMethods: MethodTable = {
  CancelTask: {
    on: ['Task'],
    run: (ctx, self) => {
      const rec = ctx.inv.tenant.collection<TaskData>(TASK).get(self.value);
      if (!rec) throw fault.notFoundObj(self);
      const state = rec.lc?.state;
      if (state !== 'queued' && state !== 'running') throw fault.invalidState('The task is already complete.');
      rec.data.cancelled = true;
      rec.data.error = { fault: { _type: 'RequestCanceled' }, message: 'The task was canceled by a user.' };
      ctx.engine.lifecycle.enter(ctx.inv.tenant, rec, 'error');
      return undefined;
    },
  },
};
