/**
 * An instance's status on the core lifecycle engine: PROVISIONING → STAGING → RUNNING after
 * insert or start, STOPPING → TERMINATED after stop or delete (instant by default; a scenario's
 * `lifecycle` delays or holds them). The insert/start/stop/delete operation follows the instance
 * and completes when it reaches its status, so a held instance holds its operation. A deleted
 * instance goes at TERMINATED: autoDelete disks with it, other disks lose it from `users[]`, its
 * addresses return to their pools, its managed group forgets it.
 */
import type { Engine } from '../../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../../core/store.js';
import { defineHandlers, operation, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineEffect, finishWaitingOperation, OPERATION, timestamp, type OperationData } from '../operations.js';
import { badRequest, notFound } from '../problems.js';
import { parseRef, ref } from '../urls.js';
import { EXTERNAL_KEY, releaseIp } from '../../ips.js';
import { G, instanceKey, regionOf, subnetworkKey, type GceInstanceData } from '../../records.js';
import { DISK, REGION_DISK } from './disks.js';

export const INSTANCE_MEMBER = 'gcp.compute.instanceGroupMember';

const instances = (tenant: TenantStore) => tenant.collection<GceInstanceData>(G.instance);

/** Statuses an instance leaves by itself, and where it goes. */
const AUTO = { PROVISIONING: 'STAGING', STAGING: 'RUNNING', STOPPING: 'TERMINATED' } as const;

export function defineInstanceMachine(engine: Engine): void {
  engine.lifecycle.define<GceInstanceData>({
    type: G.instance,
    auto: AUTO,
    onEnter: ({ record, to, at, tenant }) => {
      const d = record.data;
      d.status = to;
      if (to === 'RUNNING') d.lastStartTimestamp = timestamp(at);
      if (to === 'TERMINATED') d.lastStopTimestamp = timestamp(at);
      if (to === 'TERMINATED' && d.deleting) removeInstance(tenant, record);
      finishWaiting(engine, tenant, record, to);
    },
  });
}

/** Complete the operations that waited for this status (or for the instance to go). */
function finishWaiting(engine: Engine, tenant: TenantStore, rec: ResourceRecord<GceInstanceData>, status: string): void {
  const gone = !instances(tenant).peek(rec.id);
  const keep: string[] = [];
  for (const key of rec.data.waitingOps ?? []) {
    const op = tenant.collection<OperationData>(OPERATION).peek(key);
    if (!op || op.lc?.state === 'DONE') continue;
    if (gone || op.data.waitFor?.state === status) finishWaitingOperation(engine, tenant, key);
    else keep.push(key);
  }
  rec.data.waitingOps = keep;
}

/** Drop an instance and everything that goes with it (see the module comment). */
export function removeInstance(tenant: TenantStore, inst: ResourceRecord<GceInstanceData>): void {
  const link = ref(tenant.id, inst.id);
  for (const a of inst.data.disks) {
    const p = parseRef(String(a['source']), tenant.id);
    const disks = tenant.collection<Json>(p?.scope.startsWith('regions/') ? REGION_DISK : DISK);
    const disk = p && disks.peek(p.key);
    if (!disk) continue;
    if (a['autoDelete'] === true) disks.delete(disk.id);
    else disk.data['users'] = ((disk.data['users'] as string[]) ?? []).filter((u) => u !== link);
  }
  for (const nic of nicAddresses(inst.data)) {
    releaseIp(tenant, nic.subnet, nic.ip);
    if (nic.external) releaseIp(tenant, EXTERNAL_KEY, nic.external);
  }
  const members = tenant.collection<Json>(INSTANCE_MEMBER);
  for (const m of members.list()) if (m.data['instance'] === link) members.delete(m.id);
  instances(tenant).delete(inst.id);
}

/** Every interface's internal and ephemeral external address, with the pool it came from. */
function nicAddresses(d: GceInstanceData): Array<{ subnet: string; ip: string; external?: string }> {
  if (!d.networkInterfaces) return [{ subnet: subnetworkKey(regionOf(d.zone), d.subnetwork), ip: d.networkIp, external: d.externalIp }];
  return d.networkInterfaces.map((n) => ({
    subnet: parseRef(String(n['subnetwork']), '')?.key ?? '',
    ip: String(n['networkIP']),
    external: ((n['accessConfigs'] as Json[] | undefined) ?? []).map((a) => a['natIP'] as string | undefined).find(Boolean),
  }));
}

