/**
 * The `seed.vsphere` section: users, datacenters with clusters, hosts, datastores, networks and
 * VMs (with guest data), and tag categories with tags attached by `tags: ["category/tag"]`.
 * Applying a section again (the admin seed call) updates what exists by name: a VM's power state,
 * guest host name and IPs, extraConfig; a datastore's accessibility; new entities are added.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SeedProblem } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import type { ResourceRecord } from '../../core/store.js';
import {
  Inventory,
  TENANT,
  type ClusterData,
  type DatacenterData,
  type DatastoreData,
  type FolderData,
  type GuestNic,
  type HostData,
  type NetworkData,
  type VmData,
} from './inventory.js';
import { attachTag, ensureCategory, ensureTag } from './rest/tag-store.js';
import { ensurePolicy, policies } from './pbm/profile-manager.js';

const Tags = Type.Array(Type.String({ pattern: '^[^/]+/[^/]+$', description: 'category/tag' }));
const Nic = Type.Object(
  {
    network: Type.Optional(Type.String()),
    ips: Type.Array(Type.String()),
    mac: Type.Optional(Type.String()),
    deviceConfigId: Type.Optional(Type.Integer({ description: '-1 marks a NIC that is not a vNIC' })),
    connected: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const Vm = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80 }),
    host: Type.Optional(Type.String({ description: 'host name; required when the VM is new' })),
    folder: Type.Optional(Type.String({ description: 'folder path under the datacenter vm folder' })),
    uuid: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })),
    instanceUuid: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })),
    numCpu: Type.Optional(Type.Integer({ minimum: 1, maximum: 768 })),
    memoryMB: Type.Optional(Type.Integer({ minimum: 4 })),
    guestId: Type.Optional(Type.String()),
    powerState: Type.Optional(Type.Union([Type.Literal('poweredOn'), Type.Literal('poweredOff'), Type.Literal('suspended')])),
    datastore: Type.Optional(Type.String()),
    network: Type.Optional(Type.String()),
    template: Type.Optional(Type.Boolean()),
    guest: Type.Optional(
      Type.Object(
        {
          hostName: Type.Optional(Type.String()),
          ips: Type.Optional(Type.Array(Type.String(), { description: 'IPs of the first NIC' })),
          nics: Type.Optional(Type.Array(Nic)),
          toolsRunning: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    extraConfig: Type.Optional(Type.Record(Type.String(), Type.String())),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const Host = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    cores: Type.Optional(Type.Integer({ minimum: 1 })),
    memoryGB: Type.Optional(Type.Integer({ minimum: 1 })),
    connectionState: Type.Optional(Type.Union([Type.Literal('connected'), Type.Literal('disconnected'), Type.Literal('notResponding')])),
    inMaintenanceMode: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const Cluster = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    vsan: Type.Optional(Type.Boolean()),
    fileService: Type.Optional(Type.Boolean({ description: 'vSAN file service (file volumes)' })),
    hosts: Type.Optional(Type.Array(Host)),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const Datastore = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Optional(Type.Union([Type.Literal('VMFS'), Type.Literal('vsan'), Type.Literal('NFS'), Type.Literal('NFS41')])),
    capacityGB: Type.Optional(Type.Integer({ minimum: 1 })),
    freeGB: Type.Optional(Type.Integer({ minimum: 0 })),
    hosts: Type.Optional(Type.Array(Type.String(), { description: 'host names (default: every host of the datacenter)' })),
    accessible: Type.Optional(Type.Boolean()),
    remoteHost: Type.Optional(Type.String()),
    remotePath: Type.Optional(Type.String()),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const Datacenter = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    clusters: Type.Optional(Type.Array(Cluster)),
    datastores: Type.Optional(Type.Array(Datastore)),
    networks: Type.Optional(Type.Array(Type.Object({ name: Type.String(), portgroup: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))),
    vms: Type.Optional(Type.Array(Vm)),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const Category = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    cardinality: Type.Optional(Type.Union([Type.Literal('SINGLE'), Type.Literal('MULTIPLE')])),
    associableTypes: Type.Optional(Type.Array(Type.String())),
    tags: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
const Policy = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    datastoreTypes: Type.Optional(Type.Array(Type.Union([Type.Literal('VMFS'), Type.Literal('vsan'), Type.Literal('NFS'), Type.Literal('NFS41')]), { description: 'datastore types that meet the policy (default: any)' })),
    datastores: Type.Optional(Type.Array(Type.String(), { description: 'datastore names that meet the policy (default: any)' })),
  },
  { additionalProperties: false },
);
export const VsphereSeedSchema = Type.Object(
  {
    storagePolicies: Type.Optional(Type.Array(Policy, { description: 'PBM storage policies besides "vSAN Default Storage Policy"' })),
    users: Type.Optional(Type.Array(Type.Object({ name: Type.String(), password: Type.String() }, { additionalProperties: false }))),
    tagCategories: Type.Optional(Type.Array(Category)),
    datacenters: Type.Optional(Type.Array(Datacenter)),
  },
  { additionalProperties: false },
);
export type VsphereSeed = Static<typeof VsphereSeedSchema>;

export const DEFAULT_USER = { name: 'administrator@vsphere.local', password: 'fauxcloud' };

export function validateVsphereSeed(section: unknown): SeedProblem[] {
  if (!Value.Check(VsphereSeedSchema, section))
    return [...Value.Errors(VsphereSeedSchema, section)].map((e) => ({ path: e.path.split('/').filter(Boolean).join('.'), message: e.message }));
  const problems: SeedProblem[] = [];
  const seed = section as VsphereSeed;
  const uuids = new Map<string, string>();
  (seed.datacenters ?? []).forEach((d, di) => {
    const hosts = new Set((d.clusters ?? []).flatMap((c) => (c.hosts ?? []).map((h) => h.name)));
    const datastores = new Set((d.datastores ?? []).map((x) => x.name));
    const networks = new Set((d.networks ?? []).map((x) => x.name));
    (d.vms ?? []).forEach((v, vi) => {
      const at = `datacenters.${di}.vms.${vi}`;
      // A VM naming its host is placed there: the host must be declared in this section (a VM without a host only updates one that exists).
      if (v.host !== undefined && !hosts.has(v.host)) problems.push({ path: `${at}.host`, message: `host ${v.host} is not declared in datacenter ${d.name}'s clusters` });
      if (v.host !== undefined && v.datastore !== undefined && !datastores.has(v.datastore)) problems.push({ path: `${at}.datastore`, message: `datastore ${v.datastore} is not declared in datacenter ${d.name}` });
      if (v.host !== undefined && v.network !== undefined && !networks.has(v.network)) problems.push({ path: `${at}.network`, message: `network ${v.network} is not declared in datacenter ${d.name}` });
      for (const [field, id] of [['uuid', v.uuid], ['instanceUuid', v.instanceUuid]] as const) {
        if (id === undefined) continue;
        const seen = uuids.get(`${field}:${id.toLowerCase()}`);
        if (seen) problems.push({ path: `${at}.${field}`, message: `${field} ${id} is also ${seen}'s` });
        uuids.set(`${field}:${id.toLowerCase()}`, v.name);
      }
    });
    (d.datastores ?? []).forEach((x, i) => {
      for (const h of x.hosts ?? []) if (!hosts.has(h)) problems.push({ path: `datacenters.${di}.datastores.${i}.hosts`, message: `host ${h} is not declared in datacenter ${d.name}'s clusters` });
    });
  });
  return problems;
}

export function applyVsphereSeed(section: unknown, engine: Engine, onlyTenant?: string): void {
  if (onlyTenant !== undefined && onlyTenant !== TENANT) return;
  const seed = section as VsphereSeed;
  const inv = Inventory.of(engine);
  const users = inv.tenant.collection<{ password: string }>('vsphere.user');
  for (const u of seed.users ?? (users.size === 0 ? [DEFAULT_USER] : [])) {
    const old = users.peek(u.name);
    if (old) old.data.password = u.password;
    else users.insert({ id: u.name, data: { password: u.password } });
  }
  const root = inv.peek(inv.rootFolder()) ?? inv.insert<FolderData>({ type: 'Folder', name: 'Datacenters', childType: ['Folder', 'Datacenter'] }, undefined, 'group-d1');
  if (![...policies(inv).all()].some((p) => p.data.isDefault)) ensurePolicy(inv, { name: 'vSAN Default Storage Policy', description: 'Storage policy used as default for vSAN datastores', datastoreTypes: ['vsan'], isDefault: true });
  for (const p of seed.storagePolicies ?? []) ensurePolicy(inv, p);
  for (const c of seed.tagCategories ?? []) {
    const cat = ensureCategory(inv, c.name, { description: c.description, cardinality: c.cardinality, associableTypes: c.associableTypes });
    for (const t of c.tags ?? []) ensureTag(inv, cat, t);
  }
  const tagsFor = (id: string, tags?: readonly string[]) => {
    for (const t of tags ?? []) attachTag(inv, t, inv.ref(id));
  };
  for (const d of seed.datacenters ?? []) {
    const dc = (inv.children(root.id, 'Datacenter').find((x) => x.data.name === d.name) as ResourceRecord<DatacenterData> | undefined) ?? newDatacenter(inv, root.id, d.name);
    tagsFor(dc.id, d.tags);
    for (const n of d.networks ?? []) {
      if (inv.children(dc.data.networkFolder).some((x) => x.data.name === n.name)) continue;
      inv.insert<NetworkData>({ type: n.portgroup ? 'DistributedVirtualPortgroup' : 'Network', name: n.name }, dc.data.networkFolder);
    }
    for (const c of d.clusters ?? []) {
      let cl = inv.children(dc.data.hostFolder).find((x) => x.data.name === c.name) as ResourceRecord<ClusterData> | undefined;
      if (!cl) {
        const pool = inv.newId('ResourcePool');
        cl = inv.insert<ClusterData>({ type: 'ClusterComputeResource', name: c.name, resourcePool: pool, vsanEnabled: c.vsan ?? false, fileServiceEnabled: c.fileService ?? false }, dc.data.hostFolder);
        inv.insert({ type: 'ResourcePool', name: 'Resources' }, cl.id, pool);
      } else {
        if (c.vsan !== undefined) cl.data.vsanEnabled = c.vsan;
        if (c.fileService !== undefined) cl.data.fileServiceEnabled = c.fileService;
      }
      tagsFor(cl.id, c.tags);
      for (const h of c.hosts ?? []) {
        let host = inv.hostsOfCluster(cl.id).find((x) => x.data.name === h.name);
        if (!host)
          host = inv.insert<HostData>(
            { type: 'HostSystem', name: h.name, uuid: engine.ids.uuid('vsphere:host'), datastores: [], networks: inv.children(dc.data.networkFolder).map((n) => n.id), connectionState: 'connected', powerState: 'poweredOn', inMaintenanceMode: false, numCpuCores: h.cores ?? 32, memoryBytes: (h.memoryGB ?? 256) * 2 ** 30 },
            cl.id,
          );
        if (h.connectionState) host.data.connectionState = h.connectionState;
        if (h.inMaintenanceMode !== undefined) host.data.inMaintenanceMode = h.inMaintenanceMode;
        tagsFor(host.id, h.tags);
      }
    }
    const dcHosts = () => (inv.all('HostSystem') as ResourceRecord<HostData>[]).filter((h) => inv.datacenterOf(h.id)?.id === dc.id);
    for (const s of d.datastores ?? []) {
      let ds = inv.children(dc.data.datastoreFolder).find((x) => x.data.name === s.name) as ResourceRecord<DatastoreData> | undefined;
      if (!ds) {
        const type = s.type ?? 'VMFS';
        const hosts = dcHosts().filter((h) => !s.hosts || s.hosts.includes(h.data.name));
        const cap = (s.capacityGB ?? 1024) * 2 ** 30;
        const uid = engine.ids.hex('vsphere:ds', 32);
        const url = type === 'vsan' ? `ds:///vmfs/volumes/vsan:${uid.slice(0, 16)}-${uid.slice(16)}/` : type.startsWith('NFS') ? `ds:///vmfs/volumes/${uid.slice(0, 8)}-${uid.slice(8, 16)}/` : `ds:///vmfs/volumes/${uid.slice(0, 8)}-${uid.slice(8, 16)}-${uid.slice(16, 20)}-${uid.slice(20, 32)}/`;
        ds = inv.insert<DatastoreData>(
          { type: 'Datastore', name: s.name, dsType: type, url, capacity: cap, freeSpace: s.freeGB !== undefined ? s.freeGB * 2 ** 30 : Math.floor(cap * 0.8), accessible: s.accessible ?? true, hosts: hosts.map((h) => h.id), remoteHost: s.remoteHost ?? (type.startsWith('NFS') ? 'nfs.fauxcloud.local' : undefined), remotePath: s.remotePath ?? (type.startsWith('NFS') ? `/exports/${s.name}` : undefined) },
          dc.data.datastoreFolder,
        );
        for (const h of hosts) h.data.datastores.push(ds.id);
      } else {
        if (s.accessible !== undefined) ds.data.accessible = s.accessible;
        if (s.freeGB !== undefined) ds.data.freeSpace = s.freeGB * 2 ** 30;
      }
      tagsFor(ds.id, s.tags);
    }
    for (const v of d.vms ?? []) upsertVm(inv, dc, v);
  }
}

function newDatacenter(inv: Inventory, root: string, name: string): ResourceRecord<DatacenterData> {
  const id = inv.newId('Datacenter');
  const folder = (kind: string) => inv.newId('Folder', kind);
  const ids = { vm: folder('v'), host: folder('h'), ds: folder('s'), net: folder('n') };
  const dc = inv.insert<DatacenterData>({ type: 'Datacenter', name, vmFolder: ids.vm, hostFolder: ids.host, datastoreFolder: ids.ds, networkFolder: ids.net }, root, id);
  inv.insert<FolderData>({ type: 'Folder', name: 'vm', childType: ['Folder', 'VirtualMachine', 'VirtualApp'] }, id, ids.vm);
  inv.insert<FolderData>({ type: 'Folder', name: 'host', childType: ['Folder', 'ComputeResource'] }, id, ids.host);
  inv.insert<FolderData>({ type: 'Folder', name: 'datastore', childType: ['Folder', 'Datastore', 'StoragePod'] }, id, ids.ds);
  inv.insert<FolderData>({ type: 'Folder', name: 'network', childType: ['Folder', 'Network', 'DistributedVirtualSwitch'] }, id, ids.net);
  return dc;
}

type VmSeed = Static<typeof Vm>;

function nicsOf(v: VmSeed, fallbackNetwork: string | undefined, macSeed: () => string): GuestNic[] | undefined {
  if (v.guest?.nics) return v.guest.nics.map((n) => ({ network: n.network ?? fallbackNetwork, ipAddress: n.ips, macAddress: n.mac ?? macSeed(), connected: n.connected ?? true, deviceConfigId: n.deviceConfigId ?? 4000 }));
  if (v.guest?.ips) return [{ network: fallbackNetwork, ipAddress: v.guest.ips, macAddress: macSeed(), connected: true, deviceConfigId: 4000 }];
  return undefined;
}

function upsertVm(inv: Inventory, dc: ResourceRecord<DatacenterData>, v: VmSeed): void {
  const engine = inv.engine;
  const existing = inv.vms(dc.id).find((x) => x.data.name === v.name);
  const mac = () => `00:50:56:${engine.ids.hex('vsphere:mac', 6).replace(/(..)(..)(..)/, '$1:$2:$3')}`;
  if (existing) {
    const d = existing.data;
    if (v.powerState) d.powerState = v.powerState;
    if (v.numCpu) d.numCpu = v.numCpu;
    if (v.memoryMB) d.memoryMB = v.memoryMB;
    if (v.guest?.hostName !== undefined) d.guest.hostName = v.guest.hostName;
    if (v.guest?.toolsRunning !== undefined) d.guest.toolsRunning = v.guest.toolsRunning;
    const nics = nicsOf(v, d.guest.net[0]?.network, mac);
    if (nics) {
      d.guest.net = nics;
      d.guest.ipAddress = nics[0]?.ipAddress[0];
    }
    if (v.extraConfig) Object.assign(d.extraConfig, v.extraConfig);
    for (const t of v.tags ?? []) attachTag(inv, t, inv.ref(existing.id));
    return;
  }
  const host = (inv.all('HostSystem') as ResourceRecord<HostData>[]).find((h) => h.data.name === v.host && inv.datacenterOf(h.id)?.id === dc.id);
  // Validation guarantees a declared host for a new VM; one that only updates nothing is skipped.
  if (!host) return;
  const cluster = inv.peek(host.parent!) as ResourceRecord<ClusterData>;
  const ds = v.datastore ? inv.children(dc.data.datastoreFolder).find((x) => x.data.name === v.datastore) : inv.peek(host.data.datastores[0] ?? '');
  const net = v.network ? inv.children(dc.data.networkFolder).find((x) => x.data.name === v.network) : inv.children(dc.data.networkFolder)[0];
  let folder = dc.data.vmFolder;
  for (const part of (v.folder ?? '').split('/').filter(Boolean)) {
    const f = inv.children(folder, 'Folder').find((x) => x.data.name === part) ?? inv.insert<FolderData>({ type: 'Folder', name: part, childType: ['Folder', 'VirtualMachine', 'VirtualApp'] }, folder, inv.newId('Folder', 'v'));
    folder = f.id;
  }
  const powerState = v.powerState ?? 'poweredOn';
  const nics = nicsOf(v, net?.data.name, mac) ?? [];
  const rec = inv.insert<VmData>(
    {
      type: 'VirtualMachine',
      name: v.name,
      uuid: (v.uuid ?? engine.ids.uuid('vsphere:vm')).toLowerCase(),
      instanceUuid: (v.instanceUuid ?? engine.ids.uuid('vsphere:vm')).toLowerCase(),
      guestId: v.guestId ?? 'ubuntu64Guest',
      guestFullName: guestFullName(v.guestId ?? 'ubuntu64Guest'),
      numCpu: v.numCpu ?? 4,
      memoryMB: v.memoryMB ?? 16384,
      powerState,
      host: host.id,
      resourcePool: cluster.data.resourcePool,
      datastores: ds ? [ds.id] : [],
      networks: net ? [net.id] : [],
      template: v.template ?? false,
      guest: { hostName: v.guest?.hostName, ipAddress: nics[0]?.ipAddress[0], net: nics, toolsRunning: v.guest?.toolsRunning ?? true },
      extraConfig: { ...(v.extraConfig ?? {}) },
      bootTime: powerState === 'poweredOn' ? engine.clock.now() : undefined,
    },
    folder,
  );
  for (const t of v.tags ?? []) attachTag(inv, t, inv.ref(rec.id));
}

const GUEST_NAMES: Record<string, string> = {
  ubuntu64Guest: 'Ubuntu Linux (64-bit)',
  centos64Guest: 'CentOS 4/5 or later (64-bit)',
  rhel9_64Guest: 'Red Hat Enterprise Linux 9 (64-bit)',
  other5xLinux64Guest: 'Other 5.x or later Linux (64-bit)',
  windows2019srv_64Guest: 'Microsoft Windows Server 2019 (64-bit)',
};

function guestFullName(id: string): string {
  return GUEST_NAMES[id] ?? 'Other Linux (64-bit)';
}
