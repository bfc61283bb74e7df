/**
 * `VirtualMachine.RelocateVM_Task`: vMotion (host, pool), storage vMotion (datastore, per-disk
 * locators) and both at once, as govc vm.migrate and Cluster API drive it. The checks run in the
 * task, which ends in error and leaves the VM as it was: a target host that is not connected or is
 * in maintenance (`InvalidHostState`), one outside the pool's cluster (`InvalidArgument`), one that
 * does not mount the VM's (new) datastores or its CNS disks' datastores (`DatastoreNotWritableOnHost`),
 * an inaccessible target datastore (`InaccessibleDatastore`).
 */
import type { ResourceRecord } from '../../../core/store.js';
import { attachedDisks } from '../cns/volume-manager.js';
import { fault, moref, VimFault, type MoRef } from '../faults.js';
import type { ClusterData, DatastoreData, HostData, Inventory, VmData } from '../inventory.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import type { MethodTable } from './context.js';
import { defineEffect, startTask } from './task.js';
import { ownDevices, syncRefs, vmxPath } from './vm-devices.js';
import { moveSnapshotDisks } from './vm-snapshot.js';

function datastore(inv: Inventory, ref: MoRef): ResourceRecord<DatastoreData> {
  const ds = inv.need(ref) as ResourceRecord<DatastoreData>;
  if (!ds.data.accessible) throw new VimFault({ _type: 'InaccessibleDatastore', datastore: moref('Datastore', ds.id), name: ds.data.name }, `The datastore ${ds.data.name} is not accessible.`);
  return ds;
}

const notWritable = (inv: Inventory, ds: string, host: ResourceRecord<HostData>) => {
  const name = inv.peek(ds)?.data.name ?? ds;
  return new VimFault({ _type: 'DatastoreNotWritableOnHost', datastore: moref('Datastore', ds), name, host: moref('HostSystem', host.id), hostName: host.data.name }, `The datastore '${name}' is not accessible or writable from host '${host.data.name}'.`);
};

/** Moves `[old] dir/file` to `[new] dir/file`. */
const movePath = (path: string, dsName: string) => path.replace(/^\[[^\]]*\]/, `[${dsName}]`);

defineEffect('vm.relocate', (inv, task) => {
  const vm = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm || vm.data.type !== 'VirtualMachine') throw fault.notFoundObj(moref('VirtualMachine', task.entity ?? ''));
  const spec = (task.args?.['spec'] as WireObject | undefined) ?? {};
  const next = structuredClone(vm.data);
  const targetDs = spec['datastore'] ? datastore(inv, spec['datastore'] as MoRef) : undefined;
  const poolRef = spec['pool'] as MoRef | undefined;
  if (poolRef) inv.need(poolRef);
  const hostRef = spec['host'] as MoRef | undefined;
  let host = inv.peek(vm.data.host) as ResourceRecord<HostData>;
  if (hostRef) {
    host = inv.need(hostRef) as ResourceRecord<HostData>;
    if (host.data.connectionState !== 'connected' || host.data.inMaintenanceMode) {
      throw new VimFault({ _type: 'InvalidHostState', host: moref('HostSystem', host.id) }, `The host ${host.data.name} is ${host.data.inMaintenanceMode ? 'in maintenance mode' : host.data.connectionState}.`);
    }
  }
  // A pool names a cluster; a host given with it must be one of its hosts, a host alone takes its cluster's root pool.
  const clusterOfPool = poolRef ? (inv.peek(inv.peek(poolRef.value)?.parent ?? '') as ResourceRecord<ClusterData> | undefined) : undefined;
  if (poolRef && hostRef && clusterOfPool && host.parent !== clusterOfPool.id) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'spec.host' }, 'A specified parameter was not correct: spec.host');
  if (poolRef && !hostRef && clusterOfPool && host.parent !== clusterOfPool.id) {
    const h = inv.hostsOfCluster(clusterOfPool.id).find((x) => x.data.connectionState === 'connected' && !x.data.inMaintenanceMode && (!targetDs || x.data.datastores.includes(targetDs.id)));
    if (!h) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'spec.pool' }, 'No connected host of the resource pool mounts the datastore.');
    host = h;
  }
  next.host = host.id;
  next.resourcePool = poolRef?.value ?? (hostRef && host.parent !== inv.peek(vm.data.host)?.parent ? ((inv.peek(host.parent ?? '') as ResourceRecord<ClusterData> | undefined)?.data.resourcePool ?? next.resourcePool) : next.resourcePool);
  // Storage: the home (and every disk without its own locator) moves to `datastore`.
  const locators = new Map<number, string>();
  for (const l of (spec['disk'] as WireValue[] | undefined) ?? []) {
    const loc = l as WireObject;
    locators.set(Number(loc['diskId']), datastore(inv, loc['datastore'] as MoRef).id);
  }
  const moveDisks = (devices: WireObject[]): WireObject[] =>
    devices.map((d) => {
      if (d._type !== 'VirtualDisk') return d;
      const to = locators.get(Number(d['key'])) ?? targetDs?.id;
      if (!to) return d;
      const name = inv.peek(to)?.data.name ?? '';
      const b = (d['backing'] as WireObject | undefined) ?? {};
      return { ...d, backing: { ...b, fileName: movePath(String(b['fileName'] ?? ''), name), datastore: moref('Datastore', to) } };
    });
  const storage = targetDs !== undefined || locators.size > 0;
  if (storage) {
    const homeName = targetDs?.data.name;
    if (homeName) next.vmPathName = movePath(vmxPath(inv, vm.data), homeName);
    next.devices = moveDisks(ownDevices(inv, next));
    syncRefs(inv, next);
  }
  // The new host must see every datastore the VM keeps files on, and those of its CNS disks.
  for (const ds of [...next.datastores, ...attachedDisks(inv, vm.id).map((v) => v.data.datastore)]) if (!host.data.datastores.includes(ds)) throw notWritable(inv, ds, host);
  if (spec['folder']) {
    const folder = inv.need(spec['folder'] as MoRef);
    if (folder.data.type !== 'Folder' || !(folder.data as { childType: string[] }).childType.includes('VirtualMachine')) throw fault.notSupported(`The folder ${folder.data.name} does not hold virtual machines.`);
    inv.move(vm.id, folder.id);
  }
  Object.assign(vm.data, next);
  // The snapshots' disks move with the VM: a later revert keeps the new location.
  if (storage) moveSnapshotDisks(inv, vm.id, moveDisks);
  return undefined;
});

export const vmRelocateMethods: MethodTable = {
  RelocateVM_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, args) => {
      const vm = ctx.inv.need(self) as ResourceRecord<VmData>;
      const spec = (args['spec'] as WireObject | undefined) ?? {};
      for (const k of ['host', 'pool', 'datastore', 'folder']) if (spec[k]) ctx.inv.need(spec[k] as MoRef);
      return startTask(ctx, { name: 'RelocateVM_Task', descriptionId: 'VirtualMachine.relocate', entity: vm.id, effect: 'vm.relocate', args: { spec, priority: args['priority'] } });
    },
  },
};
