/**
 * Scenario files: YAML with `seed` (resources per cloud and tenant), `lifecycle` (how resources
 * leave transient states) and, later, `faults`. A bad file is rejected whole, with the line, the
 * field and the reason: fauxcloud never starts half-configured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FaultRulesSchema, parseRules } from './faults/rules.js';
import type { FaultRule } from './faults/types.js';
import { parseMode } from './lifecycle.js';
import { packageRoot } from './paths.js';
import type { LifecycleConfig } from './lifecycle-types.js';
import type { Engine } from './engine.js';
import { AUTH_MODES, type AuthMode } from './auth.js';

export const ScenarioSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    description: Type.Optional(Type.String()),
    extends: Type.Optional(Type.String({ minLength: 1, description: 'a shipped scenario name or a path (relative to this file) whose seed, lifecycle and faults come first' })),
    seed: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    lifecycle: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
    faults: Type.Optional(FaultRulesSchema),
    auth: Type.Optional(
      Type.Object(
        { mode: Type.Optional(Type.Union(AUTH_MODES.map((m) => Type.Literal(m)))) },
        { additionalProperties: Type.Unknown(), description: "mode (off | strict), then per cloud the credentials strict mode accepts: each cloud's own section" },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ScenarioFile = Static<typeof ScenarioSchema>;

export interface Scenario {
  name: string;
  description?: string;
  /** Where it came from: a file path or `inline`. */
  source: string;
  seed: Record<string, unknown>;
  lifecycle: LifecycleConfig;
  faults: FaultRule[];
  /** `auth.mode`, and each cloud's section of credentials that verify in strict mode. */
  auth?: ScenarioAuth;
}

export interface ScenarioAuth {
  mode?: AuthMode;
  clouds: Record<string, unknown>;
}

export interface ScenarioProblem {
  path: string;
  line?: number;
  message: string;
}

