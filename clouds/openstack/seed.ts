/**
 * The `seed.openstack` section of a scenario: regions and zones, Keystone users, projects and
 * application credentials and trusts, flavors and volume types, external networks, and per project its
 * quotas, tenant networks with subnets, routers and servers (each with a port on its network).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SeedProblem } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import type { TenantStore } from '../../core/store.js';
import { domainId } from './identity/tokens.js';
import { defaultSecurityGroup } from './network/security-groups.js';
import { allocateIp, macAddress, subnetDefaults } from './network/ips.js';
import {
  CLOUD_TENANT, OS, type AppCredData, type FlavorData, type NetworkData, type PortData, type ProjectData, type QuotaData, type RegionData,
  type RouterData, type ServerData, type SubnetData, type TrustData, type UserData,
} from './records.js';

const Subnet = Type.Object({ name: Type.String(), cidr: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' }) }, { additionalProperties: false });
const Network = Type.Object({ name: Type.String(), subnets: Type.Optional(Type.Array(Subnet)), mtu: Type.Optional(Type.Integer()) }, { additionalProperties: false });
const Server = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    id: Type.Optional(Type.String({ description: 'Nova server id (a UUID); generated when absent' })),
    zone: Type.Optional(Type.String()),
    flavor: Type.Optional(Type.String({ description: 'flavor name' })),
    network: Type.Optional(Type.String({ description: 'the project network the server has its port on (default: the first)' })),
    status: Type.Optional(Type.Union([Type.Literal('ACTIVE'), Type.Literal('SHUTOFF'), Type.Literal('ERROR')])),
    metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
const Project = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    domain: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    quotas: Type.Optional(Type.Object({ volumes: Type.Optional(Type.Integer()), gigabytes: Type.Optional(Type.Integer()), snapshots: Type.Optional(Type.Integer()), servers: Type.Optional(Type.Integer()) }, { additionalProperties: false })),
    networks: Type.Optional(Type.Array(Network)),
    routers: Type.Optional(Type.Array(Type.Object({ name: Type.String(), externalNetwork: Type.Optional(Type.String()), subnets: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }))),
    servers: Type.Optional(Type.Array(Server)),
  },
  { additionalProperties: false },
);
const User = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    password: Type.String(),
    domain: Type.Optional(Type.String()),
    projects: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'project name → role names' })),
    groups: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export const OpenStackSeedSchema = Type.Object(
  {
    tokenTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, description: "Keystone's token lifetime in virtual seconds (default 3600)" })),
    regions: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.Object({ zones: Type.Array(Type.String(), { minItems: 1 }) }, { additionalProperties: false }))),
    flavors: Type.Optional(Type.Array(Type.Object({ name: Type.String(), id: Type.Optional(Type.String()), vcpus: Type.Integer(), ram: Type.Integer(), disk: Type.Integer() }, { additionalProperties: false }))),
    volumeTypes: Type.Optional(Type.Array(Type.String())),
    externalNetworks: Type.Optional(Type.Array(Type.Object({ name: Type.String(), cidr: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' }) }, { additionalProperties: false }))),
    users: Type.Optional(Type.Record(Type.String(), User)),
    applicationCredentials: Type.Optional(Type.Array(Type.Object({ id: Type.Optional(Type.String()), name: Type.String(), secret: Type.String(), user: Type.String(), project: Type.String() }, { additionalProperties: false }))),
    trusts: Type.Optional(Type.Array(Type.Object({ id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })), trustor: Type.String(), trustee: Type.String(), project: Type.String(), roles: Type.Array(Type.String()), impersonation: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))),
    projects: Type.Optional(Type.Record(Type.String(), Project)),
  },
  { additionalProperties: false },
);
export type OpenStackSeed = Static<typeof OpenStackSeedSchema>;

export const DEFAULT_REGIONS = { RegionOne: { zones: ['nova'] } };
const DEFAULT_FLAVORS = [
  { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
  { id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
  { id: '4', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
  { id: '5', name: 'm1.xlarge', vcpus: 8, ram: 16384, disk: 160 },
];
export const DEFAULT_QUOTAS: QuotaData = { volumes: 10, gigabytes: 1000, snapshots: 10, servers: 10 };
export const IMAGE_ID = 'c6a1f1e4-2f3b-4d5e-9a8b-7c6d5e4f3a2b';

export function validateOpenStackSeed(section: unknown): SeedProblem[] {
  if (!Value.Check(OpenStackSeedSchema, section))
    return [...Value.Errors(OpenStackSeedSchema, section)].map((e) => ({ path: e.path.split('/').filter(Boolean).join('.'), message: e.message }));
  const seed = section as OpenStackSeed;
  const problems: SeedProblem[] = [];
  const zones = Object.values(seed.regions ?? DEFAULT_REGIONS).flatMap((r) => r.zones);
  const flavors = (seed.flavors ?? DEFAULT_FLAVORS).map((f) => f.name);
  const projects = Object.keys(seed.projects ?? {});
  const externals = (seed.externalNetworks ?? []).map((n) => n.name);
  for (const [name, u] of Object.entries(seed.users ?? {}))
    for (const p of Object.keys(u.projects ?? {})) if (!projects.includes(p)) problems.push({ path: `users.${name}.projects.${p}`, message: `no project ${p} in seed.openstack.projects` });
  (seed.applicationCredentials ?? []).forEach((ac, i) => {
    if (!seed.users?.[ac.user]) problems.push({ path: `applicationCredentials.${i}.user`, message: `no user ${ac.user}` });
    if (!projects.includes(ac.project)) problems.push({ path: `applicationCredentials.${i}.project`, message: `no project ${ac.project}` });
  });
  (seed.trusts ?? []).forEach((tr, i) => {
    for (const k of ['trustor', 'trustee'] as const) if (!seed.users?.[tr[k]]) problems.push({ path: `trusts.${i}.${k}`, message: `no user ${tr[k]}` });
    if (!projects.includes(tr.project)) problems.push({ path: `trusts.${i}.project`, message: `no project ${tr.project}` });
  });
  for (const [pname, p] of Object.entries(seed.projects ?? {})) {
    const nets = (p.networks ?? []).map((n) => n.name);
    const subnets = (p.networks ?? []).flatMap((n) => (n.subnets ?? []).map((s) => s.name));
    (p.networks ?? []).forEach((n, i) => (n.subnets ?? []).forEach((s, j) => {
      if (!subnetDefaults(s.cidr)) problems.push({ path: `projects.${pname}.networks.${i}.subnets.${j}.cidr`, message: `${s.cidr} is not an IPv4 CIDR of /30 or larger` });
    }));
    (p.routers ?? []).forEach((r, i) => {
      if (r.externalNetwork && !externals.includes(r.externalNetwork)) problems.push({ path: `projects.${pname}.routers.${i}.externalNetwork`, message: `no external network ${r.externalNetwork}` });
      for (const s of r.subnets ?? []) if (!subnets.includes(s)) problems.push({ path: `projects.${pname}.routers.${i}.subnets`, message: `no subnet ${s} in the project` });
    });
    (p.servers ?? []).forEach((s, i) => {
      if (s.zone && !zones.includes(s.zone)) problems.push({ path: `projects.${pname}.servers.${i}.zone`, message: `zone ${s.zone} is not one of ${zones.join(', ')}` });
      if (s.flavor && !flavors.includes(s.flavor)) problems.push({ path: `projects.${pname}.servers.${i}.flavor`, message: `no flavor ${s.flavor}` });
      if (s.network ? !nets.includes(s.network) : nets.length === 0) problems.push({ path: `projects.${pname}.servers.${i}.network`, message: 'the server needs a project network with a subnet' });
    });
  }
  return problems;
}

export function applyOpenStackSeed(section: unknown, engine: Engine, onlyTenant?: string): void {
  const seed = section as OpenStackSeed;
  const now = engine.clock.now();
  const cloud = engine.store.tenant('openstack', CLOUD_TENANT);
  // Applied again at run time (the admin seed call), a section adds what is new by name and keeps
  // what exists: inserting a second RegionOne was an uncaught duplicate error (a 500, found by the fuzz).
  const named = <T extends { name: string }>(c: { all(): IterableIterator<{ id: string; data: T }> }, name: string) => [...c.all()].find((r) => r.data.name === name);
  const projectIds = new Map<string, string>();
  for (const [name, p] of Object.entries(seed.projects ?? {})) projectIds.set(name, named(cloud.collection<ProjectData>(OS.project), name)?.id ?? p.id ?? engine.ids.hex('openstack:project', 32));
  const seedCloud = onlyTenant === undefined || onlyTenant === CLOUD_TENANT;
  if (seedCloud) {
    for (const [name, r] of Object.entries(seed.regions ?? DEFAULT_REGIONS)) if (!cloud.collection<RegionData>(OS.region).has(name)) cloud.collection<RegionData>(OS.region).insert({ id: name, data: { name, zones: r.zones } });
    for (const f of seed.flavors ?? DEFAULT_FLAVORS)
      if (!named(cloud.collection<FlavorData>(OS.flavor), f.name)) cloud.collection<FlavorData>(OS.flavor).insert({ id: f.id ?? engine.ids.uuid('openstack:flavor'), data: { name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: 0, swap: 0, extraSpecs: {} } });
    for (const t of seed.volumeTypes ?? ['__DEFAULT__', 'lvmdriver-1']) if (!named(cloud.collection<{ name: string }>(OS.volumeType), t)) cloud.collection(OS.volumeType).insert({ id: engine.ids.uuid('openstack:volumetype'), data: { name: t } });
    for (const [name, p] of Object.entries(seed.projects ?? {}))
      if (!cloud.collection<ProjectData>(OS.project).has(projectIds.get(name)!)) cloud.collection<ProjectData>(OS.project).insert({ id: projectIds.get(name)!, data: { name, domainId: domainId(p.domain ?? 'Default'), description: p.description ?? '' } });
    const userIds = new Map<string, string>();
    for (const [name, u] of Object.entries(seed.users ?? {})) {
      const roles: Record<string, string[]> = {};
      for (const [p, r] of Object.entries(u.projects ?? {})) roles[projectIds.get(p)!] = r;
      const existing = named(cloud.collection<UserData>(OS.user), name);
      const id = existing?.id ?? u.id ?? engine.ids.hex('openstack:user', 32);
      userIds.set(name, id);
      if (existing) continue;
      const first = Object.keys(u.projects ?? {})[0];
      cloud.collection<UserData>(OS.user).insert({ id, data: { name, domainId: domainId(u.domain ?? 'Default'), password: u.password, roles, groups: u.groups ?? [], defaultProjectId: first ? projectIds.get(first) : undefined } });
    }
    for (const ac of seed.applicationCredentials ?? []) {
      if (named(cloud.collection<AppCredData>(OS.appCred), ac.name)) continue;
      const pid = projectIds.get(ac.project)!;
      const user = cloud.collection<UserData>(OS.user).peek(userIds.get(ac.user)!)!;
      cloud.collection<AppCredData>(OS.appCred).insert({ id: ac.id ?? engine.ids.hex('openstack:appcred', 32), data: { name: ac.name, secret: ac.secret, userId: user.id, projectId: pid, roles: user.data.roles[pid] ?? ['member'] } });
    }
    for (const tr of seed.trusts ?? [])
      if (!(tr.id && cloud.collection<TrustData>(OS.trust).has(tr.id))) cloud.collection<TrustData>(OS.trust).insert({
        id: tr.id ?? engine.ids.hex('openstack:trust', 32),
        data: { trustorId: userIds.get(tr.trustor)!, trusteeId: userIds.get(tr.trustee)!, projectId: projectIds.get(tr.project)!, roles: tr.roles, impersonation: tr.impersonation ?? false, expiresAt: null },
      });
    for (const n of seed.externalNetworks ?? []) {
      if (named(cloud.collection<NetworkData>(OS.network), n.name)) continue;
      const net = insertNetwork(engine, cloud, CLOUD_TENANT, n.name, true, 1500);
      insertSubnet(engine, cloud, CLOUD_TENANT, net, `${n.name}-subnet`, n.cidr);
    }
  }
  const firstZone = Object.values(seed.regions ?? DEFAULT_REGIONS)[0]!.zones[0]!;
  const firstRegion = Object.keys(seed.regions ?? DEFAULT_REGIONS)[0]!;
  for (const [pname, p] of Object.entries(seed.projects ?? {})) {
    const pid = projectIds.get(pname)!;
    if (onlyTenant !== undefined && onlyTenant !== pid) continue;
    const tenant = engine.store.tenant('openstack', pid);
    if (!tenant.collection<QuotaData>(OS.quota).has(pid)) tenant.collection<QuotaData>(OS.quota).insert({ id: pid, data: { ...DEFAULT_QUOTAS, ...p.quotas } });
    const sg = defaultSecurityGroup(engine, tenant, pid);
    const subnetsByName = new Map<string, string>();
    const netByName = new Map<string, string>();
    for (const n of p.networks ?? []) {
      const net = named(tenant.collection<NetworkData>(OS.network), n.name)?.id ?? insertNetwork(engine, tenant, pid, n.name, false, n.mtu ?? 1442);
      netByName.set(n.name, net);
      for (const s of n.subnets ?? []) subnetsByName.set(s.name, named(tenant.collection<SubnetData>(OS.subnet), s.name)?.id ?? insertSubnet(engine, tenant, pid, net, s.name, s.cidr));
    }
    for (const r of p.routers ?? []) {
      if (named(tenant.collection<RouterData>(OS.router), r.name)) continue;
      const ext = r.externalNetwork ? [...cloud.collection<NetworkData>(OS.network).all()].find((n) => n.data.name === r.externalNetwork) : undefined;
      const routerId = engine.ids.uuid('openstack:router');
      let gateway: RouterData['externalGateway'] = null;
      if (ext) {
        const extSubnet = cloud.collection<SubnetData>(OS.subnet).peekChildren(ext.id)[0];
        const ip = extSubnet ? allocateIp(cloud, extSubnet) : undefined;
        const fixedIps = extSubnet && ip ? [{ subnetId: extSubnet.id, ipAddress: ip }] : [];
        insertPort(engine, cloud, { projectId: '', networkId: ext.id, fixedIps, deviceId: routerId, deviceOwner: 'network:router_gateway' });
        gateway = { networkId: ext.id, enableSnat: true, fixedIps };
      }
      tenant.collection<RouterData>(OS.router).insert({ id: routerId, region: firstRegion, data: { ...common(pid, r.name, now), adminStateUp: true, status: 'ACTIVE', externalGateway: gateway, routes: [] } });
      for (const sname of r.subnets ?? []) {
        const subnet = tenant.collection<SubnetData>(OS.subnet).peek(subnetsByName.get(sname)!)!;
        insertPort(engine, tenant, { projectId: pid, networkId: subnet.data.networkId, fixedIps: [{ subnetId: subnet.id, ipAddress: subnet.data.gatewayIp! }], deviceId: routerId, deviceOwner: 'network:router_interface' });
      }
    }
    for (const s of p.servers ?? []) {
      if (named(tenant.collection<ServerData>(OS.server), s.name)) continue;
      const id = s.id ?? engine.ids.uuid('openstack:server');
      const zone = s.zone ?? firstZone;
      const flavor = [...cloud.collection<FlavorData>(OS.flavor).all()].find((f) => f.data.name === (s.flavor ?? 'm1.medium')) ?? cloud.collection<FlavorData>(OS.flavor).all().next().value!;
      const userId = [...cloud.collection<UserData>(OS.user).all()].find((u) => u.data.roles[pid])?.id ?? '';
      tenant.collection<ServerData>(OS.server).insert({
        id,
        region: firstRegion,
        data: {
          name: s.name, zone, flavorId: flavor.id, imageId: IMAGE_ID, status: s.status ?? 'ACTIVE', metadata: s.metadata ?? {}, tags: [], userId,
          hostId: engine.ids.hex('openstack:host', 56), keyName: null, created: now, updated: now, launchedAt: now, securityGroups: [sg],
        },
      });
      const netId = s.network ? netByName.get(s.network)! : [...netByName.values()][0]!;
      const subnet = tenant.collection<SubnetData>(OS.subnet).peekChildren(netId)[0];
      const ip = subnet ? allocateIp(tenant, subnet) : undefined;
      insertPort(engine, tenant, { projectId: pid, networkId: netId, fixedIps: subnet && ip ? [{ subnetId: subnet.id, ipAddress: ip }] : [], deviceId: id, deviceOwner: `compute:${zone}`, securityGroups: [sg] });
    }
  }
}

export function common(projectId: string, name: string, now: number) {
  return { name, description: '', projectId, tags: [] as string[], created: now, updated: now, revision: 1 };
}

export function insertNetwork(engine: Engine, tenant: TenantStore, projectId: string, name: string, external: boolean, mtu: number): string {
  const id = engine.ids.uuid('openstack:network');
  const now = engine.clock.now();
  tenant.collection<NetworkData>(OS.network).insert({
    id,
    data: { ...common(projectId, name, now), adminStateUp: true, shared: false, external, mtu, networkType: external ? 'flat' : 'geneve', segmentationId: external ? null : 1000 + tenant.collection(OS.network).size },
  });
  return id;
}

export function insertSubnet(engine: Engine, tenant: TenantStore, projectId: string, networkId: string, name: string, cidr: string): string {
  const d = subnetDefaults(cidr)!;
  const id = engine.ids.uuid('openstack:subnet');
  tenant.collection<SubnetData>(OS.subnet).insert({
    id,
    parent: networkId,
    data: { ...common(projectId, name, engine.clock.now()), networkId, cidr: d.cidr, ipVersion: 4, gatewayIp: d.gatewayIp, enableDhcp: true, allocationPools: d.pools, dnsNameservers: [], hostRoutes: [] },
  });
  return id;
}

export function insertPort(
  engine: Engine,
  tenant: TenantStore,
  p: { projectId: string; networkId: string; fixedIps: PortData['fixedIps']; deviceId: string; deviceOwner: string; securityGroups?: string[]; name?: string; description?: string },
): string {
  const id = engine.ids.uuid('openstack:port');
  const compute = p.deviceOwner.startsWith('compute:');
  tenant.collection<PortData>(OS.port).insert({
    id,
    parent: p.networkId,
    data: {
      ...common(p.projectId, p.name ?? '', engine.clock.now()), description: p.description ?? '', networkId: p.networkId, macAddress: macAddress(engine), fixedIps: p.fixedIps, deviceId: p.deviceId, deviceOwner: p.deviceOwner,
      status: p.deviceId ? 'ACTIVE' : 'DOWN', adminStateUp: true, securityGroups: p.securityGroups ?? [], allowedAddressPairs: [], portSecurityEnabled: compute || p.deviceOwner === '', hostId: compute ? 'compute-0' : '',
    },
  });
  return id;
}
