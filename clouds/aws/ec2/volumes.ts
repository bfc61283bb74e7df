/** EBS volumes: CreateVolume (ClientToken idempotency), DescribeVolumes, DeleteVolume. */
import type {
  CreateVolumeRequest,
  DeleteVolumeRequest,
  DescribeVolumesRequest,
  DescribeVolumesResult,
  Volume,
  VolumeAttachment,
} from '@aws-sdk/client-ec2';
import type { FilterFields } from '../../../core/filters.js';
import type { ResourceRecord } from '../../../core/store.js';
import { Ec2Errors } from '../shared/errors.js';
import { checkDryRun, checkIdShape, checkPaging, filterRecords, findZone, pageOf, tagsFor, wireTags } from './common.js';
import { op, type Ec2Context } from './context.js';
import { T, type AttachmentData, type VolumeData } from './records.js';
import { volumeDefaults } from './volume-types.js';

type VolumeRecord = ResourceRecord<VolumeData>;

export function volumes(ctx: Ec2Context) {
  return ctx.tenant.collection<VolumeData>(T.volume);
}

export function attachmentsOf(ctx: Ec2Context, volumeId: string): ResourceRecord<AttachmentData>[] {
  return ctx.tenant.collection<AttachmentData>(T.attachment).list({ parent: volumeId });
}

export function attachmentsOnInstance(ctx: Ec2Context, instanceId: string): ResourceRecord<AttachmentData>[] {
  const out: ResourceRecord<AttachmentData>[] = [];
  for (const a of ctx.tenant.collection<AttachmentData>(T.attachment).all()) if (a.data.instanceId === instanceId) out.push(a);
  return out.sort((a, b) => a.seq - b.seq);
}

/** A volume's reported state: its own lifecycle while creating/deleting, else derived from attachments. */
export function volumeState(rec: VolumeRecord, attachments: readonly unknown[]): string {
  const s = rec.lc?.state ?? 'available';
  if (s !== 'available') return s;
  return attachments.length > 0 ? 'in-use' : 'available';
}

export function renderAttachment(a: ResourceRecord<AttachmentData>): VolumeAttachment {
  return {
    AttachTime: new Date(a.data.attachTime),
    Device: a.data.device,
    InstanceId: a.data.instanceId,
    State: (a.lc?.state ?? 'attached') as VolumeAttachment['State'],
    VolumeId: a.data.volumeId,
    DeleteOnTermination: a.data.deleteOnTermination,
  };
}

export function renderVolume(ctx: Ec2Context, rec: VolumeRecord): Volume {
  const atts = attachmentsOf(ctx, rec.id);
  const d = rec.data;
  return {
    VolumeId: rec.id,
    Size: d.size,
    SnapshotId: d.snapshotId,
    AvailabilityZone: d.zone,
    AvailabilityZoneId: d.zoneId,
    State: volumeState(rec, atts) as Volume['State'],
    CreateTime: new Date(d.createTime),
    Attachments: atts.map(renderAttachment),
    Encrypted: d.encrypted,
    KmsKeyId: d.kmsKeyId,
    OutpostArn: d.outpostArn,
    VolumeType: d.volumeType as Volume['VolumeType'],
    Iops: d.iops,
    Throughput: d.throughput,
    MultiAttachEnabled: d.multiAttachEnabled,
    Tags: Object.keys(rec.tags).length > 0 ? wireTags(rec.tags) : undefined,
  };
}

