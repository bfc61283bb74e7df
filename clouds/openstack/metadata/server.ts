/**
 * The Nova metadata service's OpenStack tree (`/openstack/latest/meta_data.json`,
 * `network_data.json`, dated versions alike), as cinder-csi's node service and cloud-init read
 * it. The server a request speaks for comes from `X-Fauxcloud-Instance` (server id or name; a
 * pinned listener sets it per port), else the first server of the default project.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { CLOUD_TENANT, OS, type NetworkData, type PortData, type ServerData, type SubnetData, type VolumeData } from '../records.js';
import { parseCidr, intToIp } from '../network/ips.js';

export const INSTANCE_HEADER = 'x-fauxcloud-instance';
export const METADATA_PATH = /^\/openstack(?:\/(latest|\d{4}-\d{2}-\d{2})(?:\/([A-Za-z0-9_.]+))?)?\/?$/;
const VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest'];

export interface FoundServer {
  tenant: TenantStore;
  record: ResourceRecord<ServerData>;
}

export function findServerFor(engine: Engine, headers: IncomingHttpHeaders, defaultProject: () => string | undefined): FoundServer | undefined {
  const wanted = headers[INSTANCE_HEADER];
  const tenants = engine.store.tenants().filter((t) => t.cloud === 'openstack' && t.id !== CLOUD_TENANT);
  if (typeof wanted === 'string') {
    for (const tenant of tenants) {
      const byId = tenant.collection<ServerData>(OS.server).peek(wanted);
      if (byId) return { tenant, record: byId };
      for (const record of tenant.collection<ServerData>(OS.server).all()) if (record.data.name === wanted) return { tenant, record };
    }
    return undefined;
  }
  const p = defaultProject();
  const tenant = tenants.find((t) => t.id === p) ?? tenants[0];
  const record = tenant?.collection<ServerData>(OS.server).all().next().value;
  return tenant && record ? { tenant, record } : undefined;
}

export interface MetadataReply {
  status: number;
  body: string;
  contentType: string;
}

const text = (body: string): MetadataReply => ({ status: 200, body, contentType: 'text/plain; charset=UTF-8' });
const json = (v: unknown): MetadataReply => ({ status: 200, body: JSON.stringify(v), contentType: 'application/json' });
const NOT_FOUND: MetadataReply = { status: 404, contentType: 'text/html; charset=UTF-8', body: '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>' };

function metaData(found: FoundServer): unknown {
  const s = found.record;
  const devices: unknown[] = [];
  let slot = 5;
  for (const v of found.tenant.collection<VolumeData>(OS.volume).all())
    for (const a of v.data.attachments)
      if (a.serverId === s.id && a.tag) devices.push({ type: 'disk', bus: 'pci', address: `0000:00:${(slot++).toString(16).padStart(2, '0')}.0`, serial: v.id, path: a.device, tags: [a.tag] });
  return {
    uuid: s.id,
    meta: s.data.metadata,
    hostname: s.data.name.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
    name: s.data.name,
    launch_index: 0,
    availability_zone: s.data.zone,
    random_seed: Buffer.from(s.id).toString('base64'),
    project_id: found.tenant.id,
    devices,
    dedicated_cpus: [],
  };
}

function networkData(found: FoundServer): unknown {
  const links: unknown[] = [];
  const networks: unknown[] = [];
  const ports = [...found.tenant.collection<PortData>(OS.port).all()].filter((p) => p.data.deviceId === found.record.id);
  ports.forEach((p, i) => {
    const net = found.tenant.collection<NetworkData>(OS.network).peek(p.data.networkId);
    const link = `tap${p.id.slice(0, 11)}`;
    links.push({ id: link, vif_id: p.id, type: 'ovs', mtu: net?.data.mtu ?? 1442, ethernet_mac_address: p.data.macAddress });
    for (const f of p.data.fixedIps) {
      const subnet = found.tenant.collection<SubnetData>(OS.subnet).peek(f.subnetId);
      const c = subnet ? parseCidr(subnet.data.cidr) : undefined;
      const mask = c ? intToIp(2 ** 32 - 2 ** (32 - c.bits)) : '255.255.255.0';
      networks.push({
        id: `network${i}`, type: 'ipv4', link, ip_address: f.ipAddress, netmask: mask, network_id: p.data.networkId,
        routes: subnet?.data.gatewayIp ? [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: subnet.data.gatewayIp }] : [],
        services: [],
      });
    }
  });
  return { links, networks, services: [] };
}

export function serveMetadata(method: string, path: string, found: FoundServer | undefined): MetadataReply {
  // webob's HTTPMethodNotAllowed page, as nova-api-metadata answers (an empty body was what the fuzz found).
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, contentType: 'text/html; charset=UTF-8', body: `<html>\n <head>\n  <title>405 Method Not Allowed</title>\n </head>\n <body>\n  <h1>405 Method Not Allowed</h1>\n  The method ${escapeMethod(method)} is not allowed for this resource.<br /><br />\n\n\n\n </body>\n</html>` };
  const m = METADATA_PATH.exec(path);
  if (!m) return NOT_FOUND;
  const [, version, file] = m;
  if (!version) return text(VERSIONS.join('\n'));
  if (!VERSIONS.includes(version)) return NOT_FOUND;
  if (!file) return text(['meta_data.json', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json'].join('\n'));
  if (!found) return NOT_FOUND;
  switch (file) {
    case 'meta_data.json':
      return json(metaData(found));
    case 'network_data.json':
      return json(networkData(found));
    case 'vendor_data.json':
    case 'vendor_data2.json':
      return json({});
    case 'password':
      return text('');
    default:
      return NOT_FOUND;
  }
}

/** A method token is letters only on the wire, but never echo markup. */
function escapeMethod(method: string): string {
  return method.replace(/[^A-Za-z0-9_-]/g, '');
}
