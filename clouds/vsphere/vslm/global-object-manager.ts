/**
 * The global VSLM endpoint, `/vslm/sdk` (`urn:vslm`): `VslmServiceInstance.RetrieveContent`,
 * `VslmVStorageObjectManager` (disks by id alone, found through vCenter's global catalog: no
 * datastore argument) and `VslmTask`, as govmomi's `vslm.GlobalObjectManager` and `vslm.Task`
 * call them with the vim25 session in the `vcSessionCookie` header. Same first-class-disk records
 * and task effects as `VcenterVStorageObjectManager` on /sdk; VSLM tasks are vim25 tasks seen
 * through `VslmQueryInfo` / `VslmQueryTaskResult` / `VslmCancelTask`.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { moveDisk } from '../cns/relocate-sync.js';
import { volumes, type CnsVolumeData } from '../cns/volume-manager.js';
import { fault, localized, moref, VimFault, type MoRef } from '../faults.js';
import type { DatastoreData, Inventory } from '../inventory.js';
import type { MethodTable, MoContext } from '../mo/context.js';
import { typeOf } from '../mo/objects.js';
import { defineEffect, startTask, TASK, taskInfo, taskMethods, type TaskData } from '../mo/task.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import { clearFlags, disk, diskSnapshots, idOf, setFlags, snapshotInfo, vStorageObject } from './vstorage-object-manager.js';

const OBJECTS: Record<string, string> = {
  ServiceInstance: 'VslmServiceInstance',
  VStorageObjectManager: 'VslmVStorageObjectManager',
  SessionManager: 'VslmSessionManager',
  StorageLifecycleManager: 'VslmStorageLifecycleManager',
};

/** What an id names on /vslm/sdk: the singletons, and vim25's tasks as VslmTasks. */
export function vslmObjectType(ctx: MoContext, id: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(OBJECTS, id)) return OBJECTS[id];
  return typeOf(ctx, id) === 'Task' ? 'VslmTask' : undefined;
}

const ON = ['VslmVStorageObjectManager'];

defineEffect('vslm.relocate', (inv, task) => {
  const v = disk(inv, idOf(task.args?.['id']), undefined);
  const spec = (task.args?.['spec'] as WireObject | undefined) ?? {};
  const target = ((spec['backingSpec'] as WireObject | undefined)?.['datastore'] as MoRef | undefined) ?? moref('Datastore', '');
  moveDisk(inv, v, target);
  return vStorageObject(inv, v);
});

/** VslmVsoVStorageObjectResult: what List and RetrieveVStorageObjects answer per disk. */
function objectResult(inv: Inventory, v: ResourceRecord<CnsVolumeData>): WireObject {
  const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
  return {
    _type: 'vslm:VslmVsoVStorageObjectResult',
    id: { _type: 'ID', id: v.id },
    name: v.data.name,
    capacityInMB: v.data.capacityInMb,
    createTime: new Date(v.createdAt),
    datastoreUrl: ds?.data.url,
    diskPath: `[${ds?.data.name ?? ''}] fcd/${v.id.replace(/-/g, '')}.vmdk`,
    usedCapacityInMB: Math.ceil(v.data.capacityInMb / 10),
    backingObjectId: { _type: 'ID', id: v.data.backingDiskId },
    snapshotInfo: diskSnapshots(inv)
      .peekChildren(v.id)
      .map((s) => ({ _type: 'vslm:VslmVsoVStorageObjectSnapshotResult', backingObjectId: { _type: 'ID', id: s.id }, description: s.data.description, snapshotId: { _type: 'ID', id: s.id } })),
  };
}

const FIELDS: Record<string, (v: ResourceRecord<CnsVolumeData>) => string | number | undefined> = {
  id: (v) => v.id,
  name: (v) => v.data.name,
  capacity: (v) => v.data.capacityInMb,
  createTime: (v) => v.createdAt,
  backingObjectId: (v) => v.data.backingDiskId,
  datastoreMoId: (v) => v.data.datastore,
  metadataKey: () => undefined,
  metadataValue: () => undefined,
};

