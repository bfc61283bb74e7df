/**
 * What cloud-provider-gcp's route and service controllers build, through Google's own client:
 * routes per podCIDR, firewalls (PUT and PATCH), reserved addresses with their clash rules, an
 * external load balancer (target pool) and an internal one (instance group, health check,
 * regional backend service, INTERNAL forwarding rule with an IP from the subnet).
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { computeClients, PROJECT, rawCompute, REGION, ZONE } from '../helpers/gcp.js';

let server: RunningServer;
let c: ReturnType<typeof computeClients>;
useFauxcloud((s) => {
  server = s;
  c = computeClients(s);
});

const nodeUrl = (zone: string, name: string) => `projects/${PROJECT}/zones/${zone}/instances/${name}`;

describe('GCE networking for the CCM', () => {
  it('creates, lists by filter and deletes node routes; a duplicate is 409', async () => {
    const [net] = await c.networks.get({ project: PROJECT, network: 'default' });
    await c.wait((await c.routes.insert({ project: PROJECT, routeResource: { name: 'fauxcloud-pod-a', network: net.selfLink, destRange: '10.64.1.0/24', nextHopInstance: `zones/${ZONE}/instances/node-a`, priority: 1000, description: 'k8s-node-route' } }))[0]);
    const dup = await rawCompute(server, 'POST', 'global/routes', { name: 'fauxcloud-pod-a', network: 'global/networks/default', destRange: '10.64.1.0/24', nextHopInstance: `zones/${ZONE}/instances/node-a` });
    expect(dup.status).toBe(409);
    const [routes] = await c.routes.list({ project: PROJECT, filter: `(name eq fauxcloud-.*) (network eq ${net.selfLink}) (description eq k8s-node-route)` });
    expect(routes.map((r) => [r.name, r.destRange, r.nextHopInstance?.split('/').pop()])).toEqual([['fauxcloud-pod-a', '10.64.1.0/24', 'node-a']]);
    // The CCM builds the network URL from its own api-endpoint; references compare by path.
    const [byOwnUrl] = await c.routes.list({ project: PROJECT, filter: `(network eq ${server.httpUrl}/compute/v1/projects/${PROJECT}/global/networks/default)` });
    expect(byOwnUrl).toHaveLength(1);
    const missingHop = await rawCompute(server, 'POST', 'global/routes', { name: 'r2', network: 'global/networks/default', destRange: '10.64.2.0/24', nextHopInstance: `zones/${ZONE}/instances/ghost` });
    expect(missingHop.status).toBe(404);
    await c.wait((await c.routes.delete({ project: PROJECT, route: 'fauxcloud-pod-a' }))[0]);
    expect((await c.routes.list({ project: PROJECT }))[0]).toEqual([]);
  });

  it('inserts, replaces (PUT) and patches a firewall', async () => {
    await c.wait((await c.firewalls.insert({ project: PROJECT, firewallResource: { name: 'k8s-fw-a1', network: 'global/networks/default', sourceRanges: ['0.0.0.0/0'], targetTags: ['node'], allowed: [{ IPProtocol: 'tcp', ports: ['80'] }] } }))[0]);
    await c.wait((await c.firewalls.update({ project: PROJECT, firewall: 'k8s-fw-a1', firewallResource: { name: 'k8s-fw-a1', network: 'global/networks/default', sourceRanges: ['10.0.0.0/8'], targetTags: ['node'], allowed: [{ IPProtocol: 'tcp', ports: ['80', '443'] }] } }))[0]);
    await c.wait((await c.firewalls.patch({ project: PROJECT, firewall: 'k8s-fw-a1', firewallResource: { description: 'patched' } }))[0]);
    const [fw] = await c.firewalls.get({ project: PROJECT, firewall: 'k8s-fw-a1' });
    expect(fw).toMatchObject({ description: 'patched', sourceRanges: ['10.0.0.0/8'], direction: 'INGRESS', priority: 1000 });
    expect(fw.allowed?.[0]?.ports).toEqual(['80', '443']);
    const bad = await rawCompute(server, 'POST', 'global/firewalls', { name: 'k8s-fw-bad', allowed: [{ IPProtocol: 'tcp' }], denied: [{ IPProtocol: 'udp' }] });
    expect(bad.status).toBe(400);
  });

  it('reserves addresses: EXTERNAL from the pool, INTERNAL from the subnet, clashes 400 / 409', async () => {
    await c.wait((await c.addresses.insert({ project: PROJECT, region: REGION, addressResource: { name: 'a-ext' } }))[0]);
    const [ext] = await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-ext' });
    expect(ext).toMatchObject({ addressType: 'EXTERNAL', status: 'RESERVED', networkTier: 'PREMIUM' });
    expect(ext.address).toMatch(/^34\.118\./);
    const extClash = await rawCompute(server, 'POST', `regions/${REGION}/addresses`, { name: 'a-ext-2', address: ext.address });
    expect(extClash.status).toBe(400);

    await c.wait((await c.addresses.insert({ project: PROJECT, region: REGION, addressResource: { name: 'a-int', addressType: 'INTERNAL', subnetwork: `regions/${REGION}/subnetworks/default`, address: '10.128.0.50' } }))[0]);
    const intClash = await rawCompute(server, 'POST', `regions/${REGION}/addresses`, { name: 'a-int-2', addressType: 'INTERNAL', subnetwork: `regions/${REGION}/subnetworks/default`, address: '10.128.0.50' });
    expect(intClash.status).toBe(409);
    const outside = await rawCompute(server, 'POST', `regions/${REGION}/addresses`, { name: 'a-int-3', addressType: 'INTERNAL', subnetwork: `regions/${REGION}/subnetworks/default`, address: '192.168.1.1' });
    expect(outside.status).toBe(400);
    const [found] = await c.addresses.list({ project: PROJECT, region: REGION, filter: `address eq ${ext.address!.replace(/\./g, '\\.')}` });
    expect(found.map((a) => a.name)).toEqual(['a-ext']);
  });

  it('builds an external load balancer on a target pool', async () => {
    await c.wait((await c.addresses.insert({ project: PROJECT, region: REGION, addressResource: { name: 'a-lb' } }))[0]);
    const [addr] = await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-lb' });
    // The legacy httpHealthChecks collection has no client in @google-cloud/compute; the CCM calls it over REST.
    const hc = await rawCompute(server, 'POST', 'global/httpHealthChecks', { name: 'k8s-hc', port: 10256, requestPath: '/healthz' });
    expect(hc.status).toBe(200);
    await c.wait(hc.json);
    await c.wait((await c.targetPools.insert({ project: PROJECT, region: REGION, targetPoolResource: { name: 'a-lb', instances: [nodeUrl(ZONE, 'node-a')], healthChecks: ['global/httpHealthChecks/k8s-hc'], sessionAffinity: 'NONE' } }))[0]);
    await c.wait((await c.targetPools.addInstance({ project: PROJECT, region: REGION, targetPool: 'a-lb', targetPoolsAddInstanceRequestResource: { instances: [{ instance: nodeUrl('us-central1-b', 'node-b') }] } }))[0]);
    await c.wait((await c.forwardingRules.insert({ project: PROJECT, region: REGION, forwardingRuleResource: { name: 'a-lb', IPAddress: addr.address, IPProtocol: 'TCP', portRange: '80-80', target: `regions/${REGION}/targetPools/a-lb` } }))[0]);

    const [fr] = await c.forwardingRules.get({ project: PROJECT, region: REGION, forwardingRule: 'a-lb' });
    expect(fr).toMatchObject({ IPAddress: addr.address, loadBalancingScheme: 'EXTERNAL', portRange: '80-80' });
    const [pool] = await c.targetPools.get({ project: PROJECT, region: REGION, targetPool: 'a-lb' });
    expect(pool.instances?.map((i) => i.split('/').pop())).toEqual(['node-a', 'node-b']);
    expect((await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-lb' }))[0].status).toBe('IN_USE');

    // What is referenced cannot go first.
    const poolInUse = await rawCompute(server, 'DELETE', `regions/${REGION}/targetPools/a-lb`);
    expect(poolInUse.status).toBe(400);
    expect(poolInUse.json.error.message).toContain('being used by');
    await c.wait((await c.forwardingRules.delete({ project: PROJECT, region: REGION, forwardingRule: 'a-lb' }))[0]);
    await c.wait((await c.targetPools.removeInstance({ project: PROJECT, region: REGION, targetPool: 'a-lb', targetPoolsRemoveInstanceRequestResource: { instances: [{ instance: nodeUrl(ZONE, 'node-a') }] } }))[0]);
    expect((await c.targetPools.get({ project: PROJECT, region: REGION, targetPool: 'a-lb' }))[0].instances?.map((i) => i.split('/').pop())).toEqual(['node-b']);
    expect((await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-lb' }))[0].status).toBe('RESERVED');
  });

  it('demotes an address in use to the rule\'s ephemeral IP on delete, and promotes it back on insert', async () => {
    await c.wait((await c.targetPools.insert({ project: PROJECT, region: REGION, targetPoolResource: { name: 'tp-eph', instances: ['/zones/us-central1-a/instances/node-a'] } }))[0]);
    await c.wait((await c.addresses.insert({ project: PROJECT, region: REGION, addressResource: { name: 'a-eph' } }))[0]);
    const ip = (await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-eph' }))[0].address!;
    await c.wait((await c.forwardingRules.insert({ project: PROJECT, region: REGION, forwardingRuleResource: { name: 'fr-eph', IPAddress: ip, portRange: '80-80', target: `regions/${REGION}/targetPools/tp-eph` } }))[0]);
    // cloud-provider-gcp releases the address right after the rule exists: the rule keeps the IP.
    await c.wait((await c.addresses.delete({ project: PROJECT, region: REGION, address: 'a-eph' }))[0]);
    expect((await c.forwardingRules.get({ project: PROJECT, region: REGION, forwardingRule: 'fr-eph' }))[0].IPAddress).toBe(ip);
    const other = await rawCompute(server, 'POST', `regions/${REGION}/addresses`, { name: 'a-thief' });
    expect(other.status).toBe(200);
    expect((await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-thief' }))[0].address).not.toBe(ip);
    // ensureStaticIP: reserving the rule's IP again promotes it.
    await c.wait((await c.addresses.insert({ project: PROJECT, region: REGION, addressResource: { name: 'a-eph-2', address: ip } }))[0]);
    expect((await c.addresses.get({ project: PROJECT, region: REGION, address: 'a-eph-2' }))[0]).toMatchObject({ address: ip, status: 'IN_USE' });
  });

  it('builds an internal load balancer: instance group, health check, backend service, INTERNAL rule', async () => {
    await c.wait((await c.instanceGroups.insert({ project: PROJECT, zone: ZONE, instanceGroupResource: { name: 'k8s-ig--uid', network: 'global/networks/default' } }))[0]);
    await c.wait((await c.instanceGroups.addInstances({ project: PROJECT, zone: ZONE, instanceGroup: 'k8s-ig--uid', instanceGroupsAddInstancesRequestResource: { instances: [{ instance: nodeUrl(ZONE, 'node-a') }] } }))[0]);
    const wrongZone = await rawCompute(server, 'POST', `zones/${ZONE}/instanceGroups/k8s-ig--uid/addInstances`, { instances: [{ instance: nodeUrl('us-central1-b', 'node-b') }] });
    expect(wrongZone.status).toBe(400);
    const [members] = await c.instanceGroups.listInstances({ project: PROJECT, zone: ZONE, instanceGroup: 'k8s-ig--uid', instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' } });
    expect(members.map((m) => m.instance?.split('/').pop())).toEqual(['node-a']);
    expect((await c.instanceGroups.get({ project: PROJECT, zone: ZONE, instanceGroup: 'k8s-ig--uid' }))[0].size).toBe(1);

    await c.wait((await c.healthChecks.insert({ project: PROJECT, healthCheckResource: { name: 'k8s-ilb-hc', type: 'HTTP', httpHealthCheck: { port: 10256, requestPath: '/healthz' } } }))[0]);
    const [ig] = await c.instanceGroups.get({ project: PROJECT, zone: ZONE, instanceGroup: 'k8s-ig--uid' });
    await c.wait((await c.backendServices.insert({ project: PROJECT, region: REGION, backendServiceResource: { name: 'k8s-ilb', loadBalancingScheme: 'INTERNAL', protocol: 'TCP', healthChecks: ['global/healthChecks/k8s-ilb-hc'], backends: [{ group: ig.selfLink }] } }))[0]);
    const [health] = await c.backendServices.getHealth({ project: PROJECT, region: REGION, backendService: 'k8s-ilb', resourceGroupReferenceResource: { group: ig.selfLink } });
    expect(health.healthStatus?.map((h) => [h.instance?.split('/').pop(), h.healthState])).toEqual([['node-a', 'HEALTHY']]);

    await c.wait((await c.forwardingRules.insert({ project: PROJECT, region: REGION, forwardingRuleResource: { name: 'k8s-ilb', loadBalancingScheme: 'INTERNAL', IPProtocol: 'TCP', ports: ['80'], backendService: `regions/${REGION}/backendServices/k8s-ilb`, network: 'global/networks/default', subnetwork: `regions/${REGION}/subnetworks/default` } }))[0]);
    const [fr] = await c.forwardingRules.get({ project: PROJECT, region: REGION, forwardingRule: 'k8s-ilb' });
    expect(fr.IPAddress).toMatch(/^10\.128\.0\.\d+$/);
    const [nodeA] = await c.instances.get({ project: PROJECT, zone: ZONE, instance: 'node-a' });
    expect(fr.IPAddress).not.toBe(nodeA.networkInterfaces?.[0]?.networkIP);

    const igInUse = await rawCompute(server, 'DELETE', `zones/${ZONE}/instanceGroups/k8s-ig--uid`);
    expect(igInUse.status).toBe(400);
    expect(igInUse.json.error.message).toContain('being used by');
  });
});

describe('links on the HTTPS listener', () => {
  it('point selfLinks at fauxcloud\'s HTTPS port, on the host name the caller used', async () => {
    const { startFauxcloud } = await import('../helpers/fauxcloud.js');
    const tls = await startFauxcloud({ httpsPort: 0 });
    try {
      const res = await fetch(`${tls.httpUrl}/compute/beta/projects/${PROJECT}/zones/${ZONE}/instances/node-a`);
      const inst = (await res.json()) as { selfLink: string };
      expect(inst.selfLink).toBe(`${tls.httpsUrl}/compute/beta/projects/${PROJECT}/zones/${ZONE}/instances/node-a`);
      // A Host header is data: it never adds keys or breaks the JSON; one that is no host name is ignored.
      for (const host of ['a","injected":"b', 'a"b\\', 'x y', 'NODE.example:99']) {
        const raw = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const url = new URL(tls.httpUrl);
          const r = httpRequest({ host: url.hostname, port: url.port, path: `/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/node-a`, headers: { host } }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          r.on('error', reject);
          r.end();
        });
        expect(raw.status, host).toBe(200);
        const body = JSON.parse(raw.text) as Record<string, unknown>;
        expect(body['injected']).toBeUndefined();
        const port = new URL(tls.httpsUrl!).port;
        expect(body['selfLink']).toBe(`https://${host === 'NODE.example:99' ? 'node.example' : '127.0.0.1'}:${port}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/node-a`);
      }
    } finally {
      await tls.close();
    }
  });
});
