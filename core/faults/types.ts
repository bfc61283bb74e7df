/**
 * Fault rules: what a scenario's `faults:` section (or the admin API) declares, and what the gate
 * decides for one request. Clouds never see rules; they render the effects core hands them.
 */
export interface ResourceInfo {
  id: string;
  tags: Readonly<Record<string, string>>;
  zone?: string;
}

/** What the gate sees of a request: identified and decoded, before its handler runs. */
export interface CallInfo {
  cloud: string;
  service: string;
  operation: string;
  tenant?: string;
  region?: string;
  /** Zones the request names or its resources are in. */
  zones: readonly string[];
  resources: readonly ResourceInfo[];
}

export type LatencySpec =
  | { fixed: number }
  | { uniform: { min: number; max: number } }
  | { lognormal: { median: number; sigma: number } };

export type ConnectionFault =
  | { kind: 'reset' }
  | { kind: 'hang'; ms: number }
  | { kind: 'empty' }
  | { kind: 'malformed' }
  | { kind: 'slow'; bytesPerSecond: number };

export type RuleEffect =
  | { kind: 'error'; code: string; status?: number; message?: string }
  /** The call is accepted; the long-running operation it starts ends with this error. */
  | { kind: 'fail'; code: string; status?: number; message?: string }
  | { kind: 'throttle'; rate: number; burst: number }
  | { kind: 'latency'; latency: LatencySpec }
  | { kind: 'connection'; fault: ConnectionFault }
  | { kind: 'hold'; state: string; ms?: number; reads?: number }
  | { kind: 'stale'; ms: number };

export interface RuleMatch {
  cloud?: string;
  service?: string;
  /** Glob: `*` any run, `?` one character, `{a,b}` either. */
  operation?: string;
  tenant?: string;
  region?: string;
  zone?: string;
  resource?: { id?: string; tags?: Record<string, string> };
  probability?: number;
  skip?: number;
  times?: number;
  /** Virtual ms after the rules were installed. */
  after?: number;
  until?: number;
}

export interface FaultRule {
  name: string;
  match: RuleMatch;
  effect: RuleEffect;
}

/** The gate's decision for one request. */
export interface GateDecision {
  /** Terminal: the request is answered by this instead of its handler. */
  outcome?:
    | { kind: 'error'; rule: string; code: string; status?: number; message?: string; throttle?: boolean; retryAfterSeconds?: number }
    | { kind: 'connection'; rule: string; fault: ConnectionFault };
  /** Real milliseconds to wait before answering (sum of matching latency rules). */
  delayMs: number;
  /** Passive effects applied after the handler: hold resources in a state. */
  holds: Array<{ rule: string; state: string; ms?: number; reads?: number }>;
  /** An accepted call whose long-running operation must end with this error (clouds with LROs). */
  asyncFailure?: { rule: string; code: string; status?: number; message?: string };
  /** Resources created less than this many virtual ms ago are not visible to this request. */
  staleMs?: number;
  /** Names of every rule that fired, for the journal. */
  fired: string[];
}

export interface FaultGate {
  evaluate(call: CallInfo): GateDecision;
}

export const PASS: GateDecision = Object.freeze({ delayMs: 0, holds: [], fired: [] }) as GateDecision;

export const passThrough: FaultGate = {
  evaluate: () => PASS,
};
