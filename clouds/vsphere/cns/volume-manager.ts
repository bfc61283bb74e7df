/**
 * CnsVolumeManager on /vsanHealth: Cloud Native Storage volumes as the vSphere CSI driver drives
 * them. Mutations return a Task (waited through /sdk) whose result is a
 * CnsVolumeOperationBatchResult with one result per spec; a per-volume failure is a `fault` inside
 * a successful task, as CNS reports it. Queries answer at once, with cursor paging.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { ClusterData, DatastoreData, HostData, VmData } from '../inventory.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import { fault, localized, moref, VimFault, type MoRef } from '../faults.js';
import type { MethodTable, MoContext } from '../mo/context.js';
import { defineEffect, startTask } from '../mo/task.js';
import { Inventory } from '../inventory.js';
import { usedScsiUnits } from '../mo/vm-devices.js';
import { heldBySnapshot } from '../mo/vm-snapshot.js';
import { snapshotSource } from './snapshots.js';

export const CNS_VOLUME = 'vsphere.cnsVolume';

export interface CnsVolumeData {
  name: string;
  volumeType: 'BLOCK' | 'FILE';
  datastore: string;
  capacityInMb: number;
  clusterId: string;
  metadata?: WireObject;
  storagePolicyId?: string;
  backingDiskId: string;
  /** VM the volume is attached to, and the disk's UUID there. */
  attachedVm?: string;
  diskUUID?: string;
  unitNumber?: number;
  /** A first-class disk that is not (or no longer) a CNS volume: VSLM sees it, CNS does not. */
  unregistered?: boolean;
  /** VSLM's `VStorageObjectConfigInfo.keepAfterDeleteVm` and the other control flags. */
  controlFlags?: string[];
  /** When CnsSyncVolume last refreshed its space usage (virtual ms). */
  syncedAt?: number;
}

export function volumes(inv: Inventory) {
  return inv.tenant.collection<CnsVolumeData>(CNS_VOLUME);
}

function volumeIdOf(v: WireValue): string {
  return String((v as WireObject | undefined)?.['id'] ?? '');
}

const result = (type: string, id: string, extra: WireObject = {}): WireObject => ({ _type: type, volumeId: { _type: 'CnsVolumeId', id }, ...extra });
const failed = (type: string, id: string, f: VimFault): WireObject => ({ ...result(type, id), fault: localized(f) });

/** CNS wraps the disk layer's refusal as a CnsFault with the cause. */
function snapshotLock(id: string, cause: VimFault): VimFault {
  return new VimFault({ _type: 'CnsFault', reason: cause.message, faultCause: localized(cause) }, `The volume ${id} is held by a snapshot of the VM it is attached to: ${cause.message}`);
}

function notFound(id: string): VimFault {
  return new VimFault({ _type: 'NotFound' }, `The volume ${id} was not found.`);
}

/** A vSAN datastore whose cluster runs the vSAN file service: where file shares (RWX volumes) live. */
function fileShareDatastore(inv: Inventory, spec: WireObject): ResourceRecord<DatastoreData> {
  const candidates = ((spec['datastores'] as MoRef[] | undefined) ?? []).map((r) => inv.peek(r.value) as ResourceRecord<DatastoreData> | undefined);
  const all = candidates.length > 0 ? candidates : (inv.all('Datastore') as ResourceRecord<DatastoreData>[]);
  for (const d of all) {
    if (!d || d.data.type !== 'Datastore' || d.data.dsType !== 'vsan' || !d.data.accessible) continue;
    const host = inv.peek(d.data.hosts[0] ?? '');
    const cluster = host?.parent ? (inv.peek(host.parent) as ResourceRecord<ClusterData> | undefined) : undefined;
    if (cluster?.data.fileServiceEnabled) return d;
  }
  throw new VimFault({ _type: 'CnsFault', reason: 'vSAN file service is not enabled on any candidate datastore' }, 'Failed to create file volume: vSAN file service is not enabled on the candidate vSAN datastores.');
}

