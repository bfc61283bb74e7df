/**
 * The lifecycle engine. A resource stores the state it entered, when, and when it moves on; its
 * current state follows from the virtual clock. No timer per resource: due transitions wait in
 * one queue ordered by virtual time and are applied, in clock order, when anything next looks at
 * the store (`settle`). `manual` transitions advance after N reads or by an admin call.
 */
import type { VirtualClock } from './clock.js';
import type { RandomStream } from './rng.js';
import type { ResourceRecord, Store, TenantStore } from './store.js';
import type { LifecycleConfig, MachineDef, TransitionMode } from './lifecycle-types.js';

interface QueueEntry {
  due: number;
  order: number;
  tenant: string;
  type: string;
  id: string;
  epoch: number;
}

const INSTANT: TransitionMode = { kind: 'instant' };

export class LifecycleEngine {
  private readonly machines = new Map<string, MachineDef<never>>();
  private config: LifecycleConfig = {};
  private queue: QueueEntry[] = [];
  private order = 0;
  private settling = false;

  constructor(
    private readonly clock: VirtualClock,
    private readonly store: () => Store,
    private readonly jitter: () => RandomStream,
  ) {}

  define<T>(machine: MachineDef<T>): void {
    this.machines.set(machine.type, machine as MachineDef<never>);
  }

  machineTypes(): string[] {
    return [...this.machines.keys()];
  }

  /** The transient states a type declares (for validating scenario files). */
  transientStates(type: string): string[] | undefined {
    const m = this.machines.get(type);
    return m ? Object.keys(m.auto) : undefined;
  }

  setConfig(config: LifecycleConfig): void {
    this.config = structuredClone(config);
  }

  getConfig(): LifecycleConfig {
    return structuredClone(this.config);
  }

  modeFor(type: string, state: string): TransitionMode {
    return this.config[type]?.[state] ?? INSTANT;
  }

  /**
   * Put a record into a state now (creation, or an API call such as AttachVolume). Plans the
   * automatic transition out of it; applies the machine's side effects for the new state.
   */
  enter<T>(tenant: TenantStore, record: ResourceRecord<T>, state: string, at = this.clock.now()): void {
    const from = record.lc?.state;
    record.lc = { state, since: at, epoch: (record.lc?.epoch ?? 0) + 1 };
    this.plan(tenant, record as ResourceRecord);
    const machine = this.machines.get(record.type);
    machine?.onEnter?.({ record: record as ResourceRecord<never>, from, to: state, at, tenant });
  }

  /** Apply every timed transition that is due, in virtual-time order. Cheap when none is due. */
  settle(): void {
    if (this.settling) return;
    this.settling = true;
    try {
      const now = this.clock.now();
      while (this.queue.length > 0 && this.queue[0]!.due <= now) {
        const e = this.pop();
        const tenant = this.store().findTenant(e.tenant);
        const rec = tenant?.collection(e.type).peek(e.id);
        if (!tenant || !rec?.lc || rec.lc.epoch !== e.epoch) continue;
        this.advance(tenant, rec, e.due);
      }
    } finally {
      this.settling = false;
    }
  }

  /** Store hook: a read of a resource waiting in a manual state counts toward its step. */
  onRead(record: ResourceRecord): void {
    const lc = record.lc;
    if (lc?.readsLeft === undefined) return;
    if (lc.readsLeft > 0) {
      lc.readsLeft--;
      return;
    }
    const tenant = this.store().findTenant(record.tenant);
    if (tenant) this.advance(tenant, record, this.clock.now());
  }

  /** Force the pending transition of one resource now (admin API, manual steps). */
  step(tenant: TenantStore, record: ResourceRecord): boolean {
    if (!record.lc || !this.nextState(record)) return false;
    this.advance(tenant, record, this.clock.now());
    return true;
  }

  /**
   * Keep a resource in its current state for `ms` more virtual ms or `reads` more reads (a fault
   * rule's `state: {hold: …}`), replacing whatever plan it had. False if it is not in `state`.
   */
  hold(tenant: TenantStore, record: ResourceRecord, state: string, until: { ms?: number; reads?: number }): boolean {
    const lc = record.lc;
    if (!lc || lc.state !== state || !this.nextState(record)) return false;
    lc.epoch++;
    delete lc.dueAt;
    delete lc.readsLeft;
    if (until.reads !== undefined) lc.readsLeft = until.reads;
    else {
      lc.dueAt = this.clock.now() + (until.ms ?? 0);
      this.push({ due: lc.dueAt, order: this.order++, tenant: tenant.key, type: record.type, id: record.id, epoch: lc.epoch });
    }
    return true;
  }

