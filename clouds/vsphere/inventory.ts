/**
 * The inventory of one vCenter as store records: every managed entity (folders, datacenters,
 * clusters, hosts, resource pools, datastores, networks, VMs) and every task is a record in one
 * collection keyed by its managed object id (`vm-42`), its `parent` the id of its parent entity,
 * so `childEntity`, `host`, `vm` lists come from the store's parent index in creation order.
 */
import type { Engine } from '../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../core/store.js';
import { fault, moref, type MoRef } from './faults.js';
import type { WireObject } from './wire/codec.js';

export const TENANT = 'vcenter';
export const MO = 'vsphere.mo';

export interface GuestNic {
  network?: string;
  ipAddress: string[];
  macAddress?: string;
  connected: boolean;
  /** -1 marks a NIC that is not a vNIC (the CPI skips it); 4000+ are vNICs. */
  deviceConfigId: number;
}

export interface EntityData {
  type: string;
  name: string;
}
export interface FolderData extends EntityData {
  type: 'Folder';
  childType: string[];
}
export interface DatacenterData extends EntityData {
  type: 'Datacenter';
  vmFolder: string;
  hostFolder: string;
  datastoreFolder: string;
  networkFolder: string;
}
export interface ClusterData extends EntityData {
  type: 'ClusterComputeResource' | 'ComputeResource';
  resourcePool: string;
  vsanEnabled: boolean;
  fileServiceEnabled: boolean;
}
export interface HostData extends EntityData {
  type: 'HostSystem';
  uuid: string;
  datastores: string[];
  networks: string[];
  connectionState: string;
  powerState: string;
  inMaintenanceMode: boolean;
  numCpuCores: number;
  memoryBytes: number;
}
export interface PoolData extends EntityData {
  type: 'ResourcePool';
}
export interface DatastoreData extends EntityData {
  type: 'Datastore';
  dsType: 'VMFS' | 'vsan' | 'NFS' | 'NFS41';
  url: string;
  capacity: number;
  freeSpace: number;
  accessible: boolean;
  hosts: string[];
  remoteHost?: string;
  remotePath?: string;
}
export interface NetworkData extends EntityData {
  type: 'Network' | 'DistributedVirtualPortgroup';
}
export interface VmData extends EntityData {
  type: 'VirtualMachine';
  uuid: string;
  instanceUuid: string;
  guestId: string;
  guestFullName: string;
  numCpu: number;
  memoryMB: number;
  powerState: 'poweredOn' | 'poweredOff' | 'suspended';
  host: string;
  resourcePool: string;
  datastores: string[];
  networks: string[];
  template: boolean;
  annotation?: string;
  guest: { hostName?: string; ipAddress?: string; net: GuestNic[]; toolsRunning: boolean };
  extraConfig: Record<string, string>;
  bootTime?: number;
  /** The virtual hardware once created, cloned or reconfigured (a seeded VM renders a fixed layout until then). */
  devices?: WireObject[];
  /** `config.files.vmPathName` when given at creation. */
  vmPathName?: string;
  numCoresPerSocket?: number;
  cpuHotAddEnabled?: boolean;
  memoryHotAddEnabled?: boolean;
  cpuHotRemoveEnabled?: boolean;
  /** `snapshot.currentSnapshot`: the snapshot the VM runs from. */
  currentSnapshot?: string;
  /** Bumped by every reconfiguration (`config.changeVersion`). */
  changeVersion?: number;
}
export type AnyEntity = FolderData | DatacenterData | ClusterData | HostData | PoolData | DatastoreData | NetworkData | VmData;

/** Id prefixes as vCenter hands them out. */
const PREFIX: Record<string, string> = {
  Folder: 'group-',
  Datacenter: 'datacenter-',
  ClusterComputeResource: 'domain-c',
  ComputeResource: 'domain-s',
  HostSystem: 'host-',
  ResourcePool: 'resgroup-',
  Datastore: 'datastore-',
  Network: 'network-',
  DistributedVirtualPortgroup: 'dvportgroup-',
  VirtualMachine: 'vm-',
  Task: 'task-',
  VirtualMachineSnapshot: 'snapshot-',
};

