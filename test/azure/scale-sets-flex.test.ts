/**
 * A Flexible scale set as cloud-provider-azure's vmssflex mode reads it: the set among the
 * resource group's scale sets, its members as ordinary VMs found with
 * `$filter='virtualMachineScaleSet/id' eq '{id}'` (with and without instanceView).
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { azureClients, RG, rgPath } from '../helpers/azure.js';

let server: RunningServer;
let c: ReturnType<typeof azureClients>;
useFauxcloud(
  (s) => {
    server = s;
    c = azureClients(s);
  },
  { httpsPort: 0 },
);

const flexScenario = `
extends: default
seed:
  azure:
    subscriptions:
      "00000000-0000-0000-0000-000000000001":
        locations: { eastus: ["1", "2", "3"] }
        resourceGroups:
          fauxcloud:
            location: eastus
            virtualNetworks:
              - { name: vnet, addressPrefix: 10.1.0.0/16, subnets: [{ name: nodes, addressPrefix: 10.1.0.0/24 }] }
            virtualMachineScaleSets:
              - { name: flex, orchestrationMode: Flexible, capacity: 3, zones: ["1", "2", "3"], computerNamePrefix: pool }
`;

describe('flexible scale sets', () => {
  it('lists the set and its member VMs by virtualMachineScaleSet/id', async () => {
    const put = await fetch(`${server.httpUrl}/_fauxcloud/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ yaml: flexScenario }) });
    expect(put.status).toBe(200);
    try {
      const sets = [];
      for await (const s of c.compute.virtualMachineScaleSets.list(RG)) sets.push(s);
      expect(sets).toHaveLength(1);
      expect(sets[0]).toMatchObject({ name: 'flex', orchestrationMode: 'Flexible', virtualMachineProfile: { networkProfile: { networkApiVersion: '2020-11-01' } } });
      expect(sets[0]!.upgradePolicy).toBeUndefined();

      const members = [];
      for await (const vm of c.compute.virtualMachines.list(RG, { filter: `'virtualMachineScaleSet/id' eq '${sets[0]!.id!.toUpperCase()}'`, expand: 'instanceView' })) members.push(vm);
      expect(members.map((m) => m.zones?.[0])).toEqual(['1', '2', '3']);
      for (const m of members) {
        expect(m.name).toMatch(/^flex_[0-9a-f]{8}$/);
        expect(m.osProfile?.computerName).toMatch(/^pool[0-9a-z]{6}$/);
        expect(m.virtualMachineScaleSet?.id).toBe(`${rgPath}/providers/Microsoft.Compute/virtualMachineScaleSets/flex`);
        expect(m.instanceView?.statuses?.map((s) => s.code)).toContain('PowerState/running');
        const nic = await c.network.networkInterfaces.get(RG, m.networkProfile!.networkInterfaces![0]!.id!.split('/').pop()!);
        expect(nic.ipConfigurations?.[0]?.privateIPAddress).toMatch(/^10\.1\.0\.\d+$/);
      }
      // The uniform set's instance list stays empty for a flexible set.
      const instances = [];
      for await (const i of c.compute.virtualMachineScaleSetVMs.list(RG, 'flex')) instances.push(i);
      expect(instances).toEqual([]);
    } finally {
      await fetch(`${server.httpUrl}/_fauxcloud/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'default' }) });
    }
  });
});