function datastoreFor(inv: Inventory, spec: WireObject, mb: number): ResourceRecord<DatastoreData> {
  const candidates = ((spec['datastores'] as MoRef[] | undefined) ?? []).map((r) => inv.peek(r.value) as ResourceRecord<DatastoreData> | undefined);
  const all = candidates.length > 0 ? candidates : (inv.all('Datastore') as ResourceRecord<DatastoreData>[]);
  const ok = all.filter((d): d is ResourceRecord<DatastoreData> => !!d && d.data.type === 'Datastore' && d.data.accessible);
  if (ok.length === 0) throw new VimFault({ _type: 'CnsFault', reason: 'No accessible datastore' }, 'Failed to create volume: no accessible datastore among the candidates.');
  const fit = ok.find((d) => d.data.freeSpace >= mb * 2 ** 20);
  if (!fit) throw new VimFault({ _type: 'InsufficientStorageSpace' }, 'Insufficient disk space on datastore.');
  return fit;
}

// Task effects: one result per spec; failures of one volume do not fail the task.
defineEffect('cns.create', (inv, task) => {
  const specs = (task.args?.['specs'] as WireObject[]) ?? [];
  return {
    _type: 'CnsVolumeOperationBatchResult',
    volumeResults: specs.map((spec) => {
      const name = String(spec['name'] ?? '');
      try {
        const backing = spec['backingObjectDetails'] as WireObject | undefined;
        let mb = Number(backing?.['capacityInMb'] ?? 0);
        const type = spec['volumeType'] === 'FILE' ? 'FILE' : 'BLOCK';
        const clusterId = String(((spec['metadata'] as WireObject | undefined)?.['containerCluster'] as WireObject | undefined)?.['clusterId'] ?? '');
        const existing = [...volumes(inv).all()].find((v) => !v.data.unregistered && v.data.name === name && v.data.clusterId === clusterId);
        if (existing) return result('CnsVolumeCreateResult', existing.id, { name });
        // Static provisioning: an existing first-class disk (backingDiskId) becomes the volume.
        const fcdId = type === 'BLOCK' ? (backing?.['backingDiskId'] as string | undefined) : undefined;
        if (fcdId) {
          const fcd = volumes(inv).get(fcdId);
          if (!fcd) throw notFound(fcdId);
          if (!fcd.data.unregistered) throw new VimFault({ _type: 'CnsAlreadyRegisteredFault', volumeId: { _type: 'CnsVolumeId', id: fcdId } }, `The disk ${fcdId} is already registered as a volume.`);
          // CNS keeps its volumes' disks when their VM goes.
          Object.assign(fcd.data, { unregistered: undefined, name, clusterId, metadata: spec['metadata'] as WireObject | undefined, controlFlags: [...new Set([...(fcd.data.controlFlags ?? []), 'keepAfterDeleteVm'])] });
          return result('CnsVolumeCreateResult', fcdId, { name });
        }
        const source = spec['volumeSource'] as WireObject | undefined;
        let ds: ResourceRecord<DatastoreData>;
        if (source?.['_type'] === 'CnsSnapshotVolumeSource') {
          if (type === 'FILE') throw fault.notSupported('File volumes cannot be created from a snapshot.');
          const from = snapshotSource(inv, source, mb);
          mb = from.capacityInMb;
          ds = inv.peek(from.datastore) as ResourceRecord<DatastoreData>;
          if (!ds.data.accessible) throw new VimFault({ _type: 'CnsFault', reason: 'Datastore inaccessible' }, `The snapshot's datastore ${ds.data.name} is not accessible.`);
        } else {
          if (!(mb > 0)) throw fault.invalidArgument('capacityInMb');
          ds = type === 'FILE' ? fileShareDatastore(inv, spec) : datastoreFor(inv, spec, mb);
        }
        ds.data.freeSpace -= mb * 2 ** 20;
        const id = inv.engine.ids.uuid('vsphere:cns');
        const profile = ((spec['profile'] as WireObject[] | undefined) ?? [])[0];
        volumes(inv).insert({ id, data: { name, volumeType: type, datastore: ds.id, capacityInMb: mb, clusterId, metadata: spec['metadata'] as WireObject | undefined, storagePolicyId: profile?.['profileId'] as string | undefined, backingDiskId: id } });
        return result('CnsVolumeCreateResult', id, { name, placementResults: [{ _type: 'CnsPlacementResult', datastore: moref('Datastore', ds.id) }] });
      } catch (err) {
        if (err instanceof VimFault) return { ...failed('CnsVolumeCreateResult', '', err), name, volumeId: undefined };
        throw err;
      }
    }),
  };
});

