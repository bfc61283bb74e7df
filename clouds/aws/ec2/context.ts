/** What an EC2 operation handler gets: the caller's account and region, the store, ids, time. */
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';

export interface Ec2Context {
  readonly engine: Engine;
  readonly tenant: TenantStore;
  readonly account: string;
  readonly region: string;
  readonly requestId: string;
  /** Virtual now. */
  now(): Date;
  /** A new id such as `vol-0a1b…` from the seeded generator. */
  newId(prefix: string): string;
  touch(...ids: string[]): void;
}

export type Ec2Handler<I, O> = (input: I, ctx: Ec2Context) => O;

/** Operation table entries are stored with their input/output types erased. */
export type Ec2Operation = (input: Record<string, unknown>, ctx: Ec2Context) => object;

export function op<I, O extends object>(handler: Ec2Handler<I, O>): Ec2Operation {
  return handler as unknown as Ec2Operation;
}

/** A context outside any request: seeding, admin-driven work. */
export function systemContext(engine: Engine, account: string, region: string): Ec2Context {
  return {
    engine,
    tenant: engine.store.tenant('aws', account),
    account,
    region,
    requestId: 'fauxcloud-seed',
    now: () => new Date(engine.clock.now()),
    newId: (prefix) => engine.ids.prefixed(`aws:${prefix}`, prefix),
    touch: () => undefined,
  };
}
