/** What the store keeps for Azure besides ARM resources (tenant = subscription id, lower case). */
export const SUBSCRIPTION = 'azure.subscription';

export interface SubscriptionData {
  subscriptionId: string;
  tenantId: string;
  displayName: string;
  /** Zones each location offers (`/providers/Microsoft.Compute` zone mappings). */
  locations: Record<string, string[]>;
}

/** Addresses handed out in a subnet or the public pool, by key. */
export const IP_ALLOCATION = 'azure.ipAllocation';

/** The Entra ID tenant every seeded subscription belongs to unless the scenario says otherwise. */
export const DEFAULT_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const DEFAULT_CLIENT_ID = 'fauxcloud-client';
export const DEFAULT_CLIENT_SECRET = 'fauxcloud-secret';
