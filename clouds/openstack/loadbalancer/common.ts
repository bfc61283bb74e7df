/** What Octavia's handlers share: lookups, the immutability rule (409 while PENDING_*), rendering helpers, validation. */
import { CloudError } from '../../../core/errors.js';
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type LoadBalancerData, type OctaviaCommon } from '../records.js';
import { projectOf, type OsContext } from '../shared/context.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { ok } from '../shared/wire.js';
import { passes, pickFields } from '../network/common.js';

export const octaviaNotFound = (kind: string, id: string): CloudError => new CloudError('NotFound', 404, `${kind} ${id} not found.`);
export const octaviaBad = (message: string): CloudError => new CloudError('BadRequest', 400, message);

/** Octavia's times: `2017-02-28T00:41:44`, no fraction, no zone. */
export const octaviaTime = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().slice(0, 19));

export function findLb(c: OsContext, id: string): ResourceRecord<LoadBalancerData> {
  const rec = projectOf(c).collection<LoadBalancerData>(OS.loadBalancer).get(id);
  if (!rec) throw octaviaNotFound('Load Balancer', id);
  c.call.touch(rec.id);
  return rec;
}

export function findChild<T extends OctaviaCommon>(c: OsContext, type: string, id: string, kind: string): ResourceRecord<T> {
  const rec = projectOf(c).collection<T>(type).get(id);
  if (!rec) throw octaviaNotFound(kind, id);
  c.call.touch(rec.id);
  return rec;
}

export const lbStatus = (lb: ResourceRecord<LoadBalancerData>): string => lb.lc?.state ?? 'ACTIVE';

/** Octavia refuses any change under a load balancer that is not ACTIVE; otherwise it goes PENDING_UPDATE. */
export function beginUpdate(c: OsContext, lbId: string): ResourceRecord<LoadBalancerData> {
  const lb = findLb(c, lbId);
  if (lbStatus(lb) !== 'ACTIVE') throw new CloudError('Conflict', 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
  if (c.asyncFailure) lb.data.fail = c.asyncFailure.code;
  c.engine.lifecycle.enter(projectOf(c), lb, 'PENDING_UPDATE');
  return lb;
}

export function common(c: OsContext, lbId: string, o: Record<string, unknown>, status = 'PENDING_CREATE'): OctaviaCommon {
  const tags = o['tags'];
  return {
    lbId, name: typeof o['name'] === 'string' ? o['name'] : '', description: typeof o['description'] === 'string' ? o['description'] : '', projectId: projectOf(c).id,
    tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [], adminStateUp: o['admin_state_up'] !== false,
    provisioningStatus: status, operatingStatus: 'OFFLINE', created: c.engine.clock.now(), updated: null,
  };
}

export function renderCommon(d: OctaviaCommon): Record<string, unknown> {
  return {
    name: d.name, description: d.description, project_id: d.projectId, tenant_id: d.projectId, tags: d.tags, admin_state_up: d.adminStateUp,
    provisioning_status: d.provisioningStatus, operating_status: d.operatingStatus, created_at: octaviaTime(d.created), updated_at: octaviaTime(d.updated),
  };
}

/** Apply the common updatable attributes of a PUT body. */
export function updateCommon(c: OsContext, d: OctaviaCommon, o: Record<string, unknown>): void {
  if (typeof o['name'] === 'string') d.name = o['name'];
  if (typeof o['description'] === 'string') d.description = o['description'];
  if (typeof o['admin_state_up'] === 'boolean') d.adminStateUp = o['admin_state_up'];
  if (Array.isArray(o['tags'])) d.tags = o['tags'].filter((t): t is string => typeof t === 'string');
  d.provisioningStatus = 'PENDING_UPDATE';
  d.updated = c.engine.clock.now();
}

export function intIn(o: Record<string, unknown>, key: string, min: number, max: number, dflt?: number): number {
  const v = o[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw octaviaBad(`Invalid input for field/attribute ${key}. Value: 'None'. Mandatory field missing.`);
    return dflt;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw octaviaBad(`Invalid input for field/attribute ${key}. Value: '${String(v)}'. Value should be greater or equal to ${min}`);
  return v;
}

export function oneOf(o: Record<string, unknown>, key: string, allowed: readonly string[], dflt?: string): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw octaviaBad(`Invalid input for field/attribute ${key}. Value: 'None'. Mandatory field missing.`);
    return dflt;
  }
  if (typeof v !== 'string' || !allowed.includes(v)) throw octaviaBad(`Invalid input for field/attribute ${key}. Value: '${String(v)}'. Value should be one of: ${allowed.join(', ')}`);
  return v;
}

/** An Octavia list: filters on the rendered objects (as Neutron's), paging, `<plural>_links`. */
export function octaviaList(c: OsContext, plural: string, rendered: Array<Record<string, unknown> & { id: string }>, kind: string) {
  const filtered = rendered.filter((r) => passes(c.query, r));
  const page = paginate(c.req, filtered, { notFound: (m) => octaviaNotFound(kind, m) });
  return ok({ [plural]: page.items.map((r) => pickFields(c.query, r)), [`${plural}_links`]: nextLinks(page.next) });
}
