/**
 * Compute Engine's wire model, read from the protos that `@google-cloud/compute` ships
 * (`build/protos/protos.json`): every rpc's `google.api.http` rule becomes a route, every message
 * a schema for checking request bodies. Nothing is copied into this repository. v1 comes first;
 * v1beta adds the routes and fields only beta has (the PD CSI driver creates disks through beta).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LEGACY_V1 } from './legacy-model.js';

export interface ProtoField {
  type: string;
  rule?: 'repeated';
  keyType?: string;
}
export interface ProtoMessage {
  fields: Record<string, ProtoField>;
}
interface ProtoEnum {
  values: Record<string, number>;
}
type ProtoNode = { fields?: ProtoMessage['fields']; values?: ProtoEnum['values']; methods?: Record<string, ProtoMethod>; nested?: Record<string, ProtoNode> };
interface ProtoMethod {
  requestType: string;
  responseType: string;
  options?: Record<string, string>;
}

export type ApiPackage = 'v1' | 'v1beta';

export interface Route {
  verb: string;
  /** `['compute','v1','projects','{project}',…]` */
  segments: string[];
  /** `disks.insert`, `regionDisks.resize`: Google's method ids without `compute.`. */
  operation: string;
  pkg: ApiPackage;
  requestType: string;
  responseType: string;
  /** Path parameter names in order, camelCased (`project`, `zone`, `disk`). */
  paramNames: string[];
  /** Request field holding the body (`diskResource`), when the rule has one. */
  bodyField?: string;
  /** `ZoneOperations` / `RegionOperations` / `GlobalOperations` when the call answers with an Operation. */
  operationService?: string;
}

export interface ComputeModel {
  /** Message (or nested enum) by name in a package; falls back to v1. */
  message(pkg: ApiPackage, name: string): ProtoMessage | undefined;
  isEnum(pkg: ApiPackage, name: string): boolean;
  match(verb: string, segments: string[]): { route: Route; params: Record<string, string> } | undefined;
  routes(): Route[];
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  param?: { node: TrieNode };
  routes: Map<string, Route>;
}
const newNode = (): TrieNode => ({ literal: new Map(), routes: new Map() });

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

let cached: ComputeModel | undefined;

/** Loaded on the first Compute request (the file is 12 MB of JSON, about 60 ms to parse). */
export function computeModel(): ComputeModel {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@google-cloud/compute/build/protos/protos.json');
  const root = JSON.parse(readFileSync(file, 'utf8')) as ProtoNode;
  const compute = root.nested!['google']!.nested!['cloud']!.nested!['compute']!.nested!;
  const pkgs: Record<ApiPackage, Record<string, ProtoNode>> = { v1: { ...compute['v1']!.nested!, ...(LEGACY_V1 as Record<string, ProtoNode>) }, v1beta: compute['v1beta']!.nested! };

  const trie = newNode();
  const all: Route[] = [];
  const add = (route: Route) => {
    let node = trie;
    for (const seg of route.segments.slice(2)) {
      const m = /^\{([a-zA-Z_]+)\}$/.exec(seg);
      if (m) {
        node.param ??= { node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literal.get(seg);
        if (!next) node.literal.set(seg, (next = newNode()));
        node = next;
      }
    }
    if (node.routes.has(route.verb)) return; // v1 already has it
    node.routes.set(route.verb, route);
    all.push(route);
  };

  for (const pkg of ['v1', 'v1beta'] as const)
    for (const [service, def] of Object.entries(pkgs[pkg])) {
      if (!def.methods) continue;
      for (const [method, m] of Object.entries(def.methods)) {
        const opts = m.options ?? {};
        const verb = ['get', 'post', 'put', 'patch', 'delete'].find((v) => opts[`(google.api.http).${v}`] !== undefined);
        // Multi-segment templates (`{parent_name=reservations/*/…}`) serve reservation blocks, which no caller here needs.
        if (!verb || opts[`(google.api.http).${verb}`]!.includes('=')) continue;
        const body = opts['(google.api.http).body'];
        const segments = opts[`(google.api.http).${verb}`]!.split('/').filter(Boolean);
        add({
          verb: verb.toUpperCase(),
          segments,
          paramNames: segments.filter((x) => x.startsWith('{')).map((x) => camel(x.slice(1, -1))),
          operation: `${lowerFirst(service)}.${lowerFirst(method)}`,
          pkg,
          requestType: m.requestType,
          responseType: m.responseType,
          bodyField: body && body !== '*' ? camel(body) : undefined,
          operationService: opts['(google.cloud.operation_service)'],
        });
      }
    }

  const lookup = (pkg: ApiPackage, name: string): ProtoNode | undefined => {
    const parts = name.split('.');
    for (const p of pkg === 'v1' ? [pkgs.v1] : [pkgs.v1beta, pkgs.v1]) {
      let node: ProtoNode | undefined = p[parts[0]!];
      for (const part of parts.slice(1)) node = node?.nested?.[part];
      if (node) return node;
    }
    return undefined;
  };

  // Every request looks up its request message: once per name, not a walk of the packages each time.
  const messages = new Map<string, ProtoMessage | undefined>();
  cached = {
    message: (pkg, name) => {
      const key = `${pkg}:${name}`;
      if (messages.has(key)) return messages.get(key);
      const n = lookup(pkg, name);
      const m = n?.fields ? (n as ProtoMessage) : undefined;
      messages.set(key, m);
      return m;
    },
    isEnum: (pkg, name) => lookup(pkg, name)?.values !== undefined,
    routes: () => all,
    match(verb, segments) {
      // segments: everything after `compute/{version}/`. Literals win over parameters.
      const values: string[] = [];
      const walk = (node: TrieNode, i: number): Route | undefined => {
        if (i === segments.length) return node.routes.get(verb);
        const lit = node.literal.get(segments[i]!);
        const viaLit = lit && walk(lit, i + 1);
        if (viaLit) return viaLit;
        if (node.param && segments[i] !== '') {
          const r = walk(node.param.node, i + 1);
          if (r) values.unshift(segments[i]!);
          return r;
        }
        return undefined;
      };
      const route = walk(trie, 0);
      if (!route) return undefined;
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(route.paramNames.map((n, i) => [n, decodeURIComponent(values[i] ?? '')]));
      } catch {
        return undefined;
      }
      return { route, params };
    },
  };
  return cached;
}

/** Every path the model knows for a verb-less lookup (for the "wrong method" answer). */
export function knowsPath(model: ComputeModel, segments: string[]): boolean {
  return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].some((v) => model.match(v, segments) !== undefined);
}
