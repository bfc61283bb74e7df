/**
 * The engine ties the cloud-agnostic pieces together: one instance per running fauxcloud.
 * Clouds reach the store, ids, clock, lifecycle and journal through it.
 */
import { CloudRegistry } from './cloud-api.js';
import { VirtualClock } from './clock.js';
import { FaultEngine } from './faults/engine.js';
import type { FaultRule } from './faults/types.js';
import { IdFactory } from './ids.js';
import { Journal } from './journal.js';
import { LifecycleEngine } from './lifecycle.js';
import { PinnedListeners } from './pinned-listeners.js';
import type { LifecycleConfig } from './lifecycle-types.js';
import { SeededRandom, type StreamState } from './rng.js';
import { Store, type StoreSnapshot } from './store.js';
import type { Scenario } from './scenario.js';

export interface EngineOptions {
  seed: string;
  journalCapacity?: number;
  now?: () => number;
}

export interface EngineState {
  version: 1;
  clock: { now: number; factor: number };
  random: { seed: string; streams: Record<string, StreamState> };
  lifecycle: LifecycleConfig;
  store: StoreSnapshot;
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

  exportState(): EngineState {
    this.lifecycle.settle();
    return {
      version: 1,
      clock: this.clock.exportState(),
      random: this.random.exportState(),
      lifecycle: this.lifecycle.getConfig(),
      store: structuredClone(this.store.exportState()),
    };
  }

  importState(state: EngineState): void {
    this.clock.importState(state.clock);
    this.random.importState(state.random);
    this.lifecycle.setConfig(state.lifecycle);
    this.store.importState(state.store);
    this.lifecycle.rebuild();
  }
}
