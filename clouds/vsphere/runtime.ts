/**
 * What a vCenter keeps per client connection rather than in its inventory: sessions (the
 * `vmware_soap_session` cookie), session-scoped property collectors with their filters and
 * paging tokens, views, and a change signal that wakes `WaitForUpdatesEx` long-polls.
 *
 * Sessions live in core's credential registry (namespace `vsphere`, expiry = last activity + the
 * idle timeout on the virtual clock), so they are part of the state document and survive an
 * export/import and a restart with `--data-dir`; the map here is a cache of the same sessions.
 * Collectors (with their filters, what each filter last reported, and paging tokens) and views
 * are kept in the state document too (`exportRuntime`), so a client that keeps its cookie across
 * a restart can keep calling WaitForUpdatesEx / RetrievePropertiesEx on what it created: a
 * restarted fauxcloud is the same vCenter, not a failover. A waiting call is not: it ends with
 * the connection.
 */
import type { IssuedCredential } from '../../core/auth.js';
import type { Engine } from '../../core/engine.js';
import type { WireObject } from './wire/codec.js';

export interface Session {
  key: string;
  userName: string;
  loginTime: number;
  lastActive: number;
  callCount: number;
  ipAddress?: string;
  userAgent?: string;
}

export interface Filter {
  id: string;
  collector: string;
  spec: WireObject;
  partialUpdates: boolean;
  /** Last reported serialized value per object then property (`vm-1` → `name` → xml). */
  reported: Map<string, { type: string; values: Map<string, string> }>;
}

export interface Collector {
  id: string;
  session: string;
  filters: Map<string, Filter>;
  version: number;
  /** Paging tokens of RetrievePropertiesEx: the object contents still to hand out. */
  pages: Map<string, { rest: WireObject[]; max: number }>;
  nextToken: number;
  /** Set by CancelWaitForUpdates; a waiting call ends with RequestCanceled. */
  cancelled: boolean;
  waiting: number;
}

export interface View {
  id: string;
  type: 'ContainerView' | 'ListView';
  session: string;
  container?: string;
  types?: string[];
  recursive?: boolean;
  list?: Array<{ type: string; value: string }>;
}

/** The runtime as the state document holds it. */
export interface RuntimeDoc {
  seq: number;
  collectors: Array<{
    id: string;
    session: string;
    version: number;
    nextToken: number;
    cancelled: boolean;
    pages: ReadonlyArray<readonly [string, { rest: WireObject[]; max: number }]>;
    filters: Array<{ id: string; spec: WireObject; partialUpdates: boolean; reported: ReadonlyArray<readonly [string, { type: string; values: Array<[string, string]> }]> }>;
  }>;
  views: View[];
}

/** Idle sessions expire after 30 minutes of virtual time, as vCenter's default. */
export const SESSION_IDLE_MS = 30 * 60_000;

/** The registry namespace of vCenter sessions (SOAP and vAPI share one session space). */
const SESSIONS = 'vsphere';

function fromCredential(c: IssuedCredential): Session {
  const p = c.principal;
  return {
    key: c.token,
    userName: p['userName'] ?? '',
    loginTime: Number(p['loginTime'] ?? 0),
    lastActive: Number(p['lastActive'] ?? 0),
    callCount: Number(p['callCount'] ?? 0),
    ...(p['ipAddress'] !== undefined ? { ipAddress: p['ipAddress'] } : {}),
    ...(p['userAgent'] !== undefined ? { userAgent: p['userAgent'] } : {}),
  };
}

export class VsphereRuntime {
  readonly sessions = new Map<string, Session>();
  readonly collectors = new Map<string, Collector>();
  readonly views = new Map<string, View>();
  private waiters = new Set<() => void>();
  private seq = 0;

  constructor(readonly engine: Engine) {}

  nextId(prefix: string): string {
    return `${prefix}${++this.seq}`;
  }

