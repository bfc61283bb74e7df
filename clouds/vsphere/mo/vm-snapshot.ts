/**
 * VM snapshots: `CreateSnapshot_Task` / `CreateSnapshotEx_Task`, `RemoveSnapshot_Task`,
 * `RevertToSnapshot_Task`, `RevertToCurrentSnapshot_Task`, `RemoveAllSnapshots_Task`,
 * `RenameSnapshot`, and the `snapshot` / `rootSnapshot` properties with the tree, as govc
 * snapshot.* and `object.VirtualMachine` drive them. A snapshot keeps the VM's hardware, settings
 * and power state (on only with `memory`), and the CNS disks attached then: while a snapshot holds
 * one, CNS cannot detach or extend it (the "volume locked to its node" vCenter has). A chain is
 * at most 32 snapshots deep (`TooManySnapshotLevels`); a running VM with an independent disk has
 * no memory snapshots (`MemorySnapshotOnIndependentDisk`).
 */
import type { ResourceRecord } from '../../../core/store.js';
import { attachedDisks } from '../cns/volume-manager.js';
import { fault, moref, VimFault, type MoRef } from '../faults.js';
import type { Inventory, VmData } from '../inventory.js';
import type { WireObject } from '../wire/codec.js';
import type { MethodTable, MoContext, Renderer } from './context.js';
import { defineEffect, startTask } from './task.js';
import { ownDevices, syncRefs } from './vm-devices.js';
import { renderConfig } from './virtual-machine.js';

export const SNAPSHOT = 'vsphere.snapshot';
const MAX_CHAIN = 32;

/** What a revert puts back. */
type Kept = Pick<VmData, 'numCpu' | 'memoryMB' | 'numCoresPerSocket' | 'devices' | 'extraConfig' | 'annotation' | 'guestId' | 'guestFullName' | 'cpuHotAddEnabled' | 'memoryHotAddEnabled'>;

export interface SnapshotData {
  vm: string;
  parent?: string;
  name: string;
  description: string;
  /** The per-VM number the tree shows (`id`). */
  num: number;
  createTime: number;
  state: 'poweredOn' | 'poweredOff' | 'suspended';
  quiesced: boolean;
  kept: Kept;
  /** CNS volumes attached when it was taken. */
  cnsVolumes: string[];
}

const snapshots = (inv: Inventory) => inv.tenant.collection<SnapshotData>(SNAPSHOT);
const ofVm = (inv: Inventory, vm: string) => [...snapshots(inv).all()].filter((s) => s.data.vm === vm).sort((a, b) => a.seq - b.seq);

/** A snapshot of any VM still holds this CNS volume (detach and extend are refused). */
export function heldBySnapshot(inv: Inventory, volumeId: string): boolean {
  for (const s of snapshots(inv).all()) if (s.data.cnsVolumes.includes(volumeId)) return true;
  return false;
}

/** Rewrite the disks every snapshot of a VM keeps (a storage vMotion moved them). */
export function moveSnapshotDisks(inv: Inventory, vm: string, move: (devices: WireObject[]) => WireObject[]): void {
  for (const s of ofVm(inv, vm)) if (s.data.kept.devices) s.data.kept.devices = move(s.data.kept.devices);
}

/** Forget a VM's snapshots (the VM was destroyed). */
export function dropSnapshots(inv: Inventory, vm: string): void {
  for (const s of ofVm(inv, vm)) snapshots(inv).delete(s.id);
}

function tree(inv: Inventory, all: ResourceRecord<SnapshotData>[], parent: string | undefined): WireObject[] {
  return all
    .filter((s) => s.data.parent === parent)
    .map((s) => ({
      _type: 'VirtualMachineSnapshotTree',
      snapshot: moref('VirtualMachineSnapshot', s.id),
      vm: moref('VirtualMachine', s.data.vm),
      name: s.data.name,
      description: s.data.description,
      id: s.data.num,
      createTime: new Date(s.data.createTime),
      state: s.data.state,
      quiesced: s.data.quiesced,
      childSnapshotList: tree(inv, all, s.id),
      replaySupported: false,
    }));
}

/** `snapshot` and `rootSnapshot` of a VM (unset when it has none, as vCenter leaves them). */
export function snapshotProps(inv: Inventory, vm: string, current: string | undefined): WireObject {
  const all = ofVm(inv, vm);
  if (all.length === 0) return { rootSnapshot: [] };
  const roots = tree(inv, all, undefined);
  return {
    snapshot: { _type: 'VirtualMachineSnapshotInfo', currentSnapshot: current ? moref('VirtualMachineSnapshot', current) : undefined, rootSnapshotList: roots },
    rootSnapshot: roots.map((r) => r['snapshot'] as MoRef),
  };
}

export function isSnapshot(inv: Inventory, id: string): boolean {
  return snapshots(inv).peek(id) !== undefined;
}

