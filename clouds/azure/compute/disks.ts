/**
 * Managed disks (`Microsoft.Compute/disks`): create empty, copy from a disk or snapshot, PATCH
 * resize (grow only) and performance (Ultra / Premium v2), `diskState` and `managedBy` kept in
 * step with the VMs that attach them, delete refused while attached. PUT and PATCH answer 202
 * with the polling headers, as the disk RP does.
 */
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { armError, badRequest } from '../errors.js';
import { armTime } from '../arm/lro.js';
import { idKey, parseResourceId } from '../arm/path.js';
import { defineType, findResource, props, type ArmType, type PutInput } from '../arm/resources.js';
import { computeShape, type Json } from '../arm/shapes.js';

const GIB = 2 ** 30;
const SKUS = ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS', 'UltraSSD_LRS', 'Premium_ZRS', 'StandardSSD_ZRS', 'PremiumV2_LRS'];
const PERF_SKUS = ['UltraSSD_LRS', 'PremiumV2_LRS'];
/** Premium SSD tiers: [max GiB, tier, IOPS, MB/s], from Azure's published disk sizes. */
const PREMIUM_TIERS: ReadonlyArray<[number, string, number, number]> = [
  [4, 'P1', 120, 25], [8, 'P2', 120, 25], [16, 'P3', 120, 25], [32, 'P4', 120, 25], [64, 'P6', 240, 50], [128, 'P10', 500, 100],
  [256, 'P15', 1100, 125], [512, 'P20', 2300, 150], [1024, 'P30', 5000, 200], [2048, 'P40', 7500, 250], [4096, 'P50', 7500, 250],
  [8192, 'P60', 16000, 500], [16384, 'P70', 18000, 750], [32767, 'P80', 20000, 900],
];

export const disks: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['disks'],
  shape: () => computeShape('disk', 'computeDisk'),
  status: { create: 202, update: 202, patch: 202 },
  transient: { create: 'Updating', update: 'Updating' },
  subscriptionList: true,
  prepare: prepareDisk,
  beforeDelete(_call, rec) {
    const managedBy = rec.data['managedBy'];
    if (typeof managedBy === 'string' && managedBy)
      throw armError('OperationNotAllowed', 409, `Disk ${rec.data['name'] as string} is attached to VM ${managedBy}.`);
  },
});

export const sizeBytes = (gb: number): number => gb * GIB;

