/**
 * The scenario spelling of fault rules, its schema (TypeBox → JSON Schema), and its parsing into
 * `FaultRule`s. Durations are milliseconds or strings such as `250ms`, `90s`, `2m`, `1h`.
 */
import { expandBraces } from '../wildcard.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ConnectionFault, FaultRule, LatencySpec, RuleEffect, RuleMatch } from './types.js';

const Duration = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' })], {
  description: 'milliseconds, or a number with ms, s, m or h',
});

const Match = Type.Object(
  {
    cloud: Type.Optional(Type.String()),
    service: Type.Optional(Type.String()),
    operation: Type.Optional(Type.String({ description: 'glob: * any run, ? one character, {a,b} either' })),
    tenant: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    zone: Type.Optional(Type.String()),
    resource: Type.Optional(
      Type.Object({ id: Type.Optional(Type.String()), tags: Type.Optional(Type.Record(Type.String(), Type.String())) }, { additionalProperties: false }),
    ),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    skip: Type.Optional(Type.Integer({ minimum: 0, description: 'let the first N matching requests pass' })),
    times: Type.Optional(Type.Integer({ minimum: 1, description: 'fire at most N times' })),
    after: Type.Optional(Duration),
    until: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

const ErrorEffect = Type.Union([
  Type.String({ minLength: 1, description: "a code from the cloud's catalogue, e.g. RequestLimitExceeded" }),
  Type.Object(
    { code: Type.String({ minLength: 1 }), status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })), message: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
]);
const ThrottleEffect = Type.Object(
  { rate: Type.Number({ exclusiveMinimum: 0, description: 'requests per second (virtual time)' }), burst: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
const LatencyEffect = Type.Union([
  Type.Object({ fixed: Duration }, { additionalProperties: false }),
  Type.Object({ uniform: Type.Object({ min: Duration, max: Duration }, { additionalProperties: false }) }, { additionalProperties: false }),
  Type.Object({ lognormal: Type.Object({ median: Duration, sigma: Type.Number({ minimum: 0 }) }, { additionalProperties: false }) }, { additionalProperties: false }),
]);
const ConnectionEffect = Type.Union([
  Type.Union([Type.Literal('reset'), Type.Literal('hang'), Type.Literal('empty'), Type.Literal('malformed')]),
  Type.Object({ hang: Type.Object({ for: Duration }, { additionalProperties: false }) }, { additionalProperties: false }),
  Type.Object({ slow: Type.Object({ bytesPerSecond: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) }, { additionalProperties: false }),
]);
const StateEffect = Type.Union([
  Type.Object(
    { hold: Type.String({ description: 'a transient state, e.g. attaching' }), for: Type.Optional(Duration), reads: Type.Optional(Type.Integer({ minimum: 1 })) },
    { additionalProperties: false },
  ),
  Type.Object({ stale: Duration }, { additionalProperties: false, description: 'resources younger than this are not yet visible' }),
]);

export const FaultRuleSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    match: Type.Optional(Match),
    error: Type.Optional(ErrorEffect),
    fail: Type.Optional(Type.Union([ErrorEffect], { description: 'accept the call; its long-running operation (GCP Operation, Azure LRO) ends with this error' })),
    throttle: Type.Optional(ThrottleEffect),
    latency: Type.Optional(LatencyEffect),
    connection: Type.Optional(ConnectionEffect),
    state: Type.Optional(StateEffect),
  },
  { additionalProperties: false },
);
export type FaultRuleSpec = Static<typeof FaultRuleSchema>;
export const FaultRulesSchema = Type.Array(FaultRuleSchema);

export const EFFECT_KEYS = ['error', 'fail', 'throttle', 'latency', 'connection', 'state'] as const;

export function durationMs(d: number | string): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d)!;
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

export interface RuleProblem {
  path: Array<string | number>;
  message: string;
}

/** Parse rules; problems carry a path relative to the list (`[2, 'latency']`). */
export function parseRules(raw: unknown): { rules: FaultRule[]; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  if (!Value.Check(FaultRulesSchema, raw)) {
    for (const e of Value.Errors(FaultRulesSchema, raw)) problems.push({ path: e.path.split('/').filter(Boolean), message: e.message });
    return { rules: [], problems };
  }
  const rules: FaultRule[] = [];
  const names = new Set<string>();
  (raw as FaultRuleSpec[]).forEach((spec, i) => {
    const effects = EFFECT_KEYS.filter((k) => spec[k] !== undefined);
    if (effects.length !== 1) {
      problems.push({ path: [String(i)], message: `a rule has exactly one effect (${EFFECT_KEYS.join(', ')}); this one has ${effects.length === 0 ? 'none' : effects.join(' and ')}` });
      return;
    }
    const name = spec.name ?? `rule-${i + 1}`;
    if (names.has(name)) problems.push({ path: [String(i), 'name'], message: `the name ${name} is used twice` });
    names.add(name);
    const m = spec.match ?? {};
    if (m.after !== undefined && m.until !== undefined && durationMs(m.until) <= durationMs(m.after))
      problems.push({ path: [String(i), 'match', 'until'], message: 'until must be later than after' });
    if (m.operation !== undefined && expandBraces(m.operation) === undefined)
      problems.push({ path: [String(i), 'match', 'operation'], message: 'too many {a,b} alternatives (at most 256)' });
    const match: RuleMatch = { ...m, after: m.after === undefined ? undefined : durationMs(m.after), until: m.until === undefined ? undefined : durationMs(m.until) };
    const effect = toEffect(spec, effects[0]!);
    if (effect.kind === 'hold' && effect.ms === undefined && effect.reads === undefined)
      problems.push({ path: [String(i), 'state'], message: 'hold needs for: <duration> or reads: <N>' });
    rules.push({ name, match, effect });
  });
  return { rules, problems };
}

function toEffect(spec: FaultRuleSpec, key: (typeof EFFECT_KEYS)[number]): RuleEffect {
  switch (key) {
    case 'error': {
      const e = spec.error!;
      return typeof e === 'string' ? { kind: 'error', code: e } : { kind: 'error', code: e.code, status: e.status, message: e.message };
    }
    case 'fail': {
      const e = spec.fail!;
      return typeof e === 'string' ? { kind: 'fail', code: e } : { kind: 'fail', code: e.code, status: e.status, message: e.message };
    }
    case 'throttle':
      return { kind: 'throttle', rate: spec.throttle!.rate, burst: spec.throttle!.burst ?? 1 };
    case 'latency':
      return { kind: 'latency', latency: toLatency(spec.latency!) };
    case 'connection':
      return { kind: 'connection', fault: toConnection(spec.connection!) };
    case 'state': {
      const s = spec.state!;
      if ('stale' in s) return { kind: 'stale', ms: durationMs(s.stale) };
      return { kind: 'hold', state: s.hold, ms: s.for === undefined ? undefined : durationMs(s.for), reads: s.reads };
    }
  }
}

function toLatency(l: NonNullable<FaultRuleSpec['latency']>): LatencySpec {
  if ('fixed' in l) return { fixed: durationMs(l.fixed) };
  if ('uniform' in l) return { uniform: { min: durationMs(l.uniform.min), max: durationMs(l.uniform.max) } };
  return { lognormal: { median: durationMs(l.lognormal.median), sigma: l.lognormal.sigma } };
}

/** A client gives up long before this; a hung request is closed then so nothing leaks. */
const HANG_DEFAULT_MS = 10 * 60_000;

function toConnection(c: NonNullable<FaultRuleSpec['connection']>): ConnectionFault {
  if (c === 'hang') return { kind: 'hang', ms: HANG_DEFAULT_MS };
  if (typeof c === 'string') return { kind: c };
  if ('hang' in c) return { kind: 'hang', ms: durationMs(c.hang.for) };
  return { kind: 'slow', bytesPerSecond: c.slow.bytesPerSecond };
}

/** Back to the scenario spelling (admin GET). */
export function formatRule(r: FaultRule): FaultRuleSpec {
  const match = Object.fromEntries(Object.entries(r.match).filter(([, v]) => v !== undefined)) as FaultRuleSpec['match'];
  const base: FaultRuleSpec = { name: r.name, ...(match && Object.keys(match).length > 0 ? { match } : {}) };
  const e = r.effect;
  switch (e.kind) {
    case 'error':
      return { ...base, error: e.status === undefined && e.message === undefined ? e.code : { code: e.code, status: e.status, message: e.message } };
    case 'fail':
      return { ...base, fail: e.status === undefined && e.message === undefined ? e.code : { code: e.code, status: e.status, message: e.message } };
    case 'throttle':
      return { ...base, throttle: { rate: e.rate, burst: e.burst } };
    case 'latency':
      return { ...base, latency: e.latency };
    case 'connection': {
      const f = e.fault;
      const connection = f.kind === 'hang' ? { hang: { for: f.ms } } : f.kind === 'slow' ? { slow: { bytesPerSecond: f.bytesPerSecond } } : f.kind;
      return { ...base, connection };
    }
    case 'hold':
      return { ...base, state: { hold: e.state, ...(e.ms !== undefined ? { for: e.ms } : {}), ...(e.reads !== undefined ? { reads: e.reads } : {}) } };
    case 'stale':
      return { ...base, state: { stale: e.ms } };
  }
}