export const renderSnapshot: Renderer = (ctx, id) => {
  const s = snapshots(ctx.inv).get(id);
  const vm = s ? (ctx.inv.peek(s.data.vm) as ResourceRecord<VmData> | undefined) : undefined;
  if (!s || !vm) return undefined;
  return {
    config: renderConfig(ctx, vm.id, { ...vm.data, ...structuredClone(s.data.kept) }),
    childSnapshot: ofVm(ctx.inv, s.data.vm)
      .filter((c) => c.data.parent === id)
      .map((c) => moref('VirtualMachineSnapshot', c.id)),
    vm: moref('VirtualMachine', vm.id),
    value: [],
    availableField: [],
  };
};

function vmOf(inv: Inventory, id: string | undefined): ResourceRecord<VmData> {
  const vm = inv.peek(id ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm || vm.data.type !== 'VirtualMachine') throw fault.notFoundObj(moref('VirtualMachine', id ?? ''));
  return vm;
}

defineEffect('vm.snapshot.create', (inv, task) => {
  const vm = vmOf(inv, task.entity);
  const a = task.args ?? {};
  const on = vm.data.powerState === 'poweredOn';
  const quiesce = a['quiesce'] === true || a['quiesceSpec'] !== undefined;
  if (on && quiesce && !vm.data.guest.toolsRunning) throw new VimFault({ _type: 'ToolsUnavailable' }, 'Cannot complete operation because VMware Tools is not running in this virtual machine.');
  // An independent disk cannot keep a running VM's memory state consistent with its disks.
  const independent = ownDevices(inv, vm.data).some((x) => x._type === 'VirtualDisk' && String((x['backing'] as WireObject | undefined)?.['diskMode'] ?? '').startsWith('independent'));
  if (on && a['memory'] === true && independent) throw new VimFault({ _type: 'MemorySnapshotOnIndependentDisk' }, 'Cannot take a memory snapshot, since the virtual machine is configured with independent disks.');
  const d = vm.data;
  const mine = ofVm(inv, vm.id);
  // vSphere supports chains of at most 32 snapshots.
  let depth = 1;
  for (let p = d.currentSnapshot; p; p = snapshots(inv).peek(p)?.data.parent) depth++;
  if (depth > MAX_CHAIN) throw new VimFault({ _type: 'TooManySnapshotLevels' }, 'Exceeded the maximum number of permitted snapshots.');
  const num = mine.reduce((m, s) => Math.max(m, s.data.num), 0) + 1;
  const id = inv.newId('VirtualMachineSnapshot');
  snapshots(inv).insert({
    id,
    data: {
      vm: vm.id,
      parent: d.currentSnapshot,
      name: String(a['name'] ?? ''),
      description: String(a['description'] ?? ''),
      num,
      createTime: inv.engine.clock.now(),
      // Without memory a running VM's snapshot is of a powered-off VM: reverting leaves it off.
      state: on && a['memory'] === true ? 'poweredOn' : d.powerState === 'suspended' ? 'suspended' : 'poweredOff',
      quiesced: on && quiesce,
      kept: structuredClone({ numCpu: d.numCpu, memoryMB: d.memoryMB, numCoresPerSocket: d.numCoresPerSocket, devices: ownDevices(inv, d), extraConfig: d.extraConfig, annotation: d.annotation, guestId: d.guestId, guestFullName: d.guestFullName, cpuHotAddEnabled: d.cpuHotAddEnabled, memoryHotAddEnabled: d.memoryHotAddEnabled }),
      cnsVolumes: attachedDisks(inv, vm.id).map((v) => v.id),
    },
  });
  d.currentSnapshot = id;
  return moref('VirtualMachineSnapshot', id);
});

function revert(inv: Inventory, vm: ResourceRecord<VmData>, snap: ResourceRecord<SnapshotData>, suppressPowerOn: boolean): void {
  Object.assign(vm.data, structuredClone(snap.data.kept));
  const want = snap.data.state === 'poweredOn' && !suppressPowerOn ? 'poweredOn' : snap.data.state === 'suspended' ? 'suspended' : 'poweredOff';
  if (want !== vm.data.powerState) vm.data.bootTime = want === 'poweredOn' ? inv.engine.clock.now() : undefined;
  vm.data.powerState = want;
  syncRefs(inv, vm.data);
  vm.data.currentSnapshot = snap.id;
  vm.data.changeVersion = (vm.data.changeVersion ?? 0) + 1;
}

defineEffect('vm.snapshot.revert', (inv, task) => {
  const snap = snapshots(inv).peek(String(task.args?.['snapshot'] ?? ''));
  if (!snap) throw fault.notFoundObj(moref('VirtualMachineSnapshot', String(task.args?.['snapshot'] ?? '')));
  revert(inv, vmOf(inv, snap.data.vm), snap, task.args?.['suppressPowerOn'] === true);
  return undefined;
});

