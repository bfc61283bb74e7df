/**
 * Octavia load balancers: create (the VIP port on the subnet or network given, or the port given;
 * listeners, pools, members and health monitors in one fully populated tree), list, get, update,
 * delete (`cascade`), and the status tree.
 */
import { CloudError } from '../../../core/errors.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { OS, type HealthMonitorData, type ListenerData, type LoadBalancerData, type MemberData, type NetworkData, type PoolData, type PortData, type SubnetData } from '../records.js';
import { insertPort } from '../seed.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { jsonBody, member, noContent, ok } from '../shared/wire.js';
import { allocateIp, inCidr, usedIps } from '../network/ips.js';
import { visibleTenants } from '../network/common.js';
import { createListener, createPool } from './children.js';
import { beginUpdate, findLb, lbStatus, octaviaBad, octaviaList, octaviaTime } from './common.js';
import { childrenOf } from './machines.js';

export function renderLb(c: OsContext, rec: ResourceRecord<LoadBalancerData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const kids = childrenOf(projectOf(c), rec.id);
  return {
    id: rec.id, name: d.name, description: d.description, project_id: d.projectId, tenant_id: d.projectId, tags: d.tags, admin_state_up: d.adminStateUp,
    provisioning_status: lbStatus(rec), operating_status: d.operatingStatus, created_at: octaviaTime(d.created), updated_at: octaviaTime(d.updated),
    vip_address: d.vipAddress, vip_port_id: d.vipPortId, vip_subnet_id: d.vipSubnetId, vip_network_id: d.vipNetworkId, vip_qos_policy_id: null, vip_vnic_type: 'normal',
    additional_vips: [], listeners: kids.filter((k) => k.type === OS.listener).map((k) => ({ id: k.rec.id })), pools: kids.filter((k) => k.type === OS.pool).map((k) => ({ id: k.rec.id })),
    provider: d.provider, flavor_id: d.flavorId, availability_zone: d.availabilityZone,
  };
}

