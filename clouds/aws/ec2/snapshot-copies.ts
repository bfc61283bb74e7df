/**
 * More EBS snapshots: CopySnapshot (within and across regions of the account), CreateSnapshots
 * (crash-consistent snapshots of an instance's volumes), and the archive tier: ModifySnapshotTier,
 * RestoreSnapshotTier, DescribeSnapshotTierStatus.
 */
import type {
  CopySnapshotRequest,
  CopySnapshotResult,
  CreateSnapshotsRequest,
  CreateSnapshotsResult,
  DescribeSnapshotTierStatusRequest,
  DescribeSnapshotTierStatusResult,
  ModifySnapshotTierRequest,
  ModifySnapshotTierResult,
  RestoreSnapshotTierRequest,
  RestoreSnapshotTierResult,
  SnapshotTierStatus,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { checkDryRun, checkIdShape, DESCRIPTION_MAX, filterRecords, pageOf, tagsFor, tooLong, wireTags } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { requireInstance } from './instance-attributes.js';
import { patch, T, type SnapshotData, type VolumeData } from './records.js';
import { archived, findSnapshot, snapshots } from './snapshots.js';
import { attachmentsOnInstance } from './volumes.js';
import { defaultEbsKeyId, kmsKeyArn } from '../shared/keys.js';

type SnapshotRecord = ResourceRecord<SnapshotData>;
const DAY = 86400_000;

function insertSnapshot(ctx: Ec2Context, data: SnapshotData, tags: Record<string, string>): SnapshotRecord {
  const rec = snapshots(ctx).insert({ id: ctx.newId('snap'), region: ctx.region, tags, data });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'pending');
  ctx.touch(rec.id);
  return rec;
}

function copySnapshot(input: CopySnapshotRequest, ctx: Ec2Context): CopySnapshotResult {
  if (!input.SourceSnapshotId) throw Ec2Errors.missingParameter('SourceSnapshotId');
  if (!input.SourceRegion) throw Ec2Errors.missingParameter('SourceRegion');
  checkIdShape([input.SourceSnapshotId], 'snap', 'InvalidSnapshotID.Malformed');
  if ((input.Description ?? '').length > DESCRIPTION_MAX) throw tooLong('Description');
  if (input.KmsKeyId !== undefined && !input.Encrypted) throw Ec2Errors.invalidParameterCombination('The parameter KmsKeyId requires the parameter Encrypted to be set.');
  if (input.CompletionDurationMinutes !== undefined && (input.CompletionDurationMinutes < 15 || input.CompletionDurationMinutes > 2880 || input.CompletionDurationMinutes % 15 !== 0))
    throw Ec2Errors.invalidParameterValue(`Value (${input.CompletionDurationMinutes}) for parameter CompletionDurationMinutes is invalid. Specify a value from 15 to 2880, in 15-minute increments.`);
  // The source lives in SourceRegion of the same account (the tenant is the account).
  ctx.touch(input.SourceSnapshotId);
  const source = snapshots(ctx).get(input.SourceSnapshotId);
  if (!source || source.region !== input.SourceRegion) throw Ec2Errors.snapshotNotFound(input.SourceSnapshotId);
  if (source.lc?.state !== 'completed') throw Ec2Errors.incorrectState(`Snapshot is in invalid state - ${source.lc?.state ?? 'pending'}`);
  if (archived(ctx, source)) throw Ec2Errors.incorrectState(`The snapshot '${source.id}' is archived. Restore it before copying.`);
  const tags = tagsFor(input.TagSpecifications, 'snapshot', ['snapshot']);
  checkDryRun(input);
  const encrypted = source.data.encrypted || (input.Encrypted ?? false);
  const kmsKeyId = input.KmsKeyId ?? (source.region === ctx.region ? source.data.kmsKeyId : undefined) ?? (encrypted ? kmsKeyArn(ctx.account, ctx.region, defaultEbsKeyId(ctx.engine, ctx.account, ctx.region)) : undefined);
  const rec = insertSnapshot(
    ctx,
    {
      // EC2 reports copies with this placeholder volume id.
      volumeId: 'vol-ffffffff',
      volumeSize: source.data.volumeSize,
      description: input.Description ?? `[Copied ${source.id} from ${source.region}] ${source.data.description}`.trimEnd(),
      startTime: ctx.now().toISOString(),
      encrypted,
      kmsKeyId: encrypted ? kmsKeyId : undefined,
      sourceSnapshotId: source.id,
      sourceRegion: source.region,
    },
    tags,
  );
  return { SnapshotId: rec.id, Tags: Object.keys(tags).length ? wireTags(tags) : undefined };
}

