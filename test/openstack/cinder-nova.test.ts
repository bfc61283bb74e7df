/**
 * The volume flow cinder-csi-plugin's controller runs, through Cinder v3 and Nova: create (202,
 * `creating → available`), find by name at 3.34, list with limit/marker and `volumes_links`,
 * attach through Nova's `os-volume_attachments` (200) until the volume is `in-use` with the
 * server in its attachments, extend online at 3.42, snapshot and restore, detach (202), delete;
 * and the statuses and error bodies the driver branches on.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { cinder, login, nova, type Session } from '../helpers/openstack.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));

async function nodeA(s: Session): Promise<{ id: string }> {
  const r = await s.call('compute', 'GET', '/servers/detail?name=%5Enode-a%24');
  expect(r.json.servers).toHaveLength(1);
  return r.json.servers[0];
}

async function waitStatus(s: Session, id: string, status: string): Promise<any> {
  for (let i = 0; i < 50; i++) {
    const r = await s.call('volumev3', 'GET', `/volumes/${id}`);
    if (r.json.volume.status === status) return r.json.volume;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`volume ${id} never reached ${status}`);
}

describe('Cinder volumes and Nova attachments, as cinder-csi-plugin drives them', () => {
  it('creates, attaches, extends in use, detaches and deletes a volume', async () => {
    const s = await login(server);
    const created = await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'pvc-1', size: 1, availability_zone: 'nova', metadata: { 'cinder.csi.openstack.org/cluster': 'kubernetes' } } });
    expect(created.status).toBe(202);
    expect(created.json.volume).toMatchObject({ name: 'pvc-1', size: 1, status: 'creating', availability_zone: 'nova', attachments: [] });
    // Cinder's times carry no zone: gophercloud parses them so.
    expect(created.json.volume.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const id = created.json.volume.id;
    await waitStatus(s, id, 'available');

    const byName = await s.call('volumev3', 'GET', '/volumes/detail?name=pvc-1', undefined, cinder('3.34'));
    expect(byName.headers.get('openstack-api-version')).toBe('volume 3.34');
    expect(byName.json.volumes.map((v: { id: string }) => v.id)).toEqual([id]);

    const server1 = await nodeA(s);
    const att = await s.call('compute', 'POST', `/servers/${server1.id}/os-volume_attachments`, { volumeAttachment: { volumeId: id } });
    expect(att.status).toBe(200);
    expect(att.json.volumeAttachment).toMatchObject({ volumeId: id, serverId: server1.id, device: '/dev/vdb' });
    const inUse = await waitStatus(s, id, 'in-use');
    expect(inUse.attachments).toMatchObject([{ server_id: server1.id, device: '/dev/vdb', volume_id: id }]);
    const srv = await s.call('compute', 'GET', `/servers/${server1.id}`);
    expect(srv.json.server['os-extended-volumes:volumes_attached']).toEqual([{ id }]);

    // A second attach of the same volume is Nova's 400; deleting an attached volume is Cinder's 400.
    const again = await s.call('compute', 'POST', `/servers/${server1.id}/os-volume_attachments`, { volumeAttachment: { volumeId: id } });
    expect(again.status).toBe(400);
    expect(again.json.badRequest.code).toBe(400);
    const del = await s.call('volumev3', 'DELETE', `/volumes/${id}`);
    expect(del.status).toBe(400);
    expect(del.json.badRequest.message).toContain('Volume status must be available');

    // Online resize needs 3.42.
    const old = await s.call('volumev3', 'POST', `/volumes/${id}/action`, { 'os-extend': { new_size: 2 } });
    expect(old.status).toBe(400);
    const ext = await s.call('volumev3', 'POST', `/volumes/${id}/action`, { 'os-extend': { new_size: 2 } }, cinder('3.42'));
    expect(ext.status).toBe(202);
    expect((await waitStatus(s, id, 'in-use')).size).toBe(2);

    const det = await s.call('compute', 'DELETE', `/servers/${server1.id}/os-volume_attachments/${id}`);
    expect(det.status).toBe(202);
    expect((await waitStatus(s, id, 'available')).attachments).toEqual([]);
    const det2 = await s.call('compute', 'DELETE', `/servers/${server1.id}/os-volume_attachments/${id}`);
    expect(det2.status).toBe(404);
    expect(det2.json.itemNotFound.code).toBe(404);

    expect((await s.call('volumev3', 'DELETE', `/volumes/${id}`)).status).toBe(202);
    const gone = await s.call('volumev3', 'GET', `/volumes/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ itemNotFound: { code: 404, message: `Volume ${id} could not be found.` } });
  });

  it('shows attaching and detaching while a delay holds them, as the driver\'s waiters poll', async () => {
    await admin(server).put('/lifecycle', { 'openstack.volume': { attaching: { delay: { ms: 60_000 } }, detaching: { delay: { ms: 60_000 } } } });
    const s = await login(server);
    const id = (await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'slow', size: 1 } })).json.volume.id;
    const srv = await nodeA(s);
    await s.call('compute', 'POST', `/servers/${srv.id}/os-volume_attachments`, { volumeAttachment: { volumeId: id } });
    const v = (await s.call('volumev3', 'GET', `/volumes/${id}`)).json.volume;
    expect(v.status).toBe('attaching');
    expect(v.attachments).toEqual([]);
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect((await s.call('volumev3', 'GET', `/volumes/${id}`)).json.volume.status).toBe('in-use');
    await s.call('compute', 'DELETE', `/servers/${srv.id}/os-volume_attachments/${id}`);
    const d = (await s.call('volumev3', 'GET', `/volumes/${id}`)).json.volume;
    expect(d.status).toBe('detaching');
    expect(d.attachments).toHaveLength(1);
  });

  it('pages volumes with limit and marker and a volumes_links next link', async () => {
    const s = await login(server);
    for (let i = 0; i < 5; i++) await s.call('volumev3', 'POST', '/volumes', { volume: { name: `p-${i}`, size: 1 } });
    const seen: string[] = [];
    let url = '/volumes/detail?limit=2';
    for (let pages = 0; pages < 10 && url; pages++) {
      const r = await s.call('volumev3', 'GET', url);
      seen.push(...r.json.volumes.map((v: { name: string }) => v.name));
      const next = r.json.volumes_links?.find((l: { rel: string }) => l.rel === 'next')?.href;
      url = next ? next.slice(s.endpoint('volumev3').length) : '';
    }
    expect(seen.sort()).toEqual(['p-0', 'p-1', 'p-2', 'p-3', 'p-4']);
    const bad = await s.call('volumev3', 'GET', '/volumes/detail?limit=2&marker=nope');
    expect(bad.status).toBe(404);
  });

  it('snapshots a volume and restores it into a new one; quotas answer 413 overLimit', async () => {
    const s = await login(server);
    const vol = (await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'src', size: 3 } })).json.volume;
    const snap = await s.call('volumev3', 'POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'snap-1', force: true } });
    expect(snap.status).toBe(202);
    expect(snap.json.snapshot).toMatchObject({ status: 'creating', size: 3, volume_id: vol.id });
    const list = await s.call('volumev3', 'GET', `/snapshots?name=snap-1&status=available`);
    expect(list.json.snapshots.map((x: { id: string }) => x.id)).toEqual([snap.json.snapshot.id]);
    const small = await s.call('volumev3', 'POST', '/volumes', { volume: { size: 1, snapshot_id: snap.json.snapshot.id } });
    expect(small.status).toBe(400);
    const restored = await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'restored', snapshot_id: snap.json.snapshot.id } });
    expect(restored.json.volume).toMatchObject({ size: 3, snapshot_id: snap.json.snapshot.id, availability_zone: vol.availability_zone });
    const clone = await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'clone', source_volid: vol.id, size: 4 } });
    expect(clone.json.volume).toMatchObject({ size: 4, source_volid: vol.id });
    // A volume with snapshots is not deleted without cascade.
    expect((await s.call('volumev3', 'DELETE', `/volumes/${vol.id}`)).status).toBe(400);

    const big = await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'big', size: 2000 } });
    expect(big.status).toBe(413);
    expect(big.json.overLimit).toMatchObject({ code: 413 });
    expect(big.json.overLimit.message).toMatch(/^VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 2000G, quota is 1000G/);
    const zone = await s.call('volumev3', 'POST', '/volumes', { volume: { size: 1, availability_zone: 'mars' } });
    expect(zone.status).toBe(400);
  });

  it('accepts and echoes Nova microversions up to 2.96, refuses others with 406, and embeds the flavor from 2.47', async () => {
    const s = await login(server);
    const old = await s.call('compute', 'GET', '/servers/detail');
    expect(old.headers.get('x-openstack-nova-api-version')).toBe('2.1');
    expect(old.json.servers[0].flavor.id).toBeTruthy();
    const v60 = await s.call('compute', 'GET', '/servers/detail', undefined, nova('2.60'));
    expect(v60.headers.get('openstack-api-version')).toBe('compute 2.60');
    expect(v60.json.servers[0].flavor.original_name).toBe('m1.medium');
    expect((await s.call('compute', 'GET', '/servers', undefined, nova('2.200'))).status).toBe(406);
    const srv = await nodeA(s);
    const flavor = await s.call('compute', 'GET', `/servers/${srv.id}`);
    const f = await s.call('compute', 'GET', `/flavors/${flavor.json.server.flavor.id}`);
    expect(f.json.flavor.name).toBe('m1.medium');
    expect((await s.call('compute', 'GET', '/servers/00000000-0000-0000-0000-000000000000')).json).toEqual({ itemNotFound: { code: 404, message: 'Instance 00000000-0000-0000-0000-000000000000 could not be found.' } });
  });

  it('matches server names as regular expressions in linear time, and stops a server to SHUTOFF', async () => {
    const s = await login(server);
    const all = await s.call('compute', 'GET', '/servers/detail?name=node-');
    expect(all.json.servers).toHaveLength(3);
    const evil = await s.call('compute', 'GET', `/servers/detail?name=${encodeURIComponent('^(a+)+$')}`);
    expect(evil.json.servers).toEqual([]);
    const srv = await nodeA(s);
    expect((await s.call('compute', 'POST', `/servers/${srv.id}/action`, { 'os-stop': null })).status).toBe(202);
    expect((await s.call('compute', 'GET', `/servers/${srv.id}`)).json.server).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped' });
  });

  it('backs a volume up (202 with the summary), lists backups, restores one into a new volume, deletes it', async () => {
    const s = await login(server);
    const vol = (await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'src', size: 2 } })).json.volume;
    const created = await s.call('volumev3', 'POST', '/backups', { backup: { volume_id: vol.id, name: 'bk-1', metadata: { 'cinder.csi.openstack.org/cluster': 'kubernetes' } } }, cinder('3.51'));
    expect(created.status).toBe(202);
    expect(Object.keys(created.json.backup).sort()).toEqual(['id', 'links', 'name']);
    const id = created.json.backup.id;
    const got = (await s.call('volumev3', 'GET', `/backups/${id}`, undefined, cinder('3.51'))).json.backup;
    expect(got).toMatchObject({ status: 'available', size: 2, volume_id: vol.id, metadata: { 'cinder.csi.openstack.org/cluster': 'kubernetes' } });
    expect(got.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect((await s.call('volumev3', 'GET', `/backups?name=bk-1&volume_id=${vol.id}`)).json.backups.map((b: { id: string }) => b.id)).toEqual([id]);
    const restored = await s.call('volumev3', 'POST', '/volumes', { volume: { name: 'restored', backup_id: id } }, cinder('3.51'));
    expect(restored.status).toBe(202);
    expect(restored.json.volume).toMatchObject({ size: 2, backup_id: id });
    expect((await s.call('volumev3', 'DELETE', `/backups/${id}`)).status).toBe(202);
    expect((await s.call('volumev3', 'GET', `/backups/${id}`)).status).toBe(404);
  });
});