/** Put a first-class disk on a VM's SCSI controller: the unit asked for, or the first free one. */
export function plugDisk(inv: Inventory, v: ResourceRecord<CnsVolumeData>, vm: ResourceRecord<VmData>, want?: number): void {
  // Units the VM's own disks hold (a reconfigured VM may have several) and other CNS disks'.
  const used = new Set<number | undefined>([...usedScsiUnits(inv, vm.data), ...[...volumes(inv).all()].filter((x) => x.data.attachedVm === vm.id).map((x) => x.data.unitNumber)]);
  if (want !== undefined && (used.has(want) || want === 7 || want < 0 || want > 63)) throw new VimFault({ _type: 'InvalidDeviceSpec', property: 'unitNumber', deviceIndex: 0 }, `The unit number ${want} is not available on the controller.`);
  let unit = want ?? 1;
  while (used.has(unit) || unit === 7) unit++;
  v.data.attachedVm = vm.id;
  v.data.unitNumber = unit;
  v.data.diskUUID = `6000c29${inv.engine.ids.hex('vsphere:disk', 25)}`;
}

export function eachVolume(inv: Inventory, ids: WireValue[], type: string, run: (v: ResourceRecord<CnsVolumeData>, spec: WireObject) => WireObject | void): WireObject {
  return {
    _type: 'CnsVolumeOperationBatchResult',
    volumeResults: ids.map((spec) => {
      const s = spec as WireObject;
      const id = volumeIdOf(s['volumeId'] ?? s);
      const v = volumes(inv).get(id);
      if (!v || v.data.unregistered) return failed(type, id, notFound(id));
      try {
        return run(v, s) ?? result(type, id);
      } catch (err) {
        if (err instanceof VimFault) return failed(type, id, err);
        throw err;
      }
    }),
  };
}

defineEffect('cns.delete', (inv, task) =>
  eachVolume(inv, (task.args?.['ids'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v) => {
    if (v.data.attachedVm) throw new VimFault({ _type: 'ResourceInUse', type: 'Volume', name: v.data.name }, `The volume ${v.id} is attached to a VM.`);
    const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
    if (ds && task.args?.['deleteDisk'] !== false) ds.data.freeSpace += v.data.capacityInMb * 2 ** 20;
    volumes(inv).delete(v.id);
  }),
);

defineEffect('cns.attach', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeAttachResult', (v, spec) => {
    if (v.data.volumeType === 'FILE') throw fault.notSupported('File volumes are mounted over NFS, not attached.');
    const vmRef = spec['vm'] as MoRef;
    const vm = inv.peek(vmRef?.value ?? '') as ResourceRecord<VmData> | undefined;
    if (!vm || vm.data.type !== 'VirtualMachine') throw fault.notFoundObj(vmRef ?? moref('VirtualMachine', ''));
    if (v.data.attachedVm && v.data.attachedVm !== vm.id) throw new VimFault({ _type: 'ResourceInUse', type: 'Volume', name: v.data.name }, `The volume ${v.id} is attached to another VM.`);
    const host = inv.peek(vm.data.host) as ResourceRecord<HostData> | undefined;
    if (host && !host.data.datastores.includes(v.data.datastore)) throw new VimFault({ _type: 'InvalidDatastore' }, `The VM's host does not mount the volume's datastore.`);
    if (!v.data.attachedVm) plugDisk(inv, v, vm);
    return result('CnsVolumeAttachResult', v.id, { diskUUID: v.data.diskUUID });
  }),
);

