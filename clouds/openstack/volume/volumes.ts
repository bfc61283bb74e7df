/**
 * Cinder v3 volumes: create (202; empty, from a snapshot or from a source volume), list and
 * `detail` with Cinder's filters and paging, get, update, delete, and the `os-extend` and
 * `os-reset_status` actions. Statuses move on the lifecycle engine (volume/machines.ts).
 */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type BackupData, type RegionData, type SnapshotData, type VolumeData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { atLeast } from '../shared/microversion.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { badRequest, bool, int, isoMicro, jsonBody, member, notFound, ok, str, stringMap } from '../shared/wire.js';
import { volumeStatus } from './machines.js';
import { checkQuota } from './quotas.js';

export function findVolume(c: OsContext, id: string): ResourceRecord<VolumeData> {
  const rec = projectOf(c).collection<VolumeData>(OS.volume).get(id);
  if (!rec) throw notFound(`Volume ${id} could not be found.`);
  c.call.touch(rec.id);
  return rec;
}

export function renderVolume(c: OsContext, rec: ResourceRecord<VolumeData>): Record<string, unknown> {
  return volumeRenderer(c)(rec);
}

/** renderVolume for many volumes of one call: what depends only on the call is looked up once. */
export function volumeRenderer(c: OsContext): (rec: ResourceRecord<VolumeData>) => Record<string, unknown> {
  const endpoint = c.endpoint('volume');
  const tenantId = projectOf(c).id;
  const typeIds = new Map<string, string>();
  for (const t of c.cloud.collection<{ name: string }>(OS.volumeType).all()) if (!typeIds.has(t.data.name)) typeIds.set(t.data.name, t.id);
  const v13 = atLeast(c.version, 3, 13);
  const v21 = atLeast(c.version, 3, 21);
  const v47 = atLeast(c.version, 3, 47);
  const v48 = atLeast(c.version, 3, 48);
  const v61 = atLeast(c.version, 3, 61);
  const v63 = atLeast(c.version, 3, 63);
  const v65 = atLeast(c.version, 3, 65);
  return (rec) => {
    const d = rec.data;
    const self = `${endpoint}/volumes/${rec.id}`;
    const v: Record<string, unknown> = {
      id: rec.id,
      name: d.name,
      status: volumeStatus(rec),
      size: d.size,
      availability_zone: d.zone,
      created_at: isoMicro(d.created),
      updated_at: isoMicro(d.updated),
      attachments: d.attachments.map((a) => ({ server_id: a.serverId, attachment_id: a.attachmentId, attached_at: isoMicro(a.attachedAt), host_name: null, volume_id: rec.id, device: a.device, id: rec.id })),
      description: d.description,
      volume_type: d.volumeType,
      snapshot_id: d.snapshotId,
      source_volid: d.sourceVolid,
      metadata: d.metadata,
      bootable: String(d.bootable),
      encrypted: false,
      replication_status: null,
      consistencygroup_id: null,
      multiattach: d.multiattach,
      user_id: d.userId,
      links: [{ rel: 'self', href: self }, { rel: 'bookmark', href: self }],
      'os-vol-tenant-attr:tenant_id': tenantId,
    };
    if (v13) v['group_id'] = null;
    if (v21) v['provider_id'] = null;
    if (v47) v['backup_id'] = d.backupId;
    if (v48) {
      v['shared_targets'] = false;
      v['service_uuid'] = null;
    }
    if (v61) v['cluster_name'] = null;
    if (v63) v['volume_type_id'] = typeIds.get(d.volumeType) ?? null;
    if (v65) v['consumes_quota'] = true;
    return v;
  };
}

function zones(c: OsContext): string[] {
  return c.cloud.collection<RegionData>(OS.region).peek(c.region)?.data.zones ?? [];
}

