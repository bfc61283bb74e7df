/**
 * Neutron and Octavia as openstack-cloud-controller-manager drives them: node addresses from
 * ports by device_id, the extensions it requires, router routes (PUT and the atomic
 * add/remove_extraroutes) with allowed address pairs, security groups with 409 on a duplicate
 * rule, and a LoadBalancer Service: a fully populated Octavia create, PENDING_* → ACTIVE on the
 * lifecycle engine with 409 while pending, a floating IP on the VIP port, member batch update
 * (202), cascade delete.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { login, type Session } from '../helpers/openstack.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));

const net = (s: Session, method: string, path: string, body?: unknown) => s.call('network', method, `/v2.0${path}`, body);
const lb = (s: Session, method: string, path: string, body?: unknown) => s.call('load-balancer', method, `/v2/lbaas${path}`, body);

async function node(s: Session, name: string): Promise<{ id: string }> {
  return (await s.call('compute', 'GET', `/servers/detail?name=%5E${name}%24`)).json.servers[0];
}

describe('Neutron, as the OCCM reads and changes it', () => {
  it('lists a server\'s ports by device_id with fixed IPs, and the networks by name', async () => {
    const s = await login(server);
    const a = await node(s, 'node-a');
    const ports = await net(s, 'GET', `/ports?device_id=${a.id}`);
    expect(ports.status).toBe(200);
    expect(ports.json.ports).toHaveLength(1);
    const p = ports.json.ports[0];
    expect(p).toMatchObject({ device_id: a.id, device_owner: 'compute:nova', status: 'ACTIVE', port_security_enabled: true });
    expect(p.fixed_ips[0].ip_address).toMatch(/^10\.0\.0\./);
    const byFixed = await net(s, 'GET', `/ports?fixed_ips=ip_address=${p.fixed_ips[0].ip_address}`);
    expect(byFixed.json.ports.map((x: { id: string }) => x.id)).toEqual([p.id]);
    const nets = await net(s, 'GET', '/networks');
    expect(nets.json.networks.map((n: { name: string; 'router:external': boolean }) => [n.name, n['router:external']]).sort()).toEqual([['fauxcloud-net', false], ['public', true]]);
    const ext = await net(s, 'GET', '/networks?router:external=true');
    expect(ext.json.networks.map((n: { name: string }) => n.name)).toEqual(['public']);
    expect((await net(s, 'GET', '/ports/nope')).json).toEqual({ NeutronError: { type: 'PortNotFound', message: 'Port nope could not be found.', detail: '' } });
    const aliases = (await net(s, 'GET', '/extensions')).json.extensions.map((e: { alias: string }) => e.alias);
    expect(aliases).toEqual(expect.arrayContaining(['extraroute', 'extraroute-atomic', 'allowed-address-pairs']));
  });

  it('routes pod CIDRs through the router to the nodes, atomically, with allowed address pairs', async () => {
    const s = await login(server);
    const router = (await net(s, 'GET', '/routers?name=fauxcloud-router')).json.routers[0];
    expect(router.external_gateway_info.network_id).toBeTruthy();
    const a = await net(s, 'GET', `/ports?device_id=${(await node(s, 'node-a')).id}`);
    const ip = a.json.ports[0].fixed_ips[0].ip_address;
    const add = await net(s, 'PUT', `/routers/${router.id}/add_extraroutes`, { router: { routes: [{ destination: '10.244.1.0/24', nexthop: ip }] } });
    expect(add.status).toBe(200);
    expect(add.json.router.routes).toEqual([{ destination: '10.244.1.0/24', nexthop: ip }]);
    const bad = await net(s, 'PUT', `/routers/${router.id}/add_extraroutes`, { router: { routes: [{ destination: '10.244.2.0/24', nexthop: '192.168.9.9' }] } });
    expect(bad.status).toBe(400);
    expect(bad.json.NeutronError.type).toBe('InvalidRoutes');
    const pairs = await net(s, 'PUT', `/ports/${a.json.ports[0].id}`, { port: { allowed_address_pairs: [{ ip_address: '10.244.1.0/24' }] } });
    expect(pairs.json.port.allowed_address_pairs).toEqual([{ ip_address: '10.244.1.0/24', mac_address: '' }]);
    const rm = await net(s, 'PUT', `/routers/${router.id}/remove_extraroutes`, { router: { routes: [{ destination: '10.244.1.0/24', nexthop: ip }] } });
    expect(rm.json.router.routes).toEqual([]);
  });

  it('creates security groups and rules, 409 on a duplicate rule, and tags ports', async () => {
    const s = await login(server);
    const sg = await net(s, 'POST', '/security-groups', { security_group: { name: 'lb-sg-1', description: 'k8s' } });
    expect(sg.status).toBe(201);
    const rule = { security_group_rule: { security_group_id: sg.json.security_group.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 30000, port_range_max: 30000, remote_ip_prefix: '10.0.0.0/24' } };
    expect((await net(s, 'POST', '/security-group-rules', rule)).status).toBe(201);
    const dup = await net(s, 'POST', '/security-group-rules', rule);
    expect(dup.status).toBe(409);
    expect(dup.json.NeutronError.type).toBe('SecurityGroupRuleExists');
    const rules = await net(s, 'GET', `/security-group-rules?security_group_id=${sg.json.security_group.id}`);
    expect(rules.json.security_group_rules).toHaveLength(3);
    const byName = await net(s, 'GET', '/security-groups?name=lb-sg-1');
    expect(byName.json.security_groups).toHaveLength(1);
    const port = (await net(s, 'GET', '/ports')).json.ports[0];
    expect((await net(s, 'PUT', `/ports/${port.id}/tags/lb-sg-1`)).status).toBe(201);
    expect((await net(s, 'GET', '/ports?tags=lb-sg-1')).json.ports.map((p: { id: string }) => p.id)).toEqual([port.id]);
    expect((await net(s, 'DELETE', `/ports/${port.id}/tags/lb-sg-1`)).status).toBe(204);
  });
});

describe('Octavia, as the OCCM builds a LoadBalancer Service', () => {
  it('creates a fully populated load balancer, waits it ACTIVE, gives it a floating IP and deletes it by cascade', async () => {
    await admin(server).put('/lifecycle', { 'openstack.loadbalancer': { PENDING_CREATE: { delay: { ms: 30_000 } }, PENDING_UPDATE: { delay: { ms: 10_000 } } } });
    const s = await login(server);
    const subnet = (await net(s, 'GET', '/subnets?name=fauxcloud-subnet')).json.subnets[0];
    const a = await net(s, 'GET', `/ports?device_id=${(await node(s, 'node-a')).id}`);
    const memberIp = a.json.ports[0].fixed_ips[0].ip_address;
    const created = await lb(s, 'POST', '/loadbalancers', {
      loadbalancer: {
        name: 'kube_service_kubernetes_default_web', vip_subnet_id: subnet.id, provider: 'amphora', tags: ['kube_service_kubernetes_default_web'],
        listeners: [{
          name: 'listener_0', protocol: 'TCP', protocol_port: 80, allowed_cidrs: ['0.0.0.0/0'],
          default_pool: { name: 'pool_0', protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN', members: [{ name: 'node-a', address: memberIp, protocol_port: 30080, subnet_id: subnet.id }], healthmonitor: { type: 'TCP', delay: 5, timeout: 3, max_retries: 1 } },
        }],
      },
    });
    expect(created.status).toBe(201);
    const l = created.json.loadbalancer;
    expect(l).toMatchObject({ provisioning_status: 'PENDING_CREATE', vip_subnet_id: subnet.id });
    expect(l.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(l.vip_address).toMatch(/^10\.0\.0\./);
    expect(l.listeners).toHaveLength(1);
    // Immutable while pending.
    const busy = await lb(s, 'PUT', `/loadbalancers/${l.id}`, { loadbalancer: { description: 'x' } });
    expect(busy.status).toBe(409);
    expect(busy.json.faultstring).toBe(`Load Balancer ${l.id} is immutable and cannot be updated.`);
    await admin(server).post('/clock/advance', { ms: 30_000 });
    const active = (await lb(s, 'GET', `/loadbalancers/${l.id}`)).json.loadbalancer;
    expect(active).toMatchObject({ provisioning_status: 'ACTIVE', operating_status: 'ONLINE' });
    const pools = (await lb(s, 'GET', `/pools?loadbalancer_id=${l.id}`)).json.pools;
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({ provisioning_status: 'ACTIVE', healthmonitor_id: expect.any(String) });

    // Members batch: node-b joins, node-a leaves.
    const b = await net(s, 'GET', `/ports?device_id=${(await node(s, 'node-b')).id}`);
    const batch = await lb(s, 'PUT', `/pools/${pools[0].id}/members`, { members: [{ name: 'node-b', address: b.json.ports[0].fixed_ips[0].ip_address, protocol_port: 30080 }] });
    expect(batch.status).toBe(202);
    expect((await lb(s, 'GET', `/loadbalancers/${l.id}`)).json.loadbalancer.provisioning_status).toBe('PENDING_UPDATE');
    await admin(server).post('/clock/advance', { ms: 10_000 });
    const members = (await lb(s, 'GET', `/pools/${pools[0].id}/members`)).json.members;
    expect(members.map((m: { name: string; provisioning_status: string }) => [m.name, m.provisioning_status])).toEqual([['node-b', 'ACTIVE']]);

    // A floating IP from the external network on the VIP port.
    const ext = (await net(s, 'GET', '/networks?router:external=true')).json.networks[0];
    const fip = await net(s, 'POST', '/floatingips', { floatingip: { floating_network_id: ext.id, port_id: l.vip_port_id, description: 'Floating IP for Kubernetes external service default/web' } });
    expect(fip.status).toBe(201);
    expect(fip.json.floatingip).toMatchObject({ port_id: l.vip_port_id, fixed_ip_address: l.vip_address, status: 'ACTIVE' });
    expect(fip.json.floatingip.floating_ip_address).toMatch(/^172\.24\.4\./);
    expect((await net(s, 'GET', `/floatingips?port_id=${l.vip_port_id}`)).json.floatingips).toHaveLength(1);

    expect((await lb(s, 'DELETE', `/loadbalancers/${l.id}`)).status).toBe(400);
    expect((await lb(s, 'DELETE', `/loadbalancers/${l.id}?cascade=true`)).status).toBe(204);
    expect((await lb(s, 'GET', `/loadbalancers/${l.id}`)).status).toBe(404);
    expect((await net(s, 'GET', `/floatingips/${fip.json.floatingip.id}`)).json.floatingip.port_id).toBeNull();
    expect((await lb(s, 'GET', `/listeners?loadbalancer_id=${l.id}`)).json.listeners).toEqual([]);
  });

  it('answers the version list with v2.0 first and the newest last', async () => {
    const r = await fetch(`${server.httpUrl}/openstack/load-balancer/`);
    const body = await r.json() as { versions: Array<{ id: string; status: string }> };
    expect(body.versions[0]!.id).toBe('v2.0');
    expect(body.versions.at(-1)).toMatchObject({ status: 'CURRENT' });
  });
});