function createSnapshots(input: CreateSnapshotsRequest, ctx: Ec2Context): CreateSnapshotsResult {
  const spec = input.InstanceSpecification;
  if (!spec?.InstanceId) throw Ec2Errors.missingParameter('InstanceSpecification.InstanceId');
  if ((input.Description ?? '').length > DESCRIPTION_MAX) throw tooLong('Description');
  if (input.CopyTagsFromSource !== undefined && input.CopyTagsFromSource !== 'volume')
    throw Ec2Errors.invalidParameterValue(`Value (${input.CopyTagsFromSource}) for parameter CopyTagsFromSource is invalid. Valid values: volume`);
  const inst = requireInstance(ctx, spec.InstanceId);
  const tags = tagsFor(input.TagSpecifications, 'snapshot', ['snapshot']);
  const atts = attachmentsOnInstance(ctx, inst.id);
  for (const v of spec.ExcludeDataVolumeIds ?? []) {
    const a = atts.find((x) => x.data.volumeId === v);
    if (!a) throw ec2Error('InvalidParameterValue', `The volume ${v} is not attached to instance ${inst.id}.`);
    if (a.data.device === inst.data.rootDeviceName) throw Ec2Errors.invalidParameterValue(`The root volume ${v} cannot be excluded with ExcludeDataVolumeIds; use ExcludeBootVolume.`);
  }
  const chosen = atts.filter((a) => !(spec.ExcludeBootVolume && a.data.device === inst.data.rootDeviceName) && !(spec.ExcludeDataVolumeIds ?? []).includes(a.data.volumeId));
  if (chosen.length === 0) throw Ec2Errors.invalidParameterValue(`No volumes to snapshot on instance ${inst.id}.`);
  checkDryRun(input);
  const now = ctx.now().toISOString();
  const made = chosen.map((a) => {
    const vol = ctx.tenant.collection<VolumeData>(T.volume).peek(a.data.volumeId)!;
    const own = input.CopyTagsFromSource === 'volume' ? { ...vol.tags, ...tags } : tags;
    return insertSnapshot(
      ctx,
      { volumeId: vol.id, volumeSize: vol.data.size, description: input.Description ?? '', startTime: now, encrypted: vol.data.encrypted, kmsKeyId: vol.data.kmsKeyId, outpostArn: input.OutpostArn ?? vol.data.outpostArn },
      own,
    );
  });
  return {
    Snapshots: made.map((r) => ({
      SnapshotId: r.id,
      VolumeId: r.data.volumeId,
      State: 'pending',
      StartTime: new Date(r.data.startTime),
      Progress: '',
      OwnerId: ctx.account,
      Description: r.data.description,
      VolumeSize: r.data.volumeSize,
      Encrypted: r.data.encrypted,
      OutpostArn: r.data.outpostArn,
      Tags: Object.keys(r.tags).length ? wireTags(r.tags) : undefined,
    })),
  };
}

function modifySnapshotTier(input: ModifySnapshotTierRequest, ctx: Ec2Context): ModifySnapshotTierResult {
  if (input.StorageTier !== undefined && input.StorageTier !== 'archive')
    throw Ec2Errors.invalidParameterValue(`Value (${input.StorageTier}) for parameter StorageTier is invalid. Valid values: archive`);
  const rec = findSnapshot(ctx, input.SnapshotId);
  if (rec.lc?.state !== 'completed') throw Ec2Errors.incorrectState(`Snapshot is in invalid state - ${rec.lc?.state ?? 'pending'}`);
  if (rec.data.storageTier === 'archive') throw Ec2Errors.incorrectState(`The snapshot '${rec.id}' is already in the archive tier.`);
  checkDryRun(input);
  const now = ctx.now();
  patch(rec, { storageTier: 'archive', tierChangeTime: now.toISOString() }, ['restoreExpiryTime']);
  return { SnapshotId: rec.id, TieringStartTime: now };
}

