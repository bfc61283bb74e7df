/**
 * The Azure drills and fault effects as Azure's JS clients meet them: a plain detach whose
 * operation ends Failed until it is retried with ForceDetach, 429 TooManyRequests with
 * Retry-After, a zone whose operations end Failed (and change nothing), slow operations the
 * poller waits through, and the error codes fault rules may inject.
 */
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';
import { arm, azureClients, FAST, LOCATION, RG, rgPath } from '../helpers/azure.js';

let server: RunningServer;
let c: ReturnType<typeof azureClients>;
useFauxcloud(
  (s) => {
    server = s;
    c = azureClients(s);
  },
  { httpsPort: 0 },
);

const load = async (name: string) => expect((await admin(server).put('/scenario', { name })).status).toBe(200);
const diskId = (name: string) => `${rgPath}/providers/Microsoft.Compute/disks/${name}`;
const newDisk = (name: string, zone = '1') => c.compute.disks.createOrUpdate(RG, name, { location: LOCATION, zones: [zone], creationData: { createOption: 'Empty' }, diskSizeGB: 4 }, FAST);
const attach = (vm: string, name: string) =>
  c.compute.virtualMachines.createOrUpdate(RG, vm, { location: LOCATION, storageProfile: { dataDisks: [{ name, lun: 0, createOption: 'Attach', managedDisk: { id: diskId(name) } }] } }, FAST);

describe('Azure drills', () => {
  it('azure-detach-needs-force: the plain detach ends Failed and leaves the disk attached; ForceDetach completes', async () => {
    await load('azure-detach-needs-force');
    await newDisk('pvc-stuck');
    await attach('node-a', 'pvc-stuck');
    const detach = async (force: boolean) => {
      const vm = await c.compute.virtualMachines.get(RG, 'node-a');
      const dataDisks = vm.storageProfile!.dataDisks!.map((d) => ({ ...d, toBeDetached: true, ...(force ? { detachOption: 'ForceDetach' as const } : {}) }));
      return c.compute.virtualMachines.createOrUpdate(RG, 'node-a', { location: vm.location, storageProfile: { dataDisks } }, FAST);
    };
    // The SDK's poller reports the failed operation's code and message.
    await expect(detach(false)).rejects.toThrow(/InternalExecutionError.*ForceDetach/);
    expect((await c.compute.virtualMachines.get(RG, 'node-a')).provisioningState).toBe('Failed');
    expect(await c.compute.disks.get(RG, 'pvc-stuck')).toMatchObject({ diskState: 'Attached' });
    const done = await detach(true);
    expect(done.storageProfile?.dataDisks).toEqual([]);
    expect(done.provisioningState).toBe('Succeeded');
    expect(await c.compute.disks.get(RG, 'pvc-stuck')).toMatchObject({ diskState: 'Unattached' });
  });

  it('azure-throttle-storm: 429 TooManyRequests with Retry-After on some Resource Manager calls', async () => {
    await load('azure-throttle-storm');
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await arm(server, 'GET', `${rgPath}/providers/Microsoft.Compute/disks`);
      codes.push(r.status);
      if (r.status === 429) {
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(r.headers.get('x-ms-error-code')).toBe('TooManyRequests');
        expect(r.body.error.message).toContain('throttled');
      }
    }
    expect(codes).toContain(429);
    expect(codes).toContain(200);
  });

  it('azure-zone-outage: operations in zone 2 end Failed with ZonalAllocationFailed; zone 1 works', async () => {
    await load('azure-zone-outage');
    await expect(newDisk('in-2', '2')).rejects.toThrow(/ZonalAllocationFailed/);
    expect((await c.compute.disks.get(RG, 'in-2')).provisioningState).toBe('Failed');
    expect((await newDisk('in-1', '1')).provisioningState).toBe('Succeeded');
  });

  it('slow operations: the poller follows Azure-AsyncOperation through InProgress with Retry-After', async () => {
    await admin(server).put('/lifecycle', { 'azure.operation': { InProgress: { delay: { ms: 300 } } } });
    const started = await arm(server, 'PUT', `${rgPath}/providers/Microsoft.Compute/disks/slow?api-version=2025-01-02`, { location: LOCATION, properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1 } });
    expect(started.status).toBe(202);
    expect(started.body.properties.provisioningState).toBe('Updating');
    const status = await fetch(started.headers.get('azure-asyncoperation')!);
    expect(status.headers.get('retry-after')).toBe('1');
    expect(await status.json()).toMatchObject({ status: 'InProgress' });
    const location = await fetch(started.headers.get('location')!);
    expect(location.status).toBe(202);
    const disk = await newDisk('slow-sdk');
    expect(disk.provisioningState).toBe('Succeeded');
  });

  it('error rules: OperationPreempted 409 and PreconditionFailed 412 in the ARM envelope', async () => {
    await admin(server).post('/faults', { name: 'preempt', match: { cloud: 'azure', operation: 'VirtualMachines_CreateOrUpdate', times: 1 }, error: 'OperationPreempted' });
    await expect(attach('node-a', 'nope')).rejects.toMatchObject({ statusCode: 409, code: 'OperationPreempted', message: expect.stringContaining('preempted') });
    await admin(server).post('/faults', { name: 'etag-race', match: { cloud: 'azure', operation: 'Disks_Get', times: 1 }, error: 'PreconditionFailed' });
    await expect(c.compute.disks.get(RG, 'whatever')).rejects.toMatchObject({ statusCode: 412 });
  });
});
