/**
 * Cinder v3 backups (cinder-csi's snapshot class `type: backup`): create (202, answering
 * Cinder's id/name/links summary; `creating → available`), list (summary) and `detail` with
 * filters and paging, get, delete (202, `deleting → gone`), and the state machine.
 */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type BackupData, type SnapshotData, type VolumeData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { atLeast } from '../shared/microversion.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { badRequest, bool, isoMicro, jsonBody, member, notFound, ok, str, stringMap } from '../shared/wire.js';
import { volumeStatus } from './machines.js';

export function defineBackupMachine(engine: Engine): void {
  engine.lifecycle.define<BackupData>({
    type: OS.backup,
    auto: { creating: 'available', deleting: 'deleted' },
    onEnter: ({ record, from, to, at, tenant }) => {
      record.data.updated = at;
      if (to === 'deleted') tenant.collection(OS.backup).delete(record.id);
      else if (from === 'creating' && record.data.fail) {
        delete record.data.fail;
        engine.lifecycle.enter(tenant, record, 'error', at);
      }
    },
  });
}

export function findBackup(c: OsContext, id: string): ResourceRecord<BackupData> {
  const rec = projectOf(c).collection<BackupData>(OS.backup).get(id);
  if (!rec) throw notFound(`Backup ${id} could not be found.`);
  c.call.touch(rec.id);
  return rec;
}

const links = (c: OsContext, id: string) => [{ rel: 'self', href: `${c.endpoint('volume')}/backups/${id}` }, { rel: 'bookmark', href: `${c.endpoint('volume')}/backups/${id}` }];
const summary = (c: OsContext, rec: ResourceRecord<BackupData>) => ({ id: rec.id, name: rec.data.name, links: links(c, rec.id) });

function render(c: OsContext, rec: ResourceRecord<BackupData>): Record<string, unknown> {
  const d = rec.data;
  const status = rec.lc?.state ?? 'available';
  const b: Record<string, unknown> = {
    id: rec.id, name: d.name, description: d.description, status, size: d.size, volume_id: d.volumeId, snapshot_id: d.snapshotId, availability_zone: d.zone,
    container: 'volumebackups', object_count: status === 'available' ? 1 : 0, created_at: isoMicro(d.created), updated_at: isoMicro(d.updated), data_timestamp: isoMicro(d.created),
    fail_reason: status === 'error' ? 'Injected failure' : null, has_dependent_backups: false, is_incremental: d.incremental, links: links(c, rec.id),
  };
  if (atLeast(c.version, 3, 18)) b['os-backup-project-attr:project_id'] = projectOf(c).id;
  if (atLeast(c.version, 3, 43)) b['metadata'] = d.metadata;
  if (atLeast(c.version, 3, 56)) b['user_id'] = d.userId;
  return b;
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const b = member(jsonBody(c.req), 'backup');
  const volumeId = str(b, 'volume_id');
  if (!volumeId) throw badRequest("Invalid input for field/attribute backup. Value: {}. 'volume_id' is a required property");
  const vol = tenant.collection<VolumeData>(OS.volume).get(volumeId);
  if (!vol) throw notFound(`Volume ${volumeId} could not be found.`);
  const snapshotId = str(b, 'snapshot_id') ?? null;
  if (snapshotId) {
    const snap = tenant.collection<SnapshotData>(OS.snapshot).get(snapshotId);
    if (!snap) throw notFound(`Snapshot ${snapshotId} could not be found.`);
    if ((snap.lc?.state ?? 'available') !== 'available') throw badRequest(`Invalid snapshot: Snapshot to be backed up must be available, but the current status is "${snap.lc?.state}".`);
  } else {
    const status = volumeStatus(vol);
    if (!(status === 'available' || (status === 'in-use' && (bool(b, 'force') ?? false))))
      throw badRequest(`Invalid volume: Volume to be backed up must be available or in-use, but the current status is "${status}".`);
  }
  const now = c.engine.clock.now();
  const rec = tenant.collection<BackupData>(OS.backup).insert({
    id: c.engine.ids.uuid('openstack:backup'),
    region: c.region,
    parent: vol.id,
    data: {
      name: str(b, 'name') ?? null, description: str(b, 'description') ?? null, volumeId, snapshotId, size: vol.data.size, zone: str(b, 'availability_zone') ?? vol.data.zone,
      metadata: stringMap(b, 'metadata') ?? {}, incremental: bool(b, 'incremental') ?? false, userId: c.token!.data.userId, created: now, updated: now, fail: c.asyncFailure?.code,
    },
  });
  c.call.touch(rec.id, vol.id);
  c.engine.lifecycle.enter(tenant, rec, 'creating');
  return ok({ backup: summary(c, rec) }, 202);
};

function list(c: OsContext, detail: boolean) {
  const q = c.query;
  const all = projectOf(c)
    .collection<BackupData>(OS.backup)
    .list()
    .filter((r) => (q.get('name') === null || r.data.name === q.get('name')) && (q.get('volume_id') === null || r.data.volumeId === q.get('volume_id')) && (q.get('status') === null || (r.lc?.state ?? 'available') === q.get('status')))
    .sort((a, b) => b.data.created - a.data.created || b.seq - a.seq);
  const page = paginate(c.req, all, { notFound: (m) => notFound(`Backup ${m} could not be found.`) });
  const body: Record<string, unknown> = { backups: page.items.map((r) => (detail ? render(c, r) : summary(c, r))) };
  if (page.next) body['backups_links'] = nextLinks(page.next);
  return ok(body);
}

const remove: Handler = (c) => {
  const rec = findBackup(c, c.params['backup_id']!);
  const status = rec.lc?.state ?? 'available';
  if (status !== 'available' && status !== 'error') throw badRequest('Invalid backup: Backup status must be available or error');
  c.engine.lifecycle.enter(projectOf(c), rec, 'deleting');
  return { status: 202 };
};

export const backupHandlers = {
  create,
  list: ((c) => list(c, false)) as Handler,
  detail: ((c) => list(c, true)) as Handler,
  get: ((c) => ok({ backup: render(c, findBackup(c, c.params['backup_id']!)) })) as Handler,
  remove,
};