function restoreSnapshotTier(input: RestoreSnapshotTierRequest, ctx: Ec2Context): RestoreSnapshotTierResult {
  const rec = findSnapshot(ctx, input.SnapshotId);
  const days = input.TemporaryRestoreDays;
  if (input.PermanentRestore && days !== undefined)
    throw Ec2Errors.invalidParameterCombination('The parameters PermanentRestore and TemporaryRestoreDays cannot be specified together.');
  if (!input.PermanentRestore && days === undefined) throw Ec2Errors.missingParameter('TemporaryRestoreDays');
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 180))
    throw Ec2Errors.invalidParameterValue(`Value (${days}) for parameter TemporaryRestoreDays is invalid. Valid range: 1 - 180.`);
  if (rec.data.storageTier !== 'archive') throw Ec2Errors.incorrectState(`The snapshot '${rec.id}' is not in the archive tier.`);
  checkDryRun(input);
  const now = ctx.now();
  if (input.PermanentRestore) patch(rec, { tierChangeTime: now.toISOString(), storageTier: 'standard' }, ['restoreExpiryTime']);
  else patch(rec, { tierChangeTime: now.toISOString(), restoreExpiryTime: new Date(now.getTime() + days! * DAY).toISOString() });
  return { SnapshotId: rec.id, RestoreStartTime: now, RestoreDuration: days, IsPermanentRestore: input.PermanentRestore ?? false };
}

function tierStatus(ctx: Ec2Context, r: SnapshotRecord): SnapshotTierStatus {
  const d = r.data;
  const restored = d.storageTier === 'archive' && !archived(ctx, r);
  const op = d.tierChangeTime === undefined ? undefined : d.storageTier === 'archive' && d.restoreExpiryTime === undefined ? 'archival-completed' : restored ? 'temporary-restore-completed' : d.storageTier === 'standard' ? 'permanent-restore-completed' : 'archival-completed';
  return {
    SnapshotId: r.id,
    VolumeId: d.volumeId,
    Status: 'completed',
    OwnerId: ctx.account,
    Tags: Object.keys(r.tags).length ? wireTags(r.tags) : undefined,
    StorageTier: d.storageTier ?? 'standard',
    LastTieringStartTime: d.tierChangeTime ? new Date(d.tierChangeTime) : undefined,
    LastTieringProgress: d.tierChangeTime ? 100 : undefined,
    LastTieringOperationStatus: op as SnapshotTierStatus['LastTieringOperationStatus'],
    RestoreExpiryTime: restored ? new Date(d.restoreExpiryTime!) : undefined,
  };
}

function describeSnapshotTierStatus(input: DescribeSnapshotTierStatusRequest, ctx: Ec2Context): DescribeSnapshotTierStatusResult {
  checkDryRun(input);
  const rows = filterRecords(snapshots(ctx).list({ region: ctx.region }), input.Filters, {
    fields: {
      'snapshot-id': (r) => r.id,
      'volume-id': (r) => r.data.volumeId,
      'last-tiering-operation': (r) => tierStatus(ctx, r).LastTieringOperationStatus,
    },
  }).filter((r) => r.data.tierChangeTime !== undefined || input.Filters?.length);
  const page = pageOf(rows, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: false, idsParam: '', query: input.Filters ?? [] });
  return { SnapshotTierStatuses: page.items.map((r) => tierStatus(ctx, r)), NextToken: page.nextToken };
}

export const snapshotCopyOperations = {
  CopySnapshot: op(copySnapshot),
  CreateSnapshots: op(createSnapshots),
  ModifySnapshotTier: op(modifySnapshotTier),
  RestoreSnapshotTier: op(restoreSnapshotTier),
  DescribeSnapshotTierStatus: op(describeSnapshotTierStatus),
};
