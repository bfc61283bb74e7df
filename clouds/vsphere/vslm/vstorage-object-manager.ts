/**
 * First-class disks through vim25's `VcenterVStorageObjectManager` on /sdk (govmomi's
 * vslm.ObjectManager, govc disk.*, the CSI driver's FCD calls) and `VirtualMachine.AttachDisk_Task`
 * / `DetachDisk_Task`. An FCD is the same record as a CNS block volume: a CNS volume's id is its
 * VStorageObject id, a disk made here is an FCD that CNS does not list until `CnsCreateVolume`
 * registers it (`backingDiskId`), and `CnsUnregisterVolume` turns a volume back into a bare FCD.
 * Disk snapshots are the CNS snapshots of the same disk.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { CNS_SNAPSHOT } from '../cns/snapshots.js';
import { plugDisk, volumes, type CnsVolumeData } from '../cns/volume-manager.js';
import { fault, moref, VimFault, type MoRef } from '../faults.js';
import type { DatastoreData, HostData, Inventory, VmData } from '../inventory.js';
import type { MethodTable, MoContext } from '../mo/context.js';
import { defineEffect, startTask } from '../mo/task.js';
import { heldBySnapshot } from '../mo/vm-snapshot.js';
import type { WireObject } from '../wire/codec.js';

const MB = 2 ** 20;
const ON = ['VcenterVStorageObjectManager'];

interface DiskSnapshot {
  volumeId: string;
  description: string;
  createTime: number;
}
export const diskSnapshots = (inv: Inventory) => inv.tenant.collection<DiskSnapshot>(CNS_SNAPSHOT);

const notFound = (id: string) => new VimFault({ _type: 'NotFound' }, `The object or item referred to could not be found: ${id}.`);
export const idOf = (v: unknown) => String((v as WireObject | undefined)?.['id'] ?? '');

/** CNS volumes keep their disk when the VM goes (CNS sets keepAfterDeleteVm); VSLM disks say so themselves. */
export const keepsAfterDeleteVm = (v: CnsVolumeData) => (v.controlFlags ? v.controlFlags.includes('keepAfterDeleteVm') : true);

/** The FCD `id` on datastore `ds` (a file volume is no first-class disk), or NotFound. */
export function disk(inv: Inventory, id: string, ds: MoRef | undefined): ResourceRecord<CnsVolumeData> {
  const v = volumes(inv).get(id);
  if (!v || v.data.volumeType !== 'BLOCK' || (ds && ds.value !== v.data.datastore)) throw notFound(id);
  return v;
}

export function vStorageObject(inv: Inventory, v: ResourceRecord<CnsVolumeData>): WireObject {
  const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
  const flags = v.data.controlFlags;
  return {
    _type: 'VStorageObject',
    config: {
      _type: 'VStorageObjectConfigInfo',
      id: { _type: 'ID', id: v.id },
      name: v.data.name,
      createTime: new Date(v.createdAt),
      keepAfterDeleteVm: keepsAfterDeleteVm(v.data),
      relocationDisabled: flags?.includes('disableRelocation') ?? false,
      nativeSnapshotSupported: false,
      changedBlockTrackingEnabled: flags?.includes('enableChangedBlockTracking') ?? false,
      backing: { _type: 'BaseConfigInfoDiskFileBackingInfo', datastore: moref('Datastore', v.data.datastore), filePath: `[${ds?.data.name ?? ''}] fcd/${v.id.replace(/-/g, '')}.vmdk`, provisioningType: 'thin' },
      capacityInMB: v.data.capacityInMb,
      consumptionType: ['disk'],
      consumerId: v.data.attachedVm ? [{ _type: 'ID', id: v.data.attachedVm }] : [],
    },
  };
}

/** When a VM is destroyed: its FCDs that keep after the VM are detached, the others deleted. */
export function releaseDisks(inv: Inventory, vmId: string): void {
  for (const v of [...volumes(inv).all()].filter((x) => x.data.attachedVm === vmId)) {
    if (keepsAfterDeleteVm(v.data)) {
      delete v.data.attachedVm;
      delete v.data.diskUUID;
      delete v.data.unitNumber;
      continue;
    }
    const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
    if (ds) ds.data.freeSpace += v.data.capacityInMb * MB;
    for (const s of diskSnapshots(inv).peekChildren(v.id)) diskSnapshots(inv).delete(s.id);
    volumes(inv).delete(v.id);
  }
}

