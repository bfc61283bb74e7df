/**
 * Building the world through Compute as a provisioner does: an instance from a public image
 * family (boot disk made and attached, an address from the subnetwork, an ephemeral external
 * one, metadata, labels, tags, service account), stop / change machine type / start / reset,
 * metadata and labels behind their fingerprints, delete with the boot disk; the errors GCE
 * answers; and a stop held by the lifecycle engine holding its operation.
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

const web = (name: string) => ({
  name,
  machineType: `zones/${ZONE}/machineTypes/e2-medium`,
  disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/debian-cloud/global/images/family/debian-12', diskSizeGb: '20', diskType: `zones/${ZONE}/diskTypes/pd-balanced` } }],
  networkInterfaces: [{ network: 'global/networks/default', accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }],
  metadata: { items: [{ key: 'startup-script', value: 'echo hi' }] },
  labels: { role: 'web' },
  tags: { items: ['http-server'] },
  serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
  scheduling: { automaticRestart: true, onHostMaintenance: 'MIGRATE' },
});

const get = async (name: string) => (await c.instances.get({ project: PROJECT, zone: ZONE, instance: name }))[0];
const items = (m: { items?: Array<{ key?: string | null; value?: string | null }> | null } | null | undefined) => m?.items?.map(({ key, value }) => ({ key, value }));
const code = (e: unknown) => (e as { code: number }).code;

describe('Compute instances built through the API', () => {
  it('inserts from an image family: boot disk, addresses, metadata, labels; stops, resizes, starts, resets, deletes', async () => {
    const [started] = await c.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: web('web-1') });
    expect((started.latestResponse as { operationType: string }).operationType).toBe('insert');
    expect((await c.wait(started)).error).toBeFalsy();

    const vm = await get('web-1');
    expect(vm).toMatchObject({ status: 'RUNNING', labels: { role: 'web' }, tags: { items: ['http-server'] } });
    expect(vm.machineType).toMatch(/\/zones\/us-central1-a\/machineTypes\/e2-medium$/);
    expect(vm.serviceAccounts?.[0]?.email).toBe('123456789012-compute@developer.gserviceaccount.com');
    expect(items(vm.metadata)).toEqual([{ key: 'startup-script', value: 'echo hi' }]);
    expect(vm.scheduling?.onHostMaintenance).toBe('MIGRATE');
    const nic = vm.networkInterfaces![0]!;
    expect(nic.networkIP).toMatch(/^10\.128\.\d+\.\d+$/);
    expect(nic.accessConfigs?.[0]).toMatchObject({ type: 'ONE_TO_ONE_NAT', name: 'External NAT' });
    expect(nic.accessConfigs?.[0]?.natIP).toMatch(/^34\.118\./);
    expect(vm.disks?.map((d) => [d.deviceName, d.boot, d.autoDelete, d.source?.split('/').pop(), d.diskSizeGb])).toEqual([['persistent-disk-0', true, true, 'web-1', '20']]);

    const [boot] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'web-1' });
    expect(boot.sourceImage).toMatch(/\/projects\/debian-cloud\/global\/images\/debian-12-bookworm-v\d+$/);
    expect(boot.users?.map((u) => u.split('/').slice(-2).join('/'))).toEqual(['instances/web-1']);

    // A second instance gets the next address.
    await c.wait((await c.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: web('web-2') }))[0]);
    const other = await get('web-2');
    expect(other.networkInterfaces![0]!.networkIP).not.toBe(nic.networkIP);
    expect(other.networkInterfaces![0]!.accessConfigs![0]!.natIP).not.toBe(nic.accessConfigs![0]!.natIP);

    // The machine type changes only while the instance is stopped.
    const running = await rawCompute(server, 'POST', `zones/${ZONE}/instances/web-1/setMachineType`, { machineType: `zones/${ZONE}/machineTypes/e2-standard-4` });
    expect(running.status).toBe(400);
    expect(running.json.error.message).toContain('STOPPED');
    expect((await c.wait((await c.instances.stop({ project: PROJECT, zone: ZONE, instance: 'web-1' }))[0])).operationType).toBe('stop');
    expect((await get('web-1')).status).toBe('TERMINATED');
    await c.wait((await c.instances.setMachineType({ project: PROJECT, zone: ZONE, instance: 'web-1', instancesSetMachineTypeRequestResource: { machineType: `zones/${ZONE}/machineTypes/e2-standard-4` } }))[0]);
    await c.wait((await c.instances.start({ project: PROJECT, zone: ZONE, instance: 'web-1' }))[0]);
    const restarted = await get('web-1');
    expect(restarted.status).toBe('RUNNING');
    expect(restarted.machineType).toMatch(/e2-standard-4$/);
    expect(restarted.lastStopTimestamp).toBeTruthy();
    expect((await c.wait((await c.instances.reset({ project: PROJECT, zone: ZONE, instance: 'web-1' }))[0])).error).toBeFalsy();

    // Metadata and labels move only with the current fingerprint.
    const staleMeta = await rawCompute(server, 'POST', `zones/${ZONE}/instances/web-1/setMetadata`, { fingerprint: 'stale', items: [] });
    expect(staleMeta.status).toBe(412);
    expect(staleMeta.json.error.errors[0].reason).toBe('conditionNotMet');
    await c.wait((await c.instances.setMetadata({ project: PROJECT, zone: ZONE, instance: 'web-1', metadataResource: { fingerprint: restarted.metadata!.fingerprint, items: [{ key: 'kube-env', value: 'A: b' }] } }))[0]);
    const staleLabels = await rawCompute(server, 'POST', `zones/${ZONE}/instances/web-1/setLabels`, { labels: { x: 'y' }, labelFingerprint: 'stale' });
    expect(staleLabels.status).toBe(412);
    await c.wait((await c.instances.setLabels({ project: PROJECT, zone: ZONE, instance: 'web-1', instancesSetLabelsRequestResource: { labels: { role: 'api' }, labelFingerprint: restarted.labelFingerprint } }))[0]);
    const changed = await get('web-1');
    expect(items(changed.metadata)).toEqual([{ key: 'kube-env', value: 'A: b' }]);
    expect(changed.metadata?.fingerprint).not.toBe(restarted.metadata?.fingerprint);
    expect(changed.labels).toEqual({ role: 'api' });

    // Delete takes the autoDelete boot disk along and frees the address for the next instance.
    await c.wait((await c.instances.delete({ project: PROJECT, zone: ZONE, instance: 'web-1' }))[0]);
    expect(code(await get('web-1').catch((e) => e))).toBe(404);
    expect(code(await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'web-1' }).catch((e) => e))).toBe(404);
    await c.wait((await c.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: web('web-3') }))[0]);
    expect((await get('web-3')).networkInterfaces![0]!.networkIP).toBe(nic.networkIP);
  });

  it('boots from an existing disk and keeps a disk without autoDelete', async () => {
    await c.wait((await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'golden', sizeGb: 30, sourceImage: 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts' } }))[0]);
    const body = { ...web('from-disk'), disks: [{ boot: true, source: `projects/${PROJECT}/zones/${ZONE}/disks/golden` }] };
    await c.wait((await c.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: body }))[0]);
    expect((await get('from-disk')).disks?.[0]).toMatchObject({ boot: true, autoDelete: false, deviceName: 'persistent-disk-0' });
    // In use by a writer: a second instance cannot boot from it.
    const taken = await rawCompute(server, 'POST', `zones/${ZONE}/instances`, { ...body, name: 'again' });
    expect(taken.status).toBe(400);
    expect(taken.json.error.errors[0].reason).toBe('resourceInUseByAnotherResource');
    await c.wait((await c.instances.delete({ project: PROJECT, zone: ZONE, instance: 'from-disk' }))[0]);
    const [kept] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'golden' });
    expect(kept.users ?? []).toEqual([]);
  });

  it('answers bad inserts as GCE does', async () => {
    await c.wait((await c.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: web('dup') }))[0]);
    const dup = await rawCompute(server, 'POST', `zones/${ZONE}/instances`, web('dup'));
    expect(dup.status).toBe(409);
    expect(dup.json.error.errors[0].reason).toBe('alreadyExists');
    const badType = await rawCompute(server, 'POST', `zones/${ZONE}/instances`, { ...web('bad'), machineType: `zones/${ZONE}/machineTypes/e9-huge` });
    expect(badType.status).toBe(400);
    expect(badType.json.error.message).toContain("Machine type with name 'e9-huge' does not exist");
    const noImage = await rawCompute(server, 'POST', `zones/${ZONE}/instances`, { ...web('bad'), disks: [{ boot: true, initializeParams: { sourceImage: 'projects/debian-cloud/global/images/family/debian-99' } }] });
    expect(noImage.status).toBe(404);
    expect(noImage.json.error.message).toContain('projects/debian-cloud/global/images/family/debian-99');
    const badMeta = await rawCompute(server, 'POST', `zones/${ZONE}/instances`, { ...web('bad'), metadata: { items: [{ key: 'a b', value: 'x' }] } });
    expect(badMeta.status).toBe(400);
    const outside = await rawCompute(server, 'POST', `zones/${ZONE}/instances`, { ...web('bad'), networkInterfaces: [{ networkIP: '192.168.0.5' }] });
    expect(outside.status).toBe(400);
    // Nothing of the refused inserts is left behind.
    expect(code(await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'bad' }).catch((e) => e))).toBe(404);
    const missing = await rawCompute(server, 'POST', `zones/${ZONE}/instances/nope/stop`);
    expect(missing.status).toBe(404);
  });

  it('holds a stop on the lifecycle engine: STOPPING and its operation RUNNING until the step', async () => {
    expect((await admin(server).put('/lifecycle', { 'gcp.compute.instance': { STOPPING: { manual: { afterReads: 1000 } } } })).status).toBe(200);
    const [stop] = await c.instances.stop({ project: PROJECT, zone: ZONE, instance: 'node-a' });
    const name = (stop.latestResponse as { name: string }).name;
    expect((await get('node-a')).status).toBe('STOPPING');
    const [held] = await c.zoneOps.wait({ project: PROJECT, zone: ZONE, operation: name });
    expect(held.status).toBe('RUNNING');
    const step = await admin(server).post('/lifecycle/step', { cloud: 'gcp', tenant: PROJECT, type: 'gcp.compute.instance', id: `zones/${ZONE}/instances/node-a` });
    expect(step.body).toEqual({ state: 'TERMINATED' });
    expect((await c.zoneOps.get({ project: PROJECT, zone: ZONE, operation: name }))[0].status).toBe('DONE');
    expect((await get('node-a')).status).toBe('TERMINATED');
  });

  it('gives the seeded instances a boot disk in disks[] with the instance in users[]', async () => {
    for (const [zone, name] of [['us-central1-a', 'node-a'], ['us-central1-b', 'node-b']] as const) {
      const [vm] = await c.instances.get({ project: PROJECT, zone, instance: name });
      expect(vm.disks?.[0]).toMatchObject({ boot: true, deviceName: 'persistent-disk-0', autoDelete: true });
      const [disk] = await c.disks.get({ project: PROJECT, zone, disk: name });
      expect(disk).toMatchObject({ status: 'READY', sizeGb: '100' });
      expect(disk.users?.[0]).toBe(vm.selfLink);
    }
  });
});
