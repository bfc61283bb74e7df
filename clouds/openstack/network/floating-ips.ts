/**
 * Neutron floating IPs: allocated on an external network (the address is held by a port of the
 * cloud tenant, as Neutron's own floating-IP ports belong to no project), associated with a port
 * whose subnet a router connects to that external network, released on delete.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type FloatingIpData, type NetworkData, type PortData, type RouterData, type SubnetData } from '../records.js';
import { common, insertPort } from '../seed.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { jsonBody, member, noContent, ok, str } from '../shared/wire.js';
import { findIn, listReply, neutronBadRequest, neutronError, neutronNotFound, stamp, touchUpdated } from './common.js';
import { allocateIp, inCidr, usedIps } from './ips.js';

export function renderFloatingIp(c: OsContext, rec: ResourceRecord<FloatingIpData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const port = d.portId ? projectOf(c).collection<PortData>(OS.port).peek(d.portId) : undefined;
  const { name: _name, ...rest } = stamp(d, projectOf(c).id);
  void _name;
  return {
    id: rec.id, ...rest, floating_ip_address: d.floatingIpAddress, floating_network_id: d.floatingNetworkId, router_id: d.routerId, port_id: d.portId,
    fixed_ip_address: d.fixedIpAddress, status: d.portId ? 'ACTIVE' : 'DOWN', qos_policy_id: null, port_forwardings: [], dns_domain: '', dns_name: '',
    port_details: port ? { name: port.data.name, network_id: port.data.networkId, mac_address: port.data.macAddress, admin_state_up: port.data.adminStateUp, status: port.data.status, device_id: port.data.deviceId, device_owner: port.data.deviceOwner } : null,
  };
}

/** Point a floating IP at a port: its subnet must reach the floating network through a router. */
function associate(c: OsContext, fip: FloatingIpData, portId: string | null, fixedIp?: string): void {
  if (portId === null) {
    Object.assign(fip, { portId: null, fixedIpAddress: null, routerId: null });
    return;
  }
  const tenant = projectOf(c);
  const port = tenant.collection<PortData>(OS.port).peek(portId);
  if (!port) throw neutronNotFound('Port', portId);
  const fixed = port.data.fixedIps.find((f) => (fixedIp ? f.ipAddress === fixedIp : true));
  if (!fixed) throw neutronBadRequest(`Bad floatingip request: Port ${portId} does not have fixed ip ${fixedIp ?? ''}.`);
  const taken = [...tenant.collection<FloatingIpData>(OS.floatingIp).all()].find((f) => f.data !== fip && f.data.portId === portId && f.data.fixedIpAddress === fixed.ipAddress);
  if (taken) throw neutronError(409, 'FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${fip.floatingIpAddress} with port ${portId} using fixed IP ${fixed.ipAddress}, as that fixed IP already has a floating IP on external network ${fip.floatingNetworkId}.`);
  const router = [...tenant.collection<RouterData>(OS.router).all()].find(
    (r) => r.data.externalGateway?.networkId === fip.floatingNetworkId && [...tenant.collection<PortData>(OS.port).all()].some((p) => p.data.deviceId === r.id && p.data.fixedIps.some((f) => f.subnetId === fixed.subnetId)),
  );
  if (!router) throw neutronError(404, 'ExternalGatewayForFloatingIPNotFound', `External network ${fip.floatingNetworkId} is not reachable from subnet ${fixed.subnetId}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);
  Object.assign(fip, { portId, fixedIpAddress: fixed.ipAddress, routerId: router.id });
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const f = member(jsonBody(c.req), 'floatingip');
  const netId = str(f, 'floating_network_id');
  const net = netId ? c.cloud.collection<NetworkData>(OS.network).peek(netId) : undefined;
  if (!net?.data.external) throw neutronBadRequest(`Bad floatingip request: Network ${netId ?? ''} is not a valid external network.`);
  const subnets = c.cloud.collection<SubnetData>(OS.subnet).peekChildren(net.id);
  const subnetId = str(f, 'subnet_id');
  const subnet = subnetId ? subnets.find((s) => s.id === subnetId) : subnets[0];
  if (!subnet) throw neutronNotFound('Subnet', subnetId ?? '');
  let address = str(f, 'floating_ip_address');
  if (address !== undefined) {
    if (!inCidr(address, subnet.data.cidr)) throw neutronBadRequest(`Invalid input for operation: IP address ${address} is not a valid IP for the specified subnet.`);
    if (usedIps(c.cloud, subnet).has(address)) throw neutronError(409, 'IpAddressAlreadyAllocated', `IP address ${address} already allocated in subnet ${subnet.id}`);
  } else address = allocateIp(c.cloud, subnet);
  if (!address) throw neutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${net.id}.`);
  const id = c.engine.ids.uuid('openstack:floatingip');
  const data: FloatingIpData = {
    ...common(tenant.id, '', c.engine.clock.now()), description: str(f, 'description') ?? '', floatingNetworkId: net.id, floatingIpAddress: address,
    portId: null, fixedIpAddress: null, routerId: null, holderPortId: '',
  };
  const portId = str(f, 'port_id');
  if (portId) associate(c, data, portId, str(f, 'fixed_ip_address'));
  data.holderPortId = insertPort(c.engine, c.cloud, { projectId: '', networkId: net.id, fixedIps: [{ subnetId: subnet.id, ipAddress: address }], deviceId: id, deviceOwner: 'network:floatingip' });
  const rec = tenant.collection<FloatingIpData>(OS.floatingIp).insert({ id, region: c.region, data });
  c.call.touch(id);
  return ok({ floatingip: renderFloatingIp(c, rec) }, 201);
};

const update: Handler = (c) => {
  const { rec } = findIn<FloatingIpData>(c, OS.floatingIp, c.params['id']!, 'Floating IP');
  const f = member(jsonBody(c.req), 'floatingip');
  if (f['port_id'] !== undefined) associate(c, rec.data, typeof f['port_id'] === 'string' ? f['port_id'] : null, str(f, 'fixed_ip_address'));
  rec.data.description = str(f, 'description') ?? rec.data.description;
  touchUpdated(c, rec.data);
  return ok({ floatingip: renderFloatingIp(c, rec) });
};

const remove: Handler = (c) => {
  const { rec } = findIn<FloatingIpData>(c, OS.floatingIp, c.params['id']!, 'Floating IP');
  c.cloud.collection(OS.port).delete(rec.data.holderPortId);
  projectOf(c).collection(OS.floatingIp).delete(rec.id);
  return noContent();
};

export const floatingIpHandlers = {
  list: ((c) => listReply(c, 'floatingips', projectOf(c).collection<FloatingIpData>(OS.floatingIp).list().map((r) => renderFloatingIp(c, r)), 'Floating IP')) as Handler,
  get: ((c) => ok({ floatingip: renderFloatingIp(c, findIn<FloatingIpData>(c, OS.floatingIp, c.params['id']!, 'Floating IP').rec) })) as Handler,
  create,
  update,
  remove,
};
