/**
 * What every Neutron collection shares: Neutron's list filters (any attribute of the rendered
 * resource, repeated keys meaning "any of", `fixed_ips=subnet_id=…`, the four tag filters),
 * `fields`, paging with `<collection>_links`, NeutronError types, and the tag sub-resource.
 */
import { CloudError } from '../../../core/errors.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { CLOUD_TENANT, OS } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { isoZ, jsonBody, noContent, ok } from '../shared/wire.js';

export const neutronError = (status: number, type: string, message: string): CloudError =>
  new CloudError(type, status, message, { neutronType: type });
export const neutronNotFound = (kind: string, id: string): CloudError =>
  neutronError(404, `${typeName(kind)}NotFound`, `${kind} ${id} could not be found.`);
/** `Security group rule` → `SecurityGroupRule`, as Neutron names its exceptions. */
const typeName = (kind: string): string => kind.split(/\s+/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
export const neutronBadRequest = (message: string): CloudError => neutronError(400, 'HTTPBadRequest', message);

const CONTROL = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any', 'cascade']);

function scalar(v: unknown): string | undefined {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return undefined;
}

/** Does a rendered resource pass Neutron's query filters? */
export function passes(query: URLSearchParams, r: Record<string, unknown>): boolean {
  const keys = new Set([...query.keys()].filter((k) => !CONTROL.has(k)));
  for (const key of keys) {
    const wanted = query.getAll(key);
    if (key === 'fixed_ips') {
      const ips = (r['fixed_ips'] as Array<Record<string, string>> | undefined) ?? [];
      // Every fixed_ips=attr=value term must match one of the port's addresses.
      if (!wanted.every((w) => { const [a, ...rest] = w.split('='); const v = rest.join('='); return ips.some((ip) => ip[a!] === v); })) return false;
      continue;
    }
    const have = r[key];
    if (have === undefined) continue;
    if (Array.isArray(have)) {
      if (!wanted.some((w) => have.map(String).includes(w))) return false;
      continue;
    }
    const s = scalar(have);
    if (s === undefined || !wanted.some((w) => w.toLowerCase() === s.toLowerCase() && (typeof have === 'boolean' || w === s))) return false;
  }
  const tags = (r['tags'] as string[] | undefined) ?? [];
  const list = (k: string) => query.getAll(k).flatMap((v) => v.split(',')).filter((x) => x !== '');
  const all = list('tags'), any = list('tags-any'), notAll = list('not-tags'), notAny = list('not-tags-any');
  if (all.length && !all.every((t) => tags.includes(t))) return false;
  if (any.length && !any.some((t) => tags.includes(t))) return false;
  if (notAll.length && notAll.every((t) => tags.includes(t))) return false;
  if (notAny.length && notAny.some((t) => tags.includes(t))) return false;
  return true;
}

/** Keep only `fields=` attributes, when any are asked for. */
export function pickFields(query: URLSearchParams, r: Record<string, unknown>): Record<string, unknown> {
  const fields = query.getAll('fields').flatMap((f) => f.split(','));
  if (fields.length === 0) return r;
  return Object.fromEntries(Object.entries(r).filter(([k]) => fields.includes(k)));
}

/** A Neutron list: filter rendered resources, page them, answer `{plural: [...], plural_links}`. */
export function listReply(c: OsContext, plural: string, rendered: Array<Record<string, unknown> & { id: string }>, kind: string) {
  const filtered = rendered.filter((r) => passes(c.query, r));
  const page = paginate(c.req, filtered, { notFound: (m) => neutronNotFound(kind, m) });
  const body: Record<string, unknown> = { [plural]: page.items.map((r) => pickFields(c.query, r)) };
  if (page.next) body[`${plural}_links`] = nextLinks(page.next);
  return ok(body);
}

/** The tenants whose records a project sees: its own, and the cloud's (external networks). */
export function visibleTenants(c: OsContext): TenantStore[] {
  return [projectOf(c), c.cloud];
}

export function findIn<T>(c: OsContext, type: string, id: string, kind: string, opts: { shared?: boolean } = {}): { rec: ResourceRecord<T>; tenant: TenantStore } {
  for (const tenant of opts.shared ? visibleTenants(c) : [projectOf(c)]) {
    const rec = tenant.collection<T>(type).get(id);
    if (rec) {
      c.call.touch(rec.id);
      return { rec, tenant };
    }
  }
  throw neutronNotFound(kind, id);
}

export interface Stamped {
  name: string;
  description: string;
  projectId: string;
  tags: string[];
  created: number;
  updated: number;
  revision: number;
}

/** The attributes every Neutron resource carries. */
export function stamp(d: Stamped, cloudOwner: string): Record<string, unknown> {
  const owner = d.projectId || cloudOwner;
  return { name: d.name, description: d.description, tenant_id: owner, project_id: owner, tags: d.tags, created_at: isoZ(d.created), updated_at: isoZ(d.updated), revision_number: d.revision };
}

export function touchUpdated(c: OsContext, d: Stamped): void {
  d.updated = c.engine.clock.now();
  d.revision++;
}

/** `/{plural}/{id}/tags[/{tag}]` for a collection. */
export function tagRoutes(plural: string, type: string, kind: string): Array<{ method: string; path: string; op: string; handler: Handler }> {
  const find = (c: OsContext) => findIn<Stamped>(c, type, c.params['id']!, kind).rec;
  const base = `/v2.0/${plural}/{id}/tags`;
  return [
    { method: 'GET', path: base, op: `List${kind.replace(/\s+/g, '')}Tags`, handler: (c) => ok({ tags: find(c).data.tags }) },
    { method: 'PUT', path: base, op: `Replace${kind.replace(/\s+/g, '')}Tags`, handler: (c) => {
      const rec = find(c);
      const tags = jsonBody(c.req)['tags'];
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw neutronBadRequest("Invalid input for tags. Reason: 'tags' must be a list of strings.");
      rec.data.tags = [...new Set(tags as string[])];
      touchUpdated(c, rec.data);
      return ok({ tags: rec.data.tags });
    } },
    { method: 'PUT', path: `${base}/{tag}`, op: `Add${kind.replace(/\s+/g, '')}Tag`, handler: (c) => {
      const rec = find(c);
      if (!rec.data.tags.includes(c.params['tag']!)) rec.data.tags = [...rec.data.tags, c.params['tag']!];
      touchUpdated(c, rec.data);
      return noContent(201);
    } },
    { method: 'GET', path: `${base}/{tag}`, op: `Check${kind.replace(/\s+/g, '')}Tag`, handler: (c) => {
      if (!find(c).data.tags.includes(c.params['tag']!)) throw neutronError(404, 'TagNotFound', `Tag ${c.params['tag']} could not be found for ${kind.toLowerCase()} ${c.params['id']}.`);
      return noContent();
    } },
    { method: 'DELETE', path: `${base}/{tag}`, op: `Remove${kind.replace(/\s+/g, '')}Tag`, handler: (c) => {
      const rec = find(c);
      if (!rec.data.tags.includes(c.params['tag']!)) throw neutronError(404, 'TagNotFound', `Tag ${c.params['tag']} could not be found for ${kind.toLowerCase()} ${c.params['id']}.`);
      rec.data.tags = rec.data.tags.filter((t) => t !== c.params['tag']);
      touchUpdated(c, rec.data);
      return noContent();
    } },
    { method: 'DELETE', path: base, op: `Remove${kind.replace(/\s+/g, '')}Tags`, handler: (c) => {
      const rec = find(c);
      rec.data.tags = [];
      touchUpdated(c, rec.data);
      return noContent();
    } },
  ];
}

export { OS, CLOUD_TENANT };
