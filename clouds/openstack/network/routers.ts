/** Neutron routers (routes, atomic extra routes, interfaces, gateway) and the extensions list OCCM checks. */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type NetworkData, type PortData, type RouterData, type SubnetData } from '../records.js';
import { common, insertPort } from '../seed.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { bool, jsonBody, member, noContent, ok, str } from '../shared/wire.js';
import { findIn, listReply, neutronBadRequest, neutronError, neutronNotFound, stamp, touchUpdated } from './common.js';
import { allocateIp, inCidr, isIpv4, parseCidr } from './ips.js';

type Route = { destination: string; nexthop: string };

export function renderRouter(c: OsContext, rec: ResourceRecord<RouterData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const gw = d.externalGateway;
  return {
    id: rec.id, ...stamp(d, c.project?.id ?? ''), admin_state_up: d.adminStateUp, status: d.status,
    external_gateway_info: gw ? { network_id: gw.networkId, enable_snat: gw.enableSnat, external_fixed_ips: gw.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })) } : null,
    routes: d.routes, distributed: false, ha: false, availability_zone_hints: [], availability_zones: ['nova'], flavor_id: null, enable_ndp_proxy: false,
  };
}

/** Subnets the router has an interface on. */
function attachedSubnets(c: OsContext, routerId: string): ResourceRecord<SubnetData>[] {
  const tenant = projectOf(c);
  const ids = new Set<string>();
  for (const p of tenant.collection<PortData>(OS.port).all()) if (p.data.deviceId === routerId) for (const f of p.data.fixedIps) ids.add(f.subnetId);
  return [...ids].map((id) => tenant.collection<SubnetData>(OS.subnet).peek(id) ?? c.cloud.collection<SubnetData>(OS.subnet).peek(id)).filter((s) => s !== undefined);
}

function parseRoutes(c: OsContext, routerId: string, v: unknown): Route[] {
  if (!Array.isArray(v)) throw neutronBadRequest("Invalid input for routes. Reason: Invalid data format for hostroute: 'routes' must be a list.");
  const subnets = attachedSubnets(c, routerId);
  return v.map((r) => {
    const o = (r ?? {}) as Record<string, unknown>;
    const destination = o['destination'], nexthop = o['nexthop'];
    if (typeof destination !== 'string' || !parseCidr(destination) || typeof nexthop !== 'string' || !isIpv4(nexthop))
      throw neutronBadRequest(`Invalid input for routes. Reason: Invalid data format for hostroute: '${JSON.stringify(r)}'.`);
    if (!subnets.some((s) => inCidr(nexthop, s.data.cidr)))
      throw neutronError(400, 'InvalidRoutes', `Invalid format for routes: [${JSON.stringify(r)}], the nexthop is not connected with router`);
    return { destination, nexthop };
  });
}

const same = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;

function gateway(c: OsContext, routerId: string, info: unknown): RouterData['externalGateway'] {
  if (info === null || info === undefined) return null;
  const g = info as Record<string, unknown>;
  const netId = typeof g['network_id'] === 'string' ? g['network_id'] : undefined;
  const net = netId ? c.cloud.collection<NetworkData>(OS.network).peek(netId) : undefined;
  if (!net?.data.external) throw neutronBadRequest(`Bad router request: Network ${netId ?? ''} is not a valid external network.`);
  const subnet = c.cloud.collection<SubnetData>(OS.subnet).peekChildren(net.id)[0];
  const ip = subnet ? allocateIp(c.cloud, subnet) : undefined;
  const fixedIps = subnet && ip ? [{ subnetId: subnet.id, ipAddress: ip }] : [];
  insertPort(c.engine, c.cloud, { projectId: '', networkId: net.id, fixedIps, deviceId: routerId, deviceOwner: 'network:router_gateway' });
  return { networkId: net.id, enableSnat: typeof g['enable_snat'] === 'boolean' ? g['enable_snat'] : true, fixedIps };
}

