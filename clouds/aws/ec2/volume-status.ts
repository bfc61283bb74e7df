/**
 * DescribeVolumeStatus: I/O status checks and, for volumes made from snapshots or copies, the
 * `initialization-state` detail (`initializing → completed`) the EBS CSI driver waits on when a
 * StorageClass asks to block attachment until initialized.
 */
import type { DescribeVolumeStatusRequest, DescribeVolumeStatusResult, VolumeStatusItem } from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { Ec2Errors } from '../shared/errors.js';
import { checkDryRun, checkIdShape, checkPaging, filterRecords, pageOf } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { T, type VolumeData, type VolumeInitData } from './records.js';
import { attachmentsOf, volumes } from './volumes.js';

function render(ctx: Ec2Context, vol: ResourceRecord<VolumeData>): VolumeStatusItem {
  const init = ctx.tenant.collection<VolumeInitData>(T.volumeInit).get(vol.id);
  const initializing = init?.lc?.state === 'initializing';
  const lc = init?.lc;
  const eta = initializing && lc?.dueAt !== undefined ? Math.max(0, Math.ceil((lc.dueAt - ctx.engine.clock.now()) / 1000)) : undefined;
  const progress = !init || !initializing ? 100 : lc?.dueAt !== undefined && lc.dueAt > lc.since ? Math.floor(((ctx.engine.clock.now() - lc.since) / (lc.dueAt - lc.since)) * 100) : 0;
  return {
    VolumeId: vol.id,
    AvailabilityZone: vol.data.zone,
    AvailabilityZoneId: vol.data.zoneId,
    OutpostArn: vol.data.outpostArn,
    Actions: [],
    Events: [],
    VolumeStatus: {
      Status: 'ok',
      Details: [
        { Name: 'io-enabled', Status: 'passed' },
        { Name: 'io-performance', Status: vol.data.volumeType.startsWith('io') ? 'normal' : 'not-applicable' },
        { Name: 'initialization-state', Status: initializing ? 'initializing' : 'completed' },
      ] as NonNullable<NonNullable<VolumeStatusItem['VolumeStatus']>['Details']>,
    },
    AttachmentStatuses: attachmentsOf(ctx, vol.id).map((a) => ({ InstanceId: a.data.instanceId, IoPerformance: 'not-applicable' })),
    InitializationStatusDetails: init ? { InitializationType: init.data.type, Progress: Math.min(100, Math.max(0, progress)), EstimatedTimeToCompleteInSeconds: eta } : undefined,
  };
}

function describeVolumeStatus(input: DescribeVolumeStatusRequest, ctx: Ec2Context): DescribeVolumeStatusResult {
  const ids = input.VolumeIds ?? [];
  checkIdShape(ids, 'vol', 'InvalidVolumeID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'volumeId' });
  checkDryRun(input);
  let found = volumes(ctx).list({ region: ctx.region, ids: ids.length > 0 ? ids : undefined }).filter((v) => v.lc?.state === 'available');
  const present = new Set(found.map((r) => r.id));
  const missing = ids.filter((id) => !present.has(id));
  if (missing.length > 0) throw Ec2Errors.volumeNotFound(missing);
  const items = new Map(found.map((v) => [v.id, render(ctx, v)]));
  const detail = (r: ResourceRecord<VolumeData>, name: string) => items.get(r.id)!.VolumeStatus!.Details!.find((d) => d.Name === name)?.Status;
  found = filterRecords(found, input.Filters, {
    fields: {
      'availability-zone': (r) => r.data.zone,
      'volume-status.status': () => 'ok',
      'volume-status.details-name': () => ['io-enabled', 'io-performance', 'initialization-state'],
      'volume-status.details-status': (r) => items.get(r.id)!.VolumeStatus!.Details!.map((d) => d.Status),
      'initialization-state': (r) => detail(r, 'initialization-state'),
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'volumeId', query: { f: input.Filters ?? [] } });
  ctx.touch(...page.items.map((r) => r.id));
  return { VolumeStatuses: page.items.map((r) => items.get(r.id)!), NextToken: page.nextToken };
}

export const volumeStatusOperations = {
  DescribeVolumeStatus: op(describeVolumeStatus),
};
