/**
 * Idempotency tokens (EC2 ClientToken, GCP requestId, ...): the same token with the same
 * parameters returns the first call's result; the same token with other parameters is a
 * mismatch that each cloud renders with its own error.
 */
export interface IdempotencyEntry {
  scope: string;
  token: string;
  fingerprint: string;
  resultId: string;
}

export type IdempotencyOutcome =
  | { kind: 'new' }
  | { kind: 'replay'; resultId: string }
  | { kind: 'mismatch'; resultId: string };

/**
 * Tokens a tenant's ledger keeps. The clouds forget tokens after hours; fauxcloud's virtual clock
 * may never get there, and a soak (a CSI driver sends a token with every CreateVolume) would
 * otherwise keep every token it ever saw. A caller retries a token within its own flow, never
 * this many creations later; past it, the oldest token goes and a reuse of it creates anew.
 */
export const IDEMPOTENCY_TOKENS_KEPT = 10_000;

export class IdempotencyLedger {
  /** Oldest first (a Map keeps insertion order). */
  private readonly entries = new Map<string, IdempotencyEntry>();

  constructor(private readonly capacity = IDEMPOTENCY_TOKENS_KEPT) {}

  check(scope: string, token: string, params: unknown): IdempotencyOutcome {
    const e = this.entries.get(`${scope}\u0000${token}`);
    if (!e) return { kind: 'new' };
    return e.fingerprint === fingerprint(params)
      ? { kind: 'replay', resultId: e.resultId }
      : { kind: 'mismatch', resultId: e.resultId };
  }

  remember(scope: string, token: string, params: unknown, resultId: string): void {
    const key = `${scope}\u0000${token}`;
    this.entries.delete(key); // a token remembered again is the newest
    this.entries.set(key, { scope, token, fingerprint: fingerprint(params), resultId });
    this.trim();
  }

  get size(): number {
    return this.entries.size;
  }

  private trim(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.capacity) return;
      this.entries.delete(key);
    }
  }

  exportState(): IdempotencyEntry[] {
    return [...this.entries.values()];
  }

  importState(entries: IdempotencyEntry[]): void {
    this.entries.clear();
    for (const e of entries) this.entries.set(`${e.scope}\u0000${e.token}`, { ...e });
    this.trim();
  }
}

/** Canonical JSON: key order must not make two equal requests look different. */
export function fingerprint(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}
