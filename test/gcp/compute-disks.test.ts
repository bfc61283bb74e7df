/**
 * The PD CSI driver's controller flow through Google's own Compute client: create a disk and wait
 * for its operation, attach it to a node (instance.disks[] and disk.users[] in step), resize,
 * relabel with the fingerprint, snapshot, detach, delete; and the errors it branches on.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { computeClients, PROJECT, rawCompute, ZONE } from '../helpers/gcp.js';

let server: RunningServer;
let c: ReturnType<typeof computeClients>;
useFauxcloud((s) => {
  server = s;
  c = computeClients(s);
});

const diskPath = (name: string) => `projects/${PROJECT}/zones/${ZONE}/disks/${name}`;

describe('Compute disks, as the PD CSI controller uses them', () => {
  it('creates, attaches, resizes, relabels, detaches and deletes a disk', async () => {
    const [started] = await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'pvc-1', sizeGb: 20, type: `zones/${ZONE}/diskTypes/pd-balanced`, labels: { 'storage-gke-io-created-by': 'pd-csi' } } });
    const op = started.latestResponse as { status: string; selfLink: string };
    expect(op.status).toBe('PENDING');
    expect(op.selfLink).toContain(`/compute/v1/projects/${PROJECT}/zones/${ZONE}/operations/operation-`);
    // https, as GCE's links are (the PD driver refuses any other scheme); Google's origin without an HTTPS listener.
    expect(op.selfLink).toMatch(/^https:\/\/www\.googleapis\.com\/compute\/v1\//);
    expect((await c.wait(started)).status).toBe('DONE');

    const [disk] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-1' });
    expect(disk).toMatchObject({ name: 'pvc-1', sizeGb: '20', status: 'READY' });
    expect(disk.users ?? []).toEqual([]);
    expect(disk.type).toMatch(/\/zones\/us-central1-a\/diskTypes\/pd-balanced$/);

    const [attach] = await c.instances.attachDisk({ project: PROJECT, zone: ZONE, instance: 'node-a', attachedDiskResource: { source: diskPath('pvc-1'), deviceName: 'pvc-1', mode: 'READ_WRITE' } });
    expect((await c.wait(attach)).error).toBeFalsy();
    const [node] = await c.instances.get({ project: PROJECT, zone: ZONE, instance: 'node-a' });
    // After the boot disk every seeded node has.
    expect(node.disks?.map((d) => [d.deviceName, d.source?.split('/').pop(), d.mode])).toEqual([['persistent-disk-0', 'node-a', 'READ_WRITE'], ['pvc-1', 'pvc-1', 'READ_WRITE']]);
    const [attached] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-1' });
    expect(attached.users?.map((u) => u.split('/').slice(-4).join('/'))).toEqual([`zones/${ZONE}/instances/node-a`]);

    // A zonal disk cannot go to an instance in another zone (node-b is in us-central1-b).
    const [second] = await c.instances.attachDisk({ project: PROJECT, zone: 'us-central1-b', instance: 'node-b', attachedDiskResource: { source: diskPath('pvc-1') } }).catch((e) => [e]);
    expect(second).toBeInstanceOf(Error);
    expect(String(second.message)).toMatch(/same zone/);

    // Deleting an attached disk is refused with the reason the driver checks.
    const inUse = await rawCompute(server, 'DELETE', `zones/${ZONE}/disks/pvc-1`);
    expect(inUse.status).toBe(400);
    expect(inUse.json.error.errors[0].reason).toBe('resourceInUseByAnotherResource');
    expect(inUse.json.error.message).toContain('being used by');

    await c.wait((await c.disks.resize({ project: PROJECT, zone: ZONE, disk: 'pvc-1', disksResizeRequestResource: { sizeGb: 40 } }))[0]);
    const shrink = await rawCompute(server, 'POST', `zones/${ZONE}/disks/pvc-1/resize`, { sizeGb: '10' });
    expect(shrink.status).toBe(400);

    const [resized] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-1' });
    expect(resized.sizeGb).toBe('40');
    const stale = await rawCompute(server, 'POST', `zones/${ZONE}/disks/pvc-1/setLabels`, { labels: { a: 'b' }, labelFingerprint: 'stale' });
    expect(stale.status).toBe(412);
    await c.wait((await c.disks.setLabels({ project: PROJECT, zone: ZONE, resource: 'pvc-1', zoneSetLabelsRequestResource: { labels: { tier: 'gold' }, labelFingerprint: resized.labelFingerprint } }))[0]);
    const [relabelled] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-1' });
    expect(relabelled.labels).toEqual({ tier: 'gold' });
    expect(relabelled.labelFingerprint).not.toBe(resized.labelFingerprint);

    await c.wait((await c.instances.detachDisk({ project: PROJECT, zone: ZONE, instance: 'node-a', deviceName: 'pvc-1' }))[0]);
    const [detached] = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-1' });
    expect(detached.users ?? []).toEqual([]);
    const [bare] = await c.instances.get({ project: PROJECT, zone: ZONE, instance: 'node-a' });
    expect(bare.disks?.map((d) => [d.deviceName, d.boot])).toEqual([['persistent-disk-0', true]]);

    await c.wait((await c.disks.delete({ project: PROJECT, zone: ZONE, disk: 'pvc-1' }))[0]);
    const gone = await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-1' }).catch((e: { code: number; message: string }) => e);
    expect(gone).toMatchObject({ code: 404 });
  });

  it('answers a duplicate name with 409 alreadyExists and a second writer with an operation error', async () => {
    await c.wait((await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'dup', sizeGb: 10 } }))[0]);
    const again = await rawCompute(server, 'POST', `zones/${ZONE}/disks`, { name: 'dup', sizeGb: '10' });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 409, status: 'ALREADY_EXISTS', errors: [{ reason: 'alreadyExists' }] });

    await c.wait((await c.instances.attachDisk({ project: PROJECT, zone: ZONE, instance: 'node-a', attachedDiskResource: { source: diskPath('dup'), deviceName: 'dup' } }))[0]);
    const raced = await rawCompute(server, 'POST', `zones/${ZONE}/instances/node-a/attachDisk`, { source: diskPath('dup'), deviceName: 'dup-2' });
    expect(raced.status).toBe(200);
    const done = await c.wait(raced.json);
    expect(done.status).toBe('DONE');
    expect(done.error?.errors?.[0]?.code).toBe('RESOURCE_IN_USE_BY_ANOTHER_RESOURCE');
    expect(done.httpErrorStatusCode).toBe(400);
  });

  it('snapshots a disk: CREATING, then READY, sized like its source', async () => {
    await c.wait((await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'src', sizeGb: 30 } }))[0]);
    await c.wait((await c.snapshots.insert({ project: PROJECT, snapshotResource: { name: 'snap-1', sourceDisk: diskPath('src') } }))[0]);
    const [snap] = await c.snapshots.get({ project: PROJECT, snapshot: 'snap-1' });
    expect(snap).toMatchObject({ name: 'snap-1', status: 'READY', diskSizeGb: '30' });
    expect(snap.sourceDisk).toMatch(/zones\/us-central1-a\/disks\/src$/);
    const [list] = await c.snapshots.list({ project: PROJECT, filter: 'sourceDisk eq .*/src$' });
    expect(list.map((s) => s.name)).toEqual(['snap-1']);
    // A disk restored from it takes its size.
    await c.wait((await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'restored', sourceSnapshot: 'global/snapshots/snap-1' } }))[0]);
    expect((await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'restored' }))[0].sizeGb).toBe('30');
  });

  it('lists with GCE filters and pages with nextPageToken', async () => {
    for (const n of ['pg-1', 'pg-2', 'pg-3']) await c.wait((await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: n, labels: { app: 'pg' } } }))[0]);
    const page1 = await rawCompute(server, 'GET', `zones/${ZONE}/disks?filter=${encodeURIComponent('labels.app = pg')}&maxResults=2`);
    expect(page1.json.items.map((d: { name: string }) => d.name)).toEqual(['pg-1', 'pg-2']);
    expect(page1.json.nextPageToken).toBeTruthy();
    const page2 = await rawCompute(server, 'GET', `zones/${ZONE}/disks?filter=${encodeURIComponent('labels.app = pg')}&maxResults=2&pageToken=${page1.json.nextPageToken}`);
    expect(page2.json.items.map((d: { name: string }) => d.name)).toEqual(['pg-3']);
    expect(page2.json.nextPageToken).toBeUndefined();
    const [byName] = await c.disks.list({ project: PROJECT, zone: ZONE, filter: 'name eq pg-[12]' });
    expect(byName.map((d) => d.name)).toEqual(['pg-1', 'pg-2']);
    const [notTwo] = await c.disks.list({ project: PROJECT, zone: ZONE, filter: '(labels.app = pg) AND NOT (name = pg-2)' });
    expect(notTwo.map((d) => d.name)).toEqual(['pg-1', 'pg-3']);
    const bad = await rawCompute(server, 'GET', `zones/${ZONE}/disks?filter=${encodeURIComponent('name = (')}`);
    expect(bad.status).toBe(400);
  });

  it('refuses what the model does not know, in Google\'s words', async () => {
    const unknownField = await rawCompute(server, 'POST', `zones/${ZONE}/disks`, { name: 'x', sizeGigabytes: 10 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.error.message).toContain('Unknown name "sizeGigabytes"');
    const badJson = await rawCompute(server, 'POST', `zones/${ZONE}/disks`, '{"name":');
    expect(badJson.status).toBe(400);
    const badType = await rawCompute(server, 'POST', `zones/${ZONE}/disks`, { name: 'x', type: 'pd-imaginary' });
    expect(badType.status).toBe(400);
    const noProject = await fetch(`${server.httpUrl}/compute/v1/projects/nobody/zones/${ZONE}/disks/x`);
    expect(noProject.status).toBe(404);
    const unknownQuery = await rawCompute(server, 'GET', `zones/${ZONE}/disks?colour=blue`);
    expect(unknownQuery.status).toBe(400);
  });
});