defineEffect('cns.detach', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    const vmRef = spec['vm'] as MoRef | undefined;
    if (v.data.attachedVm && vmRef && v.data.attachedVm !== vmRef.value) throw new VimFault({ _type: 'NotFound' }, `The volume ${v.id} is not attached to ${vmRef.value}.`);
    // A VM snapshot holding the disk locks it to its node (vCenter: "Invalid configuration for device '0'.").
    if (v.data.attachedVm && heldBySnapshot(inv, v.id)) throw snapshotLock(v.id, new VimFault({ _type: 'InvalidDeviceSpec', property: 'virtualDeviceSpec.device', deviceIndex: 0 }, "Invalid configuration for device '0'."));
    delete v.data.attachedVm;
    delete v.data.diskUUID;
    delete v.data.unitNumber;
  }),
);

defineEffect('cns.extend', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    const mb = Number(spec['capacityInMb'] ?? 0);
    if (mb < v.data.capacityInMb) throw fault.invalidArgument('capacityInMb');
    if (v.data.attachedVm && heldBySnapshot(inv, v.id)) throw snapshotLock(v.id, new VimFault({ _type: 'NotSupported' }, 'Hot-extend is currently supported only for VMFS flat virtual disks without snapshots opened in persistent mode.'));
    const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
    const more = (mb - v.data.capacityInMb) * 2 ** 20;
    if (ds && ds.data.freeSpace < more) throw new VimFault({ _type: 'InsufficientStorageSpace' }, 'Insufficient disk space on datastore.');
    if (ds) ds.data.freeSpace -= more;
    v.data.capacityInMb = mb;
  }),
);

defineEffect('cns.policy', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    const profile = ((spec['profile'] as WireObject[] | undefined) ?? [])[0];
    v.data.storagePolicyId = profile?.['profileId'] as string | undefined;
  }),
);

defineEffect('cns.queryAsync', (inv, task) => ({
  _type: 'CnsVolumeOperationBatchResult',
  volumeResults: [{ _type: 'CnsAsyncQueryResult', queryResult: queryVolumes(inv, task.args?.['filter'] as WireObject | undefined, true) }],
}));

defineEffect('cns.metadata', (inv, task) =>
  eachVolume(inv, (task.args?.['specs'] as WireValue[]) ?? [], 'CnsVolumeOperationResult', (v, spec) => {
    v.data.metadata = spec['metadata'] as WireObject | undefined;
  }),
);

export function cnsVolume(inv: Inventory, v: ResourceRecord<CnsVolumeData>): WireObject {
  const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
  return {
    _type: 'CnsVolume',
    volumeId: { _type: 'CnsVolumeId', id: v.id },
    datastoreUrl: ds?.data.url,
    name: v.data.name,
    volumeType: v.data.volumeType,
    storagePolicyId: v.data.storagePolicyId,
    metadata: v.data.metadata,
    backingObjectDetails:
      v.data.volumeType === 'FILE'
        ? {
            _type: 'CnsVsanFileShareBackingDetails',
            capacityInMb: v.data.capacityInMb,
            backingFileId: `file:${v.id}`,
            name: `cnsfs-${v.id.slice(0, 8)}`,
            accessPoints: [
              { _type: 'KeyValue', key: 'NFSv3', value: `10.20.0.200:/cnsfs-${v.id.slice(0, 8)}` },
              { _type: 'KeyValue', key: 'NFSv4.1', value: `10.20.0.200:/vsanfs/cnsfs-${v.id.slice(0, 8)}` },
            ],
          }
        : { _type: 'CnsBlockBackingDetails', capacityInMb: v.data.capacityInMb, backingDiskId: v.data.backingDiskId, backingDiskUrlPath: `[${ds?.data.name ?? ''}] fcd/${v.data.backingDiskId.replace(/-/g, '')}.vmdk` },
    complianceStatus: 'compliant',
    datastoreAccessibilityStatus: ds?.data.accessible ? 'accessible' : 'notAccessible',
    healthStatus: ds?.data.accessible ? 'green' : 'red',
  };
}

