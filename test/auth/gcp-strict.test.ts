/**
 * Strict auth for Google Cloud with google-auth-library's own credential flows: a token from the
 * metadata server (the `Compute` credential a workload on GCE uses) or from the OAuth token
 * endpoint is accepted until it expires on the virtual clock; a made-up token and no token are
 * refused with Google's 401 envelope and WWW-Authenticate header.
 */
import compute from '@google-cloud/compute';
import { Compute, OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { PROJECT, ZONE } from '../helpers/gcp.js';

let server: RunningServer;
useFauxcloud((s) => (server = s), { auth: 'strict' });

// google-auth-library's metadata client reads where the metadata server is from the environment.
beforeAll(() => {
  process.env['GCE_METADATA_HOST'] = new URL(server.httpUrl).host;
});
afterAll(() => {
  delete process.env['GCE_METADATA_HOST'];
});

function disksWith(authClient: OAuth2Client | Compute) {
  const url = new URL(server.httpUrl);
  return new compute.DisksClient({ fallback: true, apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', projectId: PROJECT, authClient });
}

const listDisks = (token?: string) =>
  fetch(`${server.httpUrl}/compute/v1/projects/${PROJECT}/zones/${ZONE}/disks`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('strict auth: Google bearer tokens', () => {
  it('accepts the token google-auth-library gets from the metadata server', async () => {
    const credential = new Compute();
    const [disks] = await disksWith(credential).list({ project: PROJECT, zone: ZONE });
    expect(Array.isArray(disks)).toBe(true);
    // The token really came from fauxcloud's metadata server.
    const journal = await admin(server).get<{ entries: Array<{ service: string; status: number }> }>('/journal?operation=GetToken&limit=1');
    expect(journal.body.entries[0]).toMatchObject({ service: 'metadata', status: 200 });
  });

  it('accepts a token from the OAuth token endpoint (a service-account key whose token_uri points here)', async () => {
    const claims = { iss: 'csi@fauxcloud-project.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/compute', aud: `${server.httpUrl}/token` };
    const assertion = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
    const res = await fetch(`${server.httpUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token, expiry_date: Date.now() + 3_600_000 });
    const [disks] = await disksWith(auth).list({ project: PROJECT, zone: ZONE });
    expect(Array.isArray(disks)).toBe(true);
  });

  it('refuses a made-up token with Google’s 401', async () => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'ya29.made-up', expiry_date: Date.now() + 3_600_000 });
    const err = (await disksWith(auth).list({ project: PROJECT, zone: ZONE }).catch((e: unknown) => e)) as Error & { code?: number };
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('invalid authentication credentials');

    const raw = await listDisks('ya29.made-up');
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/", error="invalid_token"');
    expect(await raw.json()).toMatchObject({
      error: { code: 401, status: 'UNAUTHENTICATED', errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }] },
    });
  });

  it('refuses a request without credentials', async () => {
    const raw = await listDisks();
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/"');
    expect(await raw.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'required' }] } });
  });

  it('refuses a metadata token once it has expired on the virtual clock', async () => {
    const res = await fetch(`${server.httpUrl}/computeMetadata/v1/instance/service-accounts/default/token`, { headers: { 'metadata-flavor': 'Google' } });
    const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
    expect((await listDisks(access_token)).status).toBe(200);
    // Google also takes the token as the access_token parameter.
    expect((await fetch(`${server.httpUrl}/compute/v1/projects/${PROJECT}/zones/${ZONE}/disks?access_token=${access_token}`)).status).toBe(200);
    await admin(server).post('/clock/advance', { ms: expires_in * 1000 + 1000 });
    const late = await listDisks(access_token);
    expect(late.status).toBe(401);
    expect(late.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