/** The instance a call names (its path), or GCE's 404. */
export function getInstance(call: ComputeCall): ResourceRecord<GceInstanceData> {
  const key = instanceKey(call.params['zone']!, call.params['instance']!);
  const rec = instances(call.tenant).get(key);
  if (!rec) throw notFound(`projects/${call.project}/${key}`);
  call.ctx.touch(key);
  return rec;
}

/**
 * Move an instance into `status` and answer the operation that completes when it reaches
 * `until`. A `fail:` fault leaves the instance as it was: the operation ends with the error.
 */
export function transition(call: ComputeCall, rec: ResourceRecord<GceInstanceData>, operationType: string, status: string | undefined, until: string | undefined, effect?: { kind: string; args: Json }): Json {
  const failing = call.asyncFailure !== undefined;
  if (status && !failing) call.engine.lifecycle.enter(call.tenant, rec, status);
  const waitFor = until && !failing && instances(call.tenant).peek(rec.id) ? { type: G.instance, key: rec.id, state: until } : undefined;
  const answer = operation(call, { scope: `zones/${rec.data.zone}`, target: rec.id, targetId: rec.data.numericId, operationType, waitFor, effect });
  if (waitFor) rec.data.waitingOps = [...(rec.data.waitingOps ?? []), `zones/${rec.data.zone}/operations/${String(answer['name'])}`];
  return answer;
}

/** Put a starting instance on its way; also used by insert and by managed groups. */
export function startInstance(call: ComputeCall, rec: ResourceRecord<GceInstanceData>, operationType: string, effect?: { kind: string; args: Json }): Json {
  return transition(call, rec, operationType, 'PROVISIONING', 'RUNNING', effect);
}

/** Stop (and, with `deleting`, remove at TERMINATED) an instance; an already stopped one goes at once. */
export function stopInstance(call: ComputeCall, rec: ResourceRecord<GceInstanceData>, operationType: 'stop' | 'delete'): Json {
  const deleting = operationType === 'delete';
  const status = rec.data.status;
  if (deleting && !call.asyncFailure) rec.data.deleting = true;
  if (status === 'TERMINATED' || status === 'STOPPING')
    return deleting && status === 'TERMINATED'
      ? transition(call, rec, operationType, undefined, undefined, { kind: 'instanceDeleted', args: { instance: rec.id } })
      : transition(call, rec, operationType, undefined, status === 'STOPPING' ? 'TERMINATED' : undefined);
  return transition(call, rec, operationType, 'STOPPING', 'TERMINATED', deleting ? { kind: 'instanceDeleted', args: { instance: rec.id } } : undefined);
}

// At DONE, whatever is left of a deleted instance goes (a delete of a stopped instance; a hold that ran out).
defineEffect('instanceDeleted', {
  apply: ({ tenant }, args) => {
    const inst = instances(tenant).peek(String(args['instance']));
    if (inst) removeInstance(tenant, inst);
  },
});
defineEffect('instanceReset', {
  apply: ({ tenant, at }, args) => {
    const inst = instances(tenant).peek(String(args['instance']));
    if (inst) inst.data.lastStartTimestamp = timestamp(at);
  },
});

const notReady = (call: ComputeCall, rec: ResourceRecord<GceInstanceData>): Error =>
  badRequest('resourceNotReady', `The resource 'projects/${call.project}/${rec.id}' is not ready`);

defineHandlers({
  'instances.start': (call) => {
    const rec = getInstance(call);
    if (rec.data.status === 'STOPPING') throw notReady(call, rec);
    if (rec.data.status !== 'TERMINATED') return transition(call, rec, 'start', undefined, rec.data.status === 'RUNNING' ? undefined : 'RUNNING');
    return startInstance(call, rec, 'start');
  },
  'instances.stop': (call) => stopInstance(call, getInstance(call), 'stop'),
  'instances.delete': (call) => stopInstance(call, getInstance(call), 'delete'),
  'instances.reset': (call) => {
    const rec = getInstance(call);
    if (rec.data.status !== 'RUNNING') throw notReady(call, rec);
    return transition(call, rec, 'reset', undefined, undefined, { kind: 'instanceReset', args: { instance: rec.id } });
  },
});
