/**
 * The fault engine: ordered rules, first terminal match wins. Latency, state holds and stale reads
 * are passive (they add to the answer and matching goes on); errors, throttles and connection
 * faults end it. Each rule draws from its own seeded stream, so adding a rule never changes
 * another rule's draws, and the same seed and requests give the same outcomes.
 */
import type { VirtualClock } from '../clock.js';
import type { SeededRandom } from '../rng.js';
import { expandBraces, wildcardMatcher, type Matcher } from '../wildcard.js';
import { formatRule, parseRules, type FaultRuleSpec } from './rules.js';
import { PASS, type CallInfo, type FaultGate, type FaultRule, type GateDecision, type LatencySpec, type RuleMatch } from './types.js';

interface RuleState {
  /** Requests that matched (before skip, times and probability). */
  matched: number;
  /** Times the rule fired. */
  hits: number;
  /** Token buckets of a throttle rule, per operation. */
  buckets: Map<string, { tokens: number; at: number }>;
}

export interface RuleStatus {
  rule: FaultRuleSpec;
  hits: number;
  matched: number;
}

/** The fault engine as a state document holds it: rules in scenario spelling, counters, buckets. */
export interface FaultsState {
  /** Virtual ms the rules were installed (their after/until windows count from it). */
  installedAt: number;
  rules: FaultRuleSpec[];
  counters: Record<string, { matched: number; hits: number; buckets: Record<string, { tokens: number; at: number }> }>;
}

export class FaultEngine implements FaultGate {
  private rules: FaultRule[] = [];
  private readonly state = new Map<string, RuleState>();
  private installedAt: number;

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: SeededRandom,
  ) {
    this.installedAt = clock.now();
  }

  /** Replace every rule; counters and time windows start over. */
  install(rules: FaultRule[]): void {
    this.rules = [...rules];
    this.state.clear();
    this.installedAt = this.clock.now();
  }

  append(rules: FaultRule[]): void {
    const names = new Set(this.rules.map((r) => r.name));
    for (const r of rules) if (names.has(r.name)) throw new RangeError(`a rule named ${r.name} exists already`);
    this.rules.push(...rules);
  }

  remove(name: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.name !== name);
    this.state.delete(name);
    return this.rules.length < before;
  }

  list(): RuleStatus[] {
    return this.rules.map((r) => ({ rule: formatRule(r), hits: this.state.get(r.name)?.hits ?? 0, matched: this.state.get(r.name)?.matched ?? 0 }));
  }

  get size(): number {
    return this.rules.length;
  }

  exportState(): FaultsState {
    const counters: FaultsState['counters'] = {};
    for (const [name, st] of this.state) counters[name] = { matched: st.matched, hits: st.hits, buckets: Object.fromEntries([...st.buckets].map(([op, b]) => [op, { ...b }])) };
    return { installedAt: this.installedAt, rules: this.rules.map(formatRule), counters };
  }

  /** Rules are parsed again as a scenario's are, so a hand-edited document cannot install nonsense. */
  importState(s: FaultsState): void {
    const { rules, problems } = parseRules(s.rules);
    if (problems.length > 0) throw new RangeError(`faults.rules: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`);
    this.rules = rules;
    this.installedAt = s.installedAt;
    this.state.clear();
    for (const [name, c] of Object.entries(s.counters)) this.state.set(name, { matched: c.matched, hits: c.hits, buckets: new Map(Object.entries(c.buckets).map(([op, b]) => [op, { ...b }])) });
  }

  evaluate(call: CallInfo): GateDecision {
    if (this.rules.length === 0) return PASS;
    const decision: GateDecision = { delayMs: 0, holds: [], fired: [] };
    const elapsed = this.clock.now() - this.installedAt;
    for (const rule of this.rules) {
      if (!matches(rule.match, call, elapsed)) continue;
      const st = this.stateOf(rule.name);
      st.matched++;
      const m = rule.match;
      if (m.skip !== undefined && st.matched <= m.skip) continue;
      if (m.times !== undefined && st.hits >= m.times) continue;
      if (m.probability !== undefined && m.probability < 1 && this.random.stream(`faults:${rule.name}`).next() >= m.probability) continue;

      const e = rule.effect;
      if (e.kind === 'throttle') {
        const retryAfter = this.take(st, call.operation, e.rate, e.burst);
        if (retryAfter === 0) continue;
        st.hits++;
        decision.fired.push(rule.name);
        decision.outcome = { kind: 'error', rule: rule.name, code: '', throttle: true, retryAfterSeconds: retryAfter };
        return decision;
      }
      st.hits++;
      decision.fired.push(rule.name);
      switch (e.kind) {
        case 'latency':
          decision.delayMs += this.sample(rule.name, e.latency);
          break;
        case 'hold':
          decision.holds.push({ rule: rule.name, state: e.state, ms: e.ms, reads: e.reads });
          break;
        case 'fail':
          decision.asyncFailure = { rule: rule.name, code: e.code, status: e.status, message: e.message };
          break;
        case 'stale':
          decision.staleMs = Math.max(decision.staleMs ?? 0, e.ms);
          break;
        case 'error':
          decision.outcome = { kind: 'error', rule: rule.name, code: e.code, status: e.status, message: e.message };
          return decision;
        case 'connection':
          decision.outcome = { kind: 'connection', rule: rule.name, fault: e.fault };
          return decision;
      }
    }
    return decision.fired.length === 0 ? PASS : decision;
  }

  private stateOf(name: string): RuleState {
    let st = this.state.get(name);
    if (!st) this.state.set(name, (st = { matched: 0, hits: 0, buckets: new Map() }));
    return st;
  }

  /** Token bucket on the virtual clock: 0 when a token was taken, else seconds until one is due. */
  private take(st: RuleState, operation: string, rate: number, burst: number): number {
    const now = this.clock.now();
    let b = st.buckets.get(operation);
    if (!b) st.buckets.set(operation, (b = { tokens: burst, at: now }));
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }

  private sample(rule: string, l: LatencySpec): number {
    if ('fixed' in l) return l.fixed;
    const s = this.random.stream(`faults:${rule}:latency`);
    if ('uniform' in l) return l.uniform.min + s.next() * (l.uniform.max - l.uniform.min);
    // Box-Muller from two seeded draws.
    const z = Math.sqrt(-2 * Math.log(1 - s.next())) * Math.cos(2 * Math.PI * s.next());
    return l.lognormal.median * Math.exp(l.lognormal.sigma * z);
  }
}