  /** Wake every long-poll: something they may report changed. */
  changed(): void {
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  /** Resolve on the next change or after `ms` real milliseconds. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  /** A new session (Login, vAPI session create), remembered in the registry. */
  addSession(s: Session): void {
    this.sessions.set(s.key, s);
    this.remember(s);
  }

  /** The live session with this key (its idle time not over on the virtual clock), else undefined. */
  session(key: string | undefined): Session | undefined {
    if (!key) return undefined;
    const verdict = this.engine.auth.verify(SESSIONS, key);
    if (!verdict.ok) {
      if (this.sessions.has(key) || verdict.reason === 'expired') this.endSession(key);
      return undefined;
    }
    let s = this.sessions.get(key);
    if (!s) {
      // Loaded from the state document (a restart, an import): the cache is filled again.
      s = fromCredential(verdict.credential);
      this.sessions.set(key, s);
    }
    return s;
  }

  /** A call on the session: it stays alive for another idle window. */
  touch(s: Session, countCall: boolean): void {
    s.lastActive = this.engine.clock.now();
    if (countCall) s.callCount++;
    this.remember(s);
  }

  /** Every live session (SessionManager.sessionList), those only in the registry included. */
  liveSessions(): Session[] {
    return this.engine.auth.list(SESSIONS).flatMap((c) => this.session(c.token) ?? []);
  }

  private remember(s: Session): void {
    const principal: Record<string, string> = { userName: s.userName, loginTime: String(s.loginTime), lastActive: String(s.lastActive), callCount: String(s.callCount) };
    if (s.ipAddress !== undefined) principal['ipAddress'] = s.ipAddress;
    if (s.userAgent !== undefined) principal['userAgent'] = s.userAgent;
    this.engine.auth.issue(SESSIONS, s.key, s.lastActive + SESSION_IDLE_MS, principal);
  }

  /** The collectors, filters and views as JSON (Maps as entry lists), for the state document. */
  exportRuntime(): RuntimeDoc {
    return {
      seq: this.seq,
      collectors: [...this.collectors.values()].map((c) => ({
        id: c.id,
        session: c.session,
        version: c.version,
        nextToken: c.nextToken,
        cancelled: c.cancelled,
        pages: [...c.pages].map(([token, p]) => [token, { rest: p.rest, max: p.max }] as const),
        filters: [...c.filters.values()].map((f) => ({
          id: f.id,
          spec: f.spec,
          partialUpdates: f.partialUpdates,
          reported: [...f.reported].map(([obj, r]) => [obj, { type: r.type, values: [...r.values] }] as const),
        })),
      })),
      views: [...this.views.values()],
    };
  }

  /** Back from the state document; anything malformed is dropped, never thrown. */
  importRuntime(doc: unknown): void {
    this.collectors.clear();
    this.views.clear();
    const d = (doc ?? {}) as Partial<RuntimeDoc>;
    this.seq = Number.isSafeInteger(d.seq) ? d.seq! : 0;
    for (const c of Array.isArray(d.collectors) ? d.collectors : []) {
      try {
        const filters = new Map<string, Filter>();
        for (const f of c.filters) filters.set(f.id, { id: f.id, collector: c.id, spec: f.spec, partialUpdates: f.partialUpdates === true, reported: new Map(f.reported.map(([obj, r]) => [obj, { type: r.type, values: new Map(r.values) }])) });
        this.collectors.set(c.id, { id: c.id, session: c.session, filters, version: c.version, pages: new Map(c.pages.map(([t, p]) => [t, { rest: p.rest, max: p.max }])), nextToken: c.nextToken, cancelled: c.cancelled === true, waiting: 0 });
      } catch {
        // A collector the document spells wrongly is one the client recreates.
      }
    }
    for (const v of Array.isArray(d.views) ? d.views : []) if (v && typeof v.id === 'string' && typeof v.session === 'string') this.views.set(v.id, v);
  }

  endSession(key: string): void {
    this.engine.auth.revoke(SESSIONS, key);
    this.sessions.delete(key);
    for (const [id, c] of this.collectors) if (c.session === key) this.collectors.delete(id);
    for (const [id, v] of this.views) if (v.session === key) this.views.delete(id);
  }

  /** Drop every session (the session-expiry drill; vCenter restarts do the same). */
  expireAll(): void {
    for (const key of new Set([...this.sessions.keys(), ...this.engine.auth.list(SESSIONS).map((c) => c.token)])) this.endSession(key);
    this.changed();
  }
}
