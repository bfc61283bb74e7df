/**
 * What a managed object's methods and property renderers see: the inventory, the per-connection
 * runtime, the caller's session, and the call's hooks into core (journal ids, fault gate).
 */
import type { CallContext, GateAnswer } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import type { Inventory } from '../inventory.js';
import type { Session, VsphereRuntime } from '../runtime.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import type { MoRef } from '../faults.js';

export interface MoContext {
  readonly engine: Engine;
  readonly inv: Inventory;
  readonly rt: VsphereRuntime;
  session?: Session;
  /** Set-Cookie headers a method wants sent (Login). */
  cookies: string[];
  readonly call?: CallContext;
  readonly secure: boolean;
  /** What the fault gate answered (a `fail:` rule's error for the task this call starts). */
  gateAnswer?: GateAnswer;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface MethodDef {
  /** Managed object types the method is defined on (subtypes included). */
  on: readonly string[];
  /** Served without a session (RetrieveServiceContent, Login, CurrentTime). */
  anonymous?: boolean;
  run(ctx: MoContext, self: MoRef, args: WireObject): WireValue | Promise<WireValue>;
}

export type MethodTable = Record<string, MethodDef>;

/** Renders the properties of one managed object type, or undefined when the object does not exist. */
export type Renderer = (ctx: MoContext, id: string) => WireObject | undefined;
