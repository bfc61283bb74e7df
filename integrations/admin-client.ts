/** The admin API (`/_fauxcloud/…`) as typed calls, for the Testcontainers and msw integrations. */

import type { JournalEntry, JournalQuery } from '../core/journal.js';

// The admin API answers the journal's own records: one type for both sides.
export type { JournalEntry, JournalQuery };

/** The admin API (`/_fauxcloud/…`) as typed calls. */
export class FauxcloudAdmin {
  /** `send` carries one admin call: over HTTP to a server or container, or in-process. */
  constructor(private readonly send: (path: string, init: RequestInit) => Promise<Response>) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`fauxcloud admin ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  health(): Promise<{ status: string; scenario: string; seed: string; now: string; [k: string]: unknown }> {
    return this.call('GET', '/health');
  }

  /** Back to the scenario's seed: everything, or one cloud's tenant. */
  reset(scope: { cloud?: string; tenant?: string } = {}): Promise<unknown> {
    return this.call('POST', '/reset', scope);
  }

  advanceClock(ms: number): Promise<unknown> {
    return this.call('POST', '/clock/advance', { ms });
  }

  setClock(clock: { factor?: number; now?: string }): Promise<unknown> {
    return this.call('PUT', '/clock', clock);
  }

  /** Add one fault rule (the scenario format's `faults:` entry). */
  addFault(rule: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', '/faults', rule);
  }

  clearFaults(): Promise<unknown> {
    return this.call('DELETE', '/faults');
  }

  async journal(query: JournalQuery = {}): Promise<JournalEntry[]> {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    return (await this.call<{ entries: JournalEntry[] }>('GET', `/journal?${q}`)).entries;
  }

  loadScenario(scenario: { name: string } | { yaml: string }): Promise<unknown> {
    return this.call('PUT', '/scenario', scenario);
  }
}