defineEffect('vslm.create', (inv, task) => {
  const spec = (task.args?.['spec'] as WireObject | undefined) ?? {};
  const backing = (spec['backingSpec'] as WireObject | undefined) ?? {};
  const dsRef = backing['datastore'] as MoRef | undefined;
  const ds = dsRef ? (inv.peek(dsRef.value) as ResourceRecord<DatastoreData> | undefined) : undefined;
  if (!ds || ds.data.type !== 'Datastore') throw fault.notFoundObj(dsRef ?? moref('Datastore', ''));
  if (!ds.data.accessible) throw new VimFault({ _type: 'InaccessibleDatastore', datastore: moref('Datastore', ds.id), name: ds.data.name }, `The datastore ${ds.data.name} is not accessible.`);
  const mb = Number(spec['capacityInMB'] ?? 0);
  if (!(mb > 0)) throw fault.invalidArgument('capacityInMB');
  if (ds.data.freeSpace < mb * MB) throw new VimFault({ _type: 'InsufficientStorageSpace' }, 'Insufficient disk space on datastore.');
  ds.data.freeSpace -= mb * MB;
  const id = inv.engine.ids.uuid('vsphere:cns');
  const profile = ((spec['profile'] as WireObject[] | undefined) ?? [])[0];
  const rec = volumes(inv).insert({
    id,
    data: { name: String(spec['name'] ?? ''), volumeType: 'BLOCK', datastore: ds.id, capacityInMb: mb, clusterId: '', backingDiskId: id, storagePolicyId: profile?.['profileId'] as string | undefined, unregistered: true, controlFlags: spec['keepAfterDeleteVm'] === true ? ['keepAfterDeleteVm'] : [] },
  });
  return vStorageObject(inv, rec);
});

defineEffect('vslm.delete', (inv, task) => {
  const v = disk(inv, idOf(task.args?.['id']), task.args?.['datastore'] as MoRef);
  if (v.data.attachedVm) throw new VimFault({ _type: 'InvalidState' }, `The disk ${v.id} is attached to a virtual machine.`);
  const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
  if (ds) ds.data.freeSpace += v.data.capacityInMb * MB;
  for (const s of diskSnapshots(inv).peekChildren(v.id)) diskSnapshots(inv).delete(s.id);
  volumes(inv).delete(v.id);
  return undefined;
});

defineEffect('vslm.extend', (inv, task) => {
  const v = disk(inv, idOf(task.args?.['id']), task.args?.['datastore'] as MoRef);
  const mb = Number(task.args?.['newCapacityInMB'] ?? 0);
  if (!(mb > v.data.capacityInMb)) throw fault.invalidArgument('newCapacityInMB');
  if (v.data.attachedVm && heldBySnapshot(inv, v.id)) throw new VimFault({ _type: 'NotSupported' }, 'Hot-extend is currently supported only for VMFS flat virtual disks without snapshots opened in persistent mode.');
  const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
  const more = (mb - v.data.capacityInMb) * MB;
  if (ds && ds.data.freeSpace < more) throw new VimFault({ _type: 'InsufficientStorageSpace' }, 'Insufficient disk space on datastore.');
  if (ds) ds.data.freeSpace -= more;
  v.data.capacityInMb = mb;
  return undefined;
});

defineEffect('vslm.snapshot.create', (inv, task) => {
  const v = disk(inv, idOf(task.args?.['id']), task.args?.['datastore'] as MoRef);
  const s = diskSnapshots(inv).insert({ id: inv.engine.ids.uuid('vsphere:cns-snapshot'), parent: v.id, data: { volumeId: v.id, description: String(task.args?.['description'] ?? ''), createTime: inv.engine.clock.now() } });
  return { _type: 'ID', id: s.id };
});

defineEffect('vslm.snapshot.delete', (inv, task) => {
  const v = disk(inv, idOf(task.args?.['id']), task.args?.['datastore'] as MoRef);
  const sid = idOf(task.args?.['snapshotId']);
  const s = diskSnapshots(inv).get(sid);
  if (!s || s.data.volumeId !== v.id) throw notFound(sid);
  diskSnapshots(inv).delete(sid);
  return undefined;
});

defineEffect('vm.disk.attach', (inv, task) => {
  const vm = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm || vm.data.type !== 'VirtualMachine') throw fault.notFoundObj(moref('VirtualMachine', task.entity ?? ''));
  const v = disk(inv, idOf(task.args?.['diskId']), task.args?.['datastore'] as MoRef);
  if (v.data.attachedVm === vm.id) throw new VimFault({ _type: 'InvalidState' }, `The disk ${v.id} is already attached to this virtual machine.`);
  if (v.data.attachedVm) throw new VimFault({ _type: 'ResourceInUse', type: 'VStorageObject', name: v.data.name }, `The disk ${v.id} is attached to another virtual machine.`);
  const host = inv.peek(vm.data.host) as ResourceRecord<HostData> | undefined;
  const ds = inv.peek(v.data.datastore);
  if (host && !host.data.datastores.includes(v.data.datastore)) throw new VimFault({ _type: 'DatastoreNotWritableOnHost', datastore: moref('Datastore', v.data.datastore), name: ds?.data.name ?? '', host: moref('HostSystem', host.id), hostName: host.data.name }, `The datastore '${ds?.data.name ?? ''}' is not accessible or writable from host '${host.data.name}'.`);
  const unit = task.args?.['unitNumber'];
  plugDisk(inv, v, vm, unit === undefined ? undefined : Number(unit));
  return undefined;
});

defineEffect('vm.disk.detach', (inv, task) => {
  const v = disk(inv, idOf(task.args?.['diskId']), undefined);
  if (v.data.attachedVm !== task.entity) throw notFound(v.id);
  if (heldBySnapshot(inv, v.id)) throw new VimFault({ _type: 'InvalidDeviceSpec', property: 'virtualDeviceSpec.device', deviceIndex: 0 }, "Invalid configuration for device '0'.");
  delete v.data.attachedVm;
  delete v.data.diskUUID;
  delete v.data.unitNumber;
  return undefined;
});

