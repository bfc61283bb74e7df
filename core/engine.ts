/**
 * The engine ties the cloud-agnostic pieces together: one instance per running fauxcloud.
 * Clouds reach the store, ids, clock, lifecycle and journal through it.
 */
import { AuthRegistry, type AuthState } from './auth.js';
import { CloudRegistry } from './cloud-api.js';
import { VirtualClock } from './clock.js';
import { FaultEngine, type FaultsState } from './faults/engine.js';
import type { FaultRule } from './faults/types.js';
import { IdFactory } from './ids.js';
import { Journal } from './journal.js';
import { LifecycleEngine } from './lifecycle.js';
import { PinnedListeners, type SavedListener } from './pinned-listeners.js';
import type { LifecycleConfig } from './lifecycle-types.js';
import { SeededRandom, type StreamState } from './rng.js';
import { Store, type StoreSnapshot } from './store.js';
import type { Scenario } from './scenario.js';
import { STATE_VERSION } from './state.js';

export interface EngineOptions {
  seed: string;
  journalCapacity?: number;
  now?: () => number;
}

/** The state document (core/state.ts has its schema): version 2 is complete, 1 lacks faults and auth. */
export interface EngineState {
  version: 1 | 2;
  /** Real time of the export. */
  savedAt?: string;
  /** The scenario in force when it was exported (informational: reset goes back to the running one). */
  scenario?: { name: string; source: string };
  clock: { now: number; factor: number };
  random: { seed: string; streams: Record<string, StreamState> };
  lifecycle: LifecycleConfig;
  store: StoreSnapshot;
  faults?: FaultsState;
  auth?: AuthState;
  /** Pinned listeners: opened again at start with `--data-dir` (core/persistence.ts, core/server.ts). */
  listeners?: SavedListener[];
  /** Each cloud's runtime state (CloudApi.exportRuntime), by cloud name. */
  clouds?: Record<string, unknown>;
}

export class Engine {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  readonly ids: IdFactory;
  readonly store: Store;
  readonly lifecycle: LifecycleEngine;
  readonly journal: Journal;
  readonly clouds = new CloudRegistry();
  readonly faults: FaultEngine;
  /** Auth mode and the credentials fauxcloud issued (core/auth.ts). */
  readonly auth: AuthRegistry;
  /** Extra ports with request headers pinned (per-instance metadata endpoints). */
  readonly pinned = new PinnedListeners();
  /** Where the server listens, once it does (clouds that write absolute URLs into answers need the HTTPS one). */
  readonly listeners: { httpUrl?: string; httpsUrl?: string; caPath?: string } = {};
  private scenarioInForce: Scenario | undefined;
  private readonly initialSeed: string;

  constructor(opts: EngineOptions) {
    this.initialSeed = opts.seed;
    this.clock = new VirtualClock(opts.now);
    this.random = new SeededRandom(opts.seed);
    this.ids = new IdFactory(this.random);
    this.store = new Store({ onRead: (r) => this.lifecycle.onRead(r), now: () => this.clock.now() });
    this.lifecycle = new LifecycleEngine(this.clock, () => this.store, () => this.random.stream('lifecycle'));
    this.journal = new Journal(opts.journalCapacity);
    this.faults = new FaultEngine(this.clock, this.random);
    this.auth = new AuthRegistry(this.clock);
  }

  get scenario(): Scenario | undefined {
    return this.scenarioInForce;
  }

  get seed(): string {
    return this.random.seed;
  }

  /** Load a scenario: lifecycle modes, fault rules, then its seed resources (the store is reset first). */
  loadScenario(scenario: Scenario): void {
    this.scenarioInForce = scenario;
    this.auth.scenarioMode = scenario.auth?.mode;
    this.lifecycle.setConfig(scenario.lifecycle);
    this.reset();
  }

  private installFaults(rules: FaultRule[] = this.scenarioInForce?.faults ?? []): void {
    this.faults.install(rules);
  }

  /**
   * Back to the scenario's starting point. All tenants: the store empties, every random stream
   * restarts from the seed (so the same requests give the same ids again), the scenario's fault
   * rules are installed afresh (counters and time windows start over) and the seed resources
   * are created anew. One tenant (`aws:000000000000`): only its records are dropped and re-seeded.
   */
  reset(tenantKey?: string): void {
    if (tenantKey === undefined) {
      this.clock.repair();
      this.store.clear();
      this.lifecycle.clear();
      this.random.reseed();
      this.installFaults();
      this.applySeed();
      return;
    }
    this.store.clear(tenantKey);
    const [cloud, ...rest] = tenantKey.split(':');
    this.applySeed(cloud, rest.join(':'));
  }

  /** Start the random streams over from a new seed, then reset. */
  reseed(seed: string = this.initialSeed): void {
    this.random.reseed(seed);
    this.store.clear();
    this.lifecycle.clear();
    this.installFaults();
    this.applySeed();
  }

  /** Apply the scenario's seed sections (or one cloud's, one tenant's). */
  applySeed(onlyCloud?: string, onlyTenant?: string, seed: Record<string, unknown> = this.scenarioInForce?.seed ?? {}): void {
    for (const [cloud, section] of Object.entries(seed)) {
      if (onlyCloud !== undefined && cloud !== onlyCloud) continue;
      this.clouds.get(cloud)?.applySeed?.(section, this, onlyTenant);
    }
  }

  /**
   * The whole state as one plain JSON document. Transitions already due are applied first, so the
   * document holds each resource's current state and only what is still pending.
   */
  exportState(): EngineState {
    this.lifecycle.settle();
    return {
      version: STATE_VERSION as 2,
      savedAt: new Date().toISOString(),
      scenario: this.scenarioInForce ? { name: this.scenarioInForce.name, source: this.scenarioInForce.source } : undefined,
      clock: this.clock.exportState(),
      random: this.random.exportState(),
      lifecycle: this.lifecycle.getConfig(),
      store: structuredClone(this.store.exportState()),
      faults: this.faults.exportState(),
      auth: this.auth.exportState(),
      listeners: this.pinned.saved(),
      clouds: this.cloudRuntime(),
    };
  }

  /**
   * Replace the whole state with a document (a version 1 document leaves faults and issued
   * credentials as they are). All or nothing: if any part is refused, the state before stays.
   */
  importState(state: EngineState): void {
    const before = this.exportState();
    try {
      this.apply(state);
    } catch (e) {
      this.apply(before);
      throw new RangeError(`state not imported: ${(e as Error).message}`);
    }
  }

  private apply(state: EngineState): void {
    this.clock.importState(state.clock);
    this.random.importState(state.random);
    this.lifecycle.setConfig(state.lifecycle);
    this.store.importState(state.store);
    this.lifecycle.rebuild();
    if (state.faults) this.faults.importState(state.faults);
    if (state.auth) this.auth.importState(state.auth);
    // After the store and the credentials: a cloud's runtime refers to sessions and objects.
    for (const api of this.clouds.list()) api.importRuntime?.(state.clouds?.[api.name]);
  }

  private cloudRuntime(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const api of this.clouds.list()) {
      const r = api.exportRuntime?.();
      if (r !== undefined) out[api.name] = r;
    }
    return out;
  }
}