function releaseGateway(c: OsContext, routerId: string): void {
  const ports = c.cloud.collection<PortData>(OS.port);
  for (const p of [...ports.all()]) if (p.data.deviceId === routerId && p.data.deviceOwner === 'network:router_gateway') ports.delete(p.id);
}

const create: Handler = (c) => {
  const tenant = projectOf(c);
  const r = member(jsonBody(c.req), 'router');
  const id = c.engine.ids.uuid('openstack:router');
  const gw = gateway(c, id, r['external_gateway_info']);
  const rec = tenant.collection<RouterData>(OS.router).insert({ id, region: c.region, data: { ...common(tenant.id, str(r, 'name') ?? '', c.engine.clock.now()), description: str(r, 'description') ?? '', adminStateUp: bool(r, 'admin_state_up') ?? true, status: 'ACTIVE', externalGateway: gw, routes: [] } });
  c.call.touch(id);
  return ok({ router: renderRouter(c, rec) }, 201);
};

const update: Handler = (c) => {
  const { rec } = findIn<RouterData>(c, OS.router, c.params['id']!, 'Router');
  const r = member(jsonBody(c.req), 'router');
  if (r['routes'] !== undefined) rec.data.routes = parseRoutes(c, rec.id, r['routes'] ?? []);
  if (r['external_gateway_info'] !== undefined) {
    releaseGateway(c, rec.id);
    rec.data.externalGateway = gateway(c, rec.id, r['external_gateway_info']);
  }
  rec.data.name = str(r, 'name') ?? rec.data.name;
  rec.data.description = str(r, 'description') ?? rec.data.description;
  rec.data.adminStateUp = bool(r, 'admin_state_up') ?? rec.data.adminStateUp;
  touchUpdated(c, rec.data);
  return ok({ router: renderRouter(c, rec) });
};

const extraRoutes = (add: boolean): Handler => (c) => {
  const { rec } = findIn<RouterData>(c, OS.router, c.params['id']!, 'Router');
  const routes = parseRoutes(c, rec.id, member(jsonBody(c.req), 'router')['routes']);
  rec.data.routes = add ? [...rec.data.routes, ...routes.filter((n) => !rec.data.routes.some((o) => same(o, n)))] : rec.data.routes.filter((o) => !routes.some((n) => same(o, n)));
  touchUpdated(c, rec.data);
  return ok({ router: renderRouter(c, rec) });
};

const addInterface: Handler = (c) => {
  const tenant = projectOf(c);
  const { rec } = findIn<RouterData>(c, OS.router, c.params['id']!, 'Router');
  const body = jsonBody(c.req);
  const subnetId = str(body, 'subnet_id');
  const portId = str(body, 'port_id');
  let port: ResourceRecord<PortData> | undefined;
  if (portId) {
    port = tenant.collection<PortData>(OS.port).peek(portId);
    if (!port) throw neutronNotFound('Port', portId);
    if (port.data.deviceId) throw neutronError(409, 'PortInUse', `Unable to complete operation on port ${portId} for network ${port.data.networkId}. Port already has an attached device ${port.data.deviceId}.`);
    Object.assign(port.data, { deviceId: rec.id, deviceOwner: 'network:router_interface', status: 'ACTIVE' });
  } else if (subnetId) {
    const subnet = tenant.collection<SubnetData>(OS.subnet).peek(subnetId);
    if (!subnet) throw neutronNotFound('Subnet', subnetId);
    if (attachedSubnets(c, rec.id).some((s) => s.id === subnetId)) throw neutronBadRequest(`Bad router request: Router already has a port on subnet ${subnetId}.`);
    const id = insertPort(c.engine, tenant, { projectId: tenant.id, networkId: subnet.data.networkId, fixedIps: [{ subnetId, ipAddress: subnet.data.gatewayIp ?? allocateIp(tenant, subnet)! }], deviceId: rec.id, deviceOwner: 'network:router_interface' });
    port = tenant.collection<PortData>(OS.port).peek(id)!;
  } else throw neutronBadRequest('Bad router request: Either subnet_id or port_id must be specified.');
  const sid = port.data.fixedIps[0]?.subnetId ?? '';
  return ok({ id: rec.id, tenant_id: tenant.id, project_id: tenant.id, port_id: port.id, subnet_id: sid, subnet_ids: [sid], network_id: port.data.networkId });
};

