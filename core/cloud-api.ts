/**
 * The contract between core and a cloud. A cloud is a fastify plugin that registers one
 * `CloudApi` with the engine; core's dispatcher asks each API in priority order whether it
 * recognises a request, then lets it decode, pass the fault gate, run and encode.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { TSchema } from '@sinclair/typebox';
import type { ComponentConfig } from './component-config.js';
import type { CloudError } from './errors.js';
import type { Engine } from './engine.js';
import type { ResourceInfo } from './faults/types.js';

export interface WireRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Arrived on the HTTPS port (clouds that echo their own URLs use the caller's scheme). */
  secure?: boolean;
}

export interface WireReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** For the journal only, never sent: the cloud error code this reply carries. */
  errorCode?: string;
}

/** What identification yields: enough to journal the call and to match fault rules. */
export interface RoutedCall {
  service: string;
  operation: string;
  /** Tenant id inside the cloud (AWS account, GCP project, ...). */
  tenant?: string;
  region?: string;
}

/** What core hands a cloud while it serves one call. */
export interface CallContext {
  readonly engine: Engine;
  readonly requestId: string;
  /** Record resource ids the call touched (journal, fault matching). */
  touch(...ids: string[]): void;
  /**
   * Run the fault gate for the decoded call, with what the cloud knows of the zones and resources
   * it names (asked for only when rules are installed, so the usual rule-less run pays nothing).
   * Waits out injected latency; throws the cloud's CloudError (or a connection fault) when a rule
   * says so. The answer tells a read under a stale-read fault its visibility horizon, and a call
   * that starts a long-running operation the error that operation must end with (`fail:` rules).
   */
  gate(scope?: () => { zones?: readonly string[]; resources?: readonly ResourceInfo[] }): Promise<GateAnswer>;
}

export interface GateAnswer {
  staleHorizon?: number;
  asyncFailure?: InjectedError;
}

/** An injected error as the fault engine hands it to a cloud. */
export interface InjectedError {
  /** A catalogue code (`RequestLimitExceeded`); empty for a throttle, which uses the cloud's own. */
  code: string;
  status?: number;
  message?: string;
  throttle?: boolean;
  retryAfterSeconds?: number;
}

export interface SeedProblem {
  path: string;
  message: string;
}

/** Where fauxcloud listens, as a cloud's connection settings are computed from it. */
export interface ListenerUrls {
  httpUrl: string;
  httpsUrl?: string;
  /** Path of a file holding the CA certificate, when the operator has one on disk (`--data-dir`). */
  caPath?: string;
}

/**
 * How a cloud's callers reach fauxcloud (`GET /_fauxcloud/endpoints`, `fauxcloud env <cloud>`): every
 * value is what the caller would set, computed from the running listeners.
 */
export interface ConnectionInfo {
  /** Base URLs by role (`ec2`, `compute`, `identity`, `metadata`, …). */
  urls: Record<string, string>;
  /** Environment variables the cloud's SDKs, CLIs and components read. */
  env: Record<string, string>;
  /** Config-file keys components read, per file (`gce.conf`, `azure.json`, `cloud.conf`, …). */
  config?: Record<string, Record<string, string | number | boolean>>;
  /** The default tenant (account, project, subscription, …) and the credentials that work. */
  tenant?: string;
  credentials?: Record<string, string>;
  /** Anything a caller must know that the fields above cannot say. */
  notes?: string[];
  /** Ready config files per upstream component (`GET /_fauxcloud/config/<component>`), rendered by core. */
  components?: ComponentConfig[];
}

export interface CloudApi<C extends RoutedCall = RoutedCall> {
  readonly name: string;
  /** Lower runs first: specific matchers (SOAP action, path prefixes) before catch-alls (AWS `POST /`). */
  readonly priority: number;
  identify(req: WireRequest): C | undefined;
  handle(call: C, req: WireRequest, ctx: CallContext): Promise<WireReply>;
  /** Render any error in the cloud's own shape; `call` is undefined when identification itself failed. */
  renderError(err: CloudError, call: C | undefined, requestId: string): WireReply;
  /** Build the error a fault rule injects, from the cloud's catalogue of codes and statuses. */
  faultError(err: InjectedError, call: C): CloudError;
  /** The JSON Schema of this cloud's `seed.<cloud>` section (for the scenario schema editors use). */
  readonly seedSchema?: TSchema;
  /** Check a scenario's `seed.<cloud>` section; problems carry a path inside the section. */
  validateSeed?(section: unknown): SeedProblem[];
  /** Create the section's records; with `onlyTenant`, only that tenant's. */
  applySeed?(section: unknown, engine: Engine, onlyTenant?: string): void;
  /**
   * A pinned listener (`POST /_fauxcloud/listeners`) is about to fix request header `header`
   * (lowercase) to `value`: a problem if the header is this cloud's and names nothing that exists.
   */
  pinnedHeaderProblem?(header: string, value: string): string | undefined;
  /** The JSON Schema of this cloud's `auth.<cloud>` scenario section (credentials strict mode accepts). */
  readonly authSchema?: TSchema;
  /** This cloud's connection settings for callers (served by the admin API's `endpoints`). */
  connection?(where: ListenerUrls): ConnectionInfo;
  /**
   * The HTTP layer refused a request before any handler ran (see HttpRefusal). `call` is what
   * `identify` made of it (for `tooLarge`, from the path and headers alone: the body is never
   * read); undefined when no cloud identified it, and the cloud is asked whether it is its own
   * anyway (by host, path prefix, signing scope). Answer in the cloud's shape, or undefined for
   * "not mine". Without this hook an identified call gets `renderError` with a 413 CloudError.
   */
  renderHttpRefusal?(kind: HttpRefusal, req: WireRequest, call: C | undefined, requestId: string): WireReply | undefined;
  /**
   * State the cloud keeps outside the store (vSphere's property collectors and views), as JSON
   * for the state document; `importRuntime` gets it back (undefined: the document has none, so
   * the cloud drops what it holds). Import must not throw on a document it cannot use: it keeps
   * what it can.
   */
  exportRuntime?(): unknown;
  importRuntime?(doc: unknown): void;
}

/**
 * `tooLarge`: the body is over the server's limit (HTTP 413), answered from the headers alone.
 * `notFound`: no route serves this method and path (an unknown path, or a method the cloud's
 * endpoint does not take: `PATCH /` on EC2, `PUT /sdk`).
 */
export type HttpRefusal = 'tooLarge' | 'notFound';

/** The largest request body any cloud route takes (fastify's bodyLimit); a larger one is a `tooLarge` refusal. */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export class CloudRegistry {
  private apis: CloudApi[] = [];

  register<C extends RoutedCall>(api: CloudApi<C>): void {
    if (this.apis.some((a) => a.name === api.name)) throw new Error(`cloud ${api.name} registered twice`);
    this.apis = [...this.apis, api as unknown as CloudApi].sort((a, b) => a.priority - b.priority);
  }

  list(): readonly CloudApi[] {
    return this.apis;
  }

  get(name: string): CloudApi | undefined {
    return this.apis.find((a) => a.name === name);
  }

  identify(req: WireRequest): { api: CloudApi; call: RoutedCall } | undefined {
    for (const api of this.apis) {
      const call = api.identify(req);
      if (call) return { api, call };
    }
    return undefined;
  }
}
