/**
 * VM scale sets (uniform): the scale set, its instances (`virtualMachineScaleSets/{ss}/
 * virtualMachines/{instanceId}`, which take partial PUTs and data disks as VMs do) and the
 * instances' network interfaces, served under the Compute path as Azure serves them
 * (`…/virtualMachines/{i}/networkInterfaces/{nic}`).
 */
import { armError } from '../errors.js';
import { defineType, json, page, props, records, renderResource, type ArmType } from '../arm/resources.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { computeShape, networkShape, type Json } from '../arm/shapes.js';
import { vmBehaviour } from './virtual-machines.js';

export const scaleSets: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['virtualMachineScaleSets'],
  shape: () => computeShape('virtualMachineScaleSet'),
  putMerges: true,
  etag: 'counter',
  status: { create: 201, update: 200, patch: 200 },
  transient: { create: 'Creating', update: 'Updating' },
  subscriptionList: true,
  prepare: ({ body, existing, name }) => {
    if (!existing) throw armError('OperationNotAllowed', 409, `Creating virtual machine scale set '${name}' is not served by fauxcloud: scale sets come from the scenario.`);
    return { ...body, location: existing.data['location'], sku: { ...(existing.data['sku'] as Json), ...((body['sku'] ?? {}) as Json) } };
  },
  decorate: (_call, rec) => rec.data,
  actions: {
    // `GET …/virtualMachineScaleSets/{ss}/networkInterfaces`: every instance's NICs.
    networkinterfaces: (call, rec) => {
      if (call.req.method !== 'GET') throw armError('MethodNotAllowed', 405, `The requested resource does not support http method '${call.req.method}'.`);
      const nics = records(call.tenant, scaleSetNics).list().filter((n) => n.parent?.startsWith(`${rec.id}/`));
      return json(200, page(call, nics.map((n) => renderResource(call, scaleSetNics, n))));
    },
  },
});

export const scaleSetVms: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['virtualMachineScaleSets', 'virtualMachines'],
  shape: () => computeShape('virtualMachineScaleSetVM'),
  ...vmBehaviour,
  status: { create: 202, update: 202, patch: 202 },
  commit(ctx, rec) {
    vmBehaviour.commit!(ctx, rec);
    syncNics(ctx.tenant, rec);
  },
});

/**
 * An instance's network profile configuration decides its NICs' pool membership (what
 * cloud-provider-azure edits for vmType vmss): copy each IP configuration's
 * `loadBalancerBackendAddressPools` onto the NIC of the same name.
 */
function syncNics(tenant: TenantStore, rec: ResourceRecord<Json>): void {
  const configs = (((props(rec.data)['networkProfileConfiguration'] as Json | undefined)?.['networkInterfaceConfigurations'] ?? []) as Json[]);
  const nics = records(tenant, scaleSetNics).peekChildren(rec.id);
  for (const cfg of configs) {
    const nic = nics.find((n) => n.data['name'] === cfg['name']);
    if (!nic) continue;
    const wanted = (((cfg['properties'] as Json | undefined)?.['ipConfigurations'] ?? []) as Json[]);
    for (const ip of (props(nic.data)['ipConfigurations'] ?? []) as Json[]) {
      const w = wanted.find((x) => x['name'] === ip['name']);
      if (w) (ip['properties'] as Json)['loadBalancerBackendAddressPools'] = ((w['properties'] as Json | undefined)?.['loadBalancerBackendAddressPools'] ?? []);
    }
  }
}

/** Scale-set instances' NICs: read-only here (the scale set's model decides them). */
export const scaleSetNics: ArmType = defineType({
  namespace: 'Microsoft.Compute',
  types: ['virtualMachineScaleSets', 'virtualMachines', 'networkInterfaces'],
  shape: () => networkShape('NetworkInterface'),
  prepare: ({ name }) => {
    throw armError('OperationNotAllowed', 409, `Network interface '${name}' of a scale-set instance follows the scale set's network profile and cannot be written directly.`);
  },
  decorate: (_call, rec) => ({ ...rec.data, properties: { ...props(rec.data) } }),
});