function prepareDisk({ call, body, existing, method, name }: PutInput): Json {
  const p = props(body);
  const sku = ((body['sku'] as Json | undefined)?.['name'] as string | undefined) ?? (existing ? undefined : 'Standard_LRS');
  if (sku !== undefined && !SKUS.includes(sku))
    throw badRequest('InvalidParameter', `The value '${sku}' of parameter 'sku.name' is not allowed. Allowed values are: ${SKUS.join(', ')}.`, 'sku.name');
  if (!existing && typeof body['location'] !== 'string') throw badRequest('LocationRequired', 'The location property is required for this definition.');
  const creation = (p['creationData'] ?? {}) as Json;
  const option = creation['createOption'] as string | undefined;
  // Compute's model gives no scalar types (docs/decisions.md): the numbers the disk RP parses are checked here.
  for (const k of ['diskSizeGB', 'diskIOPSReadWrite', 'diskMBpsReadWrite', 'maxShares'] as const)
    if (p[k] !== undefined && typeof p[k] !== 'number')
      throw badRequest('InvalidRequestContent', `The request content was invalid and could not be deserialized: 'Could not convert string to integer: ${String(p[k])}. Path 'properties.${k}'.'`);
  if (existing) {
    const before = (existing.data['properties'] as Json)['creationData'] as Json;
    for (const k of ['createOption', 'sourceResourceId'] as const)
      if (creation[k] !== undefined && String(creation[k]).toLowerCase() !== String(before[k] ?? '').toLowerCase())
        throw armError('PropertyChangeNotAllowed', 409, `Changing property 'creationData.${k}' is not allowed for existing disk '${name}'.`, { target: `creationData.${k}` });
    const oldSize = (existing.data['properties'] as Json)['diskSizeGB'] as number;
    if (typeof p['diskSizeGB'] === 'number' && p['diskSizeGB'] < oldSize)
      throw badRequest('BadRequest', `Disk size reduction is not supported. Requested size: ${p['diskSizeGB']} GB, current size: ${oldSize} GB.`, 'diskSizeGB');
    const oldSku = ((existing.data['sku'] as Json | undefined)?.['name'] as string | undefined) ?? 'Standard_LRS';
    if (sku && sku !== oldSku && existing.data['managedBy'])
      throw armError('OperationNotAllowed', 409, `Cannot change account type of disk ${name} while it is attached to running VM ${existing.data['managedBy'] as string}.`);
  } else {
    if (!option) throw badRequest('InvalidParameter', "Required parameter 'creationData.createOption' is missing (null).", 'creationData.createOption');
    if (!['Empty', 'Copy', 'Restore'].includes(option))
      throw badRequest('InvalidParameter', `The value '${option}' of parameter 'creationData.createOption' is not supported by fauxcloud.`, 'creationData.createOption');
    if (option === 'Empty' && typeof p['diskSizeGB'] !== 'number') throw badRequest('InvalidParameter', "Required parameter 'diskSizeGB' is missing (null).", 'diskSizeGB');
    if (option !== 'Empty') {
      const src = sourceOf(call.tenant, creation['sourceResourceId']);
      const srcSize = (src.data['properties'] as Json)['diskSizeGB'] as number;
      if (typeof p['diskSizeGB'] !== 'number') p['diskSizeGB'] = srcSize;
      else if ((p['diskSizeGB'] as number) < srcSize)
        throw badRequest('BadRequest', `The specified disk size ${p['diskSizeGB'] as number} GB is smaller than the size of the corresponding disk snapshot or disk ${srcSize} GB.`, 'diskSizeGB');
      creation['sourceUniqueId'] = (src.data['properties'] as Json)['uniqueId'];
    }
  }
  const size = p['diskSizeGB'] as number;
  const skuName = sku ?? ((existing?.data['sku'] as Json | undefined)?.['name'] as string);
  const max = PERF_SKUS.includes(skuName) ? 65536 : 32767;
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw badRequest('InvalidParameter', `The value ${String(size)} of parameter 'diskSizeGB' is out of range. The value must be between 1 and ${max}, inclusive.`, 'diskSizeGB');
  const perfSet = p['diskIOPSReadWrite'] !== undefined || p['diskMBpsReadWrite'] !== undefined;
  const perfChanged = perfSet && (p['diskIOPSReadWrite'] !== (existing?.data['properties'] as Json | undefined)?.['diskIOPSReadWrite'] || p['diskMBpsReadWrite'] !== (existing?.data['properties'] as Json | undefined)?.['diskMBpsReadWrite']);
  if (perfChanged && !PERF_SKUS.includes(skuName))
    throw badRequest('InvalidParameter', `Setting diskIOPSReadWrite or diskMBpsReadWrite is only supported for UltraSSD_LRS and PremiumV2_LRS disks, not ${skuName}.`, 'diskIOPSReadWrite');
  const zones = body['zones'];
  if (Array.isArray(zones) && zones.length > 0) checkZones(call.tenant, body['location'] as string, zones as string[]);
  const now = call.engine.clock.now();
  const before = (existing?.data['properties'] ?? {}) as Json;
  const out: Json = {
    ...body,
    sku: { name: skuName, tier: skuName.split('_')[0] },
    properties: {
      ...p,
      creationData: creation,
      diskSizeGB: size,
      diskSizeBytes: sizeBytes(size),
      timeCreated: before['timeCreated'] ?? armTime(now),
      uniqueId: before['uniqueId'] ?? call.engine.ids.uuid('azure:disk'),
      diskState: before['diskState'] ?? 'Unattached',
      encryption: p['encryption'] ?? { type: 'EncryptionAtRestWithPlatformKey' },
      networkAccessPolicy: p['networkAccessPolicy'] ?? 'AllowAll',
      publicNetworkAccess: p['publicNetworkAccess'] ?? 'Enabled',
      ...perf(skuName, size, p),
    },
  };
  if (existing?.data['managedBy']) out['managedBy'] = existing.data['managedBy'];
  if (method === 'PATCH' || existing) out['location'] = existing?.data['location'] ?? body['location'];
  return out;
}

