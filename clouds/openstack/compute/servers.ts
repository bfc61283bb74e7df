/**
 * Nova servers: get, list and `detail` with Nova's filters (`name` is a regular expression matched
 * anywhere in the name, RE2 here so every pattern runs in linear time), stop/start, delete. Status
 * `ACTIVE` or `SHUTOFF`; addresses come from the server's Neutron ports and their floating IPs.
 * The representation follows the microversion (embedded flavor from 2.47, description 2.19, tags 2.26).
 */
import { RE2JS } from 're2js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { OS, type FlavorData, type FloatingIpData, type NetworkData, type PortData, type ServerData, type VolumeData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { atLeast } from '../shared/microversion.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { badRequest, conflict, isoMicro, isoZ, jsonBody, noContent, notFound, ok } from '../shared/wire.js';

export function findServer(c: OsContext, id = c.params['server_id']!): ResourceRecord<ServerData> {
  const rec = projectOf(c).collection<ServerData>(OS.server).get(id);
  if (!rec) throw notFound(`Instance ${id} could not be found.`);
  c.call.touch(rec.id);
  return rec;
}

/** `powering-off` and friends render as the vm state Nova reports while the task runs. */
function status(rec: ResourceRecord<ServerData>): { status: string; task: string | null; vm: string; power: number } {
  const lc = rec.lc?.state;
  if (lc === 'powering-off') return { status: 'ACTIVE', task: 'powering-off', vm: 'active', power: 1 };
  if (lc === 'powering-on') return { status: 'SHUTOFF', task: 'powering-on', vm: 'stopped', power: 4 };
  if (lc === 'deleting') return { status: 'ACTIVE', task: 'deleting', vm: 'active', power: 1 };
  const s = rec.data.status;
  return { status: s, task: null, vm: s === 'SHUTOFF' ? 'stopped' : s === 'ERROR' ? 'error' : 'active', power: s === 'SHUTOFF' ? 4 : s === 'ERROR' ? 0 : 1 };
}

function networkName(c: OsContext, id: string): string {
  return (projectOf(c).collection<NetworkData>(OS.network).peek(id) ?? c.cloud.collection<NetworkData>(OS.network).peek(id))?.data.name ?? id;
}

