/**
 * The GCP drills and fault effects as Compute callers meet them: operations that are accepted
 * and end DONE with an error (and change nothing), slow operations that `wait` sees through,
 * a zone whose operations fail and whose polls answer 503, throttling and 403 on firewalls.
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

const load = async (name: string) => expect((await admin(server).put('/scenario', { name })).status).toBe(200);
const newDisk = async (name: string, zone = ZONE) => c.wait((await c.disks.insert({ project: PROJECT, zone, diskResource: { name, sizeGb: 10 } }))[0]);

describe('GCP drills', () => {
  it('gce-attach-fails: the attach operation ends DONE with the error, attaches nothing, and a retry works', async () => {
    await load('gce-attach-fails');
    await newDisk('pvc-x');
    const attach = () => c.instances.attachDisk({ project: PROJECT, zone: ZONE, instance: 'node-a', attachedDiskResource: { source: `zones/${ZONE}/disks/pvc-x`, deviceName: 'pvc-x' } });
    const [started] = await attach();
    expect((started.latestResponse as { status: string }).status).toBe('PENDING');
    const failed = await c.wait(started);
    expect(failed).toMatchObject({ status: 'DONE', httpErrorStatusCode: 429, httpErrorMessage: 'TOO MANY REQUESTS' });
    expect(failed.error?.errors?.[0]).toMatchObject({ code: 'RESOURCE_OPERATION_RATE_EXCEEDED' });
    expect((await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-x' }))[0].users ?? []).toEqual([]);
    expect((await c.wait((await attach())[0])).error).toBeFalsy();
    expect((await c.disks.get({ project: PROJECT, zone: ZONE, disk: 'pvc-x' }))[0].users).toHaveLength(1);
  });

  it('gce-slow-operations: operations stay RUNNING for 20 virtual seconds; wait sees them through', async () => {
    await load('gce-slow-operations');
    await admin(server).put('/clock', { factor: 100 });
    try {
      const [started] = await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'slow', sizeGb: 10 } });
      const name = (started.latestResponse as { name: string }).name;
      const [running] = await c.zoneOps.get({ project: PROJECT, zone: ZONE, operation: name });
      expect(running.status).toBe('RUNNING');
      expect(running.startTime).toBeTruthy();
      const [done] = await c.zoneOps.wait({ project: PROJECT, zone: ZONE, operation: name });
      expect(done.status).toBe('DONE');
      expect(Date.parse(done.endTime!) - Date.parse(done.startTime!)).toBeGreaterThanOrEqual(20_000);
    } finally {
      await admin(server).put('/clock', { factor: 1 });
    }
  });

  it('gce-zone-outage: us-central1-b operations fail with ZONE_RESOURCE_POOL_EXHAUSTED, its polls see 503s', async () => {
    await load('gce-zone-outage');
    await newDisk('healthy', 'us-central1-a');
    const [started] = await c.disks.insert({ project: PROJECT, zone: 'us-central1-b', diskResource: { name: 'doomed', sizeGb: 10 } });
    const name = (started.latestResponse as { name: string }).name;
    const polls = [];
    for (let i = 0; i < 12; i++) polls.push(await rawCompute(server, 'GET', `zones/us-central1-b/operations/${name}`));
    const failedPolls = polls.filter((p) => p.status === 503);
    expect(failedPolls.length).toBeGreaterThan(0);
    expect(failedPolls[0]!.json.error.errors[0].reason).toBe('backendError');
    const answered = polls.find((p) => p.status === 200)!.json;
    expect(answered).toMatchObject({ status: 'DONE', httpErrorStatusCode: 503, error: { errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED' }] } });
    expect((await rawCompute(server, 'GET', 'zones/us-central1-b/disks/doomed')).status).toBe(404);
    expect((await c.disks.get({ project: PROJECT, zone: 'us-central1-a', disk: 'healthy' }))[0].status).toBe('READY');
  });

  it('throttles Compute with 429 rateLimitExceeded and refuses firewalls with 403 forbidden', async () => {
    await admin(server).put('/faults', [
      { name: 'compute-rate', match: { cloud: 'gcp', service: 'compute', operation: 'zones.*' }, throttle: { rate: 1, burst: 2 } },
      { name: 'xpn-firewalls', match: { cloud: 'gcp', operation: 'firewalls.insert' }, error: 'forbidden' },
    ]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await rawCompute(server, 'GET', 'zones')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await rawCompute(server, 'GET', 'zones');
    expect(limited.json.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED', errors: [{ reason: 'rateLimitExceeded' }] });
    const fw = await rawCompute(server, 'POST', 'global/firewalls', { name: 'k8s-fw-x', allowed: [{ IPProtocol: 'tcp' }] });
    expect(fw.status).toBe(403);
    expect(fw.json.error).toMatchObject({ status: 'PERMISSION_DENIED', errors: [{ reason: 'forbidden' }] });
  });

  it('matches fault rules on the resource a path names', async () => {
    await admin(server).put('/faults', [{ name: 'node-a-broken', match: { cloud: 'gcp', operation: 'instances.*', resource: { id: `zones/${ZONE}/instances/node-a` } }, error: 'internalError' }]);
    expect((await rawCompute(server, 'GET', `zones/${ZONE}/instances/node-a`)).status).toBe(500);
    expect((await rawCompute(server, 'GET', 'zones/us-central1-b/instances/node-b')).status).toBe(200);
  });
});

describe('operation retention', () => {
  it('keeps at most OPERATIONS_KEPT per project, dropping the oldest finished ones', async () => {
    const { OPERATIONS_KEPT, OPERATION, startOperation } = await import('../../clouds/gcp/compute/operations.js');
    const first = await rawCompute(server, 'POST', 'global/firewalls', { name: 'fw-0', allowed: [{ IPProtocol: 'tcp' }] });
    const tenant = server.engine.store.tenant('gcp', PROJECT);
    for (let i = 0; i < OPERATIONS_KEPT; i++) startOperation(server.engine, tenant, { scope: 'global', operationType: 'insert', target: `global/firewalls/f${i}` });
    server.engine.lifecycle.settle();
    const last = await rawCompute(server, 'POST', 'global/firewalls', { name: 'fw-1', allowed: [{ IPProtocol: 'tcp' }] });
    expect((await rawCompute(server, 'GET', `global/operations/${first.json.name}`)).status).toBe(404);
    expect((await rawCompute(server, 'GET', `global/operations/${last.json.name}`)).status).toBe(200);
    expect(tenant.collection(OPERATION).size).toBe(OPERATIONS_KEPT);
  });
});
