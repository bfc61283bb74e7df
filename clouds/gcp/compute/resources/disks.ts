/**
 * Persistent disks, zonal (`disks`) and regional (`regionDisks`): CREATING → READY on the
 * lifecycle engine, `users[]` kept in step with `instance.disks[]` (instances.ts), resize that
 * only grows, setLabels with labelFingerprint, update of the mutable performance fields, and
 * the sync errors the PD CSI driver branches on (alreadyExists, notFound, resourceInUse).
 */
import type { Engine } from '../../../../core/engine.js';
import type { ResourceRecord } from '../../../../core/store.js';
import { defineHandlers, operation, scopeOf, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineCollection, getRecord, normalizeRefs, type CollectionDef } from '../collections.js';
import { defineEffect } from '../operations.js';
import { badRequest, inUse, invalid, notFound } from '../problems.js';
import { baseName, normalizeRef, parseRef, REF } from '../urls.js';
import { DISK_TYPES } from './locations.js';
import { requireImage } from './public-images.js';

export const DISK = 'gcp.compute.disk';
export const REGION_DISK = 'gcp.compute.regionDisk';

export function defineDiskMachines(engine: Engine): void {
  for (const type of [DISK, REGION_DISK]) engine.lifecycle.define({ type, auto: { CREATING: 'READY' } });
}

/** The store record a disk reference (URL or partial path) names, if any. */
export function findDisk(call: ComputeCall, reference: string): ResourceRecord<Json> | undefined {
  const p = parseRef(reference, call.project);
  if (!p || p.collection !== 'disks') return undefined;
  return call.tenant.collection<Json>(p.scope.startsWith('regions/') ? REGION_DISK : DISK).get(p.key);
}

function sizeFromSource(call: ComputeCall, disk: Json): string | undefined {
  for (const [field, collection] of [['sourceSnapshot', 'gcp.compute.snapshot'], ['sourceImage', 'gcp.compute.image'], ['sourceDisk', '']] as const) {
    const v = disk[field];
    if (typeof v !== 'string') continue;
    if (field === 'sourceImage') {
      // Public images and families resolve to the image itself, as GCE records it.
      const image = requireImage(call, v);
      disk['sourceImage'] = image['selfLink'];
      disk['sourceImageId'] = image['id'];
      return String(image['diskSizeGb']);
    }
    const p = parseRef(v, call.project);
    const rec = p && (collection ? call.tenant.collection<Json>(collection).get(p.key) : findDisk(call, v));
    if (!rec) throw notFound(p ? `projects/${p.project}/${p.key}` : v);
    disk[`${field}Id`] = rec.data['id'];
    const size = rec.data['diskSizeGb'] ?? rec.data['sizeGb'];
    if (size !== undefined) return String(size);
  }
  return undefined;
}

function prepareDisk(regional: boolean) {
  return (call: ComputeCall, disk: Json): void => {
    const scope = scopeOf(call);
    const typeName = baseName(String(disk['type'] ?? 'pd-standard'));
    if (!DISK_TYPES[typeName]) throw invalid(`Invalid value for field 'resource.type': '${String(disk['type'])}'. Disk type '${typeName}' does not exist in '${scope}'.`);
    disk['type'] = `${REF}projects/${call.project}/${scope}/diskTypes/${typeName}`;
    const sourceSize = sizeFromSource(call, disk);
    const size = disk['sizeGb'] ?? sourceSize ?? DISK_TYPES[typeName]!.defaultDiskSizeGb;
    if (sourceSize !== undefined && Number(size) < Number(sourceSize))
      throw invalid(`Invalid value for field 'resource.sizeGb': '${String(size)}'. Requested disk size cannot be smaller than the image size (${sourceSize} GB).`);
    const [min, max] = DISK_TYPES[typeName]!.validDiskSize.split('-').map((x) => Number(x.replace('GB', ''))) as [number, number];
    if (Number(size) < min || Number(size) > max) throw invalid(`Invalid value for field 'resource.sizeGb': '${String(size)}'. Disk size must be between ${min} and ${max} GB.`);
    disk['sizeGb'] = String(size);
    if (regional) {
      const zones = (disk['replicaZones'] as string[] | undefined) ?? [];
      if (zones.length !== 2) throw invalid(`Invalid value for field 'resource.replicaZones': '${zones.join(',')}'. Regional disks need exactly two replica zones.`);
      disk['replicaZones'] = zones.map((z) => normalizeRef(z.includes('/') ? z : `zones/${z}`, call.project) ?? z);
    }
    normalizeRefs(call.project, disk, ['sourceSnapshot', 'sourceImage', 'sourceDisk', 'resourcePolicies']);
    disk['users'] = [];
    disk['physicalBlockSizeBytes'] ??= '4096';
    disk['satisfiesPzi'] = true;
  };
}