function defaultType(c: OsContext): string {
  return c.cloud.collection<{ name: string }>(OS.volumeType).all().next().value?.data.name ?? '__DEFAULT__';
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const body = jsonBody(c.req);
  const v = member(body, 'volume');
  const snapshotId = str(v, 'snapshot_id');
  const sourceId = str(v, 'source_volid');
  const backupId = str(v, 'backup_id');
  let size: number | undefined;
  try {
    size = int(v, 'size');
  } catch {
    throw badRequest(`Invalid input received: Volume size '${String(v['size'])}' must be an integer and greater than 0.`);
  }
  let sourceSize: number | undefined;
  let zone = str(v, 'availability_zone');
  let sourceZone: string | undefined;
  if (backupId) {
    const backup = tenant.collection<BackupData>(OS.backup).get(backupId);
    if (!backup) throw notFound(`Backup ${backupId} could not be found.`);
    if ((backup.lc?.state ?? 'available') !== 'available') throw badRequest(`Invalid backup: Backup status must be available but is ${backup.lc?.state}.`);
    sourceSize = backup.data.size;
    sourceZone = backup.data.zone;
  } else if (snapshotId) {
    const snap = tenant.collection<SnapshotData>(OS.snapshot).get(snapshotId);
    if (!snap) throw notFound(`Snapshot ${snapshotId} could not be found.`);
    if (snap.lc?.state !== 'available') throw badRequest(`Invalid snapshot: Originating snapshot status must be one of 'available' values`);
    sourceSize = snap.data.size;
    sourceZone = tenant.collection<VolumeData>(OS.volume).peek(snap.data.volumeId)?.data.zone;
  } else if (sourceId) {
    const src = tenant.collection<VolumeData>(OS.volume).get(sourceId);
    if (!src) throw notFound(`Volume ${sourceId} could not be found.`);
    if (!['available', 'in-use'].includes(volumeStatus(src))) throw badRequest(`Invalid volume: Volume ${sourceId} status must be available or in-use, but current status is: ${volumeStatus(src)}.`);
    sourceSize = src.data.size;
    sourceZone = src.data.zone;
  }
  if (size === undefined) {
    if (sourceSize === undefined) throw badRequest("Invalid input received: Volume size 'None' must be an integer and greater than 0.");
    size = sourceSize;
  }
  if (size < 1) throw badRequest(`Invalid input received: Volume size '${size}' must be an integer and greater than 0.`);
  if (sourceSize !== undefined && size < sourceSize)
    throw badRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the ${backupId ? 'backup' : snapshotId ? 'snapshot' : 'original volume'} size ${sourceSize}GB. They must be >= original ${backupId ? 'backup' : snapshotId ? 'snapshot' : 'volume'} size.`);
  if (zone !== undefined && !zones(c).includes(zone)) throw badRequest(`Invalid input received: Availability zone '${zone}' is invalid.`);
  if (zone !== undefined && sourceZone !== undefined && zone !== sourceZone) throw badRequest(`Invalid input received: Volume must be in the same availability zone as the ${snapshotId ? 'snapshot' : 'source volume'}`);
  zone ??= sourceZone ?? zones(c)[0] ?? 'nova';
  const typeName = str(v, 'volume_type');
  let volumeType = defaultType(c);
  if (typeName !== undefined) {
    const t = [...c.cloud.collection<{ name: string }>(OS.volumeType).all()].find((x) => x.data.name === typeName || x.id === typeName);
    if (!t) throw notFound(`Volume type with name ${typeName} could not be found.`);
    volumeType = t.data.name;
  }
  const name = str(v, 'name') ?? null;
  if (name !== null && name.length > 255) throw badRequest(`Invalid input for field/attribute name. Value: ${name}. '${name}' is too long`);
  const metadata = stringMap(v, 'metadata') ?? {};
  checkQuota(tenant, { volumes: 1, gigabytes: size });
  const now = c.engine.clock.now();
  const rec = tenant.collection<VolumeData>(OS.volume).insert({
    id: c.engine.ids.uuid('openstack:volume'),
    region: c.region,
    data: {
      name, description: str(v, 'description') ?? null, size, zone, volumeType, snapshotId: snapshotId ?? null, sourceVolid: sourceId ?? null, backupId: backupId ?? null, metadata,
      multiattach: bool(v, 'multiattach') ?? false, bootable: false, userId: c.token!.data.userId, attachments: [], created: now, updated: now,
      pending: c.asyncFailure ? { fail: c.asyncFailure.code } : undefined,
    },
  });
  c.call.touch(rec.id);
  c.engine.lifecycle.enter(tenant, rec, 'creating');
  return ok({ volume: renderVolume(c, rec) }, 202);
};

function matchesFilters(c: OsContext, rec: ResourceRecord<VolumeData>): boolean {
  const q = c.query;
  const name = q.get('name');
  if (name !== null && rec.data.name !== name) return false;
  const like = q.get('name~');
  if (like !== null && atLeast(c.version, 3, 34) && !(rec.data.name ?? '').includes(like)) return false;
  const status = q.get('status');
  if (status !== null && volumeStatus(rec) !== status) return false;
  const zone = q.get('availability_zone');
  if (zone !== null && rec.data.zone !== zone) return false;
  const meta = q.get('metadata');
  if (meta !== null) {
    let want: unknown;
    try {
      want = JSON.parse(meta.replace(/'/g, '"'));
    } catch {
      throw badRequest(`Invalid input received: Invalid filter metadata: ${meta}`);
    }
    if (typeof want === 'object' && want !== null) for (const [k, val] of Object.entries(want)) if (rec.data.metadata[k] !== String(val)) return false;
  }
  return true;
}

function list(c: OsContext, detail: boolean) {
  const all = projectOf(c)
    .collection<VolumeData>(OS.volume)
    .list()
    .filter((r) => matchesFilters(c, r))
    .sort((a, b) => b.data.created - a.data.created || b.seq - a.seq);
  const page = paginate(c.req, all, { notFound: (m) => notFound(`Volume ${m} could not be found.`) });
  const endpoint = c.endpoint('volume');
  const render = detail ? volumeRenderer(c) : undefined;
  const volumes = page.items.map((r) => (render ? render(r) : { id: r.id, name: r.data.name, links: [{ rel: 'self', href: `${endpoint}/volumes/${r.id}` }] }));
  const body: Record<string, unknown> = { volumes };
  if (page.next) body['volumes_links'] = nextLinks(page.next);
  if (c.query.get('with_count') === 'true' && atLeast(c.version, 3, 45)) body['count'] = all.length;
  return ok(body);
}

const DELETABLE = new Set(['available', 'error', 'error_restoring', 'error_extending', 'error_managing']);

const remove: Handler = (c) => {
  const tenant = projectOf(c);
  const rec = findVolume(c, c.params['volume_id']!);
  const cascade = c.query.get('cascade') === 'true';
  const snaps = tenant.collection<SnapshotData>(OS.snapshot).list().filter((s) => s.data.volumeId === rec.id);
  if (!DELETABLE.has(volumeStatus(rec)) || rec.data.attachments.length > 0 || (snaps.length > 0 && !cascade))
    throw badRequest('Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.');
  for (const s of snaps) c.engine.lifecycle.enter(tenant, s, 'deleting');
  c.engine.lifecycle.enter(tenant, rec, 'deleting');
  return { status: 202 };
};

const update: Handler = (c) => {
  const rec = findVolume(c, c.params['volume_id']!);
  const v = member(jsonBody(c.req), 'volume');
  const name = str(v, 'name');
  const description = str(v, 'description');
  const metadata = stringMap(v, 'metadata');
  if (name !== undefined) rec.data.name = name;
  if (description !== undefined) rec.data.description = description;
  if (metadata !== undefined) rec.data.metadata = metadata;
  rec.data.updated = c.engine.clock.now();
  return ok({ volume: renderVolume(c, rec) });
};

const RESETTABLE = new Set(['available', 'error', 'in-use', 'error_extending', 'error_deleting', 'attaching', 'detaching', 'creating', 'deleting']);

const action: Handler = (c) => {
  const tenant = projectOf(c);
  const rec = findVolume(c, c.params['volume_id']!);
  const body = jsonBody(c.req);
  if (body['os-extend'] !== undefined) {
    const e = member(body, 'os-extend');
    let newSize: number | undefined;
    try {
      newSize = int(e, 'new_size');
    } catch {
      newSize = undefined;
    }
    if (newSize === undefined) throw badRequest(`Invalid input for field/attribute new_size. Value: ${String(e['new_size'])}.`);
    const status = volumeStatus(rec);
    const online = atLeast(c.version, 3, 42);
    if (status !== 'available' && !(online && status === 'in-use'))
      throw badRequest(`Invalid volume: Volume status must be ${online ? "'available' or 'in-use'" : "'available'"} to extend, but current status is: ${status}.`);
    if (newSize <= rec.data.size) throw badRequest(`Invalid input received: New size for extend must be greater than current size. (current: ${rec.data.size}, extended: ${newSize}).`);
    checkQuota(tenant, { gigabytes: newSize - rec.data.size });
    rec.data.pending = { newSize, fail: c.asyncFailure?.code };
    c.engine.lifecycle.enter(tenant, rec, status === 'in-use' ? 'extending-attached' : 'extending');
    return { status: 202 };
  }
  if (body['os-reset_status'] !== undefined) {
    const r = member(body, 'os-reset_status');
    const status = str(r, 'status');
    if (!status || !RESETTABLE.has(status)) throw badRequest(`Invalid input received: Must specify a valid status`);
    delete rec.data.pending;
    c.engine.lifecycle.enter(tenant, rec, status);
    return { status: 202 };
  }
  throw badRequest(`There is no such action: ${Object.keys(body)[0] ?? ''}`);
};

export const volumeHandlers = {
  create,
  list: ((c) => list(c, false)) as Handler,
  detail: ((c) => list(c, true)) as Handler,
  get: ((c) => ok({ volume: renderVolume(c, findVolume(c, c.params['volume_id']!)) })) as Handler,
  update,
  remove,
  action,
};
