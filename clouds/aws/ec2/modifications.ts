/**
 * Elastic Volumes: ModifyVolume and DescribeVolumesModifications. A modification runs
 * `modifying → optimizing → completed`; the volume takes its new size, type, IOPS and throughput
 * when optimizing starts (callers treat `optimizing` as done and re-read the volume).
 */
import type {
  DescribeVolumesModificationsRequest,
  DescribeVolumesModificationsResult,
  ModifyVolumeRequest,
  ModifyVolumeResult,
  VolumeModification,
} from '@aws-sdk/client-ec2';
import type { Collection, ResourceRecord } from '../../../core/store.js';
import { Ec2Errors, ec2Error } from '../shared/errors.js';
import { checkDryRun, checkIdShape, filterRecords, pageOf } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { patch, T, type ModificationData, type VolumeData } from './records.js';
import { resolveShape } from './volume-types.js';
import { requireVolume, volumes } from './volumes.js';

type ModificationRecord = ResourceRecord<ModificationData>;

export const modifications = (ctx: Ec2Context) => ctx.tenant.collection<ModificationData>(T.modification);

function progressOf(ctx: Ec2Context, r: ModificationRecord): number {
  const lc = r.lc;
  if (!lc || lc.state === 'completed') return 100;
  if (lc.state === 'modifying' || lc.dueAt === undefined || lc.dueAt <= lc.since) return 0;
  return Math.max(0, Math.min(99, Math.floor(((ctx.engine.clock.now() - lc.since) / (lc.dueAt - lc.since)) * 100)));
}

function render(ctx: Ec2Context, r: ModificationRecord): VolumeModification {
  const { original: o, target: t } = r.data;
  type Vt = VolumeModification['TargetVolumeType'];
  return {
    VolumeId: r.data.volumeId,
    ModificationState: (r.lc?.state ?? 'completed') as VolumeModification['ModificationState'],
    TargetSize: t.size,
    TargetIops: t.iops,
    TargetVolumeType: t.volumeType as Vt,
    TargetThroughput: t.throughput,
    TargetMultiAttachEnabled: t.multiAttachEnabled,
    OriginalSize: o.size,
    OriginalIops: o.iops,
    OriginalVolumeType: o.volumeType as Vt,
    OriginalThroughput: o.throughput,
    OriginalMultiAttachEnabled: o.multiAttachEnabled,
    Progress: progressOf(ctx, r),
    StartTime: new Date(r.data.startTime),
    EndTime: r.data.endTime ? new Date(r.data.endTime) : undefined,
  };
}

function modifyVolume(input: ModifyVolumeRequest, ctx: Ec2Context): ModifyVolumeResult {
  const vol = requireVolume(ctx, input.VolumeId);
  if (vol.lc?.state !== 'available') throw Ec2Errors.incorrectState(`The volume '${vol.id}' is '${vol.lc?.state}'.`);
  const previous = modifications(ctx).get(vol.id);
  const inFlight = previous?.lc?.state;
  if (inFlight === 'modifying' || inFlight === 'optimizing')
    throw ec2Error('IncorrectModificationState', `Volume ${vol.id} cannot be modified in modification state ${inFlight.toUpperCase()}`);
  const d = vol.data;
  if (input.Size !== undefined && input.Size < d.size)
    throw Ec2Errors.invalidParameterValue(`New size cannot be smaller than existing size: ${d.size} GiB.`);
  const target = resolveShape({ ...input, VolumeType: input.VolumeType }, { volumeType: d.volumeType, size: d.size, iops: d.iops, throughput: d.throughput });
  const multiAttach = input.MultiAttachEnabled ?? d.multiAttachEnabled;
  const original = { size: d.size, volumeType: d.volumeType, iops: d.iops, throughput: d.throughput, multiAttachEnabled: d.multiAttachEnabled };
  const next = { ...target, multiAttachEnabled: multiAttach };
  if (JSON.stringify(original) === JSON.stringify({ size: next.size, volumeType: next.volumeType, iops: next.iops, throughput: next.throughput, multiAttachEnabled: next.multiAttachEnabled }))
    throw Ec2Errors.invalidParameterValue(`The volume '${vol.id}' already has the requested size, type, IOPS, throughput and Multi-Attach setting.`);
  checkDryRun(input);
  if (previous) modifications(ctx).delete(vol.id);
  const rec = modifications(ctx).insert({
    id: vol.id,
    region: ctx.region,
    parent: vol.id,
    data: { volumeId: vol.id, original, target: next, startTime: ctx.now().toISOString() },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'modifying');
  return { VolumeModification: render(ctx, rec) };
}

/** Machine side effects: the volume changes when optimizing begins; completion stamps the end time. */
export function applyModificationStep(rec: ModificationRecord, to: string, at: number, volumesOf: () => Collection<VolumeData>): void {
  if (to === 'optimizing') {
    const vol = volumesOf().peek(rec.data.volumeId);
    if (!vol) return;
    const t = rec.data.target;
    patch(vol, { size: t.size, volumeType: t.volumeType, iops: t.iops, throughput: t.throughput, multiAttachEnabled: t.multiAttachEnabled });
  } else if (to === 'completed') {
    patch(rec, { endTime: new Date(at).toISOString() });
  }
}

function describeVolumesModifications(input: DescribeVolumesModificationsRequest, ctx: Ec2Context): DescribeVolumesModificationsResult {
  const ids = input.VolumeIds ?? [];
  checkIdShape(ids, 'vol', 'InvalidVolumeID.Malformed');
  checkDryRun(input);
  let found: ModificationRecord[];
  if (ids.length > 0) {
    found = ids.map((id) => {
      ctx.touch(id);
      const vol = volumes(ctx).peek(id);
      if (!vol || vol.region !== ctx.region) throw Ec2Errors.volumeNotFound([id]);
      const m = modifications(ctx).get(id);
      if (!m) throw ec2Error('InvalidVolumeModification.NotFound', `Modification for volume '${id}' does not exist.`);
      return m;
    });
  } else found = modifications(ctx).list({ region: ctx.region });
  found = filterRecords(found, input.Filters, {
    fields: {
      'volume-id': (r) => r.data.volumeId,
      'modification-state': (r) => r.lc?.state ?? 'completed',
      'target-size': (r) => r.data.target.size,
      'target-iops': (r) => r.data.target.iops,
      'target-volume-type': (r) => r.data.target.volumeType,
      'target-throughput': (r) => r.data.target.throughput,
      'target-multi-attach-enabled': (r) => r.data.target.multiAttachEnabled,
      'original-size': (r) => r.data.original.size,
      'original-iops': (r) => r.data.original.iops,
      'original-volume-type': (r) => r.data.original.volumeType,
      'original-throughput': (r) => r.data.original.throughput,
      'original-multi-attach-enabled': (r) => r.data.original.multiAttachEnabled,
      'start-time': (r) => r.data.startTime,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 1, max: 500, idsGiven: false, idsParam: '', query: { f: input.Filters ?? [], ids } });
  return { VolumesModifications: page.items.map((r) => render(ctx, r)), NextToken: page.nextToken };
}

export const modificationOperations = {
  ModifyVolume: op(modifyVolume),
  DescribeVolumesModifications: op(describeVolumesModifications),
};
