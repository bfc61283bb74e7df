/** Cinder v3 snapshots: create (202, `creating → available`), list/detail with filters and paging, get, update, delete. */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type SnapshotData, type VolumeData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { atLeast } from '../shared/microversion.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { badRequest, bool, isoMicro, jsonBody, member, notFound, ok, str, stringMap } from '../shared/wire.js';
import { volumeStatus } from './machines.js';
import { checkQuota } from './quotas.js';

function find(c: OsContext, id: string): ResourceRecord<SnapshotData> {
  const rec = projectOf(c).collection<SnapshotData>(OS.snapshot).get(id);
  if (!rec) throw notFound(`Snapshot ${id} could not be found.`);
  c.call.touch(rec.id);
  return rec;
}

function render(c: OsContext, rec: ResourceRecord<SnapshotData>): Record<string, unknown> {
  const d = rec.data;
  const status = rec.lc?.state ?? 'available';
  const s: Record<string, unknown> = {
    id: rec.id, name: d.name, description: d.description, status, size: d.size, volume_id: d.volumeId, metadata: d.metadata,
    created_at: isoMicro(d.created), updated_at: isoMicro(d.updated),
    'os-extended-snapshot-attributes:progress': status === 'creating' ? '0%' : '100%',
    'os-extended-snapshot-attributes:project_id': projectOf(c).id,
  };
  if (atLeast(c.version, 3, 14)) s['group_snapshot_id'] = null;
  if (atLeast(c.version, 3, 41)) s['user_id'] = d.userId;
  if (atLeast(c.version, 3, 65)) s['consumes_quota'] = true;
  return s;
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const s = member(jsonBody(c.req), 'snapshot');
  const volumeId = str(s, 'volume_id');
  if (!volumeId) throw badRequest("Invalid input for field/attribute snapshot. Value: {}. 'volume_id' is a required property");
  const vol = tenant.collection<VolumeData>(OS.volume).get(volumeId);
  if (!vol) throw notFound(`Volume ${volumeId} could not be found.`);
  const force = bool(s, 'force') ?? false;
  const status = volumeStatus(vol);
  // In-use volumes need `force` before 3.66; from 3.66 on Cinder snapshots them regardless.
  if (!(status === 'available' || (status === 'in-use' && (force || atLeast(c.version, 3, 66)))))
    throw badRequest(`Invalid volume: Volume ${volumeId} status must be available, but current status is: ${status}.`);
  checkQuota(tenant, { snapshots: 1, gigabytes: vol.data.size });
  const now = c.engine.clock.now();
  const rec = tenant.collection<SnapshotData>(OS.snapshot).insert({
    id: c.engine.ids.uuid('openstack:snapshot'),
    region: c.region,
    parent: vol.id,
    data: { name: str(s, 'name') ?? null, description: str(s, 'description') ?? null, volumeId, size: vol.data.size, metadata: stringMap(s, 'metadata') ?? {}, userId: c.token!.data.userId, created: now, updated: now, fail: c.asyncFailure?.code },
  });
  c.call.touch(rec.id, vol.id);
  c.engine.lifecycle.enter(tenant, rec, 'creating');
  return ok({ snapshot: render(c, rec) }, 202);
};

function list(c: OsContext) {
  const q = c.query;
  const all = projectOf(c)
    .collection<SnapshotData>(OS.snapshot)
    .list()
    .filter((r) => (q.get('name') === null || r.data.name === q.get('name')) && (q.get('status') === null || (r.lc?.state ?? 'available') === q.get('status')) && (q.get('volume_id') === null || r.data.volumeId === q.get('volume_id')))
    .sort((a, b) => b.data.created - a.data.created || b.seq - a.seq);
  const page = paginate(c.req, all, { notFound: (m) => notFound(`Snapshot ${m} could not be found.`) });
  const body: Record<string, unknown> = { snapshots: page.items.map((r) => render(c, r)) };
  if (page.next) body['snapshots_links'] = nextLinks(page.next);
  return ok(body);
}

const remove: Handler = (c) => {
  const rec = find(c, c.params['snapshot_id']!);
  const status = rec.lc?.state ?? 'available';
  if (!['available', 'error', 'error_restoring'].includes(status)) throw badRequest('Invalid snapshot: Volume Snapshot status must be available or error or error_restoring or unmanaging or backing-up.');
  c.engine.lifecycle.enter(projectOf(c), rec, 'deleting');
  return { status: 202 };
};

const update: Handler = (c) => {
  const rec = find(c, c.params['snapshot_id']!);
  const s = member(jsonBody(c.req), 'snapshot');
  const name = str(s, 'name');
  const description = str(s, 'description');
  if (name !== undefined) rec.data.name = name;
  if (description !== undefined) rec.data.description = description;
  rec.data.updated = c.engine.clock.now();
  return ok({ snapshot: render(c, rec) });
};

export const snapshotHandlers = {
  create,
  list: list as Handler,
  get: ((c) => ok({ snapshot: render(c, find(c, c.params['snapshot_id']!)) })) as Handler,
  update,
  remove,
};
