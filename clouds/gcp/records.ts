/** What the store keeps for Google Cloud (tenant = project id). */
export const G = {
  project: 'gcp.project',
  zone: 'gcp.compute.zone',
  network: 'gcp.compute.network',
  subnetwork: 'gcp.compute.subnetwork',
  instance: 'gcp.compute.instance',
} as const;

export interface ProjectData {
  number: string;
}

export interface NetworkData {
  name: string;
  numericId: string;
}

export interface SubnetworkData {
  name: string;
  network: string;
  region: string;
  ipCidrRange: string;
  nextHost: number;
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
}

/** `us-central1-a` → `us-central1`. */
export const regionOf = (zone: string): string => zone.replace(/-[a-z]$/, '');
