/**
 * Virtual machines (`Microsoft.Compute/virtualMachines`) and availability sets. VMs come from
 * the scenario; PUT and PATCH merge partial bodies into them, which is how the disk CSI driver
 * attaches (`dataDisks` + `createOption: Attach`) and detaches (`toBeDetached: true`, retried
 * with `detachOption: ForceDetach`; a disk left out of the list is detached too). A disk is
 * claimed (`managedBy`, `Attached`) when the PUT is accepted, so a second writer is refused at
 * once; a detach takes effect when the operation succeeds; a failed operation puts the data
 * disks back as they were. `$expand=instanceView` adds the power state and fault domain.
 */
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { armError, badRequest } from '../errors.js';
import { idKey } from '../arm/path.js';
import { defineType, props, type ArmCall, type ArmType, type PutInput } from '../arm/resources.js';
import { computeShape, type Json } from '../arm/shapes.js';
import { findResourceQuiet, markAttached, markDetached } from './disks.js';

/** Data disk slots per VM size (published limits of the sizes the scenarios use). */
const MAX_DATA_DISKS: Record<string, number> = {
  standard_b2s: 4, standard_d2s_v3: 4, standard_d4s_v3: 8, standard_d8s_v3: 16, standard_d16s_v3: 32,
  standard_d2s_v5: 4, standard_d4s_v5: 8, standard_d8s_v5: 16, standard_ds2_v2: 8, standard_ds3_v2: 16,
};
export const maxDataDisks = (size: string): number => MAX_DATA_DISKS[size.toLowerCase()] ?? 32;

interface Pending {
  previous: Json[];
  attached: string[];
}

/** What VMs and scale-set VMs share: partial PUTs, data disk attach/detach, instanceView. */
export const vmBehaviour: Pick<ArmType, 'putMerges' | 'etag' | 'transient' | 'prepare' | 'afterPut' | 'commit' | 'abandon' | 'decorate' | 'onDeleted'> = {
  putMerges: true,
  etag: 'counter',
  transient: { create: 'Creating', update: 'Updating' },
  prepare: prepareVm,
  afterPut(input, rec) {
    for (const id of pendingOf(rec)?.attached ?? []) markAttached(input.call.tenant, id, rec.data['id'] as string);
  },
  commit(ctx, rec) {
    const disks = dataDisks(rec.data);
    const vmId = rec.data['id'] as string;
    const kept = disks.filter((d) => d['toBeDetached'] !== true);
    const keptIds = new Set(kept.map(diskId).filter(Boolean).map((s) => s!.toLowerCase()));
    for (const d of pendingOf(rec)?.previous ?? []) {
      const id = diskId(d);
      if (id && !keptIds.has(id.toLowerCase())) markDetached(ctx.tenant, id, vmId);
    }
    for (const d of disks) if (d['toBeDetached'] === true && diskId(d)) markDetached(ctx.tenant, diskId(d)!, vmId);
    storage(rec.data)['dataDisks'] = kept;
    delete rec.data['_pending'];
  },
  abandon(ctx, rec) {
    const pending = pendingOf(rec);
    if (!pending) return;
    for (const id of pending.attached) markDetached(ctx.tenant, id, rec.data['id'] as string);
    storage(rec.data)['dataDisks'] = pending.previous;
    delete rec.data['_pending'];
  },
  decorate: (call, rec) => withInstanceView(call, rec),
  onDeleted(ctx, rec) {
    for (const d of dataDisks(rec.data)) if (diskId(d)) markDetached(ctx.tenant, diskId(d)!, rec.data['id'] as string);
  },
};

export const virtualMachines: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['virtualMachines'],
  shape: () => computeShape('virtualMachine'),
  ...vmBehaviour,
  status: { create: 201, update: 200, patch: 200 },
  subscriptionList: true,
  filter: (call, recs) => filterByScaleSet(call, recs),
});

export const availabilitySets: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['availabilitySets'],
  shape: () => computeShape('availabilitySet'),
  putMerges: true,
  subscriptionList: true,
  prepare: ({ body }) => ({ ...body, sku: body['sku'] ?? { name: 'Aligned' }, properties: { platformFaultDomainCount: 2, platformUpdateDomainCount: 5, ...props(body) } }),
});

const storage = (data: Json): Json => (props(data)['storageProfile'] ??= {}) as Json;
export const dataDisks = (data: Json): Json[] => (storage(data)['dataDisks'] ?? []) as Json[];
const diskId = (d: Json): string | undefined => ((d['managedDisk'] as Json | undefined)?.['id'] as string | undefined) ?? undefined;
const pendingOf = (rec: ResourceRecord<Json>): Pending | undefined => rec.data['_pending'] as Pending | undefined;