function addresses(c: OsContext, tenant: TenantStore, serverId: string): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const fips = [...tenant.collection<FloatingIpData>(OS.floatingIp).all()];
  for (const port of tenant.collection<PortData>(OS.port).all()) {
    if (port.data.deviceId !== serverId) continue;
    const list = (out[networkName(c, port.data.networkId)] ??= []);
    for (const f of port.data.fixedIps) {
      list.push({ version: 4, addr: f.ipAddress, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.data.macAddress });
      for (const fip of fips)
        if (fip.data.portId === port.id && fip.data.fixedIpAddress === f.ipAddress) list.push({ version: 4, addr: fip.data.floatingIpAddress, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': port.data.macAddress });
    }
  }
  return out;
}

export function renderServer(c: OsContext, rec: ResourceRecord<ServerData>): Record<string, unknown> {
  const tenant = projectOf(c);
  const d = rec.data;
  const st = status(rec);
  const self = `${c.endpoint('compute')}/servers/${rec.id}`;
  const flavor = c.cloud.collection<FlavorData>(OS.flavor).peek(d.flavorId);
  const volumes = [...tenant.collection<VolumeData>(OS.volume).all()].filter((v) => v.data.attachments.some((a) => a.serverId === rec.id));
  const s: Record<string, unknown> = {
    id: rec.id,
    name: d.name,
    status: st.status,
    tenant_id: tenant.id,
    user_id: d.userId,
    metadata: d.metadata,
    hostId: d.hostId,
    image: { id: d.imageId, links: [{ rel: 'bookmark', href: `${c.endpoint('compute')}/images/${d.imageId}` }] },
    flavor: atLeast(c.version, 2, 47)
      ? { vcpus: flavor?.data.vcpus ?? 0, ram: flavor?.data.ram ?? 0, disk: flavor?.data.disk ?? 0, ephemeral: 0, swap: 0, original_name: flavor?.data.name ?? d.flavorId, extra_specs: flavor?.data.extraSpecs ?? {} }
      : { id: d.flavorId, links: [{ rel: 'bookmark', href: `${c.endpoint('compute')}/flavors/${d.flavorId}` }] },
    created: isoZ(d.created),
    updated: isoZ(d.updated),
    addresses: addresses(c, tenant, rec.id),
    accessIPv4: '',
    accessIPv6: '',
    links: [{ rel: 'self', href: self }, { rel: 'bookmark', href: self }],
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': d.zone,
    config_drive: '',
    key_name: d.keyName,
    'OS-SRV-USG:launched_at': isoMicro(d.launchedAt),
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': st.task,
    'OS-EXT-STS:vm_state': st.vm,
    'OS-EXT-STS:power_state': st.power,
    'os-extended-volumes:volumes_attached': volumes.map((v) => (atLeast(c.version, 2, 3) ? { id: v.id, delete_on_termination: false } : { id: v.id })),
    security_groups: d.securityGroups.map(() => ({ name: 'default' })),
  };
  if (atLeast(c.version, 2, 9)) s['locked'] = false;
  if (atLeast(c.version, 2, 19)) s['description'] = null;
  if (atLeast(c.version, 2, 26)) s['tags'] = d.tags;
  if (atLeast(c.version, 2, 73)) s['locked_reason'] = null;
  if (atLeast(c.version, 2, 96)) s['pinned_availability_zone'] = null;
  return s;
}

function compileName(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch {
    throw badRequest(`Invalid regular expression for the name filter: ${pattern}`);
  }
}

function listServers(c: OsContext, detail: boolean) {
  const q = c.query;
  const name = q.get('name');
  const re = name ? compileName(name) : undefined;
  const statusFilter = q.get('status')?.toUpperCase();
  const zone = q.get('availability_zone');
  const flavor = q.get('flavor');
  const all = projectOf(c)
    .collection<ServerData>(OS.server)
    .list()
    .filter((s) => (!re || re.matcher(s.data.name).find()) && (!statusFilter || status(s).status === statusFilter) && (!zone || s.data.zone === zone) && (!flavor || s.data.flavorId === flavor))
    // Nova's default order: newest first.
    .sort((a, b) => b.data.created - a.data.created || b.seq - a.seq);
  const page = paginate(c.req, all, { notFound: (m) => badRequest(`marker [${m}] not found`) });
  const servers = page.items.map((s) => {
    if (detail) return renderServer(c, s);
    const self = `${c.endpoint('compute')}/servers/${s.id}`;
    return { id: s.id, name: s.data.name, links: [{ rel: 'self', href: self }, { rel: 'bookmark', href: self }] };
  });
  const body: Record<string, unknown> = { servers };
  if (page.next) body['servers_links'] = nextLinks(page.next);
  return ok(body);
}

const action: Handler = (c) => {
  const rec = findServer(c);
  const body = jsonBody(c.req);
  const st = status(rec);
  if ('os-stop' in body) {
    if (st.task) throw conflict(`Cannot 'stop' instance ${rec.id} while it is in task_state ${st.task}`);
    if (rec.data.status !== 'ACTIVE') throw conflict(`Cannot 'stop' instance ${rec.id} while it is in vm_state ${st.vm}`);
    c.engine.lifecycle.enter(projectOf(c), rec, 'powering-off');
    return noContent(202);
  }
  if ('os-start' in body) {
    if (st.task) throw conflict(`Cannot 'start' instance ${rec.id} while it is in task_state ${st.task}`);
    if (rec.data.status !== 'SHUTOFF') throw conflict(`Cannot 'start' instance ${rec.id} while it is in vm_state ${st.vm}`);
    c.engine.lifecycle.enter(projectOf(c), rec, 'powering-on');
    return noContent(202);
  }
  throw badRequest(`There is no such action: ${Object.keys(body)[0] ?? ''}`);
};

const remove: Handler = (c) => {
  const rec = findServer(c);
  if (rec.lc?.state === 'deleting') return noContent();
  c.engine.lifecycle.enter(projectOf(c), rec, 'deleting');
  return noContent();
};

export const serverHandlers = {
  list: ((c) => listServers(c, false)) as Handler,
  detail: ((c) => listServers(c, true)) as Handler,
  get: ((c) => ok({ server: renderServer(c, findServer(c)) })) as Handler,
  action,
  remove,
};
