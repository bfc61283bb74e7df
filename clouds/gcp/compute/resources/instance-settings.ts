/**
 * An instance's settings, each guarded as GCE guards it: setMetadata (metadata fingerprint),
 * setLabels (labelFingerprint; a stale one is 412 conditionNotMet), setMachineType (only while
 * TERMINATED); the change lands when the operation is DONE.
 */
import type { TenantStore } from '../../../../core/store.js';
import { defineHandlers, operation, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { fingerprint } from '../collections.js';
import { defineEffect } from '../operations.js';
import { badRequest, fingerprintMismatch, required } from '../problems.js';
import { G, type GceInstanceData } from '../../records.js';
import { machineTypeName, readMetadata } from './instance-create.js';
import { getInstance } from './instance-lifecycle.js';

const peek = (tenant: TenantStore, key: unknown) => tenant.collection<GceInstanceData>(G.instance).peek(String(key));

defineEffect('instanceSettings', {
  apply: ({ tenant }, args) => {
    const inst = peek(tenant, args['instance']);
    if (!inst) return;
    const set = args['set'] as Partial<GceInstanceData>;
    Object.assign(inst.data, set);
  },
});

function change(call: ComputeCall, operationType: string, set: Partial<GceInstanceData>): Json {
  const rec = getInstance(call);
  return operation(call, { scope: `zones/${rec.data.zone}`, target: rec.id, targetId: rec.data.numericId, operationType, effect: { kind: 'instanceSettings', args: { instance: rec.id, set: set as Json } } });
}

defineHandlers({
  'instances.setMetadata': (call) => {
    const rec = getInstance(call);
    if (call.body['fingerprint'] !== fingerprint(rec.data.attributes)) throw fingerprintMismatch('');
    return change(call, 'setMetadata', { attributes: readMetadata({ metadata: call.body }, 'metadata') });
  },
  'instances.setLabels': (call) => {
    const rec = getInstance(call);
    const given = call.body['labelFingerprint'];
    if (given === undefined) throw required('labelFingerprint');
    if (given !== fingerprint(rec.data.labels)) throw fingerprintMismatch('labelFingerprint');
    return change(call, 'setLabels', { labels: (call.body['labels'] as Record<string, string> | undefined) ?? {} });
  },
  'instances.setMachineType': (call) => {
    const rec = getInstance(call);
    const machineType = machineTypeName(call, rec.data.zone, call.body['machineType'], 'machineType');
    if (rec.data.status !== 'TERMINATED') throw badRequest('invalidResourceUsage', "Invalid resource usage: 'Instance should be in the STOPPED state.'.");
    return change(call, 'setMachineType', { machineType });
  },
});
