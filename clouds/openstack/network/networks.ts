/** Neutron networks and subnets: the project's own and the cloud's external networks, list/get/create/update/delete. */
import type { ResourceRecord } from '../../../core/store.js';
import { CLOUD_TENANT, OS, type NetworkData, type PortData, type SubnetData } from '../records.js';
import { insertNetwork, insertSubnet } from '../seed.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { bool, int, jsonBody, member, noContent, ok, str } from '../shared/wire.js';
import { findIn, listReply, neutronBadRequest, neutronError, stamp, touchUpdated, visibleTenants } from './common.js';
import { inCidr, isIpv4, subnetDefaults } from './ips.js';

export function renderNetwork(c: OsContext, rec: ResourceRecord<NetworkData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const subnets = visibleTenants(c).flatMap((t) => t.collection<SubnetData>(OS.subnet).peekChildren(rec.id).map((s) => s.id));
  return {
    id: rec.id, ...stamp(d, c.project?.id ?? ''), admin_state_up: d.adminStateUp, status: 'ACTIVE', subnets, shared: d.shared, 'router:external': d.external,
    mtu: d.mtu, availability_zone_hints: [], availability_zones: ['nova'], ipv4_address_scope: null, ipv6_address_scope: null, port_security_enabled: true,
    is_default: d.external, 'provider:network_type': d.networkType, 'provider:physical_network': d.external ? 'public' : null, 'provider:segmentation_id': d.segmentationId,
    l2_adjacency: true, dns_domain: '', qos_policy_id: null,
  };
}

export function renderSubnet(c: OsContext, rec: ResourceRecord<SubnetData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  return {
    id: rec.id, ...stamp(d, c.project?.id ?? ''), network_id: d.networkId, ip_version: d.ipVersion, cidr: d.cidr, gateway_ip: d.gatewayIp, enable_dhcp: d.enableDhcp,
    allocation_pools: d.allocationPools, dns_nameservers: d.dnsNameservers, host_routes: d.hostRoutes, ipv6_ra_mode: null, ipv6_address_mode: null, subnetpool_id: null,
    service_types: [], segment_id: null, dns_publish_fixed_ip: false,
  };
}

const networks = (c: OsContext) => visibleTenants(c).flatMap((t) => t.collection<NetworkData>(OS.network).list());
const subnets = (c: OsContext) => visibleTenants(c).flatMap((t) => t.collection<SubnetData>(OS.subnet).list());

const createNetwork: Handler = (c) => {
  const n = member(jsonBody(c.req), 'network');
  const external = bool(n, 'router:external') ?? false;
  const tenant = external ? c.cloud : projectOf(c);
  const id = insertNetwork(c.engine, tenant, external ? '' : projectOf(c).id, str(n, 'name') ?? '', external, int(n, 'mtu') ?? (external ? 1500 : 1442));
  const rec = tenant.collection<NetworkData>(OS.network).peek(id)!;
  rec.data.description = str(n, 'description') ?? '';
  rec.data.adminStateUp = bool(n, 'admin_state_up') ?? true;
  rec.data.shared = bool(n, 'shared') ?? false;
  c.call.touch(id);
  return ok({ network: renderNetwork(c, rec) }, 201);
};

const updateNetwork: Handler = (c) => {
  const { rec } = findIn<NetworkData>(c, OS.network, c.params['id']!, 'Network', { shared: true });
  const n = member(jsonBody(c.req), 'network');
  rec.data.name = str(n, 'name') ?? rec.data.name;
  rec.data.description = str(n, 'description') ?? rec.data.description;
  rec.data.adminStateUp = bool(n, 'admin_state_up') ?? rec.data.adminStateUp;
  touchUpdated(c, rec.data);
  return ok({ network: renderNetwork(c, rec) });
};

const deleteNetwork: Handler = (c) => {
  const { rec, tenant } = findIn<NetworkData>(c, OS.network, c.params['id']!, 'Network', { shared: true });
  const inUse = tenant.collection<PortData>(OS.port).peekChildren(rec.id).filter((p) => p.data.deviceOwner !== 'network:dhcp');
  if (inUse.length > 0) throw neutronError(409, 'NetworkInUse', `Unable to complete operation on network ${rec.id}. There are one or more ports still in use on the network.`);
  for (const s of tenant.collection<SubnetData>(OS.subnet).peekChildren(rec.id)) tenant.collection(OS.subnet).delete(s.id);
  tenant.collection(OS.network).delete(rec.id);
  return noContent();
};

