/**
 * fauxcloud in-process for JS tests (`fauxcloud/msw`), the way moto's decorator is used: msw
 * intercepts the official SDKs' requests to the real host names and hands them to a fauxcloud
 * engine in this process (fastify's `inject`), so no port is opened and the same state, faults,
 * clock and journal as the server answer.
 *
 *   const cloud = inProcessFauxcloud({ scenario: 'default' });
 *   const server = setupServer(...cloud.handlers());
 *   server.listen();
 *   await new EC2Client({ region: 'us-east-1' }).send(…);   // → ec2.us-east-1.amazonaws.com, in-process
 *
 * `msw` (2.x) is a peer dependency.
 */
import { http, type HttpHandler } from 'msw';
import { allClouds } from '../clouds/index.js';
import { buildApp, type BuiltApp } from '../core/app.js';
import { Engine } from '../core/engine.js';
import { loadScenarioFile } from '../core/scenario.js';
import { FauxcloudAdmin } from './admin-client.js';

export { FauxcloudAdmin, type JournalEntry, type JournalQuery } from './admin-client.js';

/** The host names fauxcloud answers for unless told otherwise: each cloud's real API and metadata hosts. */
export const CLOUD_HOSTS: readonly (string | RegExp)[] = [
  /(^|\.)amazonaws\.com$/,
  /(^|\.)api\.aws$/,
  /(^|\.)googleapis\.com$/,
  'metadata.google.internal',
  '169.254.169.254',
  /(^|\.)azure\.com$/,
  /(^|\.)microsoftonline\.com$/,
  /(^|\.)azurecr\.io$/,
  /(^|\.)fauxcloud\.local$/,
];

export interface InProcessOptions {
  /** A shipped scenario name or a YAML file path (default `default`). */
  scenario?: string;
  seed?: string | number;
  /** More hosts to answer for (an endpoint a test configured, e.g. `localhost:4566`); `host` or `host:port`. */
  hosts?: readonly (string | RegExp)[];
  /** Answer only these hosts, not CLOUD_HOSTS. */
  onlyHosts?: boolean;
}

export class InProcessFauxcloud {
  private built: Promise<BuiltApp> | undefined;
  private readonly hosts: readonly (string | RegExp)[];
  readonly admin: FauxcloudAdmin;

  constructor(private readonly opts: InProcessOptions = {}) {
    this.hosts = [...(opts.onlyHosts ? [] : CLOUD_HOSTS), ...(opts.hosts ?? [])];
    this.admin = new FauxcloudAdmin((path, init) => this.fetch(new Request(`http://fauxcloud.local/_fauxcloud${path}`, init)));
  }

  /** The engine, built on first use (clouds load their models then, not at import). */
  async engine(): Promise<Engine> {
    return (await this.app()).engine;
  }

  private app(): Promise<BuiltApp> {
    this.built ??= (async () => {
      const engine = new Engine({ seed: String(this.opts.seed ?? 0) });
      return buildApp({ engine, clouds: allClouds, logLevel: 'silent', scenario: (e) => loadScenarioFile(this.opts.scenario ?? 'default', e) });
    })();
    return this.built;
  }

  /** Whether a request to this URL is fauxcloud's to answer. */
  answers(url: URL): boolean {
    return this.hosts.some((h) => (typeof h === 'string' ? h === url.host || h === url.hostname : h.test(url.hostname)));
  }

  /** Answer one request in-process, exactly as the server would on its port. */
  async fetch(request: Request): Promise<Response> {
    const { app } = await this.app();
    const url = new URL(request.url);
    const headers: Record<string, string> = { host: url.host };
    request.headers.forEach((v, k) => (headers[k] = v));
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : Buffer.from(await request.arrayBuffer());
    const res = await app.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers,
      ...(body && body.length > 0 ? { payload: body } : {}),
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined || k === 'content-length' || k === 'transfer-encoding' || k === 'connection') continue;
      for (const one of Array.isArray(v) ? v : [v]) out.append(k, String(one));
    }
    const empty = res.statusCode === 204 || res.statusCode === 304 || request.method === 'HEAD';
    return new Response(empty ? null : res.rawPayload, { status: res.statusCode, headers: out });
  }

  /** msw handlers: pass them to `setupServer(...)`; requests to other hosts fall through. */
  handlers(): HttpHandler[] {
    return [
      http.all('*', async ({ request }) => {
        if (!this.answers(new URL(request.url))) return undefined;
        return this.fetch(request);
      }),
    ];
  }

  async close(): Promise<void> {
    if (this.built) await (await this.built).app.close();
    this.built = undefined;
  }
}

export function inProcessFauxcloud(opts: InProcessOptions = {}): InProcessFauxcloud {
  return new InProcessFauxcloud(opts);
}

/** Handlers over a fresh in-process fauxcloud, for tests that need no handle on it. */
export function fauxcloudHandlers(opts: InProcessOptions = {}): HttpHandler[] {
  return inProcessFauxcloud(opts).handlers();
}