function createVolume(input: CreateVolumeRequest, ctx: Ec2Context): Volume {
  const zone = input.AvailabilityZone === undefined && input.AvailabilityZoneId === undefined
    ? (() => { throw Ec2Errors.missingParameter('AvailabilityZone'); })()
    : findZone(ctx, input.AvailabilityZone, input.AvailabilityZoneId);
  if (input.SnapshotId !== undefined) throw Ec2Errors.snapshotNotFound(input.SnapshotId);
  if (input.Size === undefined) throw Ec2Errors.missingParameter('Size');
  const shape = volumeDefaults(input);
  const tags = tagsFor(input.TagSpecifications, 'volume', ['volume']);
  checkDryRun(input);

  const token = input.ClientToken;
  const { ClientToken: _t, DryRun: _d, ...params } = input;
  if (token !== undefined && token !== '') {
    const seen = ctx.tenant.idempotency.check('CreateVolume', token, params);
    if (seen.kind === 'mismatch') throw Ec2Errors.idempotentMismatch();
    if (seen.kind === 'replay') {
      const existing = volumes(ctx).get(seen.resultId);
      if (!existing) throw Ec2Errors.idempotentDeleted();
      ctx.touch(existing.id);
      return renderVolume(ctx, existing);
    }
  }

  const rec = volumes(ctx).insert({
    id: ctx.newId('vol'),
    region: ctx.region,
    tags,
    data: {
      size: input.Size,
      ...shape,
      encrypted: input.Encrypted ?? false,
      kmsKeyId: input.Encrypted ? (input.KmsKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.account}:key/${ctx.engine.ids.uuid('aws:kms')}`) : undefined,
      zone: zone.zoneName,
      zoneId: zone.zoneId,
      snapshotId: '',
      createTime: ctx.now().toISOString(),
      multiAttachEnabled: input.MultiAttachEnabled ?? false,
      outpostArn: input.OutpostArn,
    },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'creating');
  if (token !== undefined && token !== '') ctx.tenant.idempotency.remember('CreateVolume', token, params, rec.id);
  ctx.touch(rec.id);
  return renderVolume(ctx, rec);
}

const volumeFilters: FilterFields<VolumeData> = {
  tags: true,
  fields: {
    'volume-id': (r) => r.id,
    'availability-zone': (r) => r.data.zone,
    'availability-zone-id': (r) => r.data.zoneId,
    'create-time': (r) => r.data.createTime,
    encrypted: (r) => r.data.encrypted,
    'multi-attach-enabled': (r) => r.data.multiAttachEnabled,
    'fast-restored': () => false,
    size: (r) => r.data.size,
    'snapshot-id': (r) => r.data.snapshotId,
    'volume-type': (r) => r.data.volumeType,
  },
};

function describeVolumes(input: DescribeVolumesRequest, ctx: Ec2Context): DescribeVolumesResult {
  const ids = input.VolumeIds ?? [];
  checkIdShape(ids, 'vol', 'InvalidVolumeID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 500, idsGiven: ids.length > 0, idsParam: 'volumeSet' });
  checkDryRun(input);
  let found = volumes(ctx).list({ region: ctx.region, ids: ids.length > 0 ? ids : undefined });
  if (ids.length > 0) {
    const missing = ids.filter((id) => !found.some((r) => r.id === id));
    if (missing.length > 0) throw Ec2Errors.volumeNotFound(missing);
  }
  // Status and attachment filters depend on attachments: evaluate them on the rendered volume.
  const rendered = new Map<string, Volume>();
  const view = (r: VolumeRecord) => {
    let v = rendered.get(r.id);
    if (!v) rendered.set(r.id, (v = renderVolume(ctx, r)));
    return v;
  };
  const att = (r: VolumeRecord) => view(r).Attachments ?? [];
  found = filterRecords(found, input.Filters, {
    ...volumeFilters,
    fields: {
      ...volumeFilters.fields,
      status: (r) => view(r).State,
      'attachment.instance-id': (r) => att(r).map((a) => a.InstanceId),
      'attachment.status': (r) => att(r).map((a) => a.State),
      'attachment.device': (r) => att(r).map((a) => a.Device),
      'attachment.attach-time': (r) => att(r).map((a) => a.AttachTime?.toISOString()),
      'attachment.delete-on-termination': (r) => att(r).map((a) => a.DeleteOnTermination),
    },
  });
  const page = pageOf(found, {
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
    min: 5,
    max: 500,
    idsGiven: ids.length > 0,
    idsParam: 'volumeSet',
    query: { f: input.Filters ?? [] },
  });
  ctx.touch(...page.items.map((r) => r.id));
  return { Volumes: page.items.map(view), NextToken: page.nextToken };
}

function deleteVolume(input: DeleteVolumeRequest, ctx: Ec2Context): object {
  if (!input.VolumeId) throw Ec2Errors.missingParameter('VolumeId');
  checkIdShape([input.VolumeId], 'vol', 'InvalidVolumeID.Malformed');
  ctx.touch(input.VolumeId);
  const rec = volumes(ctx).get(input.VolumeId);
  if (!rec || rec.region !== ctx.region || rec.lc?.state === 'deleting') throw Ec2Errors.volumeNotFound([input.VolumeId]);
  const atts = attachmentsOf(ctx, rec.id);
  if (atts.length > 0) throw Ec2Errors.volumeInUse(rec.id, atts[0]!.data.instanceId);
  if (rec.lc?.state === 'creating') throw Ec2Errors.incorrectState(`The volume '${rec.id}' is 'creating'.`);
  checkDryRun(input);
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'deleting');
  return {};
}

export const volumeOperations = {
  CreateVolume: op(createVolume),
  DescribeVolumes: op(describeVolumes),
  DeleteVolume: op(deleteVolume),
};
