/**
 * What Azure components read before their first Resource Manager call: cloud discovery
 * (`/metadata/endpoints`), Entra ID's OpenID configuration (tenant and AD FS), MSAL's instance
 * discovery, v1 tokens and AAD errors, managed identity (IMDS and the App Service form),
 * instance metadata per VM, and ACR's challenge and token exchange.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { azureCredential, SUBSCRIPTION, TENANT } from '../helpers/azure.js';

let server: RunningServer;
useFauxcloud((s) => (server = s), { httpsPort: 0 });

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.httpUrl}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
};

describe('cloud discovery and Entra ID', () => {
  it('answers /metadata/endpoints with the login endpoint on the HTTPS listener', async () => {
    const r = await get('/metadata/endpoints?api-version=2019-05-01');
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    const cloud = r.body.find((c: { name: string }) => c.name === 'AzurePublicCloud');
    expect(cloud).toMatchObject({ resourceManager: `${server.httpUrl}/`, authentication: { loginEndpoint: `${server.httpsUrl}/`, audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'] }, suffixes: { acrLoginServer: 'azurecr.io' } });
  });

  it('serves OpenID configuration per tenant and for AD FS, and MSAL instance discovery', async () => {
    const v2 = await get(`/${TENANT}/v2.0/.well-known/openid-configuration`);
    expect(v2.body).toMatchObject({ issuer: `${server.httpUrl}/${TENANT}/v2.0`, token_endpoint: `${server.httpUrl}/${TENANT}/oauth2/v2.0/token` });
    const adfs = await get('/adfs/.well-known/openid-configuration');
    expect(adfs.body.token_endpoint).toBe(`${server.httpUrl}/adfs/oauth2/token/`);
    const disc = await get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent('https://login.example:8443/t/oauth2/v2.0/authorize')}`);
    expect(disc.body).toMatchObject({ tenant_discovery_endpoint: 'https://login.example:8443/t/v2.0/.well-known/openid-configuration', metadata: [{ aliases: ['login.example:8443'] }] });
  });

  it('issues v1 tokens, and refuses a request without a secret the way AAD does', async () => {
    const form = (f: Record<string, string>) => fetch(`${server.httpUrl}/${TENANT}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(f) });
    const ok = await form({ grant_type: 'client_credentials', client_id: 'app', client_secret: 's', resource: 'https://management.azure.com/' });
    expect(await ok.json()).toMatchObject({ token_type: 'Bearer', resource: 'https://management.azure.com/', expires_in: '3599' });
    const bad = await form({ grant_type: 'client_credentials', client_id: 'app', resource: 'x' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    const scope = await fetch(`${server.httpUrl}/${TENANT}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'a', client_secret: 's', scope: 'https://management.azure.com/' }) });
    expect((await scope.json()).error).toBe('invalid_scope');
  });

  it('accepts a client assertion (workload identity)', async () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"system:serviceaccount:kube-system:csi"}').toString('base64url')}.sig`;
    const r = await fetch(`${server.httpUrl}/${TENANT}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'wi', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt, scope: 'https://management.azure.com//.default' }) });
    expect(r.status).toBe(200);
    expect((await r.json()).access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await expect(azureCredential(server).getToken('https://management.azure.com/.default')).resolves.toBeTruthy();
  });
});

describe('instance metadata and managed identity', () => {
  it('answers for the VM the header names, and node-a by default; requires Metadata: true', async () => {
    expect((await get('/metadata/instance?api-version=2021-10-01')).status).toBe(400);
    const a = await get('/metadata/instance?api-version=2021-10-01&format=json', { Metadata: 'true' });
    expect(a.body.compute).toMatchObject({ name: 'node-a', zone: '1', location: 'eastus', vmSize: 'Standard_D2s_v3', subscriptionId: SUBSCRIPTION, resourceGroupName: 'fauxcloud' });
    expect(a.body.network.interface[0].ipv4.ipAddress[0].privateIpAddress).toBe('10.224.0.4');
    const b = await get('/metadata/instance/compute/zone?api-version=2021-10-01&format=text', { Metadata: 'true', 'X-Fauxcloud-Instance': 'node-b' });
    expect(b.body).toBe('2');
    const ss = await get('/metadata/instance/compute?api-version=2021-10-01', { Metadata: 'true', 'X-Fauxcloud-Instance': 'fauxcloud-vmss_1' });
    expect(ss.body).toMatchObject({ vmScaleSetName: 'fauxcloud-vmss', zone: '2' });
    const lb = await get('/metadata/loadbalancer?api-version=2020-10-01&format=json', { Metadata: 'true' });
    expect(lb.body).toEqual({ loadbalancer: { publicIpAddresses: [], inboundRules: [], outboundRules: [] } });
  });

  it('serves one VM on a pinned port, for components that cannot send the header', async () => {
    const opened = await fetch(`${server.httpUrl}/_fauxcloud/listeners`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ headers: { 'X-Fauxcloud-Instance': 'node-c' } }) });
    const { endpoint, port } = (await opened.json()) as { endpoint: string; port: number };
    try {
      const doc = await fetch(`${endpoint}/metadata/instance?api-version=2021-10-01`, { headers: { Metadata: 'true' } }).then((r) => r.json() as Promise<{ compute: { name: string; zone: string } }>);
      expect(doc.compute).toMatchObject({ name: 'node-c', zone: '3' });
    } finally {
      await fetch(`${server.httpUrl}/_fauxcloud/listeners/${port}`, { method: 'DELETE' });
    }
  });

  it('says how callers connect (the cloud connection settings for the endpoints admin call)', () => {
    const info = server.engine.clouds.get('azure')!.connection!({ httpUrl: server.httpUrl, httpsUrl: server.httpsUrl, caPath: '/tmp/ca.pem' });
    expect(info.tenant).toBe(SUBSCRIPTION);
    expect(info.env).toMatchObject({ AZURE_TENANT_ID: TENANT, AZURE_SUBSCRIPTION_ID: SUBSCRIPTION, AZURE_AUTHORITY_HOST: `${server.httpsUrl}/`, SSL_CERT_FILE: '/tmp/ca.pem', IDENTITY_ENDPOINT: `${server.httpUrl}/msi/token` });
    expect(info.config?.['azure.json']).toMatchObject({ resourceManagerEndpoint: `${server.httpUrl}/`, subscriptionId: SUBSCRIPTION, resourceGroup: 'fauxcloud', vmType: 'standard' });
  });

  it('gives managed identity tokens through IMDS and the App Service endpoint', async () => {
    const imds = await get('/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/', { Metadata: 'true' });
    expect(imds.body).toMatchObject({ token_type: 'Bearer', resource: 'https://management.azure.com/' });
    expect(Number(imds.body.expires_on)).toBeGreaterThan(Date.now() / 1000);
    process.env['IDENTITY_ENDPOINT'] = `${server.httpUrl}/msi/token`;
    process.env['IDENTITY_HEADER'] = 'fauxcloud';
    try {
      const token = await new ManagedIdentityCredential().getToken('https://management.azure.com/.default');
      expect(token.token.split('.')).toHaveLength(3);
    } finally {
      delete process.env['IDENTITY_ENDPOINT'];
      delete process.env['IDENTITY_HEADER'];
    }
  });
});

describe('ACR', () => {
  it('challenges /v2/ with one Bearer realm and exchanges an Entra ID token for a refresh token', async () => {
    // By Host, as a request through an HTTPS proxy arrives (fetch cannot set Host).
    const v2 = await new Promise<{ status: number; challenge: string }>((resolve, reject) =>
      request(`${server.httpUrl}/v2/`, { headers: { host: 'fauxcloud.azurecr.io' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, challenge: String(res.headers['www-authenticate']) });
      }).on('error', reject).end(),
    );
    expect(v2.status).toBe(401);
    const challenge = v2.challenge;
    expect(challenge).toMatch(/^Bearer realm="http:\/\/fauxcloud\.azurecr\.io\/oauth2\/token",service="fauxcloud\.azurecr\.io"$/);
    const aad = (await azureCredential(server).getToken('https://containerregistry.azure.net/.default')).token;
    const ex = await fetch(`${server.httpUrl}/acr/fauxcloud.azurecr.io/oauth2/exchange`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'access_token_refresh_token', service: 'fauxcloud.azurecr.io', tenant: TENANT, access_token: aad, refresh_token: aad }) });
    expect(ex.status).toBe(200);
    expect((await ex.json()).refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const wrong = await fetch(`${server.httpUrl}/acr/fauxcloud.azurecr.io/oauth2/exchange`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'access_token', service: 'other.azurecr.io', access_token: aad }) });
    expect(wrong.status).toBe(401);
  });
});
