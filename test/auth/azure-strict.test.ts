/**
 * Strict auth for Azure with @azure/identity's own credential flows: a client secret against
 * Entra ID's token endpoint and managed identity (the App Service form azidentity reads from
 * IDENTITY_ENDPOINT) give tokens Resource Manager accepts through @azure/arm-compute and
 * @azure/arm-network; a made-up token, no token, a token for another audience and one expired on
 * the virtual clock are refused with ARM's 401 envelope and its WWW-Authenticate challenge.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { ManagedIdentityCredential } from '@azure/identity';
import { ComputeManagementClient } from '@azure/arm-compute';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { azureClients, azureCredential, RG, SUBSCRIPTION, TENANT, trustFauxcloud } from '../helpers/azure.js';

let server: RunningServer;
useFauxcloud((s) => (server = s), { httpsPort: 0, auth: 'strict' });

afterEach(() => {
  delete process.env['IDENTITY_ENDPOINT'];
  delete process.env['IDENTITY_HEADER'];
});

const computeWith = (credential: TokenCredential) =>
  new ComputeManagementClient(credential, SUBSCRIPTION, { endpoint: server.httpsUrl, retryOptions: { maxRetries: 0 }, additionalPolicies: [trustFauxcloud(server)] });

async function diskNames(credential: TokenCredential): Promise<string[]> {
  const names: string[] = [];
  for await (const d of computeWith(credential).disks.listByResourceGroup(RG)) names.push(d.name!);
  return names;
}

/** A credential that hands the SDK whatever token the test chooses. */
const fixed = (token: string): TokenCredential => ({ getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) });

const listRaw = (headers: Record<string, string>) =>
  fetch(`${server.httpUrl}/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Compute/disks?api-version=2024-03-02`, { headers });

async function tokenFor(resource: string): Promise<{ access_token: string; expires_in: string }> {
  const res = await fetch(`${server.httpUrl}/${TENANT}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'fauxcloud-client', client_secret: 's', resource }),
  });
  return (await res.json()) as { access_token: string; expires_in: string };
}

describe('strict auth: Entra ID bearer tokens at Resource Manager', () => {
  it('accepts the token ClientSecretCredential gets from Entra ID (arm-compute and arm-network)', async () => {
    const c = azureClients(server);
    expect(await diskNames(c.credential)).toEqual(expect.any(Array));
    // arm-network asks for a token scoped to its endpoint; ARM accepts its own audience.
    const vnets: string[] = [];
    for await (const v of c.network.virtualNetworks.list(RG)) vnets.push(v.name!);
    expect(vnets.length).toBeGreaterThan(0);
  });

  it('accepts a managed identity token (IDENTITY_ENDPOINT, as azidentity reads it)', async () => {
    process.env['IDENTITY_ENDPOINT'] = `${server.httpUrl}/msi/token`;
    process.env['IDENTITY_HEADER'] = 'fauxcloud';
    expect(await diskNames(new ManagedIdentityCredential())).toEqual(expect.any(Array));
    const journal = await admin(server).get<{ entries: Array<{ service: string; status: number }> }>('/journal?operation=GetToken&limit=1');
    expect(journal.body.entries[0]).toMatchObject({ service: 'imds', status: 200 });
  });

  it('refuses a made-up token with ARM’s InvalidAuthenticationToken', async () => {
    const err = (await diskNames(fixed('eyJ0eXAiOiJKV1QifQ.e30.made-up')).catch((e: unknown) => e)) as Error & { code?: string; statusCode?: number };
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'InvalidAuthenticationToken', statusCode: 401 });

    const raw = await listRaw({ authorization: 'Bearer made-up' });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('x-ms-error-code')).toBe('InvalidAuthenticationToken');
    expect(raw.headers.get('www-authenticate')).toBe('Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The access token is invalid."');
    expect(await raw.json()).toEqual({ error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } });
  });

  it('refuses a request without an Authorization header with AuthenticationFailed', async () => {
    const raw = await listRaw({});
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    expect(raw.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a token issued for another resource', async () => {
    const { access_token } = await tokenFor('https://vault.azure.net');
    const raw = await listRaw({ authorization: `Bearer ${access_token}` });
    expect(raw.status).toBe(401);
    expect((await raw.json()).error).toMatchObject({ code: 'InvalidAuthenticationTokenAudience', message: expect.stringContaining("wrong audience or resource 'https://vault.azure.net'") });
  });

  it('refuses a token once it has expired on the virtual clock', async () => {
    const { access_token, expires_in } = await tokenFor('https://management.azure.com/');
    expect((await listRaw({ authorization: `Bearer ${access_token}` })).status).toBe(200);
    await admin(server).post('/clock/advance', { ms: Number(expires_in) * 1000 + 1000 });
    const late = await listRaw({ authorization: `Bearer ${access_token}` });
    expect(late.status).toBe(401);
    expect(late.headers.get('www-authenticate')).toContain('error_description="The access token has expired."');
    expect((await late.json()).error).toMatchObject({ code: 'ExpiredAuthenticationToken', message: expect.stringMatching(/^The access token expiry UTC time '\d+\/\d+\/\d{4} \d+:\d\d:\d\d [AP]M' is earlier than current UTC time/) });
    // A fresh token from the credential works again.
    expect(await diskNames(azureCredential(server))).toEqual(expect.any(Array));
  });

  it('exchanges only an Entra ID token fauxcloud issued at ACR', async () => {
    const exchange = (accessToken: string) =>
      fetch(`${server.httpUrl}/acr/fauxcloud.azurecr.io/oauth2/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'access_token', service: 'fauxcloud.azurecr.io', tenant: TENANT, access_token: accessToken }),
      });
    expect((await exchange('eyJ0eXAiOiJKV1QifQ.e30.made-up')).status).toBe(401);
    const aad = (await azureCredential(server).getToken('https://containerregistry.azure.net/.default')).token;
    expect((await exchange(aad)).status).toBe(200);
  });
});
