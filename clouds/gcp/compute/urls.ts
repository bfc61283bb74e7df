/**
 * Resource URLs. The store keeps references as `compute://projects/p/zones/z/disks/d`; answers
 * replace that prefix with an https origin (service.ts) and the API version of the call, so a
 * beta call sees beta URLs, as on the real API. Callers may send full URLs of any host and version or
 * partial paths (`zones/z/instances/i`, `global/networks/n`).
 */
import { badRequest } from './problems.js';

export const REF = 'compute://';

export interface ParsedRef {
  project: string;
  /** `zones/us-central1-a`, `regions/us-central1` or `global`. */
  scope: string;
  collection: string;
  name: string;
  /** Path after the project: `zones/us-central1-a/disks/d`; the store id. */
  key: string;
}

export const ref = (project: string, key: string): string => `${REF}projects/${project}/${key}`;

export const zoneScope = (zone: string): string => `zones/${zone}`;
export const regionScope = (region: string): string => `regions/${region}`;

/** A reference as the caller wrote it → `compute://projects/…`; undefined when it is no resource path. */
export function normalizeRef(value: string, project: string): string | undefined {
  let v = value.trim();
  const abs = /^(?:https?:\/\/[^/]+\/|\/)?(?:compute\/)?(?:v1|beta|alpha|staging_v1)\/(projects\/.*)$/.exec(v);
  if (abs) v = abs[1]!;
  else if (v.startsWith(REF)) return v;
  // cloud-provider-gcp writes instances as `/zones/z/instances/i`; GCE takes that too.
  if (/^\/?(zones|regions|global)\//.test(v)) v = `projects/${project}/${v.replace(/^\//, '')}`;
  return /^projects\/[^/]+\/(zones\/[^/]+|regions\/[^/]+|global)\/[A-Za-z]+\/[^/]+$/.test(v) || /^projects\/[^/]+\/(zones|regions)\/[^/]+$/.test(v) ? `${REF}${v}` : undefined;
}

export function parseRef(value: string, project: string): ParsedRef | undefined {
  const n = normalizeRef(value, project);
  if (!n) return undefined;
  const m = /^projects\/([^/]+)\/((?:zones|regions)\/[^/]+|global)\/([A-Za-z]+)\/([^/]+)$/.exec(n.slice(REF.length));
  if (!m) return undefined;
  return { project: m[1]!, scope: m[2]!, collection: m[3]!, name: m[4]!, key: `${m[2]}/${m[3]}/${m[4]}` };
}

/** Like parseRef, but a reference that is not the wanted collection is the caller's mistake. */
export function requireRef(value: unknown, project: string, collection: string, field: string): ParsedRef {
  const p = typeof value === 'string' ? parseRef(value, project) : undefined;
  if (!p || p.collection !== collection)
    throw badRequest('invalid', `Invalid value for field '${field}': '${String(value)}'. The URL is malformed.`);
  return p;
}

/** The last path segment of a URL or name. */
export const baseName = (v: string): string => v.slice(v.lastIndexOf('/') + 1);

/** A stored reference → the caller's base (other strings unchanged); applied to values, never to serialised JSON. */
export const renderLink = (value: string, base: string): string => (value.startsWith(REF) ? base + value.slice(REF.length) : value);