  /** Rebuild the queue from the records (after a state import). */
  rebuild(): void {
    this.queue = [];
    for (const t of this.store().tenants())
      for (const type of t.collectionTypes())
        for (const rec of t.collection(type).all())
          if (rec.lc?.dueAt !== undefined) this.push({ due: rec.lc.dueAt, order: this.order++, tenant: t.key, type, id: rec.id, epoch: rec.lc.epoch });
  }

  clear(): void {
    this.queue = [];
  }

  /** Virtual ms of the next timed transition, if any (lets the clock endpoint report it). */
  nextDue(): number | undefined {
    return this.queue[0]?.due;
  }

  private nextState(record: ResourceRecord): string | undefined {
    const state = record.lc?.state;
    return state === undefined ? undefined : this.machines.get(record.type)?.auto[state];
  }

  private advance(tenant: TenantStore, record: ResourceRecord, at: number): void {
    const next = this.nextState(record);
    if (next) this.enter(tenant, record, next, at);
  }

  private plan(tenant: TenantStore, record: ResourceRecord): void {
    const lc = record.lc!;
    if (!this.nextState(record)) return;
    const mode = this.modeFor(record.type, lc.state);
    if (mode.kind === 'manual') {
      lc.readsLeft = mode.afterReads;
      return;
    }
    const delay = mode.kind === 'delay' ? mode.ms + (mode.jitter > 0 ? this.jitter().next() * mode.jitter : 0) : 0;
    lc.dueAt = lc.since + delay;
    this.push({ due: lc.dueAt, order: this.order++, tenant: tenant.key, type: record.type, id: record.id, epoch: lc.epoch });
  }

  // A binary heap keyed by (due, order): insertion order breaks ties so runs are reproducible.
  private push(e: QueueEntry): void {
    const q = this.queue;
    q.push(e);
    let i = q.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(q[i]!, q[p]!)) break;
      [q[i], q[p]] = [q[p]!, q[i]!];
      i = p;
    }
  }

  private pop(): QueueEntry {
    const q = this.queue;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      q[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < q.length && before(q[l]!, q[m]!)) m = l;
        if (r < q.length && before(q[r]!, q[m]!)) m = r;
        if (m === i) break;
        [q[i], q[m]] = [q[m]!, q[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: QueueEntry, b: QueueEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

/** Parse the scenario / admin spelling of a mode: `instant`, `{delay: {ms, jitter}}`, `{manual: {afterReads}}`. */
export function parseMode(spec: unknown, where: string): TransitionMode {
  if (spec === 'instant') return INSTANT;
  if (spec && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    if (o['instant'] !== undefined) return INSTANT;
    const d = o['delay'];
    if (d && typeof d === 'object') {
      const ms = (d as Record<string, unknown>)['ms'];
      const jitter = (d as Record<string, unknown>)['jitter'] ?? 0;
      if (typeof ms === 'number' && ms >= 0 && typeof jitter === 'number' && jitter >= 0) return { kind: 'delay', ms, jitter };
      throw new Error(`${where}: delay needs ms >= 0 and optional jitter >= 0`);
    }
    const m = o['manual'];
    if (m && typeof m === 'object') {
      const n = (m as Record<string, unknown>)['afterReads'];
      if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return { kind: 'manual', afterReads: n };
      throw new Error(`${where}: manual needs afterReads, a whole number >= 0`);
    }
  }
  throw new Error(`${where}: expected instant, {delay: {ms, jitter}} or {manual: {afterReads}}`);
}

/** Turn a parsed mode back into its scenario spelling (GET /lifecycle). */
export function formatMode(mode: TransitionMode): unknown {
  switch (mode.kind) {
    case 'instant':
      return 'instant';
    case 'delay':
      return { delay: { ms: mode.ms, jitter: mode.jitter } };
    case 'manual':
      return { manual: { afterReads: mode.afterReads } };
  }
}
