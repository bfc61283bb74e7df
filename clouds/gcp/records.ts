/** What the store keeps for Google Cloud (tenant = project id). */
export const G = {
  project: 'gcp.project',
  zone: 'gcp.compute.zone',
  network: 'gcp.compute.network',
  subnetwork: 'gcp.compute.subnetwork',
  ipAllocation: 'gcp.compute.ipAllocation',
  instance: 'gcp.compute.instance',
} as const;

export interface ProjectData {
  number: string;
}

/** Networks and subnetworks are kept as Compute JSON (compute/collections.ts); these are the fields read here. */
export interface SubnetworkData {
  name: string;
  /** `compute://projects/p/global/networks/n` */
  network: string;
  ipCidrRange: string;
  gatewayAddress: string;
  [field: string]: unknown;
}

export interface GceInstanceData {
  name: string;
  numericId: string;
  zone: string;
  machineType: string;
  network: string;
  subnetwork: string;
  networkIp: string;
  externalIp?: string;
  serviceAccount: string;
  scopes: string[];
  labels: Record<string, string>;
  attributes: Record<string, string>;
  creationTimestamp: string;
  /** Compute's `instance.disks[]`, kept in step with `disk.users[]`. */
  disks: Array<Record<string, unknown>>;
  /** Network tags (`tags.items`). */
  tags: string[];
  tagsFingerprint: string;
  status: string;
  /** API-created instances: every interface as Compute JSON (stored references); nic0 also in the fields above. */
  networkInterfaces?: Array<Record<string, unknown>>;
  /** Instance fields the caller sent that are kept and echoed as given (description, scheduling, …). */
  extra?: Record<string, unknown>;
  /** `serviceAccounts: []` was asked for: the instance runs without one. */
  noServiceAccount?: boolean;
  lastStartTimestamp?: string;
  lastStopTimestamp?: string;
  /** The managed instance group (its store key) that created the instance. */
  createdBy?: string;
  /** The instance goes away when it reaches TERMINATED (instances.delete, a MIG shrinking). */
  deleting?: boolean;
  /** Operations (store keys) that complete when the instance reaches the status they wait for. */
  waitingOps?: string[];
}

export const instanceKey = (zone: string, name: string): string => `zones/${zone}/instances/${name}`;
export const subnetworkKey = (region: string, name: string): string => `regions/${region}/subnetworks/${name}`;
export const networkKey = (name: string): string => `global/networks/${name}`;

/** `us-central1-a` → `us-central1`. */
export const regionOf = (zone: string): string => zone.replace(/-[a-z]$/, '');