export class Inventory {
  constructor(
    readonly engine: Engine,
    readonly tenant: TenantStore,
  ) {}

  static of(engine: Engine): Inventory {
    return new Inventory(engine, engine.store.tenant('vsphere', TENANT));
  }

  private get col() {
    return this.tenant.collection<AnyEntity>(MO);
  }

  /** A new managed object id: one counter per vCenter, as vpxd's. */
  newId(type: string, folderKind = ''): string {
    const meta = this.tenant.collection<{ next: number }>('vsphere.meta');
    const rec = meta.peek('counter') ?? meta.insert({ id: 'counter', data: { next: 1 } });
    const n = rec.data.next++;
    return `${PREFIX[type] ?? `${type.toLowerCase()}-`}${folderKind}${n}`;
  }

  insert<T extends AnyEntity>(data: T, parent?: string, id = this.newId(data.type)): ResourceRecord<T> {
    return this.col.insert({ id, parent, data }) as ResourceRecord<T>;
  }

  get(id: string): ResourceRecord<AnyEntity> | undefined {
    return this.col.get(id);
  }

  peek(id: string): ResourceRecord<AnyEntity> | undefined {
    return this.col.peek(id);
  }

  /** The entity a reference names, of the type it says, or ManagedObjectNotFound. */
  need(ref: { type: string; value: string }): ResourceRecord<AnyEntity> {
    const r = this.col.get(ref.value);
    if (!r || r.data.type !== ref.type) throw fault.notFoundObj(ref);
    return r;
  }

  children(id: string, type?: string): ResourceRecord<AnyEntity>[] {
    const kids = this.col.peekChildren(id);
    return type ? kids.filter((k) => k.data.type === type) : kids;
  }

  all(type?: string): ResourceRecord<AnyEntity>[] {
    const out: ResourceRecord<AnyEntity>[] = [];
    for (const r of this.col.all()) if (!type || r.data.type === type) out.push(r);
    return out.sort((a, b) => a.seq - b.seq);
  }

  delete(id: string): void {
    this.col.delete(id);
  }

  /** Put an entity under another parent (MoveIntoFolder, a relocation's `folder`), keeping its id and order. */
  move(id: string, parent: string): void {
    const rec = this.col.peek(id);
    if (!rec || rec.parent === parent) return;
    this.col.delete(id);
    rec.parent = parent;
    this.col.restore(rec);
  }

  ref(id: string): MoRef {
    const r = this.col.peek(id);
    return moref(r?.data.type ?? 'ManagedEntity', id);
  }

  refs(ids: readonly string[]): MoRef[] {
    return ids.map((id) => this.ref(id));
  }

  /** The datacenter an entity lives in (walking parents). */
  datacenterOf(id: string): ResourceRecord<DatacenterData> | undefined {
    for (let r = this.col.peek(id); r; r = r.parent ? this.col.peek(r.parent) : undefined) if (r.data.type === 'Datacenter') return r as ResourceRecord<DatacenterData>;
    return undefined;
  }

  /** Inventory path (`/dc1/vm/node-a`) of an entity. */
  path(id: string): string {
    const names: string[] = [];
    for (let r = this.col.peek(id); r && r.parent; r = this.col.peek(r.parent)) names.unshift(r.data.name);
    return '/' + names.join('/');
  }

  rootFolder(): string {
    return 'group-d1';
  }

  /** VMs in a datacenter (or all). */
  vms(dc?: string): ResourceRecord<VmData>[] {
    const all = this.all('VirtualMachine') as ResourceRecord<VmData>[];
    return dc ? all.filter((v) => this.datacenterOf(v.id)?.id === dc) : all;
  }

  hostsOfCluster(id: string): ResourceRecord<HostData>[] {
    return this.children(id, 'HostSystem') as ResourceRecord<HostData>[];
  }
}
