/** Google's own Compute client (@google-cloud/compute, REST fallback) pointed at a fauxcloud. */
import compute from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import type { RunningServer } from '../../core/server.js';

export const PROJECT = 'fauxcloud-project';
export const ZONE = 'us-central1-a';
export const REGION = 'us-central1';

export type Op = compute.protos.google.cloud.compute.v1.IOperation;

/** Options every client takes: REST over plain HTTP to the server, a fixed bearer token. */
export function clientOptions(server: RunningServer) {
  const url = new URL(server.httpUrl);
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'ya29.fauxcloud', expiry_date: Date.now() + 3_600_000 });
  return { fallback: true as const, apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', projectId: PROJECT, authClient: auth };
}

export function computeClients(server: RunningServer) {
  const o = clientOptions(server);
  const zoneOps = new compute.ZoneOperationsClient(o);
  const regionOps = new compute.RegionOperationsClient(o);
  const globalOps = new compute.GlobalOperationsClient(o);
  /** The documented way to finish an operation: `wait` on its scope until DONE. */
  const wait = async (started: { latestResponse: unknown } | Op): Promise<Op> => {
    let op = ('latestResponse' in started ? started.latestResponse : started) as Op;
    for (let i = 0; i < 50 && op.status !== 'DONE'; i++) {
      const name = op.name!;
      if (op.zone) [op] = await zoneOps.wait({ project: PROJECT, zone: op.zone.split('/').pop()!, operation: name });
      else if (op.region) [op] = await regionOps.wait({ project: PROJECT, region: op.region.split('/').pop()!, operation: name });
      else [op] = await globalOps.wait({ project: PROJECT, operation: name });
    }
    return op;
  };
  return {
    wait,
    zoneOps,
    globalOps,
    disks: new compute.DisksClient(o),
    regionDisks: new compute.RegionDisksClient(o),
    instances: new compute.InstancesClient(o),
    snapshots: new compute.SnapshotsClient(o),
    zones: new compute.ZonesClient(o),
    projects: new compute.ProjectsClient(o),
    diskTypes: new compute.DiskTypesClient(o),
    routes: new compute.RoutesClient(o),
    firewalls: new compute.FirewallsClient(o),
    networks: new compute.NetworksClient(o),
    subnetworks: new compute.SubnetworksClient(o),
    addresses: new compute.AddressesClient(o),
    forwardingRules: new compute.ForwardingRulesClient(o),
    targetPools: new compute.TargetPoolsClient(o),
    healthChecks: new compute.HealthChecksClient(o),
    instanceGroups: new compute.InstanceGroupsClient(o),
    backendServices: new compute.RegionBackendServicesClient(o),
    instanceTemplates: new compute.InstanceTemplatesClient(o),
    instanceGroupManagers: new compute.InstanceGroupManagersClient(o),
  };
}

/** A raw Compute call (for what the client library would never send). */
export async function rawCompute(server: RunningServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${server.httpUrl}/compute/v1/projects/${PROJECT}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}
