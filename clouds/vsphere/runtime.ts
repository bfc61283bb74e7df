/**
 * What a vCenter keeps per client connection rather than in its inventory: sessions (the
 * `vmware_soap_session` cookie), session-scoped property collectors with their filters and
 * paging tokens, views, and a change signal that wakes `WaitForUpdatesEx` long-polls.
 */
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

/** Idle sessions expire after 30 minutes of virtual time, as vCenter's default. */
export const SESSION_IDLE_MS = 30 * 60_000;

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

  session(key: string | undefined): Session | undefined {
    if (!key) return undefined;
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (this.engine.clock.now() - s.lastActive > SESSION_IDLE_MS) {
      this.endSession(key);
      return undefined;
    }
    return s;
  }

  endSession(key: string): void {
    this.sessions.delete(key);
    for (const [id, c] of this.collectors) if (c.session === key) this.collectors.delete(id);
    for (const [id, v] of this.views) if (v.session === key) this.views.delete(id);
  }

  /** Drop every session (the session-expiry drill; vCenter restarts do the same). */
  expireAll(): void {
    for (const key of [...this.sessions.keys()]) this.endSession(key);
    this.changed();
  }
}