function query(ctx: MoContext, filter: WireObject | undefined, paged: boolean): WireObject {
  return queryVolumes(ctx.inv, filter, paged);
}

function queryVolumes(inv: Inventory, filter: WireObject | undefined, paged: boolean): WireObject {
  const f = filter ?? {};
  const ids = new Set(((f['volumeIds'] as WireObject[] | undefined) ?? []).map((x) => String(x['id'])));
  const names = new Set((f['names'] as string[] | undefined) ?? []);
  const clusters = new Set((f['containerClusterIds'] as string[] | undefined) ?? []);
  const dss = new Set(((f['datastores'] as MoRef[] | undefined) ?? []).map((d) => d.value));
  const policy = f['storagePolicyId'] as string | undefined;
  const all = [...volumes(inv).all()]
    .sort((a, b) => a.seq - b.seq)
    .filter((v) => !v.data.unregistered && (ids.size === 0 || ids.has(v.id)) && (names.size === 0 || names.has(v.data.name)) && (clusters.size === 0 || clusters.has(v.data.clusterId)) && (dss.size === 0 || dss.has(v.data.datastore)) && (!policy || v.data.storagePolicyId === policy));
  const cursor = f['cursor'] as WireObject | undefined;
  const offset = paged && cursor ? Math.max(0, Number(cursor['offset'] ?? 0)) : 0;
  const limit = paged && cursor && Number(cursor['limit']) > 0 ? Number(cursor['limit']) : all.length;
  const page = all.slice(offset, offset + limit);
  return { _type: 'CnsQueryResult', volumes: page.map((v) => cnsVolume(inv, v)), cursor: { _type: 'CnsCursor', offset: offset + page.length, limit, totalRecords: all.length } };
}

export const CNS_METHODS: MethodTable = {
  CnsCreateVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsCreateVolume', descriptionId: 'com.vmware.cns.tasks.createvolume', effect: 'cns.create', args: { specs: args['createSpecs'] ?? [] } }) },
  CnsDeleteVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsDeleteVolume', descriptionId: 'com.vmware.cns.tasks.deletevolume', effect: 'cns.delete', args: { ids: args['volumeIds'] ?? [], deleteDisk: args['deleteDisk'] } }) },
  CnsAttachVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsAttachVolume', descriptionId: 'com.vmware.cns.tasks.attachvolume', effect: 'cns.attach', args: { specs: args['attachSpecs'] ?? [] } }) },
  CnsDetachVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsDetachVolume', descriptionId: 'com.vmware.cns.tasks.detachvolume', effect: 'cns.detach', args: { specs: args['detachSpecs'] ?? [] } }) },
  CnsExtendVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsExtendVolume', descriptionId: 'com.vmware.cns.tasks.extendvolume', effect: 'cns.extend', args: { specs: args['extendSpecs'] ?? [] } }) },
  CnsUpdateVolumeMetadata: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsUpdateVolumeMetadata', descriptionId: 'com.vmware.cns.tasks.updatevolumemetadata', effect: 'cns.metadata', args: { specs: args['updateSpecs'] ?? [] } }) },
  CnsQueryVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => query(ctx, args['filter'] as WireObject | undefined, true) },
  CnsQueryAsync: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsQueryAsync', descriptionId: 'com.vmware.cns.tasks.queryasync', effect: 'cns.queryAsync', args: { filter: args['filter'] } }) },
  CnsReconfigVolumePolicy: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsReconfigVolumePolicy', descriptionId: 'com.vmware.cns.tasks.reconfigvolumepolicy', effect: 'cns.policy', args: { specs: args['volumePolicyReconfigSpecs'] ?? [] } }) },
  CnsQueryAllVolume: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => query(ctx, args['filter'] as WireObject | undefined, false) },
};

/** Volumes attached to a VM, as extra disks of its hardware. */
export function attachedDisks(inv: Inventory, vmId: string): ResourceRecord<CnsVolumeData>[] {
  return [...volumes(inv).all()].filter((v) => v.data.attachedVm === vmId).sort((a, b) => (a.data.unitNumber ?? 0) - (b.data.unitNumber ?? 0));
}
