/** What an OpenStack handler sees: the request, its route parameters, the token and its project. */
import type { CallContext, InjectedError, WireRequest } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import type { Service } from '../errors.js';
import type { TokenData } from '../records.js';
import type { Version } from './microversion.js';
import type { Reply } from './wire.js';

export interface OsContext {
  readonly engine: Engine;
  readonly req: WireRequest;
  readonly call: CallContext;
  readonly service: Service;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The region the endpoint belongs to (the catalog lists one endpoint set per region). */
  readonly region: string;
  /** `http://host:port` as the caller addressed fauxcloud. */
  readonly origin: string;
  /** The URL of a service's endpoint in this region, as the catalog lists it. */
  endpoint(service: 'identity' | 'compute' | 'volume' | 'network' | 'load-balancer' | 'key-manager'): string;
  /** The caller's valid token (undefined only on anonymous routes). */
  readonly token?: ResourceRecord<TokenData>;
  /** The token's project, as a store tenant (undefined only on anonymous routes and unscoped tokens). */
  readonly project?: TenantStore;
  /** The cloud-wide tenant (Keystone, regions, flavors, volume types). */
  readonly cloud: TenantStore;
  /** The microversion the call runs at (Nova, Cinder). */
  readonly version: Version;
  /** A `fail:` fault rule matched: the resource this call starts moving ends in error. */
  readonly asyncFailure?: InjectedError;
}

export type Handler = (c: OsContext) => Reply | Promise<Reply>;

/** The project tenant, for handlers on routes that require a project-scoped token. */
export function projectOf(c: OsContext): TenantStore {
  if (!c.project) throw new Error('route requires a project-scoped token');
  return c.project;
}
