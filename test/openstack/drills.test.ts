/**
 * The OpenStack drills and fault codes as callers meet them: a Nova attach that ends with the
 * Cinder volume in error, an Octavia load balancer stuck in PENDING_UPDATE (409 for every other
 * change meanwhile), a storm of 401s that re-authentication rides out, and injected errors in
 * each service's own shape.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { login, type Session } from '../helpers/openstack.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));

const load = async (name: string) => expect((await admin(server).put('/scenario', { name })).status).toBe(200);

async function nodeA(s: Session): Promise<string> {
  return (await s.call('compute', 'GET', '/servers/detail?name=%5Enode-a%24')).json.servers[0].id;
}

describe('OpenStack drills', () => {
  afterEach(async () => load('default'));

  it('cinder-attach-fails: the attach is accepted (200) and the volume ends in error with no attachment; the next attach works', async () => {
    await load('cinder-attach-fails');
    const s = await login(server);
    const srv = await nodeA(s);
    const v1 = (await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'a', size: 1 } })).json.volume.id;
    const att = await s.call('compute', 'POST', `/servers/${srv}/os-volume_attachments`, { volumeAttachment: { volumeId: v1 } });
    expect(att.status).toBe(200);
    const vol = (await s.call('volumev3', 'GET', `/volumes/${v1}`)).json.volume;
    expect(vol).toMatchObject({ status: 'error', attachments: [] });
    const v2 = (await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'b', size: 1 } })).json.volume.id;
    await s.call('compute', 'POST', `/servers/${srv}/os-volume_attachments`, { volumeAttachment: { volumeId: v2 } });
    expect((await s.call('volumev3', 'GET', `/volumes/${v2}`)).json.volume.status).toBe('in-use');
    // An errored volume can be reset and deleted.
    expect((await s.call('volumev3', 'DELETE', `/volumes/${v1}`)).status).toBe(202);
  });

  it('octavia-stuck-pending-update: the first change leaves the load balancer PENDING_UPDATE; others get 409 until it settles', async () => {
    await load('octavia-stuck-pending-update');
    const s = await login(server);
    const subnet = (await s.call('network', 'GET', '/v2.0/subnets?name=fauxcloud-subnet')).json.subnets[0].id;
    const lb = (await s.call('load-balancer', 'POST', '/v2/lbaas/loadbalancers', { loadbalancer: { name: 'web', vip_subnet_id: subnet } })).json.loadbalancer;
    expect((await s.call('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${lb.id}`)).json.loadbalancer.provisioning_status).toBe('ACTIVE');
    const listener = await s.call('load-balancer', 'POST', '/v2/lbaas/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TCP', protocol_port: 80 } });
    expect(listener.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await s.call('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${lb.id}`)).json.loadbalancer.provisioning_status).toBe('PENDING_UPDATE');
    const second = await s.call('load-balancer', 'POST', '/v2/lbaas/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TCP', protocol_port: 443 } });
    expect(second.status).toBe(409);
    expect(second.json).toEqual({ faultcode: 'Client', faultstring: `Load Balancer ${lb.id} is immutable and cannot be updated.`, debuginfo: null });
    await admin(server).post('/clock/advance', { ms: 600_000 });
    expect((await s.call('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${lb.id}`)).json.loadbalancer.provisioning_status).toBe('ACTIVE');
    expect((await s.call('load-balancer', 'GET', `/v2/lbaas/listeners/${listener.json.listener.id}`)).json.listener.provisioning_status).toBe('ACTIVE');
  });

  it('keystone-token-expiry-storm: some service calls answer 401 in keystonemiddleware\'s shape; authentication keeps working', async () => {
    await load('keystone-token-expiry-storm');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = await login(server);
      const r = await s.call('compute', 'GET', '/servers');
      statuses.push(r.status);
      if (r.status === 401) {
        expect(r.json).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
        expect(r.headers.get('www-authenticate')).toMatch(/^Keystone/);
      }
    }
    expect(statuses.filter((x) => x === 401).length).toBeGreaterThan(3);
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThan(10);
  });

  it('renders injected errors in each service\'s shape', async () => {
    const s = await login(server);
    await admin(server).post('/faults', [
      { match: { cloud: 'openstack', service: 'block-storage', operation: 'CreateVolume' }, error: 'VolumeLimitExceeded' },
      { match: { cloud: 'openstack', service: 'network', operation: 'ListPorts' }, error: 'ServiceUnavailable' },
      { match: { cloud: 'openstack', service: 'load-balancer', operation: 'ListLoadBalancers' }, error: 'RateLimited', },
      { match: { cloud: 'openstack', service: 'compute', operation: 'GetServer' }, error: 'computeFault' },
    ]);
    const vol = await s.call('volumev3', 'POST', '/volumes', { volume: { size: 1 } });
    expect(vol.status).toBe(413);
    expect(vol.json.overLimit).toMatchObject({ code: 413, message: expect.stringContaining('VolumeLimitExceeded') });
    const ports = await s.call('network', 'GET', '/v2.0/ports');
    expect(ports.status).toBe(503);
    expect(ports.json.NeutronError.type).toBe('ServiceUnavailable');
    const lbs = await s.call('load-balancer', 'GET', '/v2/lbaas/loadbalancers');
    expect(lbs.status).toBe(429);
    expect(lbs.json.faultcode).toBe('Client');
    const srv = await s.call('compute', 'GET', `/servers/${await nodeA(s)}`);
    expect(srv.status).toBe(500);
    expect(srv.json.computeFault.code).toBe(500);
  });

  it('fail: rules end the started transition in error: a load balancer in ERROR, a volume in error, an extend in error_extending', async () => {
    const s = await login(server);
    await admin(server).post('/faults', [
      { match: { cloud: 'openstack', service: 'load-balancer', operation: 'CreateLoadBalancer', times: 1 }, fail: { code: 'AmphoraBootFailed' } },
      { match: { cloud: 'openstack', service: 'block-storage', operation: 'CreateVolume', times: 1 }, fail: { code: 'VolumeBackendFailed' } },
      { match: { cloud: 'openstack', service: 'block-storage', operation: 'VolumeAction', times: 1 }, fail: { code: 'ExtendFailed' } },
    ]);
    const subnet = (await s.call('network', 'GET', '/v2.0/subnets?name=fauxcloud-subnet')).json.subnets[0].id;
    const lb = await s.call('load-balancer', 'POST', '/v2/lbaas/loadbalancers', { loadbalancer: { name: 'doomed', vip_subnet_id: subnet } });
    expect(lb.status).toBe(201);
    expect((await s.call('load-balancer', 'GET', `/v2/lbaas/loadbalancers/${lb.json.loadbalancer.id}`)).json.loadbalancer).toMatchObject({ provisioning_status: 'ERROR', operating_status: 'ERROR' });
    // An ERROR load balancer can be deleted (the OCCM deletes and recreates it).
    expect((await s.call('load-balancer', 'DELETE', `/v2/lbaas/loadbalancers/${lb.json.loadbalancer.id}`)).status).toBe(204);
    const bad = await s.call('volumev3', 'POST', '/volumes', { volume: { size: 1 } });
    expect(bad.status).toBe(202);
    expect((await s.call('volumev3', 'GET', `/volumes/${bad.json.volume.id}`)).json.volume.status).toBe('error');
    const good = (await s.call('volumev3', 'POST', '/volumes', { volume: { size: 1 } })).json.volume.id;
    expect((await s.call('volumev3', 'POST', `/volumes/${good}/action`, { 'os-extend': { new_size: 3 } })).status).toBe(202);
    expect((await s.call('volumev3', 'GET', `/volumes/${good}`)).json.volume).toMatchObject({ status: 'error_extending', size: 1 });
  });
});
