/**
 * Keystone v3 as gophercloud and the openstack CLI use it: version discovery, password
 * authentication by name or id with project scope by name or id, application credentials,
 * re-scoping, the catalog, token validation, expiry on the virtual clock, and Keystone's errors.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { login, passwordAuth, request } from '../helpers/openstack.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));
const tokens = () => `${server.httpUrl}/openstack/identity/v3/auth/tokens`;

describe('Keystone v3', () => {
  it('answers version discovery at the identity root with a 300 and a v3 self link', async () => {
    const r = await request(`${server.httpUrl}/openstack/identity`, 'GET');
    expect(r.status).toBe(300);
    expect(r.json.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    expect(r.json.versions.values[0].links[0].href).toBe(`${server.httpUrl}/openstack/identity/v3/`);
  });

  it('issues a project-scoped token (201, X-Subject-Token) with a catalog of every service in RegionOne', async () => {
    const s = await login(server);
    expect(s.token).toMatch(/^gAAAAA/);
    const types = s.catalog.map((c) => c.type).sort();
    expect(types).toEqual(['block-storage', 'compute', 'identity', 'key-manager', 'load-balancer', 'network', 'volumev3']);
    expect(s.endpoint('compute')).toBe(`${server.httpUrl}/openstack/compute/v2.1`);
    expect(s.endpoint('volumev3')).toBe(`${server.httpUrl}/openstack/volume/v3/${s.projectId}`);
    expect(s.endpoint('block-storage')).toBe(s.endpoint('volumev3'));
    expect(s.endpoint('network')).toBe(`${server.httpUrl}/openstack/network`);
    const compute = s.catalog.find((c) => c.type === 'compute')!;
    expect(compute.endpoints.map((e) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
  });

  it('authenticates by user id and scopes by project id', async () => {
    const first = await login(server);
    const s = await login(server, {
      auth: { identity: { methods: ['password'], password: { user: { id: first.userId, password: 'fauxcloud-password' } } }, scope: { project: { id: first.projectId } } },
    });
    expect(s.projectId).toBe(first.projectId);
  });

  it('refuses a wrong password, an unknown user and an unknown project with 401 in Keystone\'s shape', async () => {
    for (const body of [passwordAuth('fauxcloud', 'wrong'), passwordAuth('nobody', 'x'), passwordAuth('fauxcloud', 'fauxcloud-password', { name: 'nope', domain: { id: 'default' } })]) {
      const r = await request(tokens(), 'POST', body);
      expect(r.status).toBe(401);
      expect(r.json.error).toMatchObject({ code: 401, title: 'Unauthorized' });
    }
    const bad = await request(tokens(), 'POST', { auth: { identity: { methods: ['password'], password: { user: { name: 'fauxcloud', password: 'x' } } } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe(400);
  });

  it('authenticates with an application credential (by id and by name) to its project', async () => {
    const pw = await login(server);
    const byName = await login(server, {
      auth: { identity: { methods: ['application_credential'], application_credential: { name: 'fauxcloud-k8s', secret: 'fauxcloud-app-secret', user: { name: 'fauxcloud', domain: { name: 'Default' } } } } },
    });
    expect(byName.projectId).toBe(pw.projectId);
    const r = await request(tokens(), 'POST', {
      auth: { identity: { methods: ['application_credential'], application_credential: { name: 'fauxcloud-k8s', secret: 'wrong', user: { name: 'fauxcloud', domain: { name: 'Default' } } } } },
    });
    expect(r.status).toBe(401);
  });

  it('re-scopes a token and validates tokens with X-Subject-Token; an expired token is 401 everywhere', async () => {
    const unscoped = await login(server, passwordAuth('fauxcloud', 'fauxcloud-password', undefined));
    // No scope: Keystone scopes to the user's default project.
    expect(unscoped.projectId).toBeTruthy();
    const rescoped = await login(server, { auth: { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { name: 'fauxcloud', domain: { id: 'default' } } } } });
    expect(rescoped.token).not.toBe(unscoped.token);

    const check = await request(tokens(), 'GET', undefined, { 'x-auth-token': rescoped.token, 'x-subject-token': unscoped.token });
    expect(check.status).toBe(200);
    expect(check.headers.get('x-subject-token')).toBe(unscoped.token);
    expect(check.json.token.user.name).toBe('fauxcloud');
    const groups = await request(`${server.httpUrl}/openstack/identity/v3/users/${rescoped.userId}/groups`, 'GET', undefined, { 'x-auth-token': rescoped.token });
    expect(groups.json.groups.map((g: { name: string }) => g.name)).toEqual(['fauxcloud-developers']);

    // Tokens live an hour of virtual time.
    await admin(server).post('/clock/advance', { ms: 3601_000 });
    const servers = await rescoped.call('compute', 'GET', '/servers');
    expect(servers.status).toBe(401);
    expect(servers.headers.get('www-authenticate')).toContain('Keystone uri=');
    expect(servers.json.error.message).toBe('The request you have made requires authentication.');
    const gone = await request(tokens(), 'GET', undefined, { 'x-auth-token': (await login(server)).token, 'x-subject-token': unscoped.token });
    expect(gone.status).toBe(404);
  });

  it('scopes a token to a trust: the trustee authenticates and acts in the trust\'s project with its roles', async () => {
    const trust = '7f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const body = (user: string, password: string, id = trust) => ({
      auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { 'OS-TRUST:trust': { id } } },
    });
    const r = await request(tokens(), 'POST', body('fauxcloud', 'fauxcloud-password'));
    expect(r.status).toBe(201);
    expect(r.json.token['OS-TRUST:trust']).toMatchObject({ id: trust, impersonation: false });
    expect(r.json.token.roles.map((x: { name: string }) => x.name)).toEqual(['member']);
    expect(r.json.token.catalog.length).toBeGreaterThan(0);
    expect((await request(tokens(), 'POST', body('admin', 'admin-password'))).status).toBe(403);
    expect((await request(tokens(), 'POST', body('fauxcloud', 'fauxcloud-password', '00000000000000000000000000000000'))).status).toBe(404);
  });
});