/** One query spec against one disk: string operators compare as strings, capacity and createTime as numbers. */
function matches(v: ResourceRecord<CnsVolumeData>, q: WireObject): boolean {
  const field = String(q['queryField'] ?? '');
  const get = FIELDS[field];
  if (!get) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'queryField' }, `A specified parameter was not correct: queryField ${field}`);
  const have = get(v);
  const op = String(q['queryOperator'] ?? '');
  const values = ((q['queryValue'] as WireValue[] | undefined) ?? []).map(String);
  const cmp = (want: string): number => {
    if (typeof have === 'number') {
      const n = field === 'createTime' ? Date.parse(want) : Number(want);
      return have - n;
    }
    const s = have ?? '';
    return s < want ? -1 : s > want ? 1 : 0;
  };
  const one = (want: string): boolean => {
    const s = have === undefined ? '' : String(have);
    switch (op) {
      case 'equals':
        return have !== undefined && cmp(want) === 0;
      case 'notEquals':
        return have === undefined || cmp(want) !== 0;
      case 'lessThan':
        return have !== undefined && cmp(want) < 0;
      case 'greaterThan':
        return have !== undefined && cmp(want) > 0;
      case 'lessThanOrEqual':
        return have !== undefined && cmp(want) <= 0;
      case 'greaterThanOrEqual':
        return have !== undefined && cmp(want) >= 0;
      case 'contains':
        return s.includes(want);
      case 'startsWith':
        return s.startsWith(want);
      case 'endsWith':
        return s.endsWith(want);
      default:
        throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'queryOperator' }, `A specified parameter was not correct: queryOperator ${op}`);
    }
  };
  return op === 'notEquals' ? values.every(one) : values.some(one);
}

function list(inv: Inventory, args: WireObject): WireObject {
  const query = (args['query'] as WireObject[] | undefined) ?? [];
  const max = Number(args['maxResult'] ?? 0) > 0 ? Math.min(Number(args['maxResult']), 1000) : 1000;
  const all = [...volumes(inv).all()].filter((v) => v.data.volumeType === 'BLOCK' && query.every((q) => matches(v, q))).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = all.slice(0, max);
  return { _type: 'vslm:VslmVsoVStorageObjectQueryResult', allRecordsReturned: page.length === all.length, id: page.map((v) => ({ _type: 'ID', id: v.id })), queryResults: page.map((v) => objectResult(inv, v)) };
}

/** A vim25 task answered as the VslmTask it is on this endpoint. */
const vslmTask = (ref: MoRef): MoRef => moref('VslmTask', ref.value);

const task = (name: string, effect: string) => (ctx: MoContext, _self: MoRef, args: WireObject) =>
  vslmTask(startTask(ctx, { name, descriptionId: `com.vmware.vslm.${name.replace(/^Vslm|_Task$/g, '')}`, effect, args: { ...args, datastore: undefined } }));

function taskOf(ctx: MoContext, self: MoRef): ResourceRecord<TaskData> {
  const rec = ctx.inv.tenant.collection<TaskData>(TASK).get(self.value);
  if (!rec) throw fault.notFoundObj(self);
  return rec;
}

