/**
 * The OpenStack connection settings (what `GET /_fauxcloud/endpoints` serves for it): the `OS_*`
 * set authenticates as the openstack CLI would, and cloud.conf's [Global] keys name the same
 * user, project and region.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { login } from '../helpers/openstack.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));

describe('OpenStack connection settings', () => {
  it('gives an OS_* environment that authenticates, and matching cloud.conf keys', async () => {
    const info = server.engine.clouds.get('openstack')!.connection!({ httpUrl: server.httpUrl });
    const env = info.env;
    expect(env).toMatchObject({ OS_AUTH_URL: `${server.httpUrl}/openstack/identity/v3`, OS_REGION_NAME: 'RegionOne', OS_IDENTITY_API_VERSION: '3', OS_PROJECT_NAME: 'fauxcloud', OS_USER_DOMAIN_NAME: 'Default' });
    const s = await login(server, {
      auth: {
        identity: { methods: ['password'], password: { user: { name: env['OS_USERNAME'], domain: { name: env['OS_USER_DOMAIN_NAME'] }, password: env['OS_PASSWORD'] } } },
        scope: { project: { name: env['OS_PROJECT_NAME'], domain: { name: env['OS_PROJECT_DOMAIN_NAME'] } } },
      },
    });
    expect(s.projectId).toBe(env['OS_PROJECT_ID']);
    expect(info.tenant).toBe(s.projectId);
    expect(info.urls['volume']).toBe(`${server.httpUrl}/openstack/volume/v3/${s.projectId}`);
    expect(info.config?.['cloud.conf [Global]']).toMatchObject({ 'auth-url': env['OS_AUTH_URL'], username: env['OS_USERNAME'], password: env['OS_PASSWORD'], 'tenant-name': 'fauxcloud', region: 'RegionOne' });
    const ac = await login(server, {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: info.credentials!['applicationCredentialId'], secret: info.credentials!['applicationCredentialSecret'] } } },
    });
    expect(ac.projectId).toBe(s.projectId);
  });

  it('points at the HTTPS listener and the CA when there is one', () => {
    const info = server.engine.clouds.get('openstack')!.connection!({ httpUrl: 'http://127.0.0.1:1', httpsUrl: 'https://127.0.0.1:2', caPath: '/tmp/ca.pem' });
    expect(info.env).toMatchObject({ OS_AUTH_URL: 'https://127.0.0.1:2/openstack/identity/v3', OS_CACERT: '/tmp/ca.pem' });
    expect(info.config?.['cloud.conf [Global]']).toMatchObject({ 'ca-file': '/tmp/ca.pem' });
  });
});