function findSubnet(c: OsContext, id: string): { subnet: ResourceRecord<SubnetData>; owner: TenantStore } {
  for (const t of visibleTenants(c)) {
    const s = t.collection<SubnetData>(OS.subnet).peek(id);
    if (s) return { subnet: s, owner: t };
  }
  throw octaviaBad(`Validation failure: Subnet ${id} not found.`);
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const o = member(jsonBody(c.req), 'loadbalancer');
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  let subnetId = str('vip_subnet_id');
  const networkId = str('vip_network_id');
  const portId = str('vip_port_id');
  let vipAddress = str('vip_address');
  const id = c.engine.ids.uuid('openstack:loadbalancer');
  let vipPortId: string;
  let owner: TenantStore = tenant;
  if (portId) {
    const port = tenant.collection<PortData>(OS.port).peek(portId);
    if (!port) throw octaviaBad(`Validation failure: Port ${portId} not found.`);
    const f = port.data.fixedIps[0];
    if (!f) throw octaviaBad(`Validation failure: Port ${portId} has no fixed IP.`);
    Object.assign(port.data, { deviceId: id, deviceOwner: 'Octavia' });
    subnetId = f.subnetId;
    vipAddress = f.ipAddress;
    vipPortId = port.id;
  } else {
    if (!subnetId && networkId) {
      const net = visibleTenants(c).map((t) => t.collection<NetworkData>(OS.network).peek(networkId)).find((n) => n);
      if (!net) throw octaviaBad(`Validation failure: Network ${networkId} not found.`);
      subnetId = visibleTenants(c).flatMap((t) => t.collection<SubnetData>(OS.subnet).peekChildren(net.id))[0]?.id;
      if (!subnetId) throw octaviaBad(`Validation failure: Supplied network does not contain a subnet.`);
    }
    if (!subnetId) throw octaviaBad('Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.');
    const found = findSubnet(c, subnetId);
    owner = found.owner;
    if (vipAddress !== undefined) {
      if (!inCidr(vipAddress, found.subnet.data.cidr)) throw octaviaBad(`Validation failure: VIP address ${vipAddress} is not in subnet ${subnetId}.`);
      if (usedIps(owner, found.subnet).has(vipAddress)) throw new CloudError('Conflict', 409, `IP address ${vipAddress} is already in use on network ${found.subnet.data.networkId}.`);
    } else vipAddress = allocateIp(owner, found.subnet);
    if (!vipAddress) throw new CloudError('Conflict', 409, `No more IP addresses available on network ${found.subnet.data.networkId}.`);
    vipPortId = insertPort(c.engine, owner, { projectId: owner.id === tenant.id ? tenant.id : '', networkId: found.subnet.data.networkId, fixedIps: [{ subnetId, ipAddress: vipAddress }], deviceId: id, deviceOwner: 'Octavia', name: `octavia-lb-${id}`, securityGroups: [] });
  }
  const subnet = findSubnet(c, subnetId!).subnet;
  const tags = Array.isArray(o['tags']) ? (o['tags'] as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  const rec = tenant.collection<LoadBalancerData>(OS.loadBalancer).insert({
    id,
    region: c.region,
    data: {
      name: str('name') ?? '', description: str('description') ?? '', projectId: tenant.id, tags, adminStateUp: o['admin_state_up'] !== false, operatingStatus: 'OFFLINE',
      created: c.engine.clock.now(), updated: null, vipSubnetId: subnet.id, vipNetworkId: subnet.data.networkId, vipAddress: vipAddress!, vipPortId,
      provider: str('provider') ?? 'amphora', flavorId: str('flavor_id') ?? null, availabilityZone: str('availability_zone') ?? null, fail: c.asyncFailure?.code,
    },
  });
  c.call.touch(id);
  c.engine.lifecycle.enter(tenant, rec, 'PENDING_CREATE');
  try {
    for (const l of Array.isArray(o['listeners']) ? (o['listeners'] as Record<string, unknown>[]) : []) createListener(c, id, l);
    for (const p of Array.isArray(o['pools']) ? (o['pools'] as Record<string, unknown>[]) : []) createPool(c, id, p, []);
  } catch (err) {
    // A bad child refuses the whole tree, as Octavia validates it before creating anything.
    for (const { type, rec: child } of childrenOf(tenant, id)) tenant.collection(type).delete(child.id);
    owner.collection(OS.port).delete(vipPortId);
    tenant.collection(OS.loadBalancer).delete(id);
    throw err;
  }
  return ok({ loadbalancer: renderLb(c, rec) }, 201);
};

const update: Handler = (c) => {
  const o = member(jsonBody(c.req), 'loadbalancer');
  const rec = beginUpdate(c, c.params['id']!);
  if (typeof o['name'] === 'string') rec.data.name = o['name'];
  if (typeof o['description'] === 'string') rec.data.description = o['description'];
  if (typeof o['admin_state_up'] === 'boolean') rec.data.adminStateUp = o['admin_state_up'];
  if (Array.isArray(o['tags'])) rec.data.tags = o['tags'].filter((t): t is string => typeof t === 'string');
  rec.data.updated = c.engine.clock.now();
  return ok({ loadbalancer: renderLb(c, rec) });
};

const remove: Handler = (c) => {
  const tenant = projectOf(c);
  const rec = findLb(c, c.params['id']!);
  const status = lbStatus(rec);
  if (status !== 'ACTIVE' && status !== 'ERROR') throw new CloudError('Conflict', 409, `Invalid state ${status} of loadbalancer resource ${rec.id}`);
  const kids = childrenOf(tenant, rec.id);
  if (kids.length > 0 && c.query.get('cascade') !== 'true') throw octaviaBad(`Cannot delete Load Balancer ${rec.id} - it has children`);
  for (const k of kids) k.rec.data.provisioningStatus = 'PENDING_DELETE';
  c.engine.lifecycle.enter(tenant, rec, 'PENDING_DELETE');
  return noContent();
};

const statusTree: Handler = (c) => {
  const tenant = projectOf(c);
  const rec = findLb(c, c.params['id']!);
  const st = (d: { provisioningStatus: string; operatingStatus: string; name: string }, id: string) => ({ id, name: d.name, provisioning_status: d.provisioningStatus, operating_status: d.operatingStatus });
  const listeners = tenant.collection<ListenerData>(OS.listener).peekChildren(rec.id).map((l) => ({
    ...st(l.data, l.id),
    pools: tenant.collection<PoolData>(OS.pool).peekChildren(rec.id).filter((p) => p.data.listenerIds.includes(l.id)).map((p) => ({
      ...st(p.data, p.id),
      members: tenant.collection<MemberData>(OS.member).peekChildren(p.id).map((m) => ({ ...st(m.data, m.id), address: m.data.address, protocol_port: m.data.protocolPort })),
      health_monitor: tenant.collection<HealthMonitorData>(OS.healthMonitor).peekChildren(p.id).map((h) => ({ id: h.id, name: h.data.name, type: h.data.type, provisioning_status: h.data.provisioningStatus, operating_status: h.data.operatingStatus }))[0] ?? {},
    })),
  }));
  return ok({ statuses: { loadbalancer: { id: rec.id, name: rec.data.name, provisioning_status: lbStatus(rec), operating_status: rec.data.operatingStatus, listeners } } });
};

export const loadBalancerHandlers = {
  list: ((c) => octaviaList(c, 'loadbalancers', projectOf(c).collection<LoadBalancerData>(OS.loadBalancer).list().map((r) => renderLb(c, r)), 'Load Balancer')) as Handler,
  get: ((c) => ok({ loadbalancer: renderLb(c, findLb(c, c.params['id']!)) })) as Handler,
  create,
  update,
  remove,
  status: statusTree,
};
