/**
 * CNS snapshots and volume info: CnsCreateSnapshots / CnsDeleteSnapshots / CnsQuerySnapshots
 * (tasks, the query's result a CnsSnapshotQueryResult with cursor paging) and CnsQueryVolumeInfo
 * (the block volume's first-class-disk record), plus CnsConfigureVolumeACLs for file volumes.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { DatastoreData } from '../inventory.js';
import { Inventory } from '../inventory.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import { localized, moref, VimFault } from '../faults.js';
import type { MethodTable } from '../mo/context.js';
import { defineEffect, startTask } from '../mo/task.js';
import { CNS_VOLUME, type CnsVolumeData } from './volume-manager.js';

export const CNS_SNAPSHOT = 'vsphere.cnsSnapshot';

interface SnapshotData {
  volumeId: string;
  description: string;
  createTime: number;
}

const snapshots = (inv: Inventory) => inv.tenant.collection<SnapshotData>(CNS_SNAPSHOT);
const volumes = (inv: Inventory) => inv.tenant.collection<CnsVolumeData>(CNS_VOLUME);
const idOf = (v: WireValue) => String((v as WireObject | undefined)?.['id'] ?? '');

function snapshotJson(r: ResourceRecord<SnapshotData>): WireObject {
  return { _type: 'CnsSnapshot', snapshotId: { _type: 'CnsSnapshotId', id: r.id }, volumeId: { _type: 'CnsVolumeId', id: r.data.volumeId }, description: r.data.description, createTime: new Date(r.data.createTime) };
}

function volumeMissing(id: string): VimFault {
  return new VimFault({ _type: 'CnsVolumeNotFoundFault', volumeId: { _type: 'CnsVolumeId', id } }, `The volume ${id} was not found.`);
}

/**
 * The source of a volume created from a snapshot (CnsVolumeCreateSpec.volumeSource, a
 * CnsSnapshotVolumeSource): the snapshot must exist and belong to the named volume, and the new
 * volume lives on the source volume's datastore, at least the source's size.
 */
export function snapshotSource(inv: Inventory, source: WireObject, mb: number): { datastore: string; capacityInMb: number } {
  const vid = idOf(source['volumeId']);
  const sid = idOf(source['snapshotId']);
  const snap = snapshots(inv).get(sid);
  const v = volumes(inv).get(vid);
  if (!v) throw volumeMissing(vid);
  if (!snap || snap.data.volumeId !== vid) {
    throw new VimFault({ _type: 'CnsSnapshotNotFoundFault', volumeId: { _type: 'CnsVolumeId', id: vid }, snapshotId: { _type: 'CnsSnapshotId', id: sid } }, `The snapshot ${sid} of volume ${vid} was not found.`);
  }
  if (mb > 0 && mb < v.data.capacityInMb) {
    throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'capacityInMb' }, `The requested size ${mb} MB is smaller than the snapshot's volume (${v.data.capacityInMb} MB).`);
  }
  return { datastore: v.data.datastore, capacityInMb: mb > 0 ? mb : v.data.capacityInMb };
}

defineEffect('cns.snapshot.create', (inv, task) => ({
  _type: 'CnsVolumeOperationBatchResult',
  volumeResults: ((task.args?.['specs'] as WireObject[]) ?? []).map((spec) => {
    const vid = idOf(spec['volumeId']);
    const v = volumes(inv).get(vid);
    if (!v) return { _type: 'CnsSnapshotCreateResult', volumeId: { _type: 'CnsVolumeId', id: vid }, fault: localized(volumeMissing(vid)) };
    if (v.data.volumeType === 'FILE') return { _type: 'CnsSnapshotCreateResult', volumeId: { _type: 'CnsVolumeId', id: vid }, fault: localized(new VimFault({ _type: 'NotSupported' }, 'Snapshots of file volumes are not supported.')) };
    const r = snapshots(inv).insert({ id: inv.engine.ids.uuid('vsphere:cns-snapshot'), parent: vid, data: { volumeId: vid, description: String(spec['description'] ?? ''), createTime: inv.engine.clock.now() } });
    const total = snapshots(inv).peekChildren(vid).length * Math.ceil(v.data.capacityInMb / 10);
    return { _type: 'CnsSnapshotCreateResult', volumeId: { _type: 'CnsVolumeId', id: vid }, snapshot: snapshotJson(r), aggregatedSnapshotCapacityInMb: total };
  }),
}));

defineEffect('cns.snapshot.delete', (inv, task) => ({
  _type: 'CnsVolumeOperationBatchResult',
  volumeResults: ((task.args?.['specs'] as WireObject[]) ?? []).map((spec) => {
    const vid = idOf(spec['volumeId']);
    const sid = idOf(spec['snapshotId']);
    const r = snapshots(inv).get(sid);
    const base = { _type: 'CnsSnapshotDeleteResult', volumeId: { _type: 'CnsVolumeId', id: vid }, snapshotId: { _type: 'CnsSnapshotId', id: sid } };
    if (!r || r.data.volumeId !== vid) return { ...base, fault: localized(new VimFault({ _type: 'CnsSnapshotNotFoundFault', volumeId: { _type: 'CnsVolumeId', id: vid }, snapshotId: { _type: 'CnsSnapshotId', id: sid } }, `The snapshot ${sid} of volume ${vid} was not found.`)) };
    snapshots(inv).delete(sid);
    return base;
  }),
}));

