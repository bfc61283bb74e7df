/**
 * The metadata service's OpenStack tree as cinder-csi-plugin's node service and cloud-init read
 * it: `meta_data.json` (uuid = the Nova server id, availability_zone), `network_data.json`, per
 * server by header or on a port pinned to one server, and as an HTTP proxy target for
 * 169.254.169.254.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { login } from '../helpers/openstack.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));

const get = async (url: string, headers: Record<string, string> = {}) => {
  const r = await fetch(url, { headers });
  const text = await r.text();
  return { status: r.status, text, json: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
};

describe('OpenStack metadata service', () => {
  it('answers meta_data.json for the server named by the header, node-a by default', async () => {
    const s = await login(server);
    const servers = (await s.call('compute', 'GET', '/servers/detail')).json.servers as Array<{ id: string; name: string; 'OS-EXT-AZ:availability_zone': string }>;
    const b = servers.find((x) => x.name === 'node-b')!;
    const def = await get(`${server.httpUrl}/openstack/latest/meta_data.json`);
    expect(def.json).toMatchObject({ name: 'node-a', availability_zone: 'nova', project_id: s.projectId });
    const byName = await get(`${server.httpUrl}/openstack/latest/meta_data.json`, { 'X-Fauxcloud-Instance': 'node-b' });
    expect(byName.json).toMatchObject({ uuid: b.id, name: 'node-b', availability_zone: 'az-2', devices: [] });
    const byId = await get(`${server.httpUrl}/openstack/2012-08-10/meta_data.json`, { 'X-Fauxcloud-Instance': b.id });
    expect(byId.json.uuid).toBe(b.id);
    expect((await get(`${server.httpUrl}/openstack/latest/meta_data.json`, { 'X-Fauxcloud-Instance': 'nope' })).status).toBe(404);
    expect((await get(`${server.httpUrl}/openstack`)).text.split('\n')).toContain('latest');
    const net = await get(`${server.httpUrl}/openstack/latest/network_data.json`, { 'X-Fauxcloud-Instance': 'node-b' });
    expect(net.json.networks[0]).toMatchObject({ type: 'ipv4', netmask: '255.255.255.0' });
    expect(net.json.networks[0].ip_address).toMatch(/^10\.0\.0\./);
  });

  it('lists a tagged attached volume in devices, with its serial', async () => {
    const s = await login(server);
    const a = (await s.call('compute', 'GET', '/servers/detail?name=%5Enode-a%24')).json.servers[0].id;
    const v = (await s.call('volumev3', 'POST', '/volumes', { volume: { size: 1 } })).json.volume.id;
    await s.call('compute', 'POST', `/servers/${a}/os-volume_attachments`, { volumeAttachment: { volumeId: v, tag: 'data' } }, { 'OpenStack-API-Version': 'compute 2.49' });
    const meta = await get(`${server.httpUrl}/openstack/latest/meta_data.json`);
    expect(meta.json.devices).toMatchObject([{ type: 'disk', serial: v, tags: ['data'] }]);
  });

  it('serves one server on a pinned port and as a proxy target for 169.254.169.254', async () => {
    const opened = await admin(server).post<{ port: number; endpoint: string }>('/listeners', { headers: { 'X-Fauxcloud-Instance': 'node-c' } });
    try {
      const r = await get(`${opened.body.endpoint}/openstack/latest/meta_data.json`);
      expect(r.json).toMatchObject({ name: 'node-c', availability_zone: 'az-3' });
    } finally {
      await admin(server).delete(`/listeners/${opened.body.port}`);
    }
    const port = Number(new URL(server.httpUrl).port);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path: 'http://169.254.169.254/openstack/latest/meta_data.json' }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ name: 'node-a' });
  });
});
