/**
 * Node pools as cluster-autoscaler and node-pool tooling drive them: an instance template, a
 * managed instance group made from it, resize up and down, listManagedInstances while instances
 * are created, deleteInstances for a chosen node, stop/start of a member, the group's members
 * through instanceGroups.listInstances, and deletes refused or cascading as on GCE.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { computeClients, PROJECT, rawCompute, ZONE } from '../helpers/gcp.js';

let server: RunningServer;
let c: ReturnType<typeof computeClients>;
useFauxcloud((s) => {
  server = s;
  c = computeClients(s);
});

const template = (name: string) => ({
  name,
  properties: {
    machineType: 'e2-standard-4',
    disks: [{ boot: true, autoDelete: true, type: 'PERSISTENT', initializeParams: { sourceImage: 'projects/cos-cloud/global/images/family/cos-117-lts', diskSizeGb: '100', diskType: 'pd-balanced' } }],
    networkInterfaces: [{ network: `projects/${PROJECT}/global/networks/default` }],
    metadata: { items: [{ key: 'kube-env', value: 'NODE_LABELS: pool=a' }] },
    labels: { 'goog-k8s-node-pool-name': 'pool-a' },
    tags: { items: ['gke-node'] },
    serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
  },
});

const mig = { project: PROJECT, zone: ZONE, instanceGroupManager: 'pool-a' };
const managed = async () => (await c.instanceGroupManagers.listManagedInstances(mig))[0];
const live = async () => (await managed()).filter((m) => m.currentAction !== 'DELETING');

describe('managed instance groups, as node-pool tooling uses them', () => {
  it('creates a pool from a template, resizes it, deletes a chosen node, and goes away with its instances', async () => {
    await c.wait((await c.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: template('pool-a-tmpl') }))[0]);
    const [tmpl] = await c.instanceTemplates.get({ project: PROJECT, instanceTemplate: 'pool-a-tmpl' });
    expect(tmpl.properties?.machineType).toBe('e2-standard-4');
    await c.wait((await c.instanceGroupManagers.insert({ project: PROJECT, zone: ZONE, instanceGroupManagerResource: { name: 'pool-a', baseInstanceName: 'gke-pool-a', instanceTemplate: tmpl.selfLink, targetSize: 2 } }))[0]);

    const [group] = await c.instanceGroupManagers.get(mig);
    expect(group).toMatchObject({ targetSize: 2, baseInstanceName: 'gke-pool-a', status: { isStable: true } });
    expect(group.currentActions).toMatchObject({ none: 2, creating: 0, deleting: 0 });
    expect(group.instanceGroup).toMatch(/\/zones\/us-central1-a\/instanceGroups\/pool-a$/);
    const first = await managed();
    expect(first.map((m) => [m.instanceStatus, m.currentAction])).toEqual([['RUNNING', 'NONE'], ['RUNNING', 'NONE']]);
    for (const m of first) expect(m.instance).toMatch(/\/instances\/gke-pool-a-[a-z0-9]{4}$/);

    // A member is a full instance: boot disk from the template's image, address, metadata, labels.
    const name = first[0]!.instance!.split('/').pop()!;
    const [vm] = await c.instances.get({ project: PROJECT, zone: ZONE, instance: name });
    expect(vm.labels).toEqual({ 'goog-k8s-node-pool-name': 'pool-a' });
    expect(vm.metadata?.items?.map((i) => i.key)).toEqual(['kube-env', 'instance-template', 'created-by']);
    expect(vm.disks?.[0]).toMatchObject({ boot: true, autoDelete: true, diskSizeGb: '100' });
    expect(vm.networkInterfaces?.[0]?.networkIP).toMatch(/^10\.128\./);

    // Scale up: new nodes, each in the instance group's view too.
    await c.wait((await c.instanceGroupManagers.resize({ ...mig, size: 4 }))[0]);
    expect(await live()).toHaveLength(4);
    const [members] = await c.instanceGroups.listInstances({ project: PROJECT, zone: ZONE, instanceGroup: 'pool-a', instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' } });
    expect(members).toHaveLength(4);

    // Stop and start one member, as a node repair does.
    await c.wait((await c.instances.stop({ project: PROJECT, zone: ZONE, instance: name }))[0]);
    expect((await managed()).find((m) => m.name === name)?.instanceStatus).toBe('TERMINATED');
    await c.wait((await c.instances.start({ project: PROJECT, zone: ZONE, instance: name }))[0]);
    expect((await managed()).find((m) => m.name === name)?.instanceStatus).toBe('RUNNING');

    // Scale down, then delete a chosen node (the autoscaler's way): the target follows.
    await c.wait((await c.instanceGroupManagers.resize({ ...mig, size: 2 }))[0]);
    const two = await live();
    expect(two).toHaveLength(2);
    await c.wait((await c.instanceGroupManagers.deleteInstances({ ...mig, instanceGroupManagersDeleteInstancesRequestResource: { instances: [two[1]!.instance!] } }))[0]);
    expect((await c.instanceGroupManagers.get(mig))[0].targetSize).toBe(1);
    expect((await live()).map((m) => m.instance)).toEqual([two[0]!.instance]);
    const deleted = two[1]!.instance!.split('/').pop()!;
    expect((await rawCompute(server, 'GET', `zones/${ZONE}/instances/${deleted}`)).status).toBe(404);
    expect((await rawCompute(server, 'GET', `zones/${ZONE}/disks/${deleted}`)).status).toBe(404);

    // The template is in use while the group lives; the group's delete takes its instances along.
    const inUse = await rawCompute(server, 'DELETE', 'global/instanceTemplates/pool-a-tmpl');
    expect(inUse.status).toBe(400);
    expect(inUse.json.error.errors[0].reason).toBe('resourceInUseByAnotherResource');
    await c.wait((await c.instanceGroupManagers.delete(mig))[0]);
    expect((await rawCompute(server, 'GET', `zones/${ZONE}/instances/${two[0]!.instance!.split('/').pop()}`)).status).toBe(404);
    expect((await rawCompute(server, 'GET', `zones/${ZONE}/instanceGroups/pool-a`)).status).toBe(404);
    await c.wait((await c.instanceTemplates.delete({ project: PROJECT, instanceTemplate: 'pool-a-tmpl' }))[0]);
  });

  it('shows instances being created as CREATING until they run', async () => {
    await c.wait((await c.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: template('slow-tmpl') }))[0]);
    expect((await admin(server).put('/lifecycle', { 'gcp.compute.instance': { STAGING: { manual: { afterReads: 1000 } } } })).status).toBe(200);
    await c.wait((await c.instanceGroupManagers.insert({ project: PROJECT, zone: ZONE, instanceGroupManagerResource: { name: 'pool-a', baseInstanceName: 'slow', instanceTemplate: 'global/instanceTemplates/slow-tmpl', targetSize: 1 } }))[0]);
    const [pending] = await managed();
    expect(pending).toMatchObject({ instanceStatus: 'STAGING', currentAction: 'CREATING' });
    expect((await c.instanceGroupManagers.get(mig))[0].status?.isStable).toBe(false);
    await admin(server).post('/lifecycle/step', { cloud: 'gcp', tenant: PROJECT, type: 'gcp.compute.instance', id: `zones/${ZONE}/instances/${pending!.name}` });
    expect((await managed())[0]).toMatchObject({ instanceStatus: 'RUNNING', currentAction: 'NONE' });
  });

  it('inserts a single instance from a template and refuses what GCE refuses', async () => {
    await c.wait((await c.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: template('t1') }))[0]);
    await c.wait((await c.instances.insert({ project: PROJECT, zone: ZONE, sourceInstanceTemplate: 'global/instanceTemplates/t1', instanceResource: { name: 'from-template' } }))[0]);
    const [vm] = await c.instances.get({ project: PROJECT, zone: ZONE, instance: 'from-template' });
    expect(vm).toMatchObject({ status: 'RUNNING', tags: { items: ['gke-node'] } });
    const badType = await rawCompute(server, 'POST', 'global/instanceTemplates', { ...template('t2'), properties: { ...template('t2').properties, machineType: 'c9-mega' } });
    expect(badType.status).toBe(400);
    expect(badType.json.error.message).toContain('Instance properties must provide existing machine type');
    const noTemplate = await rawCompute(server, 'POST', `zones/${ZONE}/instanceGroupManagers`, { name: 'x', instanceTemplate: 'global/instanceTemplates/none', targetSize: 1 });
    expect(noTemplate.status).toBe(404);
    const noGroup = await rawCompute(server, 'POST', `zones/${ZONE}/instanceGroupManagers/none/resize?size=1`);
    expect(noGroup.status).toBe(404);
  });
});
