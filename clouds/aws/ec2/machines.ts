/**
 * EC2 state machines, declared as data for the core lifecycle engine. Scenarios name them by type
 * and transient state (`aws.ec2.attachment: {attaching: {delay: {ms: 2000}}}`).
 */
import type { Engine } from '../../../core/engine.js';
import { applyModificationStep } from './modifications.js';
import { defineNatGatewayMachine } from './nat-gateways.js';
import { declareImmutableData } from '../../../core/store.js';
import { attachmentId, BY_INSTANCE, IMMUTABLE_TYPES, patch, T, type AttachmentData, type InstanceData, type ModificationData, type VolumeData } from './records.js';

export function defineEc2Machines(engine: Engine): void {
  const { lifecycle } = engine;
  engine.store.defineIndex(T.attachment, BY_INSTANCE, (r) => (r.data as AttachmentData).instanceId);
  for (const type of IMMUTABLE_TYPES) declareImmutableData(type);

  lifecycle.define<VolumeData>({
    type: T.volume,
    auto: { creating: 'available', deleting: 'deleted' },
    onEnter: ({ record, to, tenant }) => {
      if (to !== 'deleted') return;
      tenant.collection(T.volume).delete(record.id);
      tenant.collection(T.modification).delete(record.id);
      tenant.collection(T.volumeInit).delete(record.id);
    },
  });

  lifecycle.define<AttachmentData>({
    type: T.attachment,
    auto: { attaching: 'attached', detaching: 'detached' },
    onEnter: ({ record, to, tenant }) => {
      if (to === 'detached') tenant.collection(T.attachment).delete(record.id);
    },
  });

  lifecycle.define<InstanceData>({
    type: T.instance,
    auto: { pending: 'running', stopping: 'stopped', 'shutting-down': 'terminated' },
    onEnter: ({ record, to, at, tenant }) => {
      // Running clears the pending reason; a stopped instance gives its auto-assigned public IP back.
      if (to === 'running' && record.data.stateReason !== undefined) patch(record, {}, ['stateReason']);
      if ((to === 'stopped' || to === 'terminated') && record.data.publicIp !== undefined) patch(record, {}, ['publicIp']);
      if (to !== 'terminated') return;
      patch(record, { terminatedAt: at });
      // The instance's EBS volumes: detached, and deleted where DeleteOnTermination is set.
      const attachments = tenant.collection<AttachmentData>(T.attachment);
      for (const a of attachments.lookup(BY_INSTANCE, record.id)) {
        attachments.delete(attachmentId(a.data.volumeId, record.id));
        const vol = tenant.collection<VolumeData>(T.volume).peek(a.data.volumeId);
        if (vol && a.data.deleteOnTermination) lifecycle.enter(tenant, vol, 'deleting', at);
      }
    },
  });

  lifecycle.define({ type: T.snapshot, auto: { pending: 'completed' } });

  lifecycle.define<ModificationData>({
    type: T.modification,
    auto: { modifying: 'optimizing', optimizing: 'completed' },
    onEnter: ({ record, to, at, tenant }) => applyModificationStep(record, to, at, () => tenant.collection<VolumeData>(T.volume)),
  });

  lifecycle.define({ type: T.volumeInit, auto: { initializing: 'completed' } });
  lifecycle.define({ type: T.fastRestore, auto: { enabling: 'optimizing', optimizing: 'enabled' } });
  defineNatGatewayMachine(engine);
}