export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(`invalid scenario ${source}:\n${problems.map((p) => `  ${p.line ? `line ${p.line}: ` : ''}${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** The shipped scenarios live in `scenarios/` at the package root (beside core/ and dist/). */
export function scenariosDir(): string {
  return join(packageRoot(), 'scenarios');
}

/**
 * Who may name files. The operator (the CLI's `--scenario`, `fauxcloud validate`) may; callers of
 * the admin API (`PUT /scenario`, and `extends:` in what they send) may name only shipped
 * scenarios, unless the operator started fauxcloud with `--scenario-paths`. A refused path is
 * never looked at, so the answer says nothing about whether it exists.
 */
export interface ScenarioAccess {
  paths: boolean;
}
export const OPERATOR: ScenarioAccess = { paths: true };

const SHIPPED_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

const isPath = (nameOrPath: string): boolean => isAbsolute(nameOrPath) || nameOrPath.includes('/') || nameOrPath.includes('\\') || /\.ya?ml$/.test(nameOrPath);

/** The shipped scenario names (`scenarios/<name>.yaml`). */
export function shippedScenarios(): string[] {
  try {
    return readdirSync(scenariosDir())
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .filter((n) => SHIPPED_NAME.test(n))
      .sort();
  } catch {
    return [];
  }
}

/** A shipped name (`default`) or, where access allows, a path to a YAML file. */
export function resolveScenario(nameOrPath: string, access: ScenarioAccess = OPERATOR): string {
  if (isPath(nameOrPath)) {
    if (!access.paths)
      throw new ScenarioError('request', [
        { path: '', message: 'only shipped scenarios can be named here (file paths need fauxcloud started with --scenario-paths); shipped: ' + shippedScenarios().join(', ') },
      ]);
    return resolve(nameOrPath);
  }
  if (!SHIPPED_NAME.test(nameOrPath) || !shippedScenarios().includes(nameOrPath))
    throw new ScenarioError('request', [{ path: '', message: `no shipped scenario named '${nameOrPath.slice(0, 100)}'; shipped: ${shippedScenarios().join(', ')}` }]);
  return join(scenariosDir(), `${nameOrPath}.yaml`);
}

export function loadScenarioFile(nameOrPath: string, engine: Engine, from?: string, seen: string[] = [], access: ScenarioAccess = OPERATOR): Scenario {
  const relative = nameOrPath.startsWith('./') || nameOrPath.startsWith('../');
  if (relative && from && !access.paths) resolveScenario(nameOrPath, access);
  const path = from && relative ? resolve(dirname(from), nameOrPath) : resolveScenario(nameOrPath, access);
  if (seen.includes(path)) throw new ScenarioError(path, [{ path: 'extends', message: `extends itself through ${[...seen, path].join(' → ')}` }]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(path, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseScenario(text, path, engine, [...seen, path], access);
}

/**
 * `extends: <base>`: the base's seed sections come first (a section of the same cloud replaces
 * the base's), lifecycle modes merge per type and state, and the base's fault rules run first.
 */
function merge(base: Scenario, own: Scenario): Scenario {
  const lifecycle: LifecycleConfig = structuredClone(base.lifecycle);
  for (const [type, states] of Object.entries(own.lifecycle)) lifecycle[type] = { ...lifecycle[type], ...states };
  const auth: ScenarioAuth = { mode: own.auth?.mode ?? base.auth?.mode, clouds: { ...base.auth?.clouds, ...own.auth?.clouds } };
  return { ...own, seed: { ...base.seed, ...own.seed }, lifecycle, faults: [...base.faults, ...own.faults], auth };
}

export function parseScenario(text: string, source: string, engine: Engine, seen: string[] = [], access: ScenarioAccess = OPERATOR): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0)
    throw new ScenarioError(
      source,
      doc.errors.map((e) => ({ path: '', line: e.linePos?.[0]?.line, message: e.message.split('\n')[0] ?? e.message })),
    );
  let raw: unknown;
  try {
    // yaml refuses more than 100 alias expansions (a "billion laughs" document) by throwing.
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new ScenarioError(source, [{ path: '', message: (e as Error).message.split('\n')[0] ?? 'unreadable YAML' }]);
  }
  const own = validateScenario(raw, source, engine, (path) => lineOf(doc, lines, path));
  const parent = (raw as ScenarioFile).extends;
  return parent ? merge(loadScenarioFile(parent, engine, source === 'inline' ? undefined : source, seen, access), own) : own;
}

/** Validate an already-parsed scenario object (admin API bodies, YAML files). */
export function validateScenario(
  raw: unknown,
  source: string,
  engine: Engine,
  lineFor: (path: Array<string | number>) => number | undefined = () => undefined,
): Scenario {
  const problems: ScenarioProblem[] = [];
  const at = (path: Array<string | number>, message: string) =>
    problems.push({ path: path.join('.') || '(top level)', line: lineFor(path), message });

  if (!Value.Check(ScenarioSchema, raw)) {
    for (const e of Value.Errors(ScenarioSchema, raw)) {
      const path = e.path.split('/').filter(Boolean);
      at(path, e.message);
    }
    throw new ScenarioError(source, problems);
  }
  const file = raw as ScenarioFile;

  const lifecycle: LifecycleConfig = {};
  for (const [type, states] of Object.entries(file.lifecycle ?? {})) {
    const known = engine.lifecycle.transientStates(type);
    if (!known) {
      at(['lifecycle', type], `unknown resource type; known: ${engine.lifecycle.machineTypes().join(', ')}`);
      continue;
    }
    lifecycle[type] = {};
    for (const [state, spec] of Object.entries(states)) {
      if (!known.includes(state)) {
        at(['lifecycle', type, state], `not a transient state of ${type}; transient states: ${known.join(', ')}`);
        continue;
      }
      try {
        lifecycle[type]![state] = parseMode(spec, `lifecycle.${type}.${state}`);
      } catch (e) {
        at(['lifecycle', type, state], (e as Error).message.replace(/^[^:]*: /, ''));
      }
    }
  }

  for (const [cloud, section] of Object.entries(file.seed ?? {})) {
    const api = engine.clouds.get(cloud);
    if (!api?.applySeed) {
      at(['seed', cloud], `no cloud named '${cloud}' takes seed data; known: ${engine.clouds.list().filter((a) => a.applySeed).map((a) => a.name).join(', ')}`);
      continue;
    }
    for (const p of api.validateSeed?.(section) ?? []) {
      // Keep segments as strings: an account id such as 000000000000 is a key, not index 0.
      const sub = p.path.split('.').filter(Boolean);
      at(['seed', cloud, ...sub], p.message);
    }
  }
  const { mode, ...authSections } = file.auth ?? {};
  for (const [cloud, section] of Object.entries(authSections)) {
    const api = engine.clouds.get(cloud);
    if (!api?.authSchema) {
      at(['auth', cloud], `no cloud named '${cloud}' takes credentials; known: ${engine.clouds.list().filter((a) => a.authSchema).map((a) => a.name).join(', ') || 'none'}`);
      continue;
    }
    for (const e of Value.Errors(api.authSchema, section)) at(['auth', cloud, ...e.path.split('/').filter(Boolean)], e.message);
  }
  const { rules, problems: ruleProblems } = parseRules(file.faults ?? []);
  for (const p of ruleProblems) at(['faults', ...p.path], p.message);

  if (problems.length > 0) throw new ScenarioError(source, problems);
  return { name: file.name ?? source, description: file.description, source, seed: file.seed ?? {}, lifecycle, faults: rules, auth: { mode, clouds: authSections } };
}

function lineOf(doc: Document, lines: LineCounter, path: Array<string | number>): number | undefined {
  // Walk up until a node exists (a missing field reports its parent's line).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
