/**
 * Authentication shared by every cloud: the mode (`off`, the default, accepts any credentials as
 * the clouds did before; `strict` makes each cloud verify them) and the registry of credentials
 * fauxcloud itself issued (AWS STS keys, GCP access tokens, IMDS tokens; Azure AAD tokens,
 * Keystone tokens, vSphere sessions as those clouds land), with expiry on the virtual clock.
 * Core stores and expires; each cloud decides what a credential looks like on its wire and
 * renders its own error. The registry is part of the state document, so issued credentials
 * survive an export/import and a restart.
 */
import type { VirtualClock } from './clock.js';

export type AuthMode = 'off' | 'strict';
export const AUTH_MODES: readonly AuthMode[] = ['off', 'strict'];

export interface IssuedCredential {
  /** Namespace, usually the cloud (`aws`, `gcp`); a cloud may keep several (`aws-imds`). */
  cloud: string;
  /** What the caller presents: an access key id, a bearer token, a session id. */
  token: string;
  /** Virtual ms from which it no longer verifies; absent: it never expires. */
  expiresAt?: number;
  /** Whom it speaks for, in the cloud's own terms (account, role ARN, project, instance id, …). */
  principal: Record<string, string>;
  /** What signs alongside it (an AWS secret access key and session token); never on the wire. */
  secrets?: Record<string, string>;
}

export type Verdict =
  | { ok: true; credential: IssuedCredential }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'expired'; credential: IssuedCredential };

export interface AuthState {
  credentials: IssuedCredential[];
}

/** Expired credentials are remembered this long, so callers hear "expired" rather than "unknown". */
const EXPIRED_GRACE_MS = 24 * 3_600_000;
/** Beyond this many, the oldest are forgotten (a long run issuing a token per request stays bounded). */
const MAX_CREDENTIALS = 100_000;

export class AuthRegistry {
  private readonly byKey = new Map<string, IssuedCredential>();
  /** Set from `--auth` / FAUXCLOUD_AUTH; wins over the scenario's `auth.mode`. */
  override: AuthMode | undefined;
  /** The scenario's `auth.mode`. */
  scenarioMode: AuthMode | undefined;

  constructor(private readonly clock: VirtualClock) {}

  get mode(): AuthMode {
    return this.override ?? this.scenarioMode ?? 'off';
  }

  get strict(): boolean {
    return this.mode === 'strict';
  }

  /** Remember a credential fauxcloud handed out (the same token issued again replaces the old entry). */
  issue(cloud: string, token: string, expiresAt: number | undefined, principal: Record<string, string>, secrets?: Record<string, string>): IssuedCredential {
    const key = keyOf(cloud, token);
    this.byKey.delete(key);
    const c: IssuedCredential = { cloud, token, principal: { ...principal }, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(secrets ? { secrets: { ...secrets } } : {}) };
    this.byKey.set(key, c);
    if (this.byKey.size % 1024 === 0) this.prune();
    return c;
  }

  /** The credential as issued, expired or not (for principal lookups that must not fail on expiry). */
  find(cloud: string, token: string): IssuedCredential | undefined {
    return this.byKey.get(keyOf(cloud, token));
  }

  /** Was this issued by fauxcloud, and is it still valid on the virtual clock? */
  verify(cloud: string, token: string): Verdict {
    const c = this.byKey.get(keyOf(cloud, token));
    if (!c) return { ok: false, reason: 'unknown' };
    if (c.expiresAt !== undefined && c.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired', credential: c };
    return { ok: true, credential: c };
  }

  /** Every credential of one namespace, expired or not, in issue order. */
  list(cloud: string): IssuedCredential[] {
    return [...this.byKey.values()].filter((c) => c.cloud === cloud);
  }

  revoke(cloud: string, token: string): boolean {
    return this.byKey.delete(keyOf(cloud, token));
  }

  get size(): number {
    return this.byKey.size;
  }

  clear(): void {
    this.byKey.clear();
  }

  exportState(): AuthState {
    return { credentials: [...this.byKey.values()].map((c) => structuredClone(c)) };
  }

  importState(state: AuthState): void {
    this.byKey.clear();
    for (const c of state.credentials) this.byKey.set(keyOf(c.cloud, c.token), structuredClone(c));
  }

  /** Forget credentials long expired, then the oldest beyond the cap (Map order is issue order). */
  private prune(): void {
    const cutoff = this.clock.now() - EXPIRED_GRACE_MS;
    for (const [k, c] of this.byKey) if (c.expiresAt !== undefined && c.expiresAt <= cutoff) this.byKey.delete(k);
    for (const k of this.byKey.keys()) {
      if (this.byKey.size <= MAX_CREDENTIALS) break;
      this.byKey.delete(k);
    }
  }
}

function keyOf(cloud: string, token: string): string {
  return `${cloud}\u0000${token}`;
}

/** `Authorization: Bearer <token>`, else undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  const m = v ? /^Bearer\s+(\S+)\s*$/i.exec(v) : null;
  return m ? m[1] : undefined;
}
