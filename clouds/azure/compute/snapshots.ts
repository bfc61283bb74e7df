/**
 * Snapshots (`Microsoft.Compute/snapshots`) of managed disks: `Copy` from a disk (full or
 * incremental), size and unique id from the source, `completionPercent` 100 once the operation
 * is done. A PUT that names another source for an existing snapshot is refused with the disk
 * RP's "existing disk" wording (the CSI driver maps it to AlreadyExists). DELETE of a missing
 * snapshot is 204 (every ARM delete is).
 */
import { armError, badRequest } from '../errors.js';
import { armTime } from '../arm/lro.js';
import { idKey } from '../arm/path.js';
import { defineType, props, type ArmType, type PutInput } from '../arm/resources.js';
import { computeShape, type Json } from '../arm/shapes.js';
import { disks, sizeBytes } from './disks.js';

export const snapshots: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['snapshots'],
  shape: () => computeShape('snapshot', 'computeDisk'),
  status: { create: 202, update: 202, patch: 202 },
  transient: { create: 'Updating', update: 'Updating' },
  subscriptionList: true,
  prepare: prepareSnapshot,
  commit(_ctx, rec) {
    props(rec.data)['completionPercent'] = 100;
  },
});

function prepareSnapshot({ call, body, existing, name }: PutInput): Json {
  const p = props(body);
  const creation = (p['creationData'] ?? {}) as Json;
  const source = creation['sourceResourceId'];
  if (existing) {
    const before = (existing.data['properties'] as Json)['creationData'] as Json;
    if (typeof source === 'string' && source.toLowerCase() !== String(before['sourceResourceId'] ?? '').toLowerCase())
      throw armError('PropertyChangeNotAllowed', 409, `Changing property 'sourceResourceId' is not allowed for existing disk '${name}'.`, { target: 'sourceResourceId' });
    return { ...existing.data, ...body, properties: { ...(existing.data['properties'] as Json), ...p, creationData: before } };
  }
  if (typeof body['location'] !== 'string') throw badRequest('LocationRequired', 'The location property is required for this definition.');
  const option = creation['createOption'];
  if (option !== 'Copy' && option !== 'CopyStart')
    throw badRequest('InvalidParameter', `The value '${String(option)}' of parameter 'creationData.createOption' is not supported for snapshots by fauxcloud.`, 'creationData.createOption');
  if (typeof source !== 'string' || !source) throw badRequest('InvalidParameter', "Required parameter 'creationData.sourceResourceId' is missing (null).", 'creationData.sourceResourceId');
  const disk = call.tenant.collection<Json>(`azure.microsoft.compute/${disks.types[0]!.toLowerCase()}`).get(idKey(source));
  if (!disk) throw armError('NotFound', 404, `Resource ${source} not found.`);
  const dp = disk.data['properties'] as Json;
  const size = dp['diskSizeGB'] as number;
  return {
    ...body,
    sku: { name: ((body['sku'] as Json | undefined)?.['name'] as string | undefined) ?? 'Standard_LRS', tier: 'Standard' },
    properties: {
      ...p,
      creationData: { ...creation, sourceUniqueId: dp['uniqueId'] },
      diskSizeGB: size,
      diskSizeBytes: sizeBytes(size),
      timeCreated: armTime(call.engine.clock.now()),
      uniqueId: call.engine.ids.uuid('azure:disk'),
      incremental: p['incremental'] ?? false,
      completionPercent: 0,
      diskState: 'Unattached',
      encryption: { type: 'EncryptionAtRestWithPlatformKey' },
      networkAccessPolicy: p['networkAccessPolicy'] ?? 'AllowAll',
      publicNetworkAccess: p['publicNetworkAccess'] ?? 'Enabled',
      hyperVGeneration: dp['hyperVGeneration'],
    },
  };
}
