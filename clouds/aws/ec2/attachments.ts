/** AttachVolume / DetachVolume: `attaching → attached`, `detaching → detached` on the lifecycle engine. */
import type { AttachVolumeRequest, DetachVolumeRequest, VolumeAttachment } from '@aws-sdk/client-ec2';
import { Ec2Errors, ec2Error } from '../shared/errors.js';
import { checkDryRun, checkIdShape } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { ebsAttachmentLimit, INSTANCE_TYPES } from './instance-type-data.js';
import { instanceState, instances } from './instances.js';
import { attachmentId, T, type AttachmentData } from './records.js';
import { attachmentsOf, attachmentsOnInstance, renderAttachment, volumes } from './volumes.js';

/** `/dev/sd[b-z]`, `/dev/xvd[b-z]`, `/dev/xvd[a-z][a-z]` (what Linux AMIs accept; the EBS CSI driver uses /dev/xvdXX). */
/** io1/io2 Multi-Attach: up to 16 Nitro instances in one zone. */
const MULTI_ATTACH_MAX = 16;

const DEVICE = /^\/dev\/(sd[a-z]([1-9]|1[0-5])?|xvd[a-z]{1,2}|nvme\d+n\d+)$/;

function attachVolume(input: AttachVolumeRequest, ctx: Ec2Context): VolumeAttachment {
  if (!input.VolumeId) throw Ec2Errors.missingParameter('VolumeId');
  if (!input.InstanceId) throw Ec2Errors.missingParameter('InstanceId');
  if (!input.Device) throw Ec2Errors.missingParameter('Device');
  checkIdShape([input.VolumeId], 'vol', 'InvalidVolumeID.Malformed');
  checkIdShape([input.InstanceId], 'i', 'InvalidInstanceID.Malformed');
  ctx.touch(input.VolumeId, input.InstanceId);
  const vol = volumes(ctx).get(input.VolumeId);
  if (!vol || vol.region !== ctx.region || vol.lc?.state === 'deleting') throw Ec2Errors.volumeNotFound([input.VolumeId]);
  const inst = instances(ctx).get(input.InstanceId);
  if (!inst || inst.region !== ctx.region) throw Ec2Errors.instanceNotFound([input.InstanceId]);
  const state = instanceState(inst);
  if (state !== 'running' && state !== 'stopped') throw Ec2Errors.incorrectInstanceState(inst.id);
  if (vol.lc?.state !== 'available') throw Ec2Errors.incorrectState(`vol '${vol.id}' is not 'available'.`);
  if (vol.data.zone !== inst.data.zone)
    throw ec2Error('InvalidVolume.ZoneMismatch', `The volume '${vol.id}' is not in the same availability zone as instance '${inst.id}'`);
  if (!DEVICE.test(input.Device))
    throw Ec2Errors.invalidParameterValue(`Value (${input.Device}) for parameter device is invalid. ${input.Device} is not a valid EBS device name.`);

  const existing = attachmentsOf(ctx, vol.id);
  if (existing.some((a) => a.data.instanceId === inst.id) || (existing.length > 0 && !vol.data.multiAttachEnabled))
    throw Ec2Errors.volumeInUse(vol.id, existing[0]!.data.instanceId);
  if (vol.data.multiAttachEnabled) {
    if (existing.length >= MULTI_ATTACH_MAX) throw ec2Error('AttachmentLimitExceeded', `Volume ${vol.id} is already attached to ${MULTI_ATTACH_MAX} instances, the most Multi-Attach allows.`);
    if (INSTANCE_TYPES.get(inst.data.instanceType)?.hypervisor === 'xen')
      throw Ec2Errors.invalidParameterCombination(`Multi-Attach volumes can only be attached to instances built on the Nitro System; '${inst.id}' is ${inst.data.instanceType}.`);
  }
  const onInstance = attachmentsOnInstance(ctx, inst.id);
  if (onInstance.some((a) => a.data.device === input.Device))
    throw Ec2Errors.invalidParameterValue(`Invalid value '${input.Device}' for unixDevice. Attachment point ${input.Device} is already in use`);
  // Nitro types share their attachment slots with network interfaces and NVMe instance store.
  const { limit, shared } = ebsAttachmentLimit(inst.data.instanceType);
  const type = INSTANCE_TYPES.get(inst.data.instanceType);
  const used = onInstance.length + (shared ? 1 + (type?.instanceStore?.[0] ?? 0) : 0);
  if (used + 1 > limit) throw ec2Error('AttachmentLimitExceeded', `Attachment limit exceeded for instance ${inst.id} (${inst.data.instanceType}: ${limit}).`);
  if (input.EbsCardIndex !== undefined && input.EbsCardIndex !== 0)
    throw Ec2Errors.invalidParameterValue(`Value (${input.EbsCardIndex}) for parameter EbsCardIndex is invalid. ${inst.data.instanceType} has 1 EBS card.`);
  checkDryRun(input);

  const rec = ctx.tenant.collection<AttachmentData>(T.attachment).insert({
    id: attachmentId(vol.id, inst.id),
    region: ctx.region,
    parent: vol.id,
    data: { volumeId: vol.id, instanceId: inst.id, device: input.Device, attachTime: ctx.now().toISOString(), deleteOnTermination: false, ebsCardIndex: input.EbsCardIndex },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'attaching');
  return renderAttachment(rec);
}

function detachVolume(input: DetachVolumeRequest, ctx: Ec2Context): VolumeAttachment {
  if (!input.VolumeId) throw Ec2Errors.missingParameter('VolumeId');
  checkIdShape([input.VolumeId], 'vol', 'InvalidVolumeID.Malformed');
  if (input.InstanceId) checkIdShape([input.InstanceId], 'i', 'InvalidInstanceID.Malformed');
  ctx.touch(input.VolumeId);
  const vol = volumes(ctx).get(input.VolumeId);
  if (!vol || vol.region !== ctx.region) throw Ec2Errors.volumeNotFound([input.VolumeId]);
  const atts = attachmentsOf(ctx, vol.id);
  if (atts.length === 0) throw Ec2Errors.incorrectState(`Volume '${vol.id}' is in the 'available' state.`);
  let att = atts[0]!;
  if (input.InstanceId) {
    const match = atts.find((a) => a.data.instanceId === input.InstanceId);
    if (!match) throw ec2Error('InvalidAttachment.NotFound', `Volume '${vol.id}' is not attached to instance '${input.InstanceId}'.`);
    att = match;
  } else if (atts.length > 1) {
    throw Ec2Errors.missingParameter('InstanceId');
  }
  if (input.Device && input.Device !== att.data.device)
    throw ec2Error('InvalidAttachment.NotFound', `Volume '${vol.id}' is not attached to instance '${att.data.instanceId}' at device '${input.Device}'.`);
  if (att.lc?.state === 'detaching') throw Ec2Errors.incorrectState(`Volume '${vol.id}' is already detaching.`);
  checkDryRun(input);
  ctx.touch(att.data.instanceId);
  ctx.engine.lifecycle.enter(ctx.tenant, att, 'detaching');
  return renderAttachment(att);
}

export const attachmentOperations = {
  AttachVolume: op(attachVolume),
  DetachVolume: op(detachVolume),
};
