/** EBS volumes: CreateVolume (ClientToken idempotency, from snapshots), CopyVolumes, DescribeVolumes, DeleteVolume. */
import type {
  CopyVolumesRequest,
  CopyVolumesResult,
  CreateVolumeRequest,
  DeleteVolumeRequest,
  DescribeVolumesRequest,
  DescribeVolumesResult,
  TagSpecification,
  Volume,
  VolumeAttachment,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { Ec2Errors } from '../shared/errors.js';
import { isoDate } from '../shared/iso-time.js';
import { defaultEbsKeyId, kmsKeyArn } from '../shared/keys.js';
import { checkDryRun, checkIdShape, checkPaging, describeQuery, filterPredicate, findZone, pageOf, pageWindow, tagsFor, wireTags } from './common.js';
import type { FilterFields } from '../../../core/filters.js';
import { op, type Ec2Context } from '../shared/context.js';
import { BY_INSTANCE, T, type AttachmentData, type VolumeData, type VolumeInitData, type ZoneData } from './records.js';
import { requireCompletedSnapshot } from './snapshots.js';
import { attachmentDeps, RenderCache } from './render-cache.js';
import { resolveShape, type ShapeRequest, type VolumeShape } from './volume-types.js';

type VolumeRecord = ResourceRecord<VolumeData>;

const VOLUME_XML = new RenderCache('DescribeVolumes', ['Volumes']);

export const volumes = (ctx: Ec2Context) => ctx.tenant.collection<VolumeData>(T.volume);

export function attachmentsOf(ctx: Ec2Context, volumeId: string): ResourceRecord<AttachmentData>[] {
  return ctx.tenant.collection<AttachmentData>(T.attachment).list({ parent: volumeId });
}

export function attachmentsOnInstance(ctx: Ec2Context, instanceId: string): ResourceRecord<AttachmentData>[] {
  return ctx.tenant.collection<AttachmentData>(T.attachment).lookup(BY_INSTANCE, instanceId);
}

/** A volume the caller can use: present in this region and not being deleted. */
export function requireVolume(ctx: Ec2Context, id: string | undefined): VolumeRecord {
  if (!id) throw Ec2Errors.missingParameter('VolumeId');
  checkIdShape([id], 'vol', 'InvalidVolumeID.Malformed');
  ctx.touch(id);
  const rec = volumes(ctx).get(id);
  if (!rec || rec.region !== ctx.region || rec.lc?.state === 'deleting') throw Ec2Errors.volumeNotFound([id]);
  return rec;
}

/** A volume's reported state: its own lifecycle while creating/deleting, else derived from attachments. */
export function volumeState(rec: VolumeRecord, attachments: readonly unknown[]): string {
  const s = rec.lc?.state ?? 'available';
  if (s !== 'available') return s;
  return attachments.length > 0 ? 'in-use' : 'available';
}

export function renderAttachment(a: ResourceRecord<AttachmentData>): VolumeAttachment {
  return {
    AttachTime: isoDate(a.data.attachTime),
    Device: a.data.device,
    InstanceId: a.data.instanceId,
    State: (a.lc?.state ?? 'attached') as VolumeAttachment['State'],
    VolumeId: a.data.volumeId,
    DeleteOnTermination: a.data.deleteOnTermination,
    EbsCardIndex: a.data.ebsCardIndex,
  };
}

/** `atts`: the volume's attachments when the caller has read them already (each read counts, see store.ts onRead). */
export function renderVolume(ctx: Ec2Context, rec: VolumeRecord, atts = attachmentsOf(ctx, rec.id)): Volume {
  const d = rec.data;
  return {
    VolumeId: rec.id,
    Size: d.size,
    SnapshotId: d.snapshotId,
    AvailabilityZone: d.zone,
    AvailabilityZoneId: d.zoneId,
    State: volumeState(rec, atts) as Volume['State'],
    CreateTime: isoDate(d.createTime),
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

export interface NewVolume {
  shape: VolumeShape;
  zone: ZoneData;
  tags: Record<string, string>;
  encrypted: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  multiAttachEnabled?: boolean;
  outpostArn?: string;
  /** Volumes from snapshots and copies initialize in the background after creation. */
  initialization?: VolumeInitData['type'];
}

/** Store a new volume in `creating` (CreateVolume, CopyVolumes; RunInstances moves it on at once). */
export function insertVolume(ctx: Ec2Context, v: NewVolume): VolumeRecord {
  const { size, ...shape } = v.shape;
  const rec = volumes(ctx).insert({
    id: ctx.newId('vol'),
    region: ctx.region,
    tags: v.tags,
    data: {
      size,
      ...shape,
      encrypted: v.encrypted,
      kmsKeyId: v.encrypted ? (v.kmsKeyId ?? defaultEbsKey(ctx)) : undefined,
      zone: v.zone.zoneName,
      zoneId: v.zone.zoneId,
      snapshotId: v.snapshotId ?? '',
      createTime: ctx.now().toISOString(),
      multiAttachEnabled: v.multiAttachEnabled ?? false,
      outpostArn: v.outpostArn,
    },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'creating');
  if (v.initialization) {
    const init = ctx.tenant.collection<VolumeInitData>(T.volumeInit).insert({ id: rec.id, region: ctx.region, parent: rec.id, data: { volumeId: rec.id, type: v.initialization } });
    ctx.engine.lifecycle.enter(ctx.tenant, init, 'initializing');
  }
  ctx.touch(rec.id);
  return rec;
}

/** The account's default EBS key in the region, as `aws/ebs` resolves to. */
function defaultEbsKey(ctx: Ec2Context): string {
  return kmsKeyArn(ctx.account, ctx.region, defaultEbsKeyId(ctx.engine, ctx.account, ctx.region));
}

function normalisedTagSpecs(specs: TagSpecification[] | undefined): TagSpecification[] | undefined {
  return specs
    ?.map((s) => ({ ...s, Tags: [...(s.Tags ?? [])].sort((a, b) => ((a.Key ?? '') < (b.Key ?? '') ? -1 : (a.Key ?? '') > (b.Key ?? '') ? 1 : 0)) }))
    .sort((a, b) => ((a.ResourceType ?? '') < (b.ResourceType ?? '') ? -1 : 1));
}

/** ClientToken idempotency shared by CreateVolume and CopyVolumes. */
function idempotent<T extends { ClientToken?: string; DryRun?: boolean; TagSpecifications?: TagSpecification[] }>(ctx: Ec2Context, scope: string, input: T, create: () => VolumeRecord): VolumeRecord {
  const token = input.ClientToken;
  if (token === undefined || token === '') return create();
  const { ClientToken: _t, DryRun: _d, ...rest } = input;
  // Tag order is not a parameter: callers build tags from maps (the EBS CSI driver does).
  const params = { ...rest, TagSpecifications: normalisedTagSpecs(rest.TagSpecifications) };
  const seen = ctx.tenant.idempotency.check(scope, token, params);
  if (seen.kind === 'mismatch') throw Ec2Errors.idempotentMismatch();
  if (seen.kind === 'replay') {
    const existing = volumes(ctx).get(seen.resultId);
    if (!existing) throw Ec2Errors.idempotentDeleted();
    ctx.touch(existing.id);
    return existing;
  }
  const rec = create();
  ctx.tenant.idempotency.remember(scope, token, params, rec.id);
  return rec;
}

function createVolume(input: CreateVolumeRequest, ctx: Ec2Context): Volume {
  if (input.AvailabilityZone === undefined && input.AvailabilityZoneId === undefined) throw Ec2Errors.missingParameter('AvailabilityZone');
  const zone = findZone(ctx, input.AvailabilityZone, input.AvailabilityZoneId);
  const snapshot = input.SnapshotId !== undefined ? requireCompletedSnapshot(ctx, input.SnapshotId) : undefined;
  if (!snapshot && input.Size === undefined) throw Ec2Errors.missingParameter('Size');
  if (snapshot && input.Size !== undefined && input.Size < snapshot.data.volumeSize)
    throw Ec2Errors.invalidParameterValue(`The volume size is invalid for the snapshot '${snapshot.id}'. The volume size must be at least ${snapshot.data.volumeSize} GiB.`);
  if (input.VolumeInitializationRate !== undefined) {
    if (!snapshot) throw Ec2Errors.invalidParameterCombination('The parameter VolumeInitializationRate is supported only for volumes created from snapshots.');
    if (input.VolumeInitializationRate < 100 || input.VolumeInitializationRate > 300)
      throw Ec2Errors.invalidParameterValue(`Value (${input.VolumeInitializationRate}) for parameter VolumeInitializationRate is invalid. Valid range: 100 - 300 MiB/s.`);
  }
  const shape = resolveShape({ ...(input as ShapeRequest), Size: input.Size ?? snapshot?.data.volumeSize });
  if (input.KmsKeyId !== undefined && !input.Encrypted && !snapshot?.data.encrypted)
    throw Ec2Errors.invalidParameterCombination('The parameter KmsKeyId requires the parameter Encrypted to be set.');
  const tags = tagsFor(input.TagSpecifications, 'volume', ['volume']);
  checkDryRun(input);
  const rec = idempotent(ctx, 'CreateVolume', input, () =>
    insertVolume(ctx, {
      shape,
      zone,
      tags,
      encrypted: (input.Encrypted ?? false) || (snapshot?.data.encrypted ?? false),
      kmsKeyId: input.KmsKeyId ?? snapshot?.data.kmsKeyId,
      snapshotId: snapshot?.id,
      multiAttachEnabled: input.MultiAttachEnabled,
      outpostArn: input.OutpostArn,
      initialization: snapshot ? (input.VolumeInitializationRate !== undefined ? 'provisioned-rate' : 'default') : undefined,
    }),
  );
  return renderVolume(ctx, rec);
}

function copyVolumes(input: CopyVolumesRequest, ctx: Ec2Context): CopyVolumesResult {
  const source = requireVolume(ctx, input.SourceVolumeId);
  const state = volumeState(source, attachmentsOf(ctx, source.id));
  if (state !== 'available' && state !== 'in-use') throw Ec2Errors.incorrectState(`The volume '${source.id}' is not in a state that can be copied ('${state}').`);
  if (input.Size !== undefined && input.Size < source.data.size)
    throw Ec2Errors.invalidParameterValue(`The size of the copy must be at least the size of the source volume (${source.data.size} GiB).`);
  const shape = resolveShape(input as ShapeRequest, { ...source.data });
  const tags = tagsFor(input.TagSpecifications, 'volume', ['volume']);
  checkDryRun(input);
  const zone = findZone(ctx, source.data.zone, undefined);
  const rec = idempotent(ctx, 'CopyVolumes', input, () =>
    insertVolume(ctx, {
      shape,
      zone,
      tags,
      encrypted: source.data.encrypted || (input.Encrypted ?? false),
      kmsKeyId: input.KmsKeyId ?? source.data.kmsKeyId,
      snapshotId: source.data.snapshotId,
      multiAttachEnabled: input.MultiAttachEnabled,
      outpostArn: source.data.outpostArn,
      initialization: 'volume-copy',
    }),
  );
  return { Volumes: [renderVolume(ctx, rec)] };
}

function describeVolumes(input: DescribeVolumesRequest, ctx: Ec2Context): DescribeVolumesResult {
  const ids = input.VolumeIds ?? [];
  checkIdShape(ids, 'vol', 'InvalidVolumeID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 500, idsGiven: ids.length > 0, idsParam: 'volumeSet', lenient: true });
  checkDryRun(input);
  // Status and attachment filters depend on attachments: evaluate them on the rendered volume.
  // Each volume's attachments are read once per call (a read counts toward manual lifecycle steps).
  const attachments = new Map<string, ResourceRecord<AttachmentData>[]>();
  const attsOf = (r: VolumeRecord) => {
    let a = attachments.get(r.id);
    if (!a) attachments.set(r.id, (a = attachmentsOf(ctx, r.id)));
    return a;
  };
  const rendered = new Map<string, Volume>();
  const view = (r: VolumeRecord) => {
    let v = rendered.get(r.id);
    if (!v) rendered.set(r.id, (v = renderVolume(ctx, r, attsOf(r))));
    return v;
  };
  const att = (r: VolumeRecord) => view(r).Attachments ?? [];
  const spec: FilterFields<VolumeData> = {
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
      status: (r) => view(r).State,
      'attachment.instance-id': (r) => att(r).map((a) => a.InstanceId),
      'attachment.status': (r) => att(r).map((a) => a.State),
      'attachment.device': (r) => att(r).map((a) => a.Device),
      'attachment.attach-time': (r) => att(r).map((a) => a.AttachTime?.toISOString()),
      'attachment.delete-on-termination': (r) => att(r).map((a) => a.DeleteOnTermination),
    },
  };
  let found: VolumeRecord[];
  if (ids.length > 0) {
    found = volumes(ctx).list(describeQuery(ctx, ids, input.Filters));
    const present = new Set(found.map((r) => r.id));
    const missing = ids.filter((id) => !present.has(id));
    if (missing.length > 0) throw Ec2Errors.volumeNotFound(missing);
    found = found.filter(filterPredicate(input.Filters, spec));
  } else {
    const where = filterPredicate(input.Filters, spec);
    // Filters run in the scan, from the page token's cursor, up to one more than the page holds.
    const window = pageWindow({ maxResults: input.MaxResults, nextToken: input.NextToken, lenient: true, max: 500, query: { f: input.Filters ?? [] } });
    found = volumes(ctx).list({ ...describeQuery(ctx, ids, input.Filters, 'volume-id'), ...window, where: where as (r: ResourceRecord) => boolean });
  }
  const page = pageOf(found, {
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
    min: 5,
    max: 500,
    idsGiven: ids.length > 0,
    idsParam: 'volumeSet',
    lenient: true,
    query: { f: input.Filters ?? [] },
  });
  ctx.touch(...page.items.map((r) => r.id));
  // Each volume as its cached XML while nothing it was rendered from changed (render-cache.ts).
  const items = page.items.map((r) => {
    const atts = attsOf(r);
    return VOLUME_XML.fragment(r, attachmentDeps(atts), () => rendered.get(r.id) ?? renderVolume(ctx, r, atts)) as Volume;
  });
  return { Volumes: items, NextToken: page.nextToken };
}

function deleteVolume(input: DeleteVolumeRequest, ctx: Ec2Context): object {
  const rec = requireVolume(ctx, input.VolumeId);
  const atts = attachmentsOf(ctx, rec.id);
  if (atts.length > 0) throw Ec2Errors.volumeInUse(rec.id, atts[0]!.data.instanceId);
  if (rec.lc?.state === 'creating') throw Ec2Errors.incorrectState(`The volume '${rec.id}' is 'creating'.`);
  checkDryRun(input);
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'deleting');
  return {};
}

export const volumeOperations = {
  CreateVolume: op(createVolume),
  CopyVolumes: op(copyVolumes),
  DescribeVolumes: op(describeVolumes),
  DeleteVolume: op(deleteVolume),
};