defineEffect('vm.snapshot.revertCurrent', (inv, task) => {
  const vm = vmOf(inv, task.entity);
  const snap = vm.data.currentSnapshot ? snapshots(inv).peek(vm.data.currentSnapshot) : undefined;
  if (!snap) throw fault.notFound('The virtual machine has no current snapshot.');
  revert(inv, vm, snap, task.args?.['suppressPowerOn'] === true);
  return undefined;
});

defineEffect('vm.snapshot.remove', (inv, task) => {
  const id = String(task.args?.['snapshot'] ?? '');
  const snap = snapshots(inv).peek(id);
  if (!snap) throw fault.notFoundObj(moref('VirtualMachineSnapshot', id));
  const vm = vmOf(inv, snap.data.vm);
  const all = ofVm(inv, vm.id);
  const gone = new Set([id]);
  if (task.args?.['removeChildren'] === true) {
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of all) if (s.data.parent && gone.has(s.data.parent) && !gone.has(s.id)) grew = gone.add(s.id).size > 0;
    }
  } else {
    for (const s of all) if (s.data.parent === id) s.data.parent = snap.data.parent;
  }
  for (const g of gone) snapshots(inv).delete(g);
  if (vm.data.currentSnapshot && gone.has(vm.data.currentSnapshot)) vm.data.currentSnapshot = snap.data.parent;
  return undefined;
});

defineEffect('vm.snapshot.removeAll', (inv, task) => {
  const vm = vmOf(inv, task.entity);
  dropSnapshots(inv, vm.id);
  vm.data.currentSnapshot = undefined;
  return undefined;
});

function snapOf(ctx: MoContext, self: MoRef): ResourceRecord<SnapshotData> {
  const s = snapshots(ctx.inv).get(self.value);
  if (!s) throw fault.notFoundObj(self);
  return s;
}

function liveVm(ctx: MoContext, self: MoRef): ResourceRecord<VmData> {
  const vm = ctx.inv.need(self) as ResourceRecord<VmData>;
  if (vm.data.template) throw fault.notSupported('The operation is not supported on a template.');
  return vm;
}

export const vmSnapshotMethods: MethodTable = {
  CreateSnapshot_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, a) => startTask(ctx, { name: 'CreateSnapshot_Task', descriptionId: 'VirtualMachine.createSnapshot', entity: liveVm(ctx, self).id, effect: 'vm.snapshot.create', args: { name: a['name'], description: a['description'], memory: a['memory'], quiesce: a['quiesce'] } }),
  },
  CreateSnapshotEx_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, a) => startTask(ctx, { name: 'CreateSnapshotEx_Task', descriptionId: 'VirtualMachine.createSnapshotEx', entity: liveVm(ctx, self).id, effect: 'vm.snapshot.create', args: { name: a['name'], description: a['description'], memory: a['memory'], quiesceSpec: a['quiesceSpec'] } }),
  },
  RevertToCurrentSnapshot_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, a) => startTask(ctx, { name: 'RevertToCurrentSnapshot_Task', descriptionId: 'VirtualMachine.revertToCurrentSnapshot', entity: liveVm(ctx, self).id, effect: 'vm.snapshot.revertCurrent', args: { suppressPowerOn: a['suppressPowerOn'] } }),
  },
  RemoveAllSnapshots_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self) => startTask(ctx, { name: 'RemoveAllSnapshots_Task', descriptionId: 'VirtualMachine.removeAllSnapshots', entity: liveVm(ctx, self).id, effect: 'vm.snapshot.removeAll' }),
  },
  RevertToSnapshot_Task: {
    on: ['VirtualMachineSnapshot'],
    run: (ctx, self, a) => {
      const s = snapOf(ctx, self);
      return startTask(ctx, { name: 'RevertToSnapshot_Task', descriptionId: 'vm.Snapshot.revert', entity: s.data.vm, effect: 'vm.snapshot.revert', args: { snapshot: s.id, suppressPowerOn: a['suppressPowerOn'] } });
    },
  },
  RemoveSnapshot_Task: {
    on: ['VirtualMachineSnapshot'],
    run: (ctx, self, a) => {
      const s = snapOf(ctx, self);
      return startTask(ctx, { name: 'RemoveSnapshot_Task', descriptionId: 'vm.Snapshot.remove', entity: s.data.vm, effect: 'vm.snapshot.remove', args: { snapshot: s.id, removeChildren: a['removeChildren'] } });
    },
  },
  RenameSnapshot: {
    on: ['VirtualMachineSnapshot'],
    run: (ctx, self, a) => {
      const s = snapOf(ctx, self);
      if (typeof a['name'] === 'string' && a['name'] !== '') s.data.name = a['name'];
      if (typeof a['description'] === 'string') s.data.description = a['description'];
      ctx.rt.changed();
      return undefined;
    },
  },
};
