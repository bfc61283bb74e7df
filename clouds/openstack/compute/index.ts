/** Nova's routes (`/openstack/compute/...`): version documents, servers, flavors, volume attachments, availability zones. */
import { OS, type RegionData } from '../records.js';
import type { Handler } from '../shared/context.js';
import { fmt, NOVA } from '../shared/microversion.js';
import type { Route } from '../shared/routes.js';
import { ok } from '../shared/wire.js';
import { attachmentHandlers as att } from './attachments.js';
import { flavorHandlers as flv } from './flavors.js';
import { serverHandlers as srv } from './servers.js';

const versionDoc = (href: string) => ({
  id: 'v2.1', status: 'CURRENT', version: fmt(NOVA.max), min_version: fmt(NOVA.min), updated: '2013-07-23T11:33:21Z',
  links: [{ rel: 'self', href: `${href}/` }],
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
});

const versions: Handler = (c) => ok({ versions: [versionDoc(c.endpoint('compute'))] });
const version: Handler = (c) => ok({ version: versionDoc(c.endpoint('compute')) });
const zones: Handler = (c) => {
  const region = c.cloud.collection<RegionData>(OS.region).peek(c.region);
  return ok({ availabilityZoneInfo: (region?.data.zones ?? []).map((z) => ({ zoneName: z, zoneState: { available: true }, hosts: null })) });
};

export const computeRoutes: Route<Handler>[] = [
  { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
  { method: 'GET', path: '/v2.1', op: 'GetVersion', anonymous: true, handler: version },
  { method: 'GET', path: '/v2.1/servers', op: 'ListServers', handler: srv.list },
  { method: 'GET', path: '/v2.1/servers/detail', op: 'ListServersDetail', handler: srv.detail },
  { method: 'GET', path: '/v2.1/servers/{server_id}', op: 'GetServer', handler: srv.get },
  { method: 'DELETE', path: '/v2.1/servers/{server_id}', op: 'DeleteServer', handler: srv.remove },
  { method: 'POST', path: '/v2.1/servers/{server_id}/action', op: 'ServerAction', handler: srv.action },
  { method: 'GET', path: '/v2.1/servers/{server_id}/os-volume_attachments', op: 'ListVolumeAttachments', handler: att.list },
  { method: 'POST', path: '/v2.1/servers/{server_id}/os-volume_attachments', op: 'AttachVolume', handler: att.attach },
  { method: 'GET', path: '/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}', op: 'GetVolumeAttachment', handler: att.get },
  { method: 'DELETE', path: '/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}', op: 'DetachVolume', handler: att.detach },
  { method: 'GET', path: '/v2.1/flavors', op: 'ListFlavors', handler: flv.list },
  { method: 'GET', path: '/v2.1/flavors/detail', op: 'ListFlavorsDetail', handler: flv.detail },
  { method: 'GET', path: '/v2.1/flavors/{flavor_id}', op: 'GetFlavor', handler: flv.get },
  { method: 'GET', path: '/v2.1/os-availability-zone', op: 'ListAvailabilityZones', handler: zones },
];