const createSubnet: Handler = (c) => {
  const s = member(jsonBody(c.req), 'subnet');
  const networkId = str(s, 'network_id');
  if (!networkId) throw neutronBadRequest("Invalid input for operation: 'network_id' is required.");
  const { rec: net, tenant } = findIn<NetworkData>(c, OS.network, networkId, 'Network', { shared: true });
  const cidr = str(s, 'cidr');
  const defaults = cidr ? subnetDefaults(cidr) : undefined;
  if (!cidr || !defaults) throw neutronBadRequest(`Invalid input for cidr. Reason: '${cidr ?? ''}' is not a valid IP subnet.`);
  if ((int(s, 'ip_version') ?? 4) !== 4) throw neutronBadRequest('Invalid input for ip_version. Reason: only IPv4 subnets are served by fauxcloud.');
  for (const other of tenant.collection<SubnetData>(OS.subnet).peekChildren(net.id))
    if (inCidr(defaults.gatewayIp, other.data.cidr) || inCidr(other.data.gatewayIp ?? '', defaults.cidr))
      throw neutronBadRequest(`Invalid input for operation: Requested subnet with cidr: ${defaults.cidr} for network: ${net.id} overlaps with another subnet.`);
  const id = insertSubnet(c.engine, tenant, tenant.id === CLOUD_TENANT ? '' : projectOf(c).id, net.id, str(s, 'name') ?? '', cidr);
  const rec = tenant.collection<SubnetData>(OS.subnet).peek(id)!;
  const gw = s['gateway_ip'];
  if (gw === null) rec.data.gatewayIp = null;
  else if (typeof gw === 'string') {
    if (!isIpv4(gw) || !inCidr(gw, defaults.cidr)) throw neutronBadRequest(`Gateway ip ${gw} conflicts with allocation pool`);
    rec.data.gatewayIp = gw;
  }
  rec.data.enableDhcp = bool(s, 'enable_dhcp') ?? true;
  const dns = s['dns_nameservers'];
  if (Array.isArray(dns)) rec.data.dnsNameservers = dns.filter((x): x is string => typeof x === 'string');
  c.call.touch(id);
  return ok({ subnet: renderSubnet(c, rec) }, 201);
};

const deleteSubnet: Handler = (c) => {
  const { rec, tenant } = findIn<SubnetData>(c, OS.subnet, c.params['id']!, 'Subnet', { shared: true });
  const used = [...tenant.collection<PortData>(OS.port).all()].some((p) => p.data.fixedIps.some((f) => f.subnetId === rec.id));
  if (used) throw neutronError(409, 'SubnetInUse', `Unable to complete operation on subnet ${rec.id}: One or more ports have an IP allocation from this subnet.`);
  tenant.collection(OS.subnet).delete(rec.id);
  return noContent();
};

const updateSubnet: Handler = (c) => {
  const { rec } = findIn<SubnetData>(c, OS.subnet, c.params['id']!, 'Subnet', { shared: true });
  const s = member(jsonBody(c.req), 'subnet');
  rec.data.name = str(s, 'name') ?? rec.data.name;
  rec.data.description = str(s, 'description') ?? rec.data.description;
  touchUpdated(c, rec.data);
  return ok({ subnet: renderSubnet(c, rec) });
};

export const networkHandlers = {
  list: ((c) => listReply(c, 'networks', networks(c).map((r) => renderNetwork(c, r)), 'Network')) as Handler,
  get: ((c) => ok({ network: renderNetwork(c, findIn<NetworkData>(c, OS.network, c.params['id']!, 'Network', { shared: true }).rec) })) as Handler,
  create: createNetwork,
  update: updateNetwork,
  remove: deleteNetwork,
};

export const subnetHandlers = {
  list: ((c) => listReply(c, 'subnets', subnets(c).map((r) => renderSubnet(c, r)), 'Subnet')) as Handler,
  get: ((c) => ok({ subnet: renderSubnet(c, findIn<SubnetData>(c, OS.subnet, c.params['id']!, 'Subnet', { shared: true }).rec) })) as Handler,
  create: createSubnet,
  update: updateSubnet,
  remove: deleteSubnet,
};