defineEffect('cns.snapshot.query', (inv, task) => {
  const filter = (task.args?.['filter'] as WireObject | undefined) ?? {};
  const specs = (filter['snapshotQuerySpecs'] as WireObject[] | undefined) ?? [];
  const entries: WireObject[] = [];
  if (specs.length === 0) for (const r of [...snapshots(inv).all()].sort((a, b) => a.seq - b.seq)) entries.push({ _type: 'CnsSnapshotQueryResultEntry', snapshot: snapshotJson(r) });
  for (const q of specs) {
    const vid = idOf(q['volumeId']);
    const sid = q['snapshotId'] ? idOf(q['snapshotId']) : undefined;
    if (!volumes(inv).get(vid)) {
      entries.push({ _type: 'CnsSnapshotQueryResultEntry', error: localized(volumeMissing(vid)) });
      continue;
    }
    const found = snapshots(inv).peekChildren(vid).filter((r) => !sid || r.id === sid);
    if (sid && found.length === 0) entries.push({ _type: 'CnsSnapshotQueryResultEntry', error: localized(new VimFault({ _type: 'CnsSnapshotNotFoundFault', volumeId: { _type: 'CnsVolumeId', id: vid }, snapshotId: { _type: 'CnsSnapshotId', id: sid } }, `The snapshot ${sid} was not found.`)) });
    for (const r of found) entries.push({ _type: 'CnsSnapshotQueryResultEntry', snapshot: snapshotJson(r) });
  }
  const cursor = filter['cursor'] as WireObject | undefined;
  const offset = Math.max(0, Number(cursor?.['offset'] ?? 0));
  const limit = Number(cursor?.['limit'] ?? 0) > 0 ? Number(cursor!['limit']) : entries.length;
  const page = entries.slice(offset, offset + limit);
  return { _type: 'CnsSnapshotQueryResult', entries: page, cursor: { _type: 'CnsCursor', offset: offset + page.length, limit, totalRecords: entries.length } };
});

defineEffect('cns.info', (inv, task) => ({
  _type: 'CnsVolumeOperationBatchResult',
  volumeResults: ((task.args?.['ids'] as WireObject[]) ?? []).map((idv) => {
    const vid = idOf(idv);
    const v = volumes(inv).get(vid);
    if (!v) return { _type: 'CnsQueryVolumeInfoResult', volumeId: { _type: 'CnsVolumeId', id: vid }, fault: localized(volumeMissing(vid)) };
    const ds = inv.peek(v.data.datastore) as ResourceRecord<DatastoreData> | undefined;
    return {
      _type: 'CnsQueryVolumeInfoResult',
      volumeId: { _type: 'CnsVolumeId', id: vid },
      volumeInfo: {
        _type: 'CnsBlockVolumeInfo',
        vStorageObject: {
          _type: 'VStorageObject',
          config: {
            _type: 'VStorageObjectConfigInfo',
            id: { _type: 'ID', id: vid },
            name: v.data.name,
            createTime: new Date(v.createdAt),
            keepAfterDeleteVm: true,
            backing: { _type: 'BaseConfigInfoDiskFileBackingInfo', datastore: moref('Datastore', v.data.datastore), filePath: `[${ds?.data.name ?? ''}] fcd/${vid.replace(/-/g, '')}.vmdk`, provisioningType: 'thin' },
            capacityInMB: v.data.capacityInMb,
            consumptionType: ['disk'],
            consumerId: v.data.attachedVm ? [{ _type: 'ID', id: v.data.attachedVm }] : [],
          },
        },
      },
    };
  }),
}));

defineEffect('cns.acl', (inv, task) => ({
  _type: 'CnsVolumeOperationBatchResult',
  volumeResults: ((task.args?.['specs'] as WireObject[]) ?? []).map((spec) => {
    const vid = idOf(spec['volumeId']);
    const v = volumes(inv).get(vid);
    if (!v) return { _type: 'CnsVolumeOperationResult', volumeId: { _type: 'CnsVolumeId', id: vid }, fault: localized(volumeMissing(vid)) };
    if (v.data.volumeType !== 'FILE') return { _type: 'CnsVolumeOperationResult', volumeId: { _type: 'CnsVolumeId', id: vid }, fault: localized(new VimFault({ _type: 'InvalidArgument', invalidProperty: 'volumeId' }, 'ACLs apply to file volumes only.')) };
    return { _type: 'CnsVolumeOperationResult', volumeId: { _type: 'CnsVolumeId', id: vid } };
  }),
}));

export const CNS_SNAPSHOT_METHODS: MethodTable = {
  CnsCreateSnapshots: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsCreateSnapshots', descriptionId: 'com.vmware.cns.tasks.createsnapshots', effect: 'cns.snapshot.create', args: { specs: args['snapshotSpecs'] ?? [] } }) },
  CnsDeleteSnapshots: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsDeleteSnapshots', descriptionId: 'com.vmware.cns.tasks.deletesnapshots', effect: 'cns.snapshot.delete', args: { specs: args['snapshotDeleteSpecs'] ?? [] } }) },
  CnsQuerySnapshots: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsQuerySnapshots', descriptionId: 'com.vmware.cns.tasks.querysnapshots', effect: 'cns.snapshot.query', args: { filter: args['snapshotQueryFilter'] } }) },
  CnsQueryVolumeInfo: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsQueryVolumeInfo', descriptionId: 'com.vmware.cns.tasks.queryvolumeinfo', effect: 'cns.info', args: { ids: args['volumes'] ?? [] } }) },
  CnsConfigureVolumeACLs: { on: ['CnsVolumeManager'], run: (ctx, _s, args) => startTask(ctx, { name: 'CnsConfigureVolumeACLs', descriptionId: 'com.vmware.cns.tasks.configurevolumeacls', effect: 'cns.acl', args: { specs: args['ACLConfigSpecs'] ?? args['aclConfigSpecs'] ?? [] } }) },
};