function perf(sku: string, size: number, p: Json): Json {
  if (PERF_SKUS.includes(sku)) return { diskIOPSReadWrite: p['diskIOPSReadWrite'] ?? 3000, diskMBpsReadWrite: p['diskMBpsReadWrite'] ?? 125 };
  if (sku.startsWith('Premium')) {
    const tier = PREMIUM_TIERS.find(([max]) => size <= max) ?? PREMIUM_TIERS[PREMIUM_TIERS.length - 1]!;
    return { tier: tier[1], diskIOPSReadWrite: tier[2], diskMBpsReadWrite: tier[3] };
  }
  return { diskIOPSReadWrite: 500, diskMBpsReadWrite: 60 };
}

/** A copy's source: a disk or a snapshot of this subscription that exists and is ready. */
function sourceOf(tenant: TenantStore, id: unknown): ResourceRecord<Json> {
  if (typeof id !== 'string' || !id) throw badRequest('InvalidParameter', "Required parameter 'creationData.sourceResourceId' is missing (null).", 'creationData.sourceResourceId');
  const parsed = parseResourceId(id);
  const kind = parsed?.types.join('/').toLowerCase();
  const rec = kind === 'disks' ? findResource(tenant, disks, id) : kind === 'snapshots' ? tenant.collection<Json>('azure.microsoft.compute/snapshots').get(idKey(id)) : undefined;
  if (!parsed || (kind !== 'disks' && kind !== 'snapshots')) throw badRequest('InvalidParameter', `Invalid value '${id}' for parameter 'creationData.sourceResourceId'.`, 'creationData.sourceResourceId');
  if (!rec) throw armError('NotFound', 404, `Resource ${id} not found.`);
  return rec;
}

export function checkZones(tenant: TenantStore, location: string, zones: readonly string[]): void {
  const sub = tenant.collection<{ locations: Record<string, string[]> }>('azure.subscription').all().next().value;
  const offered = sub?.data.locations[String(location).replace(/\s+/g, '').toLowerCase()] ?? ['1', '2', '3'];
  for (const z of zones)
    if (!offered.includes(z)) throw badRequest('InvalidParameter', `The zone(s) '${z}' for resource 'Microsoft.Compute/disks' is not supported. The supported zones for location '${location}' are '${offered.join(',')}'`, 'zones');
}

/** Attach bookkeeping, called when a VM's update operation succeeds. */
export function markAttached(tenant: TenantStore, diskId: string, vmId: string): void {
  const rec = findResourceQuiet(tenant, diskId);
  if (!rec) return;
  rec.data['managedBy'] = vmId;
  props(rec.data)['diskState'] = 'Attached';
}

export function markDetached(tenant: TenantStore, diskId: string, vmId: string): void {
  const rec = findResourceQuiet(tenant, diskId);
  if (!rec || String(rec.data['managedBy'] ?? '').toLowerCase() !== vmId.toLowerCase()) return;
  delete rec.data['managedBy'];
  props(rec.data)['diskState'] = 'Unattached';
}

export function findResourceQuiet(tenant: TenantStore, diskId: string): ResourceRecord<Json> | undefined {
  return tenant.collection<Json>('azure.microsoft.compute/disks').peek(idKey(diskId));
}