const beforeDelete = (call: ComputeCall, rec: ResourceRecord<Json>): void => {
  const users = (rec.data['users'] as string[] | undefined) ?? [];
  if (users.length > 0) throw inUse(`projects/${call.project}/${rec.id}`, users[0]!.replace(/^compute:\/\//, ''));
};

export const DISKS: CollectionDef = { plural: 'disks', service: 'disks', type: DISK, kind: 'compute#disk', scope: 'zone', nameParam: 'disk', prepare: prepareDisk(false), initialState: 'CREATING', beforeDelete };
export const REGION_DISKS: CollectionDef = { plural: 'disks', service: 'regionDisks', type: REGION_DISK, kind: 'compute#disk', scope: 'region', nameParam: 'disk', prepare: prepareDisk(true), initialState: 'CREATING', beforeDelete };

defineEffect('diskResized', {
  apply: ({ tenant }, args) => {
    const rec = tenant.collection<Json>(String(args['type'])).peek(String(args['key']));
    if (rec) rec.data['sizeGb'] = String(args['sizeGb']);
  },
});
defineEffect('diskUpdated', {
  apply: ({ tenant }, args) => {
    const rec = tenant.collection<Json>(String(args['type'])).peek(String(args['key']));
    if (rec) Object.assign(rec.data, args['fields'] as Json);
  },
});

/** Fields `disks.update` may change, by `paths` / `updateMask` name. */
const UPDATABLE = ['accessMode', 'provisionedIops', 'provisionedThroughput', 'labels', 'resourcePolicies', 'architecture', 'licenses', 'userLicenses', 'sizeGb'];

for (const def of [DISKS, REGION_DISKS]) {
  defineCollection(def, def === DISKS ? ['insert', 'get', 'list', 'aggregatedList', 'delete', 'setLabels'] : ['insert', 'get', 'list', 'delete', 'setLabels']);
  defineHandlers({
    [`${def.service}.resize`]: (call) => {
      const rec = getRecord(call, def);
      const size = (call.body as Json)['sizeGb'];
      if (size === undefined) throw badRequest('required', "Required field 'sizeGb' not specified");
      if (Number(size) < Number(rec.data['sizeGb']))
        throw badRequest('invalid', `Invalid value for field 'sizeGb': '${String(size)}'. New disk size '${String(size)}' GB must be larger than existing size '${String(rec.data['sizeGb'])}' GB.`);
      return operation(call, { scope: scopeOf(call), operationType: 'resizeDisk', target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'diskResized', args: { type: def.type, key: rec.id, sizeGb: String(size) } } });
    },
    [`${def.service}.update`]: (call) => {
      const rec = getRecord(call, def);
      const given = call.query['paths'];
      const paths = [...(given === undefined ? [] : Array.isArray(given) ? given.map(String) : [String(given)]), ...String(call.query['updateMask'] ?? '').split(',').filter(Boolean)];
      if (paths.length === 0) throw badRequest('invalid', 'Invalid value for field \'paths\': \'\'. At least one field path must be given to update.');
      const fields: Json = {};
      for (const p of paths) {
        if (!UPDATABLE.includes(p)) throw badRequest('invalid', `Invalid value for field 'paths': '${p}'. Field is not updatable.`);
        fields[p] = call.body[p];
      }
      return operation(call, { scope: scopeOf(call), operationType: 'update', target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'diskUpdated', args: { type: def.type, key: rec.id, fields } } });
    },
  });
}