export const VSLM_METHODS: MethodTable = {
  RetrieveContent: {
    on: ['VslmServiceInstance'],
    anonymous: true,
    run: () => ({
      _type: 'vslm:VslmServiceInstanceContent',
      aboutInfo: { _type: 'vslm:VslmAboutInfo', name: 'VMware Virtual Storage Lifecycle Management Service', fullName: 'VMware Virtual Storage Lifecycle Management Service 8.0.3', vendor: 'VMware, Inc.', apiVersion: '8.0.3.0', instanceUuid: 'b2f1c5d0-7e3a-4c8b-9f1e-fa0c10ad0003' },
      sessionManager: moref('VslmSessionManager', 'SessionManager'),
      vStorageObjectManager: moref('VslmVStorageObjectManager', 'VStorageObjectManager'),
      storageLifecycleManager: moref('VslmStorageLifecycleManager', 'StorageLifecycleManager'),
    }),
  },
  VslmCreateDisk_Task: { on: ON, run: task('VslmCreateDisk_Task', 'vslm.create') },
  VslmDeleteVStorageObject_Task: { on: ON, run: task('VslmDeleteVStorageObject_Task', 'vslm.delete') },
  VslmExtendDisk_Task: { on: ON, run: task('VslmExtendDisk_Task', 'vslm.extend') },
  VslmCreateSnapshot_Task: { on: ON, run: task('VslmCreateSnapshot_Task', 'vslm.snapshot.create') },
  VslmDeleteSnapshot_Task: { on: ON, run: task('VslmDeleteSnapshot_Task', 'vslm.snapshot.delete') },
  VslmRelocateVStorageObject_Task: { on: ON, run: task('VslmRelocateVStorageObject_Task', 'vslm.relocate') },
  VslmAttachDisk_Task: {
    on: ON,
    run: (ctx, _self, args) => {
      const vm = ctx.inv.need(args['vm'] as MoRef);
      return vslmTask(startTask(ctx, { name: 'VslmAttachDisk_Task', descriptionId: 'com.vmware.vslm.AttachDisk', entity: vm.id, effect: 'vm.disk.attach', args: { diskId: args['id'], controllerKey: args['controllerKey'], unitNumber: args['unitNumber'] } }));
    },
  },
  VslmRetrieveVStorageObject: { on: ON, run: (ctx, _s, args) => vStorageObject(ctx.inv, disk(ctx.inv, idOf(args['id']), undefined)) },
  VslmRetrieveVStorageObjectState: { on: ON, run: (ctx, _s, args) => (disk(ctx.inv, idOf(args['id']), undefined), { _type: 'VStorageObjectStateInfo', tentative: false }) },
  VslmRetrieveVStorageObjects: {
    on: ON,
    run: (ctx, _s, args) =>
      ((args['ids'] as WireValue[] | undefined) ?? []).map((raw) => {
        const id = idOf(raw);
        try {
          return objectResult(ctx.inv, disk(ctx.inv, id, undefined));
        } catch (err) {
          if (!(err instanceof VimFault)) throw err;
          // A failed entry carries its fault and capacity -1.
          return { _type: 'vslm:VslmVsoVStorageObjectResult', id: { _type: 'ID', id }, capacityInMB: -1, error: localized(err) };
        }
      }),
  },
  VslmListVStorageObjectForSpec: { on: ON, run: (ctx, _s, args) => list(ctx.inv, args) },
  VslmRenameVStorageObject: {
    on: ON,
    run: (ctx, _s, args) => {
      const name = String(args['name'] ?? '');
      if (!name) throw fault.invalidArgument('name');
      disk(ctx.inv, idOf(args['id']), undefined).data.name = name;
      return undefined;
    },
  },
  VslmSetVStorageObjectControlFlags: { on: ON, run: (ctx, _s, args) => (setFlags(disk(ctx.inv, idOf(args['id']), undefined), args), undefined) },
  VslmClearVStorageObjectControlFlags: { on: ON, run: (ctx, _s, args) => (clearFlags(disk(ctx.inv, idOf(args['id']), undefined), args), undefined) },
  VslmRetrieveSnapshotInfo: { on: ON, run: (ctx, _s, args) => snapshotInfo(ctx.inv, disk(ctx.inv, idOf(args['id']), undefined)) },
  VslmQueryInfo: {
    on: ['VslmTask'],
    run: (ctx, self) => {
      const info = taskInfo(ctx, taskOf(ctx, self));
      return { ...info, _type: 'vslm:VslmTaskInfo', task: moref('VslmTask', self.value), reason: { _type: 'vslm:VslmTaskReasonUser', userName: (info['reason'] as WireObject | undefined)?.['userName'] ?? '' } };
    },
  },
  VslmQueryTaskResult: {
    on: ['VslmTask'],
    run: (ctx, self) => {
      const rec = taskOf(ctx, self);
      if (rec.data.error) throw new VimFault(rec.data.error.fault, rec.data.error.message);
      if (rec.lc?.state !== 'success') throw fault.invalidState('The task has not completed.');
      return rec.data.result;
    },
  },
  VslmCancelTask: { on: ['VslmTask'], run: (ctx, self) => taskMethods.CancelTask!.run(ctx, moref('Task', self.value), {}) },
};
