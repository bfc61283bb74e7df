/**
 * Datastore: `info` is VmfsDatastoreInfo, VsanDatastoreInfo or NasDatastoreInfo (polymorphic, by
 * xsi:type), all with the `url` CPI and CSI key datastores by; summary.type is VMFS, vsan or NFS.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { DatastoreData } from '../inventory.js';
import type { WireObject } from '../wire/codec.js';
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export function datastoreInfo(rec: ResourceRecord<DatastoreData>, now: number): WireObject {
  const d = rec.data;
  const base: WireObject = {
    name: d.name,
    url: d.url,
    freeSpace: d.freeSpace,
    maxFileSize: 62 * 2 ** 40,
    maxVirtualDiskCapacity: 62 * 2 ** 40,
    maxMemoryFileSize: 62 * 2 ** 40,
    timestamp: new Date(now),
    containerId: d.url.split('/').filter(Boolean).pop(),
  };
  if (d.dsType === 'vsan') return { _type: 'VsanDatastoreInfo', ...base, membershipUuid: d.url.split(':').pop()!.replace(/\/$/, ''), accessGenNo: 0 };
  if (d.dsType === 'NFS' || d.dsType === 'NFS41')
    return { _type: 'NasDatastoreInfo', ...base, nas: { _type: 'HostNasVolume', type: d.dsType, name: d.name, capacity: d.capacity, remoteHost: d.remoteHost, remotePath: d.remotePath } };
  return {
    _type: 'VmfsDatastoreInfo',
    ...base,
    maxPhysicalRDMFileSize: 64 * 2 ** 40,
    maxVirtualRDMFileSize: 62 * 2 ** 40,
    vmfs: { _type: 'HostVmfsVolume', type: 'VMFS', name: d.name, capacity: d.capacity, blockSizeMb: 1, blockSize: 1024, maxBlocks: 63963136, majorVersion: 6, version: '6.82', uuid: base.containerId, vmfsUpgradable: false, local: false, ssd: true },
  };
}

export const renderDatastore: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id) as ResourceRecord<DatastoreData> | undefined;
  if (!rec || rec.data.type !== 'Datastore') return undefined;
  const d = rec.data;
  return {
    ...entityProps(ctx, rec, d.accessible ? 'green' : 'red'),
    info: datastoreInfo(rec, ctx.engine.clock.now()),
    summary: {
      _type: 'DatastoreSummary',
      datastore: ctx.inv.ref(id),
      name: d.name,
      url: d.url,
      capacity: d.capacity,
      freeSpace: d.freeSpace,
      uncommitted: 0,
      accessible: d.accessible,
      multipleHostAccess: d.hosts.length > 1,
      type: d.dsType,
      maintenanceMode: 'normal',
    },
    host: d.hosts.map((h) => ({
      _type: 'DatastoreHostMount',
      key: ctx.inv.ref(h),
      mountInfo: { _type: 'HostMountInfo', path: `/vmfs/volumes/${String(datastoreInfo(rec, 0).containerId)}`, accessMode: 'readWrite', mounted: true, accessible: d.accessible },
    })),
    vm: ctx.inv.vms().filter((v) => v.data.datastores.includes(id)).map((v) => ctx.inv.ref(v.id)),
    browser: { _type: 'ManagedObjectReference', type: 'HostDatastoreBrowser', value: `datastoreBrowser-${id}` },
    capability: { _type: 'DatastoreCapability', directoryHierarchySupported: true, rawDiskMappingsSupported: d.dsType === 'VMFS', perFileThinProvisioningSupported: true, storageIORMSupported: true, nativeSnapshotSupported: d.dsType !== 'VMFS', topLevelDirectoryCreateSupported: d.dsType !== 'vsan', seSparseSupported: true },
  };
};
