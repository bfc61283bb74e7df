/**
 * CNS volume moves and bookkeeping: `CnsRelocateVolume` (a block volume's disk to another
 * datastore), `CnsSyncVolume` (what the CSI driver's syncer calls to refresh a volume's space
 * usage) and `CnsUnregisterVolume` (a volume stops being a CNS volume: with target `FCD` it stays
 * a first-class disk VSLM still serves, with `LEGACY_DISK` it becomes a plain virtual disk). Each is
 * a task with one result per spec; a volume's failure is that result's `fault`. Also
 * `CnsDebugManager.CnsSyncDatastore`.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { DatastoreData, HostData, VmData } from '../inventory.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import { moref, VimFault, type MoRef } from '../faults.js';
import type { MethodTable } from '../mo/context.js';
import { defineEffect, startTask } from '../mo/task.js';
import { eachVolume, volumes, type CnsVolumeData } from './volume-manager.js';
import type { Inventory } from '../inventory.js';

const MB = 2 ** 20;

/** Move a disk's backing between datastores: space taken on the target and freed on the source. */
export function moveDisk(inv: Inventory, v: ResourceRecord<CnsVolumeData>, target: MoRef): void {
  const ds = inv.peek(target.value) as ResourceRecord<DatastoreData> | undefined;
  if (!ds || ds.data.type !== 'Datastore') throw new VimFault({ _type: 'ManagedObjectNotFound', obj: moref('Datastore', target.value) }, `The object 'vim.Datastore:${target.value}' has already been deleted or has not been completely created`);
  if (ds.id === v.data.datastore) return;
  if ((v.data.controlFlags ?? []).includes('disableRelocation')) throw new VimFault({ _type: 'NotSupported' }, `Relocation is disabled for the disk ${v.id}.`);
  if (!ds.data.accessible) throw new VimFault({ _type: 'InaccessibleDatastore', datastore: moref('Datastore', ds.id), name: ds.data.name }, `The datastore ${ds.data.name} is not accessible.`);
  // An attached disk moves with its VM running: the VM's host must see the target.
  const vm = v.data.attachedVm ? (inv.peek(v.data.attachedVm) as ResourceRecord<VmData> | undefined) : undefined;
  const host = vm ? (inv.peek(vm.data.host) as ResourceRecord<HostData> | undefined) : undefined;
  if (host && !host.data.datastores.includes(ds.id)) {
    throw new VimFault({ _type: 'DatastoreNotWritableOnHost', datastore: moref('Datastore', ds.id), name: ds.data.name, host: moref('HostSystem', host.id), hostName: host.data.name }, `The datastore '${ds.data.name}' is not accessible or writable from host '${host.data.name}'.`);
  }
  const bytes = v.data.capacityInMb * MB;
  if (ds.data.freeSpace < bytes) throw new VimFault({ _type: 'InsufficientStorageSpace' }, 'Insufficient disk space on datastore.');
  const from = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
  if (from) from.data.freeSpace += bytes;
  ds.data.freeSpace -= bytes;
  v.data.datastore = ds.id;
}

defineEffect('cns.relocate', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    if (v.data.volumeType !== 'BLOCK') throw new VimFault({ _type: 'CnsFault', reason: 'file volumes cannot be relocated' }, `The volume ${v.id} is a file volume: only block volumes can be relocated.`);
    moveDisk(inv, v, spec['datastore'] as MoRef);
    const profile = ((spec['profile'] as WireObject[] | undefined) ?? [])[0];
    if (profile?.['profileId']) v.data.storagePolicyId = String(profile['profileId']);
  }),
);

defineEffect('cns.sync', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    const ds = spec['datastore'] as MoRef | undefined;
    if (ds && ds.value !== v.data.datastore) throw new VimFault({ _type: 'NotFound' }, `The volume ${v.id} is not on the datastore ${ds.value}.`);
    v.data.syncedAt = inv.engine.clock.now();
  }),
);

defineEffect('cns.unregister', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    if (v.data.volumeType !== 'BLOCK') throw new VimFault({ _type: 'CnsFault', reason: 'file volumes cannot be unregistered' }, `The volume ${v.id} is a file volume: only block volumes can be unregistered.`);
    if (v.data.attachedVm) throw new VimFault({ _type: 'ResourceInUse', type: 'Volume', name: v.data.name }, `The volume ${v.id} is attached to a VM.`);
    const target = String(spec['targetVolumeType'] ?? 'FCD');
    if (target !== 'FCD' && target !== 'LEGACY_DISK') throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'targetVolumeType' }, 'A specified parameter was not correct: targetVolumeType');
    // A legacy disk is a plain vmdk: no longer a first-class disk either (its space stays used).
    if (target === 'LEGACY_DISK') volumes(inv).delete(v.id);
    else Object.assign(v.data, { unregistered: true, metadata: undefined, clusterId: '' });
  }),
);

// CnsDebugManager's manual sync of CNS and the FCD catalog for one datastore (or all): nothing is
// ever out of step here, so it only checks the datastore exists.
defineEffect('cns.syncDatastore', (inv, task) => {
  const url = String(task.args?.['datastoreUrl'] ?? '');
  if (url && !(inv.all('Datastore') as ResourceRecord<DatastoreData>[]).some((d) => d.data.url === url)) throw new VimFault({ _type: 'NotFound' }, `No datastore has the URL ${url}.`);
  return undefined;
});

export const CNS_RELOCATE_METHODS: MethodTable = {
  CnsSyncDatastore: { on: ['CnsDebugManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsSyncDatastore', descriptionId: 'com.vmware.cns.tasks.syncdatastore', effect: 'cns.syncDatastore', args: { datastoreUrl: args['datastoreUrl'], fullSync: args['fullSync'] } }) },
  CnsRelocateVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsRelocateVolume', descriptionId: 'com.vmware.cns.tasks.relocatevolume', effect: 'cns.relocate', args: { specs: args['relocateSpecs'] ?? [] } }) },
  CnsSyncVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsSyncVolume', descriptionId: 'com.vmware.cns.tasks.syncvolume', effect: 'cns.sync', args: { specs: args['syncSpecs'] ?? [] } }) },
  CnsUnregisterVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsUnregisterVolume', descriptionId: 'com.vmware.cns.tasks.unregistervolume', effect: 'cns.unregister', args: { specs: args['unregisterSpec'] ?? [] } }) },
};
