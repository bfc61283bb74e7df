/**
 * ARM request paths. Segment names are case-insensitive in ARM (`resourceGroups`,
 * `microsoft.Compute/virtualMachineScaleSets` as cloud-provider-azure spells some), so routing
 * compares lower case and keeps what the caller wrote for names.
 */
export type ArmPath =
  | { kind: 'subscriptions'; sub?: string }
  | { kind: 'resourceGroups'; sub: string; rg?: string }
  | { kind: 'provider'; sub: string; namespace: string }
  | { kind: 'operation'; sub: string; namespace: string; location: string; collection: 'operations' | 'operationresults'; id: string }
  | {
      kind: 'resource';
      sub: string;
      rg?: string;
      namespace: string;
      /** Resource types from the namespace on (`virtualMachineScaleSets`, `virtualMachines`). */
      types: string[];
      /** Names, one per type; one fewer when the path names a collection. */
      names: string[];
      /** A trailing action segment (`start`, `migrateToIpBased`) after a named resource. */
      action?: string;
    };

const SUBSCRIPTIONS_FIRST = /^\/*subscriptions(?:\/|$)/i;

const eq = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b;

/**
 * Parse an ARM path; `isType(key)` says whether `namespace/type[/childType…]` (lower case) is a
 * resource type fauxcloud knows, which tells a collection from an action at an odd segment count.
 */
export function parseArmPath(path: string, isType: (key: string) => boolean): ArmPath | undefined {
  // Every other cloud's request passes here first: without an escape to decode, the first segment
  // tells at once (the same test the split below makes).
  if (!path.includes('%') && !SUBSCRIPTIONS_FIRST.test(path)) return undefined;
  const seg = path.split('/').filter(Boolean).map(decodeSegment);
  if (!eq(seg[0], 'subscriptions')) return undefined;
  if (seg.length === 1) return { kind: 'subscriptions' };
  const sub = seg[1]!;
  if (seg.length === 2) return { kind: 'subscriptions', sub };
  let rest = seg.slice(2);
  let rg: string | undefined;
  if (eq(rest[0], 'resourcegroups')) {
    if (rest.length <= 2) return { kind: 'resourceGroups', sub, rg: rest[1] };
    rg = rest[1];
    rest = rest.slice(2);
  }
  if (!eq(rest[0], 'providers') || rest.length < 2) return undefined;
  const namespace = rest[1]!;
  const after = rest.slice(2);
  if (after.length === 0) return rg === undefined ? { kind: 'provider', sub, namespace } : undefined;
  if (rg === undefined && eq(after[0], 'locations') && after.length === 4 && (eq(after[2], 'operations') || eq(after[2], 'operationresults')))
    return { kind: 'operation', sub, namespace, location: after[1]!, collection: after[2]!.toLowerCase() as 'operations' | 'operationresults', id: after[3]! };
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < after.length; i += 2) {
    types.push(after[i]!);
    if (i + 1 < after.length) names.push(after[i + 1]!);
  }
  if (types.length > names.length) {
    const key = typeKey(namespace, types);
    if (!isType(key) && types.length > 1) {
      const action = types.pop()!;
      return { kind: 'resource', sub, rg, namespace, types, names, action };
    }
  }
  return { kind: 'resource', sub, rg, namespace, types, names };
}

export function typeKey(namespace: string, types: readonly string[]): string {
  return [namespace, ...types].join('/').toLowerCase();
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d` from its parts. */
export function resourceId(sub: string, rg: string | undefined, namespace: string, types: readonly string[], names: readonly string[]): string {
  let id = `/subscriptions/${sub}`;
  if (rg !== undefined) id += `/resourceGroups/${rg}`;
  id += `/providers/${namespace}`;
  types.forEach((t, i) => {
    id += `/${t}`;
    if (names[i] !== undefined) id += `/${names[i]}`;
  });
  return id;
}

export const rgId = (sub: string, rg: string): string => `/subscriptions/${sub}/resourceGroups/${rg}`;

/** Store keys are lower case: ARM ids are case-insensitive. */
export const idKey = (id: string): string => id.toLowerCase();

/** Split an ARM resource id into its parts (for references inside bodies). */
export function parseResourceId(id: string): { sub: string; rg?: string; namespace: string; types: string[]; names: string[] } | undefined {
  const p = parseArmPath(id, () => true);
  if (!p || p.kind !== 'resource' || p.names.length !== p.types.length) return undefined;
  return { sub: p.sub, rg: p.rg, namespace: p.namespace, types: p.types, names: p.names };
}
