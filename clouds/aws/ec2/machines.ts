/**
 * EC2 state machines, declared as data for the core lifecycle engine. Scenarios name them by type
 * and transient state (`aws.ec2.attachment: {attaching: {delay: {ms: 2000}}}`).
 */
import type { Engine } from '../../../core/engine.js';
import { attachmentId, T, type AttachmentData, type InstanceData, type VolumeData } from './records.js';

export function defineEc2Machines(engine: Engine): void {
  engine.lifecycle.define<VolumeData>({
    type: T.volume,
    auto: { creating: 'available', deleting: 'deleted' },
    onEnter: ({ record, to, tenant }) => {
      if (to === 'deleted') tenant.collection(T.volume).delete(record.id);
    },
  });

  engine.lifecycle.define<AttachmentData>({
    type: T.attachment,
    auto: { attaching: 'attached', detaching: 'detached' },
    onEnter: ({ record, to, tenant }) => {
      if (to === 'detached') tenant.collection(T.attachment).delete(record.id);
    },
  });

  engine.lifecycle.define<InstanceData>({
    type: T.instance,
    auto: { pending: 'running', stopping: 'stopped', 'shutting-down': 'terminated' },
    onEnter: ({ record, to, at, tenant }) => {
      if (to !== 'terminated') return;
      record.data.terminatedAt = at;
      // The instance's EBS volumes: detached, and deleted where DeleteOnTermination is set.
      const attachments = tenant.collection<AttachmentData>(T.attachment);
      for (const a of [...attachments.all()]) {
        if (a.data.instanceId !== record.id) continue;
        attachments.delete(attachmentId(a.data.volumeId, record.id));
        const vol = tenant.collection<VolumeData>(T.volume).peek(a.data.volumeId);
        if (vol && a.data.deleteOnTermination) engine.lifecycle.enter(tenant, vol, 'deleting', at);
      }
    },
  });
}
