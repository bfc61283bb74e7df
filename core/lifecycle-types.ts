/** Lifecycle data shared by the store (which persists it) and the engine (which moves it). */

/** How a resource leaves a transient state, as a scenario or the admin API declares it. */
export type TransitionMode =
  | { kind: 'instant' }
  | { kind: 'delay'; ms: number; jitter: number }
  | { kind: 'manual'; afterReads: number };

/** Per resource type, per transient state (the state the resource waits in). */
export type LifecycleConfig = Record<string, Record<string, TransitionMode>>;

export interface LifecycleState {
  state: string;
  /** Virtual ms when the state was entered. */
  since: number;
  /** Virtual ms when the automatic transition fires (timed modes). */
  dueAt?: number;
  /** Reads still to be answered in this state before it moves on (manual mode). */
  readsLeft?: number;
  /** Bumped on every change, so stale queue entries are recognised. */
  epoch: number;
}

/**
 * A state machine declared as data by a cloud: which states move on by themselves and to what.
 * `onEnter` applies side effects (a terminated instance detaches its volumes, a detached attachment
 * disappears) at the virtual instant the transition happened.
 */
export interface MachineDef<T = unknown> {
  type: string;
  auto: Readonly<Record<string, string>>;
  onEnter?: (event: TransitionEvent<T>) => void;
}

export interface TransitionEvent<T> {
  record: import('./store.js').ResourceRecord<T>;
  from: string | undefined;
  to: string;
  /** Virtual ms of the transition (the due time, not the time it was noticed). */
  at: number;
  tenant: import('./store.js').TenantStore;
}
