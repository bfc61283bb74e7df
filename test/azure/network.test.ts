/**
 * The network resources cloud-provider-azure's service and route controllers write, through
 * `@azure/arm-network`: a Standard public IP, a load balancer with a public frontend and an
 * internal one whose Dynamic address comes from the subnet, NIC pool membership seen as the
 * pool's backendIPConfigurations, IP-based pools, NSG rules with etags, route tables, and the
 * errors the CCM matches.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { arm, azureClients, LOCATION, RG, rgPath } from '../helpers/azure.js';

let server: RunningServer;
let c: ReturnType<typeof azureClients>;
useFauxcloud(
  (s) => {
    server = s;
    c = azureClients(s);
  },
  { httpsPort: 0 },
);

const net = `${rgPath}/providers/Microsoft.Network`;
const subnetId = `${net}/virtualNetworks/fauxcloud-vnet/subnets/nodes`;
const POLL = { updateIntervalInMs: 10 };

describe('network resources, as the Azure CCM writes them', () => {
  it('reads the seeded vnet, subnet, NICs and NSG', async () => {
    const subnet = await c.network.subnets.get(RG, 'fauxcloud-vnet', 'nodes');
    expect(subnet).toMatchObject({ id: subnetId, addressPrefix: '10.224.0.0/16', provisioningState: 'Succeeded' });
    const vnet = await c.network.virtualNetworks.get(RG, 'fauxcloud-vnet');
    expect(vnet.subnets?.map((s) => s.name)).toEqual(['nodes']);
    const nic = await c.network.networkInterfaces.get(RG, 'node-a-nic');
    expect(nic.ipConfigurations?.[0]).toMatchObject({ privateIPAddress: '10.224.0.4', primary: true, subnet: { id: subnetId } });
    expect(nic.virtualMachine?.id).toBe(`${rgPath}/providers/Microsoft.Compute/virtualMachines/node-a`);
    const nsg = await c.network.networkSecurityGroups.get(RG, 'fauxcloud-nsg');
    expect(nsg.defaultSecurityRules?.map((r) => r.name)).toContain('DenyAllInBound');
    expect(nsg.etag).toMatch(/^W\/"/);
  });

  it('builds a public and an internal load balancer; NIC membership shows in the pool', async () => {
    const pip = await c.network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, 'fauxcloud-a1', {
      location: LOCATION, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4',
      tags: { 'k8s-azure-service': 'default/web', 'k8s-azure-cluster-name': 'fauxcloud' },
    }, POLL);
    expect(pip.ipAddress).toMatch(/^20\.62\.\d+\.\d+$/);
    expect(pip.tags).toMatchObject({ 'k8s-azure-service': 'default/web' });

    const lbId = `${net}/loadBalancers/fauxcloud`;
    const lb = await c.network.loadBalancers.beginCreateOrUpdateAndWait(RG, 'fauxcloud', {
      location: LOCATION, sku: { name: 'Standard' },
      frontendIPConfigurations: [{ name: 'a1', publicIPAddress: { id: pip.id } }],
      backendAddressPools: [{ name: 'fauxcloud' }],
      probes: [{ name: 'a1-TCP-80', protocol: 'Tcp', port: 30080, intervalInSeconds: 5, probeThreshold: 2 }],
      loadBalancingRules: [{
        name: 'a1-TCP-80', protocol: 'Tcp', frontendPort: 80, backendPort: 80, enableFloatingIP: true, idleTimeoutInMinutes: 4, loadDistribution: 'Default', disableOutboundSnat: false, enableTcpReset: true,
        frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/a1` }, backendAddressPool: { id: `${lbId}/backendAddressPools/fauxcloud` }, probe: { id: `${lbId}/probes/a1-TCP-80` },
      }],
    }, POLL);
    expect(lb.frontendIPConfigurations?.[0]).toMatchObject({ id: `${lbId}/frontendIPConfigurations/a1`, publicIPAddress: { id: pip.id } });
    expect((await c.network.publicIPAddresses.get(RG, 'fauxcloud-a1')).ipConfiguration?.id).toBe(`${lbId}/frontendIPConfigurations/a1`);

    // Pool membership goes on the NIC (vmType standard), as the CCM PUTs it back after a GET.
    const nic = await c.network.networkInterfaces.get(RG, 'node-a-nic');
    nic.ipConfigurations![0]!.loadBalancerBackendAddressPools = [{ id: `${lbId}/backendAddressPools/fauxcloud` }];
    await c.network.networkInterfaces.beginCreateOrUpdateAndWait(RG, 'node-a-nic', nic, POLL);
    const pool = (await c.network.loadBalancers.get(RG, 'fauxcloud')).backendAddressPools![0]!;
    expect(pool.backendIPConfigurations?.map((b) => b.id)).toEqual([`${net}/networkInterfaces/node-a-nic/ipConfigurations/ipconfig1`]);
    expect((await c.network.networkInterfaces.get(RG, 'node-a-nic')).ipConfigurations?.[0]?.privateIPAddress).toBe('10.224.0.4');

    // A public IP in use cannot be deleted; the CCM matches the code.
    await expect(c.network.publicIPAddresses.beginDeleteAndWait(RG, 'fauxcloud-a1', POLL)).rejects.toMatchObject({ code: 'PublicIPAddressCannotBeDeleted' });

    const ilb = await c.network.loadBalancers.beginCreateOrUpdateAndWait(RG, 'fauxcloud-internal', {
      location: LOCATION, sku: { name: 'Standard' },
      frontendIPConfigurations: [{ name: 'a2', subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' }],
      backendAddressPools: [{ name: 'fauxcloud', loadBalancerBackendAddresses: [{ name: 'node-b', ipAddress: '10.224.0.5', virtualNetwork: { id: `${net}/virtualNetworks/fauxcloud-vnet` } }] }],
    }, POLL);
    const ip = ilb.frontendIPConfigurations?.[0]?.privateIPAddress;
    expect(ip).toMatch(/^10\.224\.\d+\.\d+$/);
    expect(['10.224.0.4', '10.224.0.5', '10.224.0.6']).not.toContain(ip);
    expect(ilb.backendAddressPools?.[0]?.loadBalancerBackendAddresses?.[0]).toMatchObject({ name: 'node-b', ipAddress: '10.224.0.5' });

    // IP-based pools as their own resource (cloud-provider-azure's nodeIP mode).
    const vnetId = `${net}/virtualNetworks/fauxcloud-vnet`;
    const ipPool = await c.network.loadBalancerBackendAddressPools.beginCreateOrUpdateAndWait(RG, 'fauxcloud-internal', 'by-ip', {
      virtualNetwork: { id: vnetId }, loadBalancerBackendAddresses: [{ name: 'node-a', ipAddress: '10.224.0.4' }, { name: 'node-c', ipAddress: '10.224.0.6' }],
    }, POLL);
    expect(ipPool).toMatchObject({ id: `${net}/loadBalancers/fauxcloud-internal/backendAddressPools/by-ip`, provisioningState: 'Succeeded' });
    expect((await c.network.loadBalancerBackendAddressPools.get(RG, 'fauxcloud-internal', 'by-ip')).loadBalancerBackendAddresses?.map((a) => a.ipAddress)).toEqual(['10.224.0.4', '10.224.0.6']);
    const poolNames: string[] = [];
    for await (const p of c.network.loadBalancerBackendAddressPools.list(RG, 'fauxcloud-internal')) poolNames.push(p.name!);
    expect(poolNames).toEqual(['fauxcloud', 'by-ip']);
    await c.network.loadBalancerBackendAddressPools.beginDeleteAndWait(RG, 'fauxcloud-internal', 'by-ip', POLL);
    await expect(c.network.loadBalancerBackendAddressPools.get(RG, 'fauxcloud-internal', 'by-ip')).rejects.toMatchObject({ statusCode: 404 });
    expect((await c.network.loadBalancers.get(RG, 'fauxcloud-internal')).backendAddressPools?.map((p) => p.name)).toEqual(['fauxcloud']);

    // A rule naming a frontend the load balancer does not have.
    await expect(c.network.loadBalancers.beginCreateOrUpdateAndWait(RG, 'broken', {
      location: LOCATION, frontendIPConfigurations: [{ name: 'f', subnet: { id: subnetId } }],
      loadBalancingRules: [{ name: 'r', protocol: 'Tcp', frontendPort: 1, backendPort: 1, frontendIPConfiguration: { id: `${net}/loadBalancers/broken/frontendIPConfigurations/nope` } }],
    }, POLL)).rejects.toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });

    await c.network.loadBalancers.beginDeleteAndWait(RG, 'fauxcloud', POLL);
    expect((await c.network.publicIPAddresses.get(RG, 'fauxcloud-a1')).ipConfiguration).toBeUndefined();
    await c.network.publicIPAddresses.beginDeleteAndWait(RG, 'fauxcloud-a1', POLL);
  });

  it('writes NSG rules and routes with etags; a stale etag is 412', async () => {
    const nsg = await c.network.networkSecurityGroups.get(RG, 'fauxcloud-nsg');
    nsg.securityRules = [{ name: 'a1-TCP-80-Internet', protocol: 'Tcp', sourcePortRange: '*', sourceAddressPrefix: 'Internet', destinationAddressPrefixes: ['20.62.0.4'], destinationPortRange: '80', access: 'Allow', direction: 'Inbound', priority: 500 }];
    const saved = await c.network.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'fauxcloud-nsg', nsg, POLL);
    expect(saved.securityRules?.[0]).toMatchObject({ name: 'a1-TCP-80-Internet', priority: 500, provisioningState: 'Succeeded' });
    expect(saved.etag).not.toBe(nsg.etag);
    const stale = await arm(server, 'PUT', `${rgPath}/providers/Microsoft.Network/networkSecurityGroups/fauxcloud-nsg?api-version=2025-05-01`, { location: LOCATION, properties: {} }, { 'if-match': nsg.etag! });
    expect(stale.status).toBe(412);
    const dup = await arm(server, 'PUT', `${rgPath}/providers/Microsoft.Network/networkSecurityGroups/x?api-version=2025-05-01`, { location: LOCATION, properties: { securityRules: [1, 2].map((i) => ({ name: `r${i}`, properties: { protocol: '*', access: 'Allow', direction: 'Inbound', priority: 500, sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: '*', destinationAddressPrefix: '*' } })) } });
    expect(dup.body.error.code).toBe('SecurityRuleConflict');

    const rt = await c.network.routeTables.get(RG, 'fauxcloud-rt');
    rt.routes = [{ name: 'node-a', addressPrefix: '10.244.0.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.224.0.4' }];
    const routed = await c.network.routeTables.beginCreateOrUpdateAndWait(RG, 'fauxcloud-rt', rt, POLL);
    expect(routed.routes?.[0]).toMatchObject({ id: `${net}/routeTables/fauxcloud-rt/routes/node-a`, addressPrefix: '10.244.0.0/24', nextHopIpAddress: '10.224.0.4' });
    await expect(c.network.routeTables.get(RG, 'nope')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('serves scale-set VMs, their NICs and the Compute zone mappings', async () => {
    const vms: string[] = [];
    for await (const vm of c.compute.virtualMachineScaleSetVMs.list(RG, 'fauxcloud-vmss', { expand: 'instanceView' })) vms.push(`${vm.instanceId}:${vm.osProfile?.computerName}:${vm.zones?.join()}`);
    expect(vms).toEqual(['0:fauxcloud-vmss000000:1', '1:fauxcloud-vmss000001:2']);
    const nics: string[] = [];
    for await (const nic of c.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(RG, 'fauxcloud-vmss')) nics.push(nic.ipConfigurations![0]!.privateIPAddress!);
    expect(nics).toHaveLength(2);
    // vmType vmss: pool membership through an instance's network profile configuration.
    const lbId = `${net}/loadBalancers/fauxcloud`;
    await c.network.loadBalancers.beginCreateOrUpdateAndWait(RG, 'fauxcloud', { location: LOCATION, sku: { name: 'Standard' }, frontendIPConfigurations: [{ name: 'f', subnet: { id: subnetId } }], backendAddressPools: [{ name: 'fauxcloud' }] }, POLL);
    const vm0 = await c.compute.virtualMachineScaleSetVMs.get(RG, 'fauxcloud-vmss', '0');
    const nicConfigs = vm0.networkProfileConfiguration!.networkInterfaceConfigurations!;
    nicConfigs[0]!.ipConfigurations[0]!.loadBalancerBackendAddressPools = [{ id: `${lbId}/backendAddressPools/fauxcloud` }];
    await c.compute.virtualMachineScaleSetVMs.update(RG, 'fauxcloud-vmss', '0', { location: vm0.location, networkProfileConfiguration: { networkInterfaceConfigurations: nicConfigs } }, { updateIntervalInMs: 10 });
    const members = (await c.network.loadBalancers.get(RG, 'fauxcloud')).backendAddressPools![0]!.backendIPConfigurations!.map((b) => b.id);
    expect(members).toEqual([`${rgPath}/providers/Microsoft.Compute/virtualMachineScaleSets/fauxcloud-vmss/virtualMachines/0/networkInterfaces/fauxcloud-vmss-nic/ipConfigurations/ipconfig1`]);

    const provider = await arm(server, 'GET', `/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Compute?api-version=2021-04-01`);
    const vmType = (provider.body.resourceTypes as Array<{ resourceType: string; zoneMappings: unknown }>).find((r) => r.resourceType === 'virtualMachines');
    expect(vmType?.zoneMappings).toEqual([{ location: 'East US', zones: ['1', '2', '3'] }]);
  });
});
