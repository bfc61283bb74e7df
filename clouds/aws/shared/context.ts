/** What an AWS operation handler gets: the caller's account and region, the store, ids, time. */
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';
import type { AccountResolver } from './request.js';

export interface AwsContext {
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
  /** Access key → account mapping (STS issues keys for assumed roles' accounts). */
  readonly accounts: AccountResolver;
  /** The caller's access key id, when the request was signed. */
  readonly accessKeyId?: string;
}

/** The EC2 handlers' name for it. */
export type Ec2Context = AwsContext;

export type AwsHandler<I, O> = (input: I, ctx: AwsContext) => O;

/** Operation table entries are stored with their input/output types erased. */
export type AwsOperation = (input: Record<string, unknown>, ctx: AwsContext) => object;
export type Ec2Operation = AwsOperation;

export function op<I, O extends object>(handler: AwsHandler<I, O>): AwsOperation {
  return handler as unknown as AwsOperation;
}

/** A context outside any request: seeding, admin-driven work. */
export function systemContext(engine: Engine, account: string, region: string, accounts: AccountResolver): AwsContext {
  return {
    engine,
    tenant: engine.store.tenant('aws', account),
    account,
    region,
    requestId: 'fauxcloud-seed',
    now: () => new Date(engine.clock.now()),
    newId: (prefix) => engine.ids.prefixed(`aws:${prefix}`, prefix),
    touch: () => undefined,
    accounts,
  };
}
