/**
 * Leaf certificates for the host names the HTTPS proxy answers for, minted from fauxcloud's CA on
 * first use and kept (bounded: host names come from callers) as ready TLS contexts.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsMaterial } from '../tls.js';

/** Enough for every host a cluster's components reach; the oldest is dropped beyond it. */
const MAX_NAMES = 1024;

export class LeafContexts {
  private readonly cache = new Map<string, Promise<SecureContext>>();

  constructor(private readonly tls: TlsMaterial) {}

  /** The TLS context presenting a certificate for `name` (a DNS name or an IP literal). */
  get(name: string): Promise<SecureContext> {
    const hit = this.cache.get(name);
    if (hit) {
      // Keep recently used names at the young end.
      this.cache.delete(name);
      this.cache.set(name, hit);
      return hit;
    }
    const issue = this.tls.issue;
    if (!issue) return Promise.reject(new Error('the TLS material cannot issue certificates'));
    const made = issue([name]).then((cert) =>
      createSecureContext({ cert, key: this.tls.keyPem }),
    );
    // A failed mint is not cached: the next request tries again.
    made.catch(() => this.cache.delete(name));
    this.cache.set(name, made);
    if (this.cache.size > MAX_NAMES) this.cache.delete(this.cache.keys().next().value!);
    return made;
  }

  get size(): number {
    return this.cache.size;
  }
}
