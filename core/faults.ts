/**
 * The fault gate: every identified, decoded request passes through it before its handler runs.
 * For now it always lets the request pass; the scenario engine (faults, throttles, latency,
 * connection faults, state holds) plugs in here without touching any cloud.
 */
export interface CallInfo {
  cloud: string;
  service: string;
  operation: string;
  tenant?: string;
  region?: string;
  resourceIds: readonly string[];
}

export type FaultEffect =
  | { kind: 'pass' }
  | { kind: 'error'; rule: string; code: string; status?: number; message?: string }
  | { kind: 'latency'; rule: string; ms: number };

export interface FaultGate {
  evaluate(call: CallInfo): FaultEffect;
}

export const passThrough: FaultGate = {
  evaluate: () => ({ kind: 'pass' }),
};