function matches(m: RuleMatch, call: CallInfo, elapsed: number): boolean {
  if (m.cloud !== undefined && m.cloud !== call.cloud) return false;
  if (m.service !== undefined && m.service !== call.service) return false;
  if (m.operation !== undefined && !glob(m.operation)(call.operation)) return false;
  if (m.tenant !== undefined && m.tenant !== call.tenant) return false;
  if (m.region !== undefined && m.region !== call.region) return false;
  if (m.zone !== undefined && !call.zones.includes(m.zone)) return false;
  if (m.after !== undefined && elapsed < m.after) return false;
  if (m.until !== undefined && elapsed >= m.until) return false;
  if (m.resource) {
    const { id, tags } = m.resource;
    const hit = call.resources.some(
      (r) => (id === undefined || r.id === id) && (tags === undefined || Object.entries(tags).every(([k, v]) => r.tags[k] === v)),
    );
    if (!hit) return false;
  }
  return true;
}

const globs = new Map<string, Matcher>();
/**
 * `*` any run, `?` one character, `{a,b}` either (Compute's `{disks.insert,instances.attachDisk}`),
 * matched without backtracking (core/wildcard.ts); a brace pattern with too many alternatives
 * matches nothing rather than costing the server time.
 */
function glob(pattern: string): Matcher {
  let m = globs.get(pattern);
  if (!m) {
    const alternatives = (expandBraces(pattern) ?? []).map((p) => wildcardMatcher(p, { escapes: false }));
    m = (v) => alternatives.some((a) => a(v));
    if (globs.size > 10_000) globs.clear();
    globs.set(pattern, m);
  }
  return m;
}
