/**
 * Azure's official JS clients pointed at a fauxcloud: Entra ID over its HTTPS listener (the CA
 * trusted through a pipeline policy that gives every request an agent with fauxcloud's CA, so
 * MSAL's calls go through it too), Resource Manager on the same HTTPS listener.
 */
import { Agent } from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { RunningServer } from '../../core/server.js';

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const RG = 'fauxcloud';
export const LOCATION = 'eastus';
export const rgPath = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}`;

export function trustFauxcloud(server: RunningServer): { policy: PipelinePolicy; position: 'perCall' } {
  const agent = new Agent({ ca: server.caPem, keepAlive: true });
  return { policy: { name: 'fauxcloud-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) }, position: 'perCall' };
}

export function azureCredential(server: RunningServer, secret = 'fauxcloud-secret'): ClientSecretCredential {
  if (!server.httpsUrl) throw new Error('Entra ID needs the HTTPS listener');
  return new ClientSecretCredential(TENANT, 'fauxcloud-client', secret, {
    authorityHost: server.httpsUrl,
    disableInstanceDiscovery: true,
    additionalPolicies: [trustFauxcloud(server)],
  });
}

/** Poll fast: fauxcloud's operations are instant unless a test slows them down. */
export const FAST = { updateIntervalInMs: 10 };

export function azureClients(server: RunningServer) {
  const credential = azureCredential(server);
  // Resource Manager over HTTPS as on Azure (the SDK sends bearer tokens only over TLS).
  const common = { endpoint: server.httpsUrl, retryOptions: { maxRetries: 0 }, additionalPolicies: [trustFauxcloud(server)] };
  return {
    credential,
    compute: new ComputeManagementClient(credential, SUBSCRIPTION, common),
    network: new NetworkManagementClient(credential, SUBSCRIPTION, { ...common, $host: server.httpsUrl }),
  };
}

export async function arm(server: RunningServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const sep = path.includes('?') ? '&' : '?';
  const res = await fetch(`${server.httpUrl}${path}${path.includes('api-version') ? '' : `${sep}api-version=2025-04-01`}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
