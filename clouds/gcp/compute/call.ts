/** What a Compute handler gets for one call, and the registry handlers live in. */
import type { CallContext } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';
import type { Json } from './codec.js';
import type { Route } from './model.js';
import { renderOperation, startOperation, type StartOperation } from './operations.js';
import type { OpFailure } from './problems.js';

export interface ComputeCall {
  engine: Engine;
  tenant: TenantStore;
  project: string;
  /** Path parameters in camelCase (`zone`, `disk`, `instance`). */
  params: Record<string, string>;
  /** Method parameters from the query string. */
  query: Json;
  /** The request body (the rule's body field), `{}` when the method has none. */
  body: Json;
  route: Route;
  /** `http://host:port/compute/v1/`: what stored references render to in this answer. */
  base: string;
  ctx: CallContext;
  /** Set by a `fail:` fault rule: the operation this call starts must end with this error. */
  asyncFailure?: OpFailure;
}

export type ComputeHandler = (call: ComputeCall) => Json | Promise<Json>;

export const handlers = new Map<string, ComputeHandler>();

export function defineHandlers(map: Record<string, ComputeHandler>): void {
  for (const [op, h] of Object.entries(map)) handlers.set(op, h);
}

/** Start an operation for this call and answer with it (the fault gate's async failure included). */
export function operation(call: ComputeCall, start: Omit<StartOperation, 'failure'>): Json {
  const rec = startOperation(call.engine, call.tenant, { ...start, failure: call.asyncFailure });
  call.ctx.touch(rec.id);
  return renderOperation(call.project, rec);
}

/** The scope of a call's location parameter. */
export const scopeOf = (call: ComputeCall): string =>
  call.params['zone'] !== undefined ? `zones/${call.params['zone']}` : call.params['region'] !== undefined ? `regions/${call.params['region']}` : 'global';
