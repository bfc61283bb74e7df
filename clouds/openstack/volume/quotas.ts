/** Cinder's per-project quotas (volumes, gigabytes, snapshots): usage, the 413s, quota-set and limits calls. */
import { CloudError } from '../../../core/errors.js';
import type { TenantStore } from '../../../core/store.js';
import { OS, type QuotaData, type SnapshotData, type VolumeData } from '../records.js';
import { DEFAULT_QUOTAS } from '../seed.js';
import { projectOf, type Handler } from '../shared/context.js';
import { badRequest, int, jsonBody, member, ok } from '../shared/wire.js';

export function quotas(tenant: TenantStore): QuotaData {
  return tenant.collection<QuotaData>(OS.quota).peek(tenant.id)?.data ?? DEFAULT_QUOTAS;
}

export function usage(tenant: TenantStore): { volumes: number; gigabytes: number; snapshots: number } {
  let volumes = 0, gigabytes = 0, snapshots = 0;
  for (const v of tenant.collection<VolumeData>(OS.volume).all()) {
    volumes++;
    gigabytes += Math.max(v.data.size, v.data.pending?.newSize ?? 0);
  }
  for (const s of tenant.collection<SnapshotData>(OS.snapshot).all()) {
    snapshots++;
    gigabytes += s.data.size;
  }
  return { volumes, gigabytes, snapshots };
}

const over = (code: string, message: string) => new CloudError(code, 413, message);

/** Refuse a request that would take the project past a quota, with Cinder's wording. */
export function checkQuota(tenant: TenantStore, add: { volumes?: number; gigabytes?: number; snapshots?: number }): void {
  const q = quotas(tenant);
  const u = usage(tenant);
  if (add.volumes && q.volumes >= 0 && u.volumes + add.volumes > q.volumes) throw over('VolumeLimitExceeded', `VolumeLimitExceeded: Maximum number of volumes allowed (${q.volumes}) exceeded for quota 'volumes'.`);
  if (add.snapshots && q.snapshots >= 0 && u.snapshots + add.snapshots > q.snapshots) throw over('SnapshotLimitExceeded', `SnapshotLimitExceeded: Maximum number of snapshots allowed (${q.snapshots}) exceeded for quota 'snapshots'.`);
  if (add.gigabytes && q.gigabytes >= 0 && u.gigabytes + add.gigabytes > q.gigabytes)
    throw over('VolumeSizeExceedsAvailableQuota', `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${add.gigabytes}G, quota is ${q.gigabytes}G and ${u.gigabytes}G has been consumed.`);
}

function quotaSet(tenant: TenantStore, withUsage: boolean): Record<string, unknown> {
  const q = quotas(tenant);
  const u = usage(tenant);
  const entry = (limit: number, inUse: number) => (withUsage ? { limit, in_use: inUse, reserved: 0, allocated: 0 } : limit);
  return {
    id: tenant.id, volumes: entry(q.volumes, u.volumes), gigabytes: entry(q.gigabytes, u.gigabytes), snapshots: entry(q.snapshots, u.snapshots),
    backups: entry(10, 0), backup_gigabytes: entry(1000, 0), groups: entry(10, 0), per_volume_gigabytes: entry(-1, 0),
  };
}

export const quotaHandlers = {
  get: ((c) => ok({ quota_set: quotaSet(projectOf(c), c.query.get('usage') === 'true') })) as Handler,
  update: ((c) => {
    const tenant = projectOf(c);
    if (c.params['target_project_id'] !== tenant.id) throw new CloudError('Forbidden', 403, 'Policy doesn\'t allow volume_extension:quotas:update to be performed.');
    const set = member(jsonBody(c.req), 'quota_set');
    const next: QuotaData = { ...quotas(tenant) };
    for (const k of ['volumes', 'gigabytes', 'snapshots'] as const) {
      const v = int(set, k);
      if (v !== undefined) {
        if (v < -1) throw badRequest(`Invalid input received: Quota limit ${v} for ${k} must be -1 or greater.`);
        next[k] = v;
      }
    }
    const col = tenant.collection<QuotaData>(OS.quota);
    const rec = col.peek(tenant.id);
    if (rec) rec.data = next;
    else col.insert({ id: tenant.id, data: next });
    return ok({ quota_set: quotaSet(tenant, false) });
  }) as Handler,
  limits: ((c) => {
    const tenant = projectOf(c);
    const q = quotas(tenant);
    const u = usage(tenant);
    return ok({
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumes: q.volumes, maxTotalSnapshots: q.snapshots, maxTotalVolumeGigabytes: q.gigabytes, maxTotalBackups: 10, maxTotalBackupGigabytes: 1000,
          totalVolumesUsed: u.volumes, totalSnapshotsUsed: u.snapshots, totalGigabytesUsed: u.gigabytes, totalBackupsUsed: 0, totalBackupGigabytesUsed: 0,
        },
      },
    });
  }) as Handler,
};
