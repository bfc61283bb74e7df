/** Neutron ports: list (device_id, fixed_ips, security_groups… filters), get, create with addresses from the subnet, update (allowed address pairs, security groups, port security), delete. */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type FixedIp, type FloatingIpData, type PortData, type SecurityGroupData, type SubnetData } from '../records.js';
import { insertPort } from '../seed.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { bool, jsonBody, member, noContent, ok, str } from '../shared/wire.js';
import { findIn, listReply, neutronBadRequest, neutronError, neutronNotFound, stamp, touchUpdated } from './common.js';
import { allocateIp, inCidr, isIpv4, usedIps } from './ips.js';
import { defaultSecurityGroup } from './security-groups.js';

export function renderPort(c: OsContext, rec: ResourceRecord<PortData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const r: Record<string, unknown> & { id: string } = {
    id: rec.id, ...stamp(d, c.project?.id ?? ''), network_id: d.networkId, mac_address: d.macAddress, admin_state_up: d.adminStateUp, status: d.status,
    device_id: d.deviceId, device_owner: d.deviceOwner, fixed_ips: d.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    allowed_address_pairs: d.allowedAddressPairs, extra_dhcp_opts: [], security_groups: d.securityGroups, port_security_enabled: d.portSecurityEnabled,
    'binding:vnic_type': 'normal', 'binding:host_id': d.hostId, 'binding:vif_type': d.hostId ? 'ovs' : 'unbound', 'binding:vif_details': {}, 'binding:profile': {},
    dns_name: '', dns_assignment: [], qos_policy_id: null, qos_network_policy_id: null, resource_request: null, propagate_uplink_status: false, ip_allocation: 'immediate',
  };
  if (d.trunkDetails) r['trunk_details'] = d.trunkDetails;
  return r;
}

function securityGroups(c: OsContext, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw neutronBadRequest('Invalid input for security_groups. Reason: must be a list of security group ids.');
  for (const id of v as string[]) if (!projectOf(c).collection<SecurityGroupData>(OS.securityGroup).peek(id)) throw neutronNotFound('Security group', id);
  return v as string[];
}

