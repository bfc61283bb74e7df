/**
 * The `seed.azure` section of a scenario: subscriptions → locations with zones, resource groups
 * with virtual networks and subnets, security groups, route tables, VMs (each with a NIC and an
 * OS disk) and VM scale sets (uniform, with instances and their NICs). Resources are stored as
 * the wire JSON the ARM handlers serve.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SeedProblem } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import type { TenantStore } from '../../core/store.js';
import { armTime } from './arm/lro.js';
import { idKey, rgId } from './arm/path.js';
import { RESOURCE_GROUP, records, type ArmType } from './arm/resources.js';
import type { Json } from './arm/shapes.js';
import { disks } from './compute/disks.js';
import { scaleSets, scaleSetVms, scaleSetNics } from './compute/scale-sets.js';
import { virtualMachines } from './compute/virtual-machines.js';
import { allocateIp } from './network/ips.js';
import { defaultRules, networkInterfaces, networkSecurityGroups, routeTables, subnets, virtualNetworks } from './network/resources.js';
import { DEFAULT_TENANT_ID, SUBSCRIPTION, type SubscriptionData } from './records.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$' });
const Tags = Type.Record(Type.String(), Type.String());
const Vm = Type.Object(
  { name: Name, zone: Type.Optional(Type.String()), size: Type.Optional(Type.String()), subnet: Type.Optional(Type.String({ description: 'vnet/subnet' })), availabilitySet: Type.Optional(Name), tags: Type.Optional(Tags), faultDomain: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);
const Vmss = Type.Object(
  { name: Name, size: Type.Optional(Type.String()), capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })), zones: Type.Optional(Type.Array(Type.String())), subnet: Type.Optional(Type.String()), computerNamePrefix: Type.Optional(Type.String()), tags: Type.Optional(Tags),
    orchestrationMode: Type.Optional(Type.Union([Type.Literal('Uniform'), Type.Literal('Flexible')], { description: 'Uniform (instances under the scale set, the default) or Flexible (members are ordinary VMs naming the scale set)' })) },
  { additionalProperties: false },
);
const ResourceGroup = Type.Object(
  {
    location: Type.String(),
    tags: Type.Optional(Tags),
    virtualNetworks: Type.Optional(Type.Array(Type.Object({ name: Name, addressPrefix: Type.String(), subnets: Type.Array(Type.Object({ name: Name, addressPrefix: Type.String(), networkSecurityGroup: Type.Optional(Name), routeTable: Type.Optional(Name) }, { additionalProperties: false })) }, { additionalProperties: false }))),
    networkSecurityGroups: Type.Optional(Type.Array(Name)),
    routeTables: Type.Optional(Type.Array(Name)),
    availabilitySets: Type.Optional(Type.Array(Name)),
    virtualMachines: Type.Optional(Type.Array(Vm)),
    virtualMachineScaleSets: Type.Optional(Type.Array(Vmss)),
  },
  { additionalProperties: false },
);
const Subscription = Type.Object(
  {
    tenantId: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    locations: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'location → zones' })),
    resourceGroups: Type.Optional(Type.Record(Name, ResourceGroup)),
  },
  { additionalProperties: false },
);
export const AzureSeedSchema = Type.Object({ subscriptions: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$' }), Subscription)) }, { additionalProperties: false });
type AzureSeed = Static<typeof AzureSeedSchema>;
type RgSeed = Static<typeof ResourceGroup>;

export function validateAzureSeed(section: unknown): SeedProblem[] {
  if (!Value.Check(AzureSeedSchema, section))
    return [...Value.Errors(AzureSeedSchema, section)].map((e) => ({ path: e.path.split('/').filter(Boolean).join('.'), message: e.message }));
  const problems: SeedProblem[] = [];
  for (const [sid, s] of Object.entries((section as AzureSeed).subscriptions ?? {}))
    for (const [rg, g] of Object.entries(s.resourceGroups ?? {})) {
      const nets = new Set((g.virtualNetworks ?? []).flatMap((v) => v.subnets.map((sn) => `${v.name}/${sn.name}`)));
      const zones = s.locations?.[g.location] ?? ['1', '2', '3'];
      (g.virtualMachines ?? []).forEach((vm, i) => {
        const where = `subscriptions.${sid}.resourceGroups.${rg}.virtualMachines.${i}`;
        if (vm.subnet ? !nets.has(vm.subnet) : nets.size === 0) problems.push({ path: where, message: `no subnet ${vm.subnet ?? ''} in the resource group to place the VM in` });
        if (vm.zone && !zones.includes(vm.zone)) problems.push({ path: `${where}.zone`, message: `zone ${vm.zone} is not one of ${g.location}'s zones (${zones.join(', ')})` });
      });
    }
  return problems;
}

export function applyAzureSeed(section: unknown, engine: Engine, onlyTenant?: string): void {
  for (const [sid, s] of Object.entries((section as AzureSeed).subscriptions ?? {})) {
    const sub = sid.toLowerCase();
    if (onlyTenant !== undefined && onlyTenant !== sub) continue;
    const tenant = engine.store.tenant('azure', sub);
    const locations = s.locations ?? { eastus: ['1', '2', '3'] };
    tenant.collection<SubscriptionData>(SUBSCRIPTION).insert({ id: sub, data: { subscriptionId: sub, tenantId: s.tenantId ?? DEFAULT_TENANT_ID, displayName: s.displayName ?? 'fauxcloud', locations } });
    for (const [rg, g] of Object.entries(s.resourceGroups ?? {})) seedResourceGroup(engine, tenant, sub, rg, g);
  }
}

function put(tenant: TenantStore, t: ArmType, id: string, parent: string, data: Json): void {
  const c = records(tenant, t);
  const rec = c.insert({ id: idKey(id), parent: idKey(parent), region: data['location'] as string | undefined, data });
  if (data['tags']) c.setTags(rec.id, data['tags'] as Record<string, string>);
}

function seedResourceGroup(engine: Engine, tenant: TenantStore, sub: string, rg: string, g: RgSeed): void {
  const rgid = rgId(sub, rg);
  const location = g.location;
  const etag = () => `W/"${engine.ids.uuid('azure:etag')}"`;
  const arm = (ns: string, type: string, name: string) => `${rgid}/providers/${ns}/${type}/${name}`;
  const ok = { provisioningState: 'Succeeded' };
  tenant.collection<Json>(RESOURCE_GROUP).insert({ id: idKey(rgid), data: { id: rgid, name: rg, type: 'Microsoft.Resources/resourceGroups', location, tags: g.tags ?? {}, properties: ok } });
  for (const name of g.networkSecurityGroups ?? [])
    put(tenant, networkSecurityGroups, arm('Microsoft.Network', 'networkSecurityGroups', name), rgid, { id: arm('Microsoft.Network', 'networkSecurityGroups', name), name, type: 'Microsoft.Network/networkSecurityGroups', location, etag: etag(), tags: {}, properties: { ...ok, securityRules: [], defaultSecurityRules: defaultRules(arm('Microsoft.Network', 'networkSecurityGroups', name)), resourceGuid: engine.ids.uuid('azure:guid') } });
  for (const name of g.routeTables ?? [])
    put(tenant, routeTables, arm('Microsoft.Network', 'routeTables', name), rgid, { id: arm('Microsoft.Network', 'routeTables', name), name, type: 'Microsoft.Network/routeTables', location, etag: etag(), tags: {}, properties: { ...ok, routes: [], disableBgpRoutePropagation: false } });
  for (const v of g.virtualNetworks ?? []) {
    const vid = arm('Microsoft.Network', 'virtualNetworks', v.name);
    put(tenant, virtualNetworks, vid, rgid, { id: vid, name: v.name, type: 'Microsoft.Network/virtualNetworks', location, etag: etag(), tags: {}, properties: { ...ok, addressSpace: { addressPrefixes: [v.addressPrefix] }, resourceGuid: engine.ids.uuid('azure:guid') } });
    for (const sn of v.subnets) {
      const snid = `${vid}/subnets/${sn.name}`;
      const p: Json = { ...ok, addressPrefix: sn.addressPrefix };
      if (sn.networkSecurityGroup) p['networkSecurityGroup'] = { id: arm('Microsoft.Network', 'networkSecurityGroups', sn.networkSecurityGroup) };
      if (sn.routeTable) p['routeTable'] = { id: arm('Microsoft.Network', 'routeTables', sn.routeTable) };
      put(tenant, subnets, snid, vid, { id: snid, name: sn.name, type: 'Microsoft.Network/virtualNetworks/subnets', etag: etag(), properties: p });
    }
  }
  for (const name of g.availabilitySets ?? []) {
    const id = arm('Microsoft.Compute', 'availabilitySets', name);
    tenant.collection<Json>('azure.microsoft.compute/availabilitysets').insert({ id: idKey(id), parent: idKey(rgid), region: location, data: { id, name, type: 'Microsoft.Compute/availabilitySets', location, sku: { name: 'Aligned' }, properties: { platformFaultDomainCount: 2, platformUpdateDomainCount: 5, virtualMachines: [] } } });
  }
  const subnetOf = (ref?: string): string | undefined => {
    const vnets = g.virtualNetworks ?? [];
    const [vn, sn] = ref ? ref.split('/') : [vnets[0]?.name, vnets[0]?.subnets[0]?.name];
    return vn && sn ? `${arm('Microsoft.Network', 'virtualNetworks', vn)}/subnets/${sn}` : undefined;
  };
  const cidrOf = (snid: string): string => (records(tenant, subnets).peek(idKey(snid))!.data['properties'] as Json)['addressPrefix'] as string;
  const created = armTime(engine.clock.now());
  const seedVm = (vm: Static<typeof Vm>, i: number, member?: { scaleSet: string; computerName: string }): void => {
    const vmId = arm('Microsoft.Compute', 'virtualMachines', vm.name);
    const nicName = `${vm.name}-nic`;
    const nicId = arm('Microsoft.Network', 'networkInterfaces', nicName);
    const snid = subnetOf(vm.subnet)!;
    const ip = allocateIp(tenant, idKey(snid), cidrOf(snid))!;
    put(tenant, networkInterfaces, nicId, rgid, {
      id: nicId, name: nicName, type: 'Microsoft.Network/networkInterfaces', location, etag: etag(), tags: vm.tags ?? {},
      properties: {
        ...ok, primary: true, macAddress: mac(engine), enableAcceleratedNetworking: false, enableIPForwarding: false, virtualMachine: { id: vmId }, nicType: 'Standard',
        ipConfigurations: [{ id: `${nicId}/ipConfigurations/ipconfig1`, name: 'ipconfig1', etag: etag(), type: 'Microsoft.Network/networkInterfaces/ipConfigurations', properties: { ...ok, primary: true, privateIPAddress: ip, privateIPAllocationMethod: 'Dynamic', privateIPAddressVersion: 'IPv4', subnet: { id: snid } } }],
      },
    });
    const osDisk = `${vm.name}_OsDisk_1_${engine.ids.hex('azure:disk', 32)}`;
    const osDiskId = arm('Microsoft.Compute', 'disks', osDisk);
    put(tenant, disks, osDiskId, rgid, {
      id: osDiskId, name: osDisk, type: 'Microsoft.Compute/disks', location, zones: vm.zone ? [vm.zone] : undefined, managedBy: vmId, sku: { name: 'Premium_LRS', tier: 'Premium' },
      properties: { ...ok, osType: 'Linux', hyperVGeneration: 'V2', creationData: { createOption: 'FromImage', imageReference: { id: `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/${location}/Publishers/canonical/ArtifactTypes/VMImage/Offers/ubuntu-24_04-lts/Skus/server/Versions/latest` } }, diskSizeGB: 30, diskSizeBytes: 30 * 2 ** 30, uniqueId: engine.ids.uuid('azure:disk'), diskState: 'Attached', timeCreated: created, encryption: { type: 'EncryptionAtRestWithPlatformKey' }, networkAccessPolicy: 'AllowAll', publicNetworkAccess: 'Enabled', tier: 'P4', diskIOPSReadWrite: 120, diskMBpsReadWrite: 25 },
    });
    const p: Json = {
      ...ok, vmId: engine.ids.uuid('azure:vm'), timeCreated: created,
      hardwareProfile: { vmSize: vm.size ?? 'Standard_D2s_v3' },
      storageProfile: {
        imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest', exactVersion: '24.04.202411030' },
        osDisk: { osType: 'Linux', name: osDisk, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { id: osDiskId, storageAccountType: 'Premium_LRS' }, deleteOption: 'Delete', diskSizeGB: 30 },
        dataDisks: [],
        diskControllerType: 'SCSI',
      },
      osProfile: { computerName: member?.computerName ?? vm.name, adminUsername: 'azureuser', linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true }, secrets: [], allowExtensionOperations: true },
      networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    };
    if (vm.availabilitySet) p['availabilitySet'] = { id: arm('Microsoft.Compute', 'availabilitySets', vm.availabilitySet).toUpperCase() };
    if (member) p['virtualMachineScaleSet'] = { id: member.scaleSet };
    put(tenant, virtualMachines, vmId, rgid, { id: vmId, name: vm.name, type: 'Microsoft.Compute/virtualMachines', location, zones: vm.zone ? [vm.zone] : undefined, tags: vm.tags ?? {}, etag: '"1"', properties: p, _faultDomain: vm.faultDomain ?? i % 2 });
  };
  (g.virtualMachines ?? []).forEach((vm, i) => seedVm(vm, i));
  for (const ss of g.virtualMachineScaleSets ?? []) {
    const id = seedScaleSet(engine, tenant, sub, rg, location, ss, subnetOf(ss.subnet)!, cidrOf);
    if (ss.orchestrationMode !== 'Flexible') continue;
    // Flexible members are ordinary VMs (name `{set}_{8 hex}`) that name their scale set.
    const prefix = ss.computerNamePrefix ?? ss.name;
    for (let i = 0; i < (ss.capacity ?? 2); i++) {
      const zone = ss.zones?.[i % ss.zones.length];
      const vm = { name: `${ss.name}_${engine.ids.hex('azure:vmss-flex', 8)}`, zone, size: ss.size, subnet: ss.subnet, tags: ss.tags, faultDomain: 0 };
      seedVm(vm, i, { scaleSet: id, computerName: `${prefix}${engine.ids.alnum('azure:vmss-flex', 6).toLowerCase()}` });
    }
  }
}

function mac(engine: Engine): string {
  return `00-0D-3A-${engine.ids.hex('azure:mac', 6).toUpperCase().match(/../g)!.join('-')}`;
}

/** Seeds the scale set and, for Uniform ones, its instances; returns its id. */
function seedScaleSet(engine: Engine, tenant: TenantStore, sub: string, rg: string, location: string, ss: Static<typeof Vmss>, snid: string, cidrOf: (id: string) => string): string {
  const rgid = rgId(sub, rg);
  const id = `${rgid}/providers/Microsoft.Compute/virtualMachineScaleSets/${ss.name}`;
  const size = ss.size ?? 'Standard_D2s_v3';
  const prefix = ss.computerNamePrefix ?? ss.name;
  const flexible = ss.orchestrationMode === 'Flexible';
  const nicConfig = { name: `${ss.name}-nic`, properties: { primary: true, enableAcceleratedNetworking: false, enableIPForwarding: false, ipConfigurations: [{ name: 'ipconfig1', properties: { primary: true, subnet: { id: snid }, privateIPAddressVersion: 'IPv4', loadBalancerBackendAddressPools: [] } }] } };
  put(tenant, scaleSets, id, rgid, {
    id, name: ss.name, type: 'Microsoft.Compute/virtualMachineScaleSets', location, zones: ss.zones, tags: ss.tags ?? {}, etag: '"1"', sku: { name: size, tier: 'Standard', capacity: ss.capacity ?? 2 },
    properties: {
      provisioningState: 'Succeeded', orchestrationMode: flexible ? 'Flexible' : 'Uniform', uniqueId: engine.ids.uuid('azure:vmss'), singlePlacementGroup: false, platformFaultDomainCount: 1, timeCreated: armTime(engine.clock.now()),
      ...(flexible ? {} : { overprovision: false, upgradePolicy: { mode: 'Manual' } }),
      virtualMachineProfile: {
        osProfile: { computerNamePrefix: prefix, adminUsername: 'azureuser', linuxConfiguration: { disablePasswordAuthentication: true } },
        storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Premium_LRS' }, diskSizeGB: 30 }, imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } },
        // Flexible sets create their members' NICs through the Network API.
        networkProfile: { ...(flexible ? { networkApiVersion: '2020-11-01' } : {}), networkInterfaceConfigurations: [nicConfig] },
      },
    },
  });
  if (flexible) return id;
  for (let i = 0; i < (ss.capacity ?? 2); i++) {
    const instanceId = String(i);
    const vmId = `${id}/virtualMachines/${instanceId}`;
    const nicId = `${vmId}/networkInterfaces/${nicConfig.name}`;
    const zone = ss.zones?.[i % ss.zones.length];
    const computerName = `${prefix}${i.toString(36).padStart(6, '0')}`;
    const ip = allocateIp(tenant, idKey(snid), cidrOf(snid))!;
    put(tenant, scaleSetNics, nicId, vmId, {
      id: nicId, name: nicConfig.name, type: 'Microsoft.Network/networkInterfaces', location, etag: `W/"${engine.ids.uuid('azure:etag')}"`,
      properties: { provisioningState: 'Succeeded', primary: true, macAddress: mac(engine), virtualMachine: { id: vmId }, ipConfigurations: [{ id: `${nicId}/ipConfigurations/ipconfig1`, name: 'ipconfig1', properties: { provisioningState: 'Succeeded', primary: true, privateIPAddress: ip, privateIPAllocationMethod: 'Dynamic', privateIPAddressVersion: 'IPv4', subnet: { id: snid }, loadBalancerBackendAddressPools: [] } }] },
    });
    put(tenant, scaleSetVms, vmId, id, {
      id: vmId, name: `${ss.name}_${instanceId}`, type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines', instanceId, location, zones: zone ? [zone] : undefined, etag: '"1"', sku: { name: size, tier: 'Standard' },
      properties: {
        provisioningState: 'Succeeded', latestModelApplied: true, vmId: engine.ids.uuid('azure:vm'), timeCreated: armTime(engine.clock.now()),
        hardwareProfile: { vmSize: size },
        storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Premium_LRS' }, diskSizeGB: 30 }, dataDisks: [] },
        osProfile: { computerName, adminUsername: 'azureuser' },
        networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
        networkProfileConfiguration: { networkInterfaceConfigurations: [nicConfig] },
      },
      _faultDomain: 0,
    });
  }
  return id;
}
