/**
 * Snapshots (CREATING → UPLOADING → READY; the PD CSI driver polls `status` rather than the
 * operation) and images (PENDING → READY), both global and made from a disk, plus
 * disks.createSnapshot.
 */
import type { Engine } from '../../../../core/engine.js';
import { defineHandlers, operation, scopeOf, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { createResource, defineCollection, getRecord, normalizeRefs, type CollectionDef } from '../collections.js';
import { badRequest, notFound } from '../problems.js';
import { parseRef } from '../urls.js';
import { DISKS, findDisk, REGION_DISKS } from './disks.js';

export const SNAPSHOT = 'gcp.compute.snapshot';
export const IMAGE = 'gcp.compute.image';

export function defineSnapshotMachines(engine: Engine): void {
  engine.lifecycle.define({ type: SNAPSHOT, auto: { CREATING: 'UPLOADING', UPLOADING: 'READY' } });
  engine.lifecycle.define({ type: IMAGE, auto: { PENDING: 'READY' } });
}

/** Fill the fields a snapshot or image copies from its source disk. */
function fromDisk(call: ComputeCall, res: Json, sizeField: string): void {
  const source = res['sourceDisk'];
  if (typeof source !== 'string') {
    if (sizeField === 'diskSizeGb' && res['rawDisk'] === undefined && res['sourceImage'] === undefined && res['sourceSnapshot'] === undefined)
      throw badRequest('required', "Required field 'sourceDisk' not specified");
    return;
  }
  const disk = findDisk(call, source);
  const p = parseRef(source, call.project);
  if (!disk) throw notFound(p ? `projects/${p.project}/${p.key}` : source);
  normalizeRefs(call.project, res, ['sourceDisk']);
  res['sourceDisk'] = disk.data['selfLink'];
  res['sourceDiskId'] = disk.data['id'];
  res[sizeField] = disk.data['sizeGb'];
  res['storageBytes'] = String(Number(disk.data['sizeGb']) * 64 * 1024 * 1024);
  res['storageBytesStatus'] = 'UP_TO_DATE';
}

const SNAPSHOTS: CollectionDef = {
  plural: 'snapshots', service: 'snapshots', type: SNAPSHOT, kind: 'compute#snapshot', scope: 'global', nameParam: 'snapshot', initialState: 'CREATING',
  prepare: (call, res) => {
    fromDisk(call, res, 'diskSizeGb');
    res['storageLocations'] ??= ['us'];
    res['snapshotType'] ??= 'STANDARD';
    res['architecture'] ??= 'X86_64';
  },
};
const IMAGES: CollectionDef = {
  plural: 'images', service: 'images', type: IMAGE, kind: 'compute#image', scope: 'global', nameParam: 'image', initialState: 'PENDING',
  prepare: (call, res) => {
    fromDisk(call, res, 'diskSizeGb');
    res['sourceType'] = 'RAW';
    res['storageLocations'] ??= ['us'];
  },
};

defineCollection(SNAPSHOTS, ['insert', 'get', 'list', 'delete', 'setLabels']);
defineCollection(IMAGES, ['insert', 'get', 'list', 'delete', 'setLabels', 'patch']);

for (const def of [DISKS, REGION_DISKS])
  defineHandlers({
    [`${def.service}.createSnapshot`]: (call) => {
      const disk = getRecord(call, def);
      const snapCall: ComputeCall = { ...call, params: { project: call.project } };
      const { rec, key } = createResource(snapCall, SNAPSHOTS, { ...call.body, sourceDisk: disk.data['selfLink'] });
      return operation(call, { scope: scopeOf(call), operationType: 'createSnapshot', target: disk.id, targetId: String(disk.data['id']), effect: { kind: 'created', args: { type: SNAPSHOT, key, id: rec.data['id'] } } });
    },
  });
