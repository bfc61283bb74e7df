/** Cinder v3's routes (`/openstack/volume/v3/{project_id}/...`): version documents, volumes, snapshots, backups, quotas, types, zones. */
import { OS, type RegionData } from '../records.js';
import type { Handler } from '../shared/context.js';
import { CINDER, fmt } from '../shared/microversion.js';
import type { Route } from '../shared/routes.js';
import { ok } from '../shared/wire.js';
import { backupHandlers as bak } from './backups.js';
import { quotaHandlers as quo } from './quotas.js';
import { snapshotHandlers as snap } from './snapshots.js';
import { volumeHandlers as vol } from './volumes.js';

const versionDoc = (root: string) => ({
  id: 'v3.0', status: 'CURRENT', version: fmt(CINDER.max), min_version: fmt(CINDER.min), updated: '2023-08-31T00:00:00Z',
  links: [{ rel: 'self', href: `${root}/v3/` }],
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
});
const root = (c: Parameters<Handler>[0]) => c.endpoint('volume').replace(/\/v3(\/[^/]*)?$/, '');

const versions: Handler = (c) => ok({ versions: [versionDoc(root(c))] }, 300);
const version: Handler = (c) => ok({ versions: [versionDoc(root(c))] });
const types: Handler = (c) =>
  ok({ volume_types: [...c.cloud.collection<{ name: string }>(OS.volumeType).all()].map((t) => ({ id: t.id, name: t.data.name, description: null, is_public: true, extra_specs: {}, qos_specs_id: null, 'os-volume-type-access:is_public': true })) });
const zones: Handler = (c) => {
  const region = c.cloud.collection<RegionData>(OS.region).peek(c.region);
  return ok({ availabilityZoneInfo: (region?.data.zones ?? []).map((z) => ({ zoneName: z, zoneState: { available: true } })) });
};

const P = '/v3/{project_id}';
export const volumeRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
  { method: 'GET', path: '/v3', op: 'GetVersion', anonymous: true, handler: version },
  { method: 'POST', path: `${P}/volumes`, op: 'CreateVolume', handler: vol.create },
  { method: 'GET', path: `${P}/volumes`, op: 'ListVolumes', handler: vol.list },
  { method: 'GET', path: `${P}/volumes/detail`, op: 'ListVolumesDetail', handler: vol.detail },
  { method: 'GET', path: `${P}/volumes/{volume_id}`, op: 'GetVolume', handler: vol.get },
  { method: 'PUT', path: `${P}/volumes/{volume_id}`, op: 'UpdateVolume', handler: vol.update },
  { method: 'DELETE', path: `${P}/volumes/{volume_id}`, op: 'DeleteVolume', handler: vol.remove },
  { method: 'POST', path: `${P}/volumes/{volume_id}/action`, op: 'VolumeAction', handler: vol.action },
  { method: 'POST', path: `${P}/snapshots`, op: 'CreateSnapshot', handler: snap.create },
  { method: 'GET', path: `${P}/snapshots`, op: 'ListSnapshots', handler: snap.list },
  { method: 'GET', path: `${P}/snapshots/detail`, op: 'ListSnapshotsDetail', handler: snap.list },
  { method: 'GET', path: `${P}/snapshots/{snapshot_id}`, op: 'GetSnapshot', handler: snap.get },
  { method: 'PUT', path: `${P}/snapshots/{snapshot_id}`, op: 'UpdateSnapshot', handler: snap.update },
  { method: 'DELETE', path: `${P}/snapshots/{snapshot_id}`, op: 'DeleteSnapshot', handler: snap.remove },
  { method: 'POST', path: `${P}/backups`, op: 'CreateBackup', handler: bak.create },
  { method: 'GET', path: `${P}/backups`, op: 'ListBackups', handler: bak.list },
  { method: 'GET', path: `${P}/backups/detail`, op: 'ListBackupsDetail', handler: bak.detail },
  { method: 'GET', path: `${P}/backups/{backup_id}`, op: 'GetBackup', handler: bak.get },
  { method: 'DELETE', path: `${P}/backups/{backup_id}`, op: 'DeleteBackup', handler: bak.remove },
  { method: 'GET', path: `${P}/os-quota-sets/{target_project_id}`, op: 'GetQuotaSet', handler: quo.get },
  { method: 'PUT', path: `${P}/os-quota-sets/{target_project_id}`, op: 'UpdateQuotaSet', handler: quo.update },
  { method: 'GET', path: `${P}/limits`, op: 'GetLimits', handler: quo.limits },
  { method: 'GET', path: `${P}/types`, op: 'ListVolumeTypes', handler: types },
  { method: 'GET', path: `${P}/os-availability-zone`, op: 'ListAvailabilityZones', handler: zones },
];