function addressPairs(v: unknown): PortData['allowedAddressPairs'] {
  if (!Array.isArray(v)) throw neutronBadRequest('Invalid input for allowed_address_pairs. Reason: must be a list.');
  return v.map((p) => {
    const ip = (p as Record<string, unknown>)?.['ip_address'];
    if (typeof ip !== 'string' || !(isIpv4(ip) || /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(ip))) throw neutronBadRequest(`Invalid input for allowed_address_pairs. Reason: '${String(ip)}' is not a valid IP address.`);
    const mac = (p as Record<string, unknown>)['mac_address'];
    return { ip_address: ip, mac_address: typeof mac === 'string' ? mac : '' };
  });
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const p = member(jsonBody(c.req), 'port');
  const networkId = str(p, 'network_id');
  if (!networkId) throw neutronBadRequest("Invalid input for operation: 'network_id' is required.");
  const { rec: net, tenant: owner } = findIn(c, OS.network, networkId, 'Network', { shared: true });
  const subnets = owner.collection<SubnetData>(OS.subnet).peekChildren(net.id);
  const fixedIps: FixedIp[] = [];
  const wanted = p['fixed_ips'];
  if (Array.isArray(wanted)) {
    for (const w of wanted as Array<Record<string, unknown>>) {
      const subnet = subnets.find((s) => s.id === w['subnet_id']) ?? (typeof w['ip_address'] === 'string' ? subnets.find((s) => inCidr(w['ip_address'] as string, s.data.cidr)) : undefined);
      if (!subnet) throw neutronBadRequest(`Invalid input for operation: IP allocation requires subnet_id or ip_address on network ${net.id}.`);
      let ip = typeof w['ip_address'] === 'string' ? w['ip_address'] : undefined;
      if (ip !== undefined) {
        if (!inCidr(ip, subnet.data.cidr)) throw neutronBadRequest(`Invalid input for operation: IP address ${ip} is not a valid IP for the specified subnet.`);
        if (usedIps(owner, subnet).has(ip)) throw neutronError(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnet.id}`);
      } else ip = allocateIp(owner, subnet);
      if (!ip) throw neutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${net.id}.`);
      fixedIps.push({ subnetId: subnet.id, ipAddress: ip });
    }
  } else if (subnets[0]) {
    const ip = allocateIp(owner, subnets[0]);
    if (!ip) throw neutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${net.id}.`);
    fixedIps.push({ subnetId: subnets[0].id, ipAddress: ip });
  }
  const portSecurity = bool(p, 'port_security_enabled') ?? true;
  const groups = p['security_groups'] !== undefined ? securityGroups(c, p['security_groups']) : portSecurity ? [defaultSecurityGroup(c.engine, tenant, tenant.id)] : [];
  const id = insertPort(c.engine, tenant, { projectId: tenant.id, networkId: net.id, fixedIps, deviceId: str(p, 'device_id') ?? '', deviceOwner: str(p, 'device_owner') ?? '', securityGroups: groups, name: str(p, 'name'), description: str(p, 'description') });
  const rec = tenant.collection<PortData>(OS.port).peek(id)!;
  rec.data.portSecurityEnabled = portSecurity;
  if (p['allowed_address_pairs'] !== undefined) rec.data.allowedAddressPairs = addressPairs(p['allowed_address_pairs']);
  if (Array.isArray(p['tags'])) rec.data.tags = (p['tags'] as unknown[]).filter((t): t is string => typeof t === 'string');
  c.call.touch(id);
  return ok({ port: renderPort(c, rec) }, 201);
};

const update: Handler = (c) => {
  const { rec } = findIn<PortData>(c, OS.port, c.params['id']!, 'Port');
  const p = member(jsonBody(c.req), 'port');
  const d = rec.data;
  const portSecurity = bool(p, 'port_security_enabled') ?? d.portSecurityEnabled;
  const groups = p['security_groups'] !== undefined ? securityGroups(c, p['security_groups'] ?? []) : d.securityGroups;
  const pairs = p['allowed_address_pairs'] !== undefined ? addressPairs(p['allowed_address_pairs'] ?? []) : d.allowedAddressPairs;
  if (!portSecurity && groups.length > 0) throw neutronError(409, 'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
  if (!portSecurity && pairs.length > 0) throw neutronError(409, 'AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
  d.portSecurityEnabled = portSecurity;
  d.securityGroups = groups;
  d.allowedAddressPairs = pairs;
  d.name = str(p, 'name') ?? d.name;
  d.description = str(p, 'description') ?? d.description;
  d.deviceId = str(p, 'device_id') ?? d.deviceId;
  d.deviceOwner = str(p, 'device_owner') ?? d.deviceOwner;
  d.adminStateUp = bool(p, 'admin_state_up') ?? d.adminStateUp;
  touchUpdated(c, d);
  return ok({ port: renderPort(c, rec) });
};

const remove: Handler = (c) => {
  const tenant = projectOf(c);
  const { rec } = findIn<PortData>(c, OS.port, c.params['id']!, 'Port');
  if (rec.data.deviceOwner === 'network:router_interface' || rec.data.deviceOwner === 'network:router_gateway')
    throw neutronError(409, 'PortInUse', `Port ${rec.id} cannot be deleted directly via the port API: has device owner ${rec.data.deviceOwner}.`);
  for (const f of tenant.collection<FloatingIpData>(OS.floatingIp).all())
    if (f.data.portId === rec.id) Object.assign(f.data, { portId: null, fixedIpAddress: null, routerId: null });
  tenant.collection(OS.port).delete(rec.id);
  return noContent();
};

export const portHandlers = {
  list: ((c) => listReply(c, 'ports', projectOf(c).collection<PortData>(OS.port).list().map((r) => renderPort(c, r)), 'Port')) as Handler,
  get: ((c) => ok({ port: renderPort(c, findIn<PortData>(c, OS.port, c.params['id']!, 'Port').rec) })) as Handler,
  create,
  update,
  remove,
};