describe('regional disks', () => {
  it('replicates to two zones and attaches in either; not in a third', async () => {
    const started = (await c.regionDisks.insert({ project: PROJECT, region: 'us-central1', diskResource: { name: 'rpd', sizeGb: 200, type: 'regions/us-central1/diskTypes/pd-balanced', replicaZones: [`zones/${ZONE}`, 'zones/us-central1-b'] } }))[0];
    expect((started.latestResponse as { region?: string }).region).toMatch(/regions\/us-central1$/);
    expect((await c.wait(started)).status).toBe('DONE');
    const [disk] = await c.regionDisks.get({ project: PROJECT, region: 'us-central1', disk: 'rpd' });
    expect(disk.replicaZones?.map((z) => z.split('/').pop())).toEqual([ZONE, 'us-central1-b']);
    const source = 'projects/fauxcloud-project/regions/us-central1/disks/rpd';
    expect((await c.wait((await c.instances.attachDisk({ project: PROJECT, zone: 'us-central1-b', instance: 'node-b', attachedDiskResource: { source, deviceName: 'rpd' } }))[0])).error).toBeFalsy();
    const third = await rawCompute(server, 'POST', 'zones/us-central1-c/instances/node-c/attachDisk', { source, deviceName: 'rpd' });
    expect(third.status).toBe(400);
    const oneZone = await rawCompute(server, 'POST', 'regions/us-central1/disks', { name: 'rpd-bad', sizeGb: '200', replicaZones: [`zones/${ZONE}`] });
    expect(oneZone.status).toBe(400);
  });
});

describe('partial responses', () => {
  it('trims answers to `fields`, as the PD driver asks of instances.list', async () => {
    const res = await rawCompute(server, 'GET', `zones/${ZONE}/instances?fields=${encodeURIComponent('items(name,disks/source),nextPageToken')}`);
    // node-a's boot disk is all it has attached.
    expect(res.json).toEqual({ items: [{ name: 'node-a', disks: [{ source: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/${ZONE}/disks/node-a` }] }] });
    const bad = await rawCompute(server, 'GET', `zones/${ZONE}/instances?fields=${encodeURIComponent('items(name')}`);
    expect(bad.status).toBe(400);
  });
});
