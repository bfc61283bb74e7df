/** The GCE metadata server through Google's own Node client (gcp-metadata), as workloads on GCE read it. */
import * as gcpMetadata from 'gcp-metadata';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
useFauxcloud((s) => {
  server = s;
  // The documented way to point Google's libraries at another metadata server.
  process.env.GCE_METADATA_HOST = s.httpUrl.replace(/^http:\/\//, '');
});

const raw = (path: string, headers: Record<string, string> = { 'Metadata-Flavor': 'Google' }) => fetch(`${server.httpUrl}/computeMetadata/v1/${path}`, { headers });

describe('GCE metadata server', () => {
  it('answers project and instance facts to gcp-metadata', async () => {
    expect(await gcpMetadata.isAvailable()).toBe(true);
    expect(await gcpMetadata.project('project-id')).toBe('fauxcloud-project');
    expect(String(await gcpMetadata.project('numeric-project-id'))).toBe('123456789012');
    expect(await gcpMetadata.instance('name')).toBe('node-a');
    expect(await gcpMetadata.instance('zone')).toBe('projects/123456789012/zones/us-central1-a');
    expect(await gcpMetadata.instance('machine-type')).toBe('projects/123456789012/machineTypes/e2-standard-4');
    expect(await gcpMetadata.instance('hostname')).toBe('node-a.us-central1-a.c.fauxcloud-project.internal');
    expect(await gcpMetadata.instance('network-interfaces/0/ip')).toMatch(/^10\.128\.0\.\d+$/);
    expect(await gcpMetadata.universe('universe-domain')).toBe('googleapis.com');
    const token = await gcpMetadata.instance<{ access_token: string; expires_in: number; token_type: string }>('service-accounts/default/token');
    expect(token).toMatchObject({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: 'Bearer' });
    expect(await gcpMetadata.instance('service-accounts/default/email')).toBe('123456789012-compute@developer.gserviceaccount.com');
  });

  it('requires and echoes Metadata-Flavor, lists directories, answers recursive JSON with exact 64-bit ids', async () => {
    const refused = await raw('instance/id', {});
    expect(refused.status).toBe(403);
    expect(refused.headers.get('metadata-flavor')).toBe('Google');
    const listing = await (await raw('instance/service-accounts/')).text();
    expect(listing.split('\n')).toContain('default/');
    const id = await (await raw('instance/id')).text();
    expect(id).toMatch(/^\d{19}$/);
    const body = await (await raw('instance/?recursive=true')).text();
    expect(body).toContain(`"id":${id}`);
    expect(JSON.parse(body)).toMatchObject({ name: 'node-a', serviceAccounts: { default: { scopes: ['https://www.googleapis.com/auth/cloud-platform'] } } });
    expect((await raw('instance/no-such-thing')).status).toBe(404);
  });

  it('speaks for the instance a request names', async () => {
    expect(await (await raw('instance/name', { 'Metadata-Flavor': 'Google', 'X-Fauxcloud-Instance': 'node-c' })).text()).toBe('node-c');
    expect(await (await raw('instance/zone', { 'Metadata-Flavor': 'Google', 'X-Fauxcloud-Instance': 'node-c' })).text()).toBe('projects/123456789012/zones/us-central1-c');
  });

  it('serves proxy-form requests for metadata.google.internal', async () => {
    const { request } = await import('node:http');
    const url = new URL(server.httpUrl);
    const body = await new Promise<string>((resolve, reject) => {
      // As a client with HTTP_PROXY set sends it: the absolute URL on the request line.
      const req = request({ host: url.hostname, port: url.port, path: 'http://metadata.google.internal./computeMetadata/v1/project/project-id', headers: { 'Metadata-Flavor': 'Google', Host: 'metadata.google.internal.' } }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('fauxcloud-project');
  });

  it('issues OAuth tokens for service-account JWT assertions', async () => {
    const claims = Buffer.from(JSON.stringify({ iss: 'sa@fauxcloud-project.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/cloud-platform', aud: 'https://oauth2.googleapis.com/token' })).toString('base64url');
    const ok = await fetch(`${server.httpUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `eyJhbGciOiJSUzI1NiJ9.${claims}.c2ln` }),
    });
    expect(await ok.json()).toMatchObject({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: 'Bearer' });
    const bad = await fetch(`${server.httpUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' });
  });

  it('takes fault rules like any cloud request', async () => {
    await admin(server).put('/faults', [{ match: { cloud: 'gcp', service: 'metadata', operation: 'GetToken' }, error: { code: 'unavailable', status: 503 } }]);
    expect((await raw('instance/service-accounts/default/token')).status).toBe(503);
    expect((await raw('instance/name')).status).toBe(200);
    const { entries } = (await admin(server).get<{ entries: Array<{ cloud: string; tenant?: string; rule?: string }> }>('/journal?cloud=gcp&operation=GetToken&limit=1')).body;
    expect(entries[0]).toMatchObject({ cloud: 'gcp', tenant: 'fauxcloud-project', rule: 'rule-1' });
  });
});

describe('pinned listeners', () => {
  it('gives a component that cannot send headers a metadata port of its own instance', async () => {
    const opened = await admin(server).post<{ port: number; endpoint: string; headers: Record<string, string> }>('/listeners', { headers: { 'X-Fauxcloud-Instance': 'node-b' } });
    expect(opened.status).toBe(200);
    expect(opened.body.headers).toEqual({ 'x-fauxcloud-instance': 'node-b' });
    const name = await fetch(`${opened.body.endpoint}/computeMetadata/v1/instance/name`, { headers: { 'Metadata-Flavor': 'Google' } });
    expect(await name.text()).toBe('node-b');
    // The port serves everything else too, and the journal sees it.
    expect((await (await fetch(`${opened.body.endpoint}/_fauxcloud/health`)).json()) as object).toMatchObject({ status: 'ok' });
    expect((await admin(server).get<unknown[]>('/listeners')).body).toEqual([opened.body]);
    expect((await admin(server).delete(`/listeners/${opened.body.port}`)).body).toEqual({ closed: true });
    expect((await admin(server).delete(`/listeners/${opened.body.port}`)).body).toEqual({ closed: false });
    expect((await admin(server).post('/listeners', { headers: { 'bad header': 'x' } })).status).toBe(400);
    // A port for an instance that does not exist would answer nothing useful: refused.
    expect((await admin(server).post('/listeners', { headers: { 'X-Fauxcloud-Instance': 'no-such-node' } })).status).toBe(404);
    expect((await admin(server).post('/listeners', { headers: { 'X-Fauxcloud-Instance-Id': 'i-0123456789abcdef0' } })).status).toBe(404);
  });
});
