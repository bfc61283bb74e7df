/**
 * The disk CSI driver's controller flow through Azure's own JS clients: a client-secret token
 * from Entra ID over HTTPS, then create a managed disk (LRO), attach it to a VM with a partial
 * PUT, see `managedBy`/`diskState`, detach with `toBeDetached`, resize with PATCH, snapshot,
 * restore from the snapshot, delete; and the errors the driver branches on.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { arm, azureClients, FAST, LOCATION, RG, rgPath, SUBSCRIPTION } from '../helpers/azure.js';

let server: RunningServer;
let c: ReturnType<typeof azureClients>;
useFauxcloud(
  (s) => {
    server = s;
    c = azureClients(s);
  },
  { httpsPort: 0 },
);

const diskId = (name: string) => `${rgPath}/providers/Microsoft.Compute/disks/${name}`;

describe('managed disks, as the disk CSI controller uses them', () => {
  it('gets a token from Entra ID with a client secret over HTTPS', async () => {
    const token = await c.credential.getToken('https://management.azure.com/.default');
    expect(token.token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: 'https://management.azure.com', appid: 'fauxcloud-client' });
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it('creates, attaches, detaches, resizes, snapshots, restores and deletes a disk', async () => {
    const disk = await c.compute.disks.createOrUpdate(RG, 'pvc-1', {
      location: LOCATION,
      zones: ['1'],
      sku: { name: 'Premium_LRS' },
      tags: { 'k8s-azure-created-by': 'kubernetes-azure-dd' },
      creationData: { createOption: 'Empty' },
      diskSizeGB: 10,
      networkAccessPolicy: 'DenyAll',
    }, FAST);
    expect(disk).toMatchObject({ name: 'pvc-1', provisioningState: 'Succeeded', diskState: 'Unattached', diskSizeGB: 10, tier: 'P3', diskSizeBytes: 10 * 2 ** 30 });
    expect(disk.id).toBe(diskId('pvc-1'));
    expect(disk.tags).toEqual({ 'k8s-azure-created-by': 'kubernetes-azure-dd' });
    expect(disk.managedBy).toBeUndefined();
    expect(disk.timeCreated).toBeInstanceOf(Date);

    // Attach as the driver does: the VM's data disks plus one, in a partial PUT.
    const vm = await c.compute.virtualMachines.get(RG, 'node-a');
    const attached = await c.compute.virtualMachines.createOrUpdate(RG, 'node-a', {
      location: vm.location,
      storageProfile: { dataDisks: [...(vm.storageProfile?.dataDisks ?? []), { name: 'pvc-1', lun: 0, caching: 'None', createOption: 'Attach', managedDisk: { id: diskId('pvc-1') }, writeAcceleratorEnabled: false }] },
    }, FAST);
    expect(attached.provisioningState).toBe('Succeeded');
    expect(attached.storageProfile?.dataDisks).toMatchObject([{ name: 'pvc-1', lun: 0, diskSizeGB: 10, toBeDetached: false, managedDisk: { id: diskId('pvc-1'), storageAccountType: 'Premium_LRS' } }]);
    expect(attached.storageProfile?.osDisk?.name).toMatch(/^node-a_OsDisk/);
    const inUse = await c.compute.disks.get(RG, 'pvc-1');
    expect(inUse).toMatchObject({ diskState: 'Attached', managedBy: `${rgPath}/providers/Microsoft.Compute/virtualMachines/node-a` });

    // A second writer is refused at once; deleting an attached disk too.
    const other = c.compute.virtualMachines.createOrUpdate(RG, 'node-b', { location: LOCATION, storageProfile: { dataDisks: [{ lun: 0, createOption: 'Attach', managedDisk: { id: diskId('pvc-1') } }] } }, FAST);
    await expect(other).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    await expect(c.compute.disks.delete(RG, 'pvc-1', FAST)).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });

    // Detach: the same list with toBeDetached on the disk.
    const now = await c.compute.virtualMachines.get(RG, 'node-a');
    const detached = await c.compute.virtualMachines.createOrUpdate(RG, 'node-a', {
      location: now.location,
      storageProfile: { dataDisks: now.storageProfile!.dataDisks!.map((d) => ({ ...d, toBeDetached: true, detachOption: 'ForceDetach' as const })) },
    }, FAST);
    expect(detached.storageProfile?.dataDisks).toEqual([]);
    expect(await c.compute.disks.get(RG, 'pvc-1')).toMatchObject({ diskState: 'Unattached' });
    expect((await c.compute.disks.get(RG, 'pvc-1')).managedBy).toBeUndefined();

    // Resize (grow only) with PATCH.
    const grown = await c.compute.disks.update(RG, 'pvc-1', { diskSizeGB: 20 }, FAST);
    expect(grown).toMatchObject({ diskSizeGB: 20, tier: 'P4' });
    await expect(c.compute.disks.update(RG, 'pvc-1', { diskSizeGB: 5 }, FAST)).rejects.toMatchObject({ statusCode: 400 });

    // Snapshot, then a disk restored from it.
    const snap = await c.compute.snapshots.createOrUpdate(RG, 'snap-1', { location: LOCATION, creationData: { createOption: 'Copy', sourceResourceId: diskId('pvc-1') }, incremental: true }, FAST);
    expect(snap).toMatchObject({ provisioningState: 'Succeeded', diskSizeGB: 20, completionPercent: 100, incremental: true });
    const restored = await c.compute.disks.createOrUpdate(RG, 'pvc-2', { location: LOCATION, sku: { name: 'StandardSSD_LRS' }, creationData: { createOption: 'Copy', sourceResourceId: snap.id } }, FAST);
    expect(restored).toMatchObject({ diskSizeGB: 20, creationData: { createOption: 'Copy', sourceResourceId: snap.id } });
    await expect(c.compute.snapshots.createOrUpdate(RG, 'snap-1', { location: LOCATION, creationData: { createOption: 'Copy', sourceResourceId: diskId('pvc-2') } }, FAST)).rejects.toThrow(/existing disk/);

    const names: string[] = [];
    for await (const d of c.compute.disks.listByResourceGroup(RG)) names.push(d.name!);
    expect(names).toEqual(expect.arrayContaining(['pvc-1', 'pvc-2']));

    await c.compute.snapshots.delete(RG, 'snap-1', FAST);
    await c.compute.disks.delete(RG, 'pvc-2', FAST);
    await c.compute.disks.delete(RG, 'pvc-1', FAST);
    await expect(c.compute.disks.get(RG, 'pvc-1')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    // Deleting what is gone succeeds (204), as the driver's retries rely on.
    await c.compute.snapshots.delete(RG, 'snap-1', FAST);
  });

  it('answers in ARM shapes: error envelope, x-ms-error-code, etag and If-Match, paging, any api-version', async () => {
    const missing = await arm(server, 'GET', `${rgPath}/providers/Microsoft.Compute/disks/nope?api-version=1999-01-01`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-ms-error-code')).toBe('ResourceNotFound');
    expect(missing.body.error.message).toContain("The Resource 'Microsoft.Compute/disks/nope' under resource group 'fauxcloud' was not found");
    expect((await arm(server, 'GET', `/subscriptions/${SUBSCRIPTION}/resourceGroups/nope/providers/Microsoft.Compute/disks/x`)).body.error.code).toBe('ResourceGroupNotFound');
    expect((await arm(server, 'GET', `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Compute/disks?api-version=`)).status).toBe(400);
    const bad = await arm(server, 'PUT', `${rgPath}/providers/Microsoft.Compute/disks/bad`, { location: LOCATION, properties: { creationData: 'Empty', diskSizeGB: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('InvalidRequestContent');

    // CheckExistence (HEAD): 204 or 404, no body.
    expect((await arm(server, 'HEAD', `${rgPath}/providers/Microsoft.Compute/virtualMachines/node-a`)).status).toBe(204);
    expect((await arm(server, 'HEAD', `${rgPath}/providers/Microsoft.Compute/disks/nope`)).status).toBe(404);

    const vm = await arm(server, 'GET', `${rgPath}/providers/Microsoft.Compute/virtualMachines/node-a`);
    const etag = vm.body.etag as string;
    expect(vm.headers.get('etag')).toBe(etag);
    const stale = await arm(server, 'PATCH', `${rgPath}/providers/Microsoft.Compute/virtualMachines/node-a`, {}, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('x-ms-error-code')).toBe('PreconditionFailed');
    const fresh = await arm(server, 'PATCH', `${rgPath}/providers/Microsoft.Compute/virtualMachines/node-a`, {}, { 'if-match': etag });
    expect(fresh.status).toBe(200);
    expect(fresh.body.etag).not.toBe(etag);

    for (let i = 0; i < 3; i++) await c.compute.disks.createOrUpdate(RG, `page-${i}`, { location: LOCATION, creationData: { createOption: 'Empty' }, diskSizeGB: 1 }, FAST);
    const first = await arm(server, 'GET', `${rgPath}/providers/Microsoft.Compute/disks?api-version=2025-01-02&$top=2`);
    expect(first.body.value).toHaveLength(2);
    expect(first.body.nextLink).toContain('$skiptoken=2');
    const rest = await fetch(first.body.nextLink as string).then((r) => r.json() as Promise<{ value: unknown[]; nextLink?: string }>);
    expect(rest.value.length).toBeGreaterThan(0);
  });

  it('shows the VM power state and fault domain with $expand=instanceView', async () => {
    const vm = await c.compute.virtualMachines.get(RG, 'node-b', { expand: 'instanceView' });
    expect(vm.instanceView?.statuses?.map((s) => s.code)).toContain('PowerState/running');
    expect(vm.instanceView?.platformFaultDomain).toBe(1);
    expect((await c.compute.virtualMachines.get(RG, 'node-b')).instanceView).toBeUndefined();
    const zones: string[] = [];
    for await (const v of c.compute.virtualMachines.list(RG)) zones.push(`${v.name}:${v.zones?.join(',')}`);
    expect(zones).toEqual(['node-a:1', 'node-b:2', 'node-c:3']);
  });
});