function prepareVm({ call, body, existing, name }: PutInput): Json {
  if (!existing) throw armError('OperationNotAllowed', 409, `Creating virtual machine '${name}' is not served by fauxcloud: VMs come from the scenario.`);
  const vmId = existing.data['id'] as string;
  const previous = dataDisks(existing.data);
  const wanted = (((props(body)['storageProfile'] as Json | undefined)?.['dataDisks'] ?? previous) as Json[]).map((d) => ({ ...d }));
  const before = new Map(previous.map((d) => [diskId(d)?.toLowerCase() ?? `lun:${String(d['lun'])}`, d]));
  const attached: string[] = [];
  const luns = new Set<number>();
  const zone = (existing.data['zones'] as string[] | undefined)?.[0];
  const size = String(((props(existing.data)['hardwareProfile'] as Json | undefined)?.['vmSize']) ?? '');
  for (const d of wanted) {
    const id = diskId(d);
    const lun = d['lun'];
    if (typeof lun !== 'number' || !Number.isInteger(lun) || lun < 0 || lun > 63)
      throw badRequest('InvalidParameter', `The value of parameter dataDisk.lun is invalid.`, 'dataDisk.lun');
    if (luns.has(lun)) throw badRequest('InvalidParameter', `A disk at LUN ${lun} already exists.`, 'dataDisks');
    luns.add(lun);
    const old = before.get(id?.toLowerCase() ?? `lun:${lun}`);
    if (old) {
      if (old['lun'] !== lun) throw badRequest('InvalidParameter', `Changing the LUN of data disk '${String(d['name'])}' is not allowed.`, 'dataDisks');
      if (d['toBeDetached'] !== true && old['toBeDetached'] === true) d['toBeDetached'] = true;
      for (const k of ['diskSizeGB', 'createOption', 'deleteOption'] as const) d[k] ??= old[k];
      continue;
    }
    if (d['toBeDetached'] === true) continue;
    if (String(d['createOption'] ?? '').toLowerCase() !== 'attach' || !id)
      throw badRequest('InvalidParameter', `Data disk '${String(d['name'])}' must use createOption Attach with a managedDisk.id: fauxcloud attaches existing managed disks only.`, 'dataDisks');
    const disk = findResourceQuiet(call.tenant, id);
    if (!disk || (disk.data['properties'] as Json)['provisioningState'] === 'Deleting') throw armError('NotFound', 404, `Disk ${id} was not found.`);
    const owner = disk.data['managedBy'];
    const shares = Number((disk.data['properties'] as Json)['maxShares'] ?? 1);
    if (typeof owner === 'string' && owner && owner.toLowerCase() !== vmId.toLowerCase() && shares <= 1)
      throw armError('OperationNotAllowed', 409, `Cannot attach data disk '${disk.data['name'] as string}' to VM '${name}' because the disk is already owned by VM '${owner}'.`);
    const diskZone = (disk.data['zones'] as string[] | undefined)?.[0];
    if (diskZone && zone && diskZone !== zone)
      throw badRequest('BadRequest', `Disk ${id} cannot be attached to the VM because it is not in the same zone as the VM. VM zone: '${zone}'. Disk zone: '${diskZone}'.`, 'dataDisks');
    d['name'] ??= disk.data['name'];
    d['diskSizeGB'] = (disk.data['properties'] as Json)['diskSizeGB'];
    d['caching'] ??= 'None';
    d['writeAcceleratorEnabled'] ??= false;
    d['toBeDetached'] = false;
    d['deleteOption'] ??= 'Detach';
    d['managedDisk'] = { ...(d['managedDisk'] as Json), storageAccountType: (disk.data['sku'] as Json | undefined)?.['name'] };
    attached.push(id);
  }
  const active = wanted.filter((d) => d['toBeDetached'] !== true).length;
  if (active > maxDataDisks(size))
    throw armError('OperationNotAllowed', 409, `The maximum number of data disks allowed to be attached to a VM of this size is ${maxDataDisks(size)}.`, { target: 'dataDisks' });
  const out: Json = { ...body, location: existing.data['location'], zones: existing.data['zones'] };
  const p = props(out);
  p['storageProfile'] = { ...(p['storageProfile'] as Json | undefined), dataDisks: wanted };
  out['_pending'] = { previous, attached } satisfies Pending;
  return out;
}

/** `$expand=instanceView`: power state, provisioning state and the platform fault domain. */
function withInstanceView(call: ArmCall, rec: ResourceRecord<Json>): Json {
  const expand = call.req.query.get('$expand');
  if (!expand || expand.toLowerCase() !== 'instanceview') return rec.data;
  const p = props(rec.data);
  const power = String(rec.data['_power'] ?? 'running');
  const state = String(p['provisioningState'] ?? 'Succeeded');
  const instanceView: Json = {
    computerName: (p['osProfile'] as Json | undefined)?.['computerName'],
    osName: 'ubuntu',
    osVersion: '22.04',
    platformFaultDomain: rec.data['_faultDomain'] ?? 0,
    platformUpdateDomain: 0,
    statuses: [
      { code: `ProvisioningState/${state.toLowerCase()}`, level: 'Info', displayStatus: `Provisioning ${state.toLowerCase()}` },
      { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
    ],
    disks: dataDisks(rec.data).map((d) => ({ name: d['name'], statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' }] })),
  };
  return { ...rec.data, properties: { ...p, instanceView } };
}

/** Flexible scale sets list their VMs with `$filter='virtualMachineScaleSet/id' eq '{id}'`. */
function filterByScaleSet(call: ArmCall, recs: ResourceRecord<Json>[]): ResourceRecord<Json>[] {
  const f = call.req.query.get('$filter');
  if (!f) return recs;
  const m = /^\s*'?virtualMachineScaleSet\/id'?\s+eq\s+'([^']*)'\s*$/i.exec(f);
  if (!m) throw badRequest('InvalidParameter', `The value of parameter $filter is invalid: ${f}`, '$filter');
  const want = m[1]!.toLowerCase();
  return recs.filter((r) => String(((props(r.data)['virtualMachineScaleSet'] as Json | undefined)?.['id']) ?? '').toLowerCase() === want);
}

export function findVm(tenant: TenantStore, id: string): ResourceRecord<Json> | undefined {
  return tenant.collection<Json>('azure.microsoft.compute/virtualmachines').peek(idKey(id));
}
