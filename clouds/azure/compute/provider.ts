/**
 * `GET /subscriptions/{s}/providers/{namespace}`: the resource provider document. For
 * Microsoft.Compute it carries the zone mappings cloud-provider-azure reads to pick zones for
 * Standard public IPs (`resourceTypes[resourceType=virtualMachines].zoneMappings`).
 */
import type { TenantStore } from '../../../core/store.js';
import { armError } from '../errors.js';
import { SUBSCRIPTION, type SubscriptionData } from '../records.js';

const DISPLAY: Record<string, string> = { eastus: 'East US', eastus2: 'East US 2', westus2: 'West US 2', westeurope: 'West Europe', northeurope: 'North Europe' };

const KNOWN: Record<string, string[]> = {
  'microsoft.compute': ['virtualMachines', 'virtualMachineScaleSets', 'virtualMachineScaleSets/virtualMachines', 'availabilitySets', 'disks', 'snapshots'],
  'microsoft.network': ['virtualNetworks', 'networkInterfaces', 'loadBalancers', 'publicIPAddresses', 'networkSecurityGroups', 'routeTables'],
};

export function providerDocument(tenant: TenantStore, sub: string, namespace: string): Record<string, unknown> {
  const types = KNOWN[namespace.toLowerCase()];
  if (!types) throw armError('InvalidResourceNamespace', 404, `The resource namespace '${namespace}' is invalid.`);
  const s = tenant.collection<SubscriptionData>(SUBSCRIPTION).all().next().value?.data;
  const locations = s?.locations ?? {};
  const canonical = namespace.toLowerCase() === 'microsoft.compute' ? 'Microsoft.Compute' : 'Microsoft.Network';
  const display = (l: string) => DISPLAY[l] ?? l;
  return {
    id: `/subscriptions/${sub}/providers/${canonical}`,
    namespace: canonical,
    registrationState: 'Registered',
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: types.map((resourceType) => ({
      resourceType,
      locations: Object.keys(locations).map(display),
      zoneMappings: Object.entries(locations).map(([location, zones]) => ({ location: display(location), zones })),
      apiVersions: ['2025-04-01', '2025-01-02', '2024-07-01', '2023-09-01'],
      capabilities: 'CrossResourceGroupResourceMove, SupportsTags, SupportsLocation',
    })),
  };
}