export function setFlags(v: ResourceRecord<CnsVolumeData>, args: WireObject): void {
  v.data.controlFlags = [...new Set([...(v.data.controlFlags ?? ['keepAfterDeleteVm']), ...((args['controlFlags'] as string[] | undefined) ?? [])])];
}

export function clearFlags(v: ResourceRecord<CnsVolumeData>, args: WireObject): void {
  const clear = new Set((args['controlFlags'] as string[] | undefined) ?? []);
  v.data.controlFlags = (v.data.controlFlags ?? ['keepAfterDeleteVm']).filter((f) => !clear.has(f));
}

export function snapshotInfo(inv: Inventory, v: ResourceRecord<CnsVolumeData>): WireObject {
  const snaps = diskSnapshots(inv).peekChildren(v.id).sort((a, b) => a.seq - b.seq);
  return { _type: 'VStorageObjectSnapshotInfo', snapshots: snaps.map((s) => ({ _type: 'VStorageObjectSnapshotInfoVStorageObjectSnapshot', id: { _type: 'ID', id: s.id }, createTime: new Date(s.data.createTime), description: s.data.description })) };
}

/** A call's `(id, datastore)` pair, checked at once as vCenter does for the synchronous calls. */
function named(ctx: MoContext, args: WireObject): ResourceRecord<CnsVolumeData> {
  const ds = args['datastore'] as MoRef;
  ctx.inv.need(ds);
  return disk(ctx.inv, idOf(args['id']), ds);
}

const task = (name: string, descriptionId: string, effect: string) => (ctx: MoContext, _self: MoRef, args: WireObject) => {
  if (args['datastore']) ctx.inv.need(args['datastore'] as MoRef);
  return startTask(ctx, { name, descriptionId, effect, args });
};

export const vStorageObjectMethods: MethodTable = {
  CreateDisk_Task: { on: ON, run: task('CreateDisk_Task', 'com.vmware.vim.vslm.createDisk', 'vslm.create') },
  DeleteVStorageObject_Task: { on: ON, run: task('DeleteVStorageObject_Task', 'com.vmware.vim.vslm.deleteVStorageObject', 'vslm.delete') },
  ExtendDisk_Task: { on: ON, run: task('ExtendDisk_Task', 'com.vmware.vim.vslm.extendDisk', 'vslm.extend') },
  VStorageObjectCreateSnapshot_Task: { on: ON, run: task('VStorageObjectCreateSnapshot_Task', 'com.vmware.vim.vslm.createSnapshot', 'vslm.snapshot.create') },
  DeleteSnapshot_Task: { on: ON, run: task('DeleteSnapshot_Task', 'com.vmware.vim.vslm.deleteSnapshot', 'vslm.snapshot.delete') },
  RetrieveVStorageObject: { on: ON, run: (ctx, _s, args) => vStorageObject(ctx.inv, named(ctx, args)) },
  RetrieveVStorageObjectState: { on: ON, run: (ctx, _s, args) => (named(ctx, args), { _type: 'VStorageObjectStateInfo', tentative: false }) },
  ListVStorageObject: {
    on: ON,
    run: (ctx, _s, args) => {
      const ds = ctx.inv.need(args['datastore'] as MoRef);
      return [...volumes(ctx.inv).all()].filter((v) => v.data.volumeType === 'BLOCK' && v.data.datastore === ds.id).sort((a, b) => a.seq - b.seq).map((v) => ({ _type: 'ID', id: v.id }));
    },
  },
  RenameVStorageObject: {
    on: ON,
    run: (ctx, _s, args) => {
      const name = String(args['name'] ?? '');
      if (!name) throw fault.invalidArgument('name');
      named(ctx, args).data.name = name;
      return undefined;
    },
  },
  SetVStorageObjectControlFlags: {
    on: ON,
    run: (ctx, _s, args) => {
      setFlags(named(ctx, args), args);
      return undefined;
    },
  },
  ClearVStorageObjectControlFlags: {
    on: ON,
    run: (ctx, _s, args) => {
      clearFlags(named(ctx, args), args);
      return undefined;
    },
  },
  RetrieveSnapshotInfo: {
    on: ON,
    run: (ctx, _s, args) => {
      return snapshotInfo(ctx.inv, named(ctx, args));
    },
  },
  AttachDisk_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, args) => {
      const vm = ctx.inv.need(self);
      ctx.inv.need(args['datastore'] as MoRef);
      return startTask(ctx, { name: 'AttachDisk_Task', descriptionId: 'VirtualMachine.attachDisk', entity: vm.id, effect: 'vm.disk.attach', args });
    },
  },
  DetachDisk_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, args) => startTask(ctx, { name: 'DetachDisk_Task', descriptionId: 'VirtualMachine.detachDisk', entity: ctx.inv.need(self).id, effect: 'vm.disk.detach', args }),
  },
};