const removeInterface: Handler = (c) => {
  const tenant = projectOf(c);
  const { rec } = findIn<RouterData>(c, OS.router, c.params['id']!, 'Router');
  const body = jsonBody(c.req);
  const subnetId = str(body, 'subnet_id');
  const portId = str(body, 'port_id');
  const port = [...tenant.collection<PortData>(OS.port).all()].find((p) => p.data.deviceId === rec.id && (p.id === portId || p.data.fixedIps.some((f) => f.subnetId === subnetId)));
  if (!port) throw neutronError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${rec.id} has no interface on subnet ${subnetId ?? portId ?? ''}`);
  tenant.collection(OS.port).delete(port.id);
  return ok({ id: rec.id, tenant_id: tenant.id, project_id: tenant.id, port_id: port.id, subnet_id: port.data.fixedIps[0]?.subnetId ?? '', network_id: port.data.networkId });
};

const remove: Handler = (c) => {
  const tenant = projectOf(c);
  const { rec } = findIn<RouterData>(c, OS.router, c.params['id']!, 'Router');
  if ([...tenant.collection<PortData>(OS.port).all()].some((p) => p.data.deviceId === rec.id && p.data.deviceOwner === 'network:router_interface'))
    throw neutronError(409, 'RouterInUse', `Router ${rec.id} still has ports`);
  releaseGateway(c, rec.id);
  tenant.collection(OS.router).delete(rec.id);
  return noContent();
};

export const routerHandlers = {
  list: ((c) => listReply(c, 'routers', projectOf(c).collection<RouterData>(OS.router).list().map((r) => renderRouter(c, r)), 'Router')) as Handler,
  get: ((c) => ok({ router: renderRouter(c, findIn<RouterData>(c, OS.router, c.params['id']!, 'Router').rec) })) as Handler,
  create,
  update,
  remove,
  addExtraRoutes: extraRoutes(true),
  removeExtraRoutes: extraRoutes(false),
  addInterface,
  removeInterface,
};

const EXTENSIONS: Array<[string, string, string]> = [
  ['router', 'Neutron L3 Router', 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.'],
  ['extraroute', 'Neutron Extra Route', 'Extra routes configuration for L3 router'],
  ['extraroute-atomic', 'Atomically add/remove extra routes', 'Edit extra routes of a router on server side by atomically adding/removing extra routes'],
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.'],
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'],
  ['security-group', 'security-group', 'The security groups extension.'],
  ['port-security', 'Port Security', 'Provides port security'],
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'],
  ['standard-attr-tag', 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', 'Enables to set tag on resources with standard attribute.'],
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'],
  ['standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.'],
  ['trunk', 'Trunk Extension', 'Provides support for trunk ports'],
  ['trunk-details', 'Trunk port details', 'Expose trunk port details'],
  ['fip-port-details', 'Floating IP Port Details Extension', 'Add port_details attribute to Floating IP resource'],
  ['net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per project'],
];

export const extensionHandlers = {
  list: ((c) => ok({ extensions: EXTENSIONS.map(([alias, name, description]) => ({ alias, name, description, updated: '2020-01-01T10:00:00-00:00', links: [] })) })) as Handler,
  get: ((c) => {
    const e = EXTENSIONS.find(([alias]) => alias === c.params['alias']);
    if (!e) throw neutronError(404, 'ExtensionNotFound', `Extension with alias ${c.params['alias']} does not exist`);
    return ok({ extension: { alias: e[0], name: e[1], description: e[2], updated: '2020-01-01T10:00:00-00:00', links: [] } });
  }) as Handler,
};
