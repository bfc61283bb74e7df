/**
 * EBS snapshots: CreateSnapshot (`pending → completed`, progress follows the virtual clock),
 * DescribeSnapshots, DeleteSnapshot, fast snapshot restores and snapshot locks.
 */
import type {
  CreateSnapshotRequest,
  DeleteSnapshotRequest,
  DescribeSnapshotsRequest,
  DescribeSnapshotsResult,
  EnableFastSnapshotRestoresRequest,
  EnableFastSnapshotRestoresResult,
  LockSnapshotRequest,
  LockSnapshotResult,
  Snapshot,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { Ec2Errors, ec2Error } from '../shared/errors.js';
import { isoDate } from '../shared/iso-time.js';
import { checkDryRun, checkIdShape, DESCRIPTION_MAX, tooLong, checkPaging, describeQuery, filterRecords, pageOf, regionZones, tagsFor, wireTags } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { RenderCache } from './render-cache.js';
import { patch, T, type FastRestoreData, type SnapshotData, type SnapshotLock, type VolumeData } from './records.js';

type SnapshotRecord = ResourceRecord<SnapshotData>;
const DAY = 86400_000;
const HOUR = 3600_000;

export const snapshots = (ctx: Ec2Context) => ctx.tenant.collection<SnapshotData>(T.snapshot);

export function findSnapshot(ctx: Ec2Context, id: string | undefined): SnapshotRecord {
  if (!id) throw Ec2Errors.missingParameter('SnapshotId');
  checkIdShape([id], 'snap', 'InvalidSnapshotID.Malformed');
  ctx.touch(id);
  const rec = snapshots(ctx).get(id);
  if (!rec || rec.region !== ctx.region) throw Ec2Errors.snapshotNotFound(id);
  return rec;
}

/** For CreateVolume: a snapshot volumes can be made from. */
export function requireCompletedSnapshot(ctx: Ec2Context, id: string): SnapshotRecord {
  const rec = findSnapshot(ctx, id);
  if (rec.lc?.state !== 'completed') throw Ec2Errors.incorrectState(`Snapshot is in invalid state - ${rec.lc?.state ?? 'pending'}`);
  if (archived(ctx, rec)) throw Ec2Errors.incorrectState(`The snapshot '${rec.id}' is archived. Restore it before use.`);
  return rec;
}

/** An archived snapshot is unusable until restored (permanently, or until its temporary restore expires). */
export function archived(ctx: Ec2Context, r: SnapshotRecord): boolean {
  if (r.data.storageTier !== 'archive') return false;
  return r.data.restoreExpiryTime === undefined || Date.parse(r.data.restoreExpiryTime) <= ctx.engine.clock.now();
}

/** `pending` snapshots report progress in proportion to the virtual time their step has run. */
function progress(ctx: Ec2Context, r: SnapshotRecord): string {
  const lc = r.lc;
  if (!lc || lc.state === 'completed') return '100%';
  if (lc.state !== 'pending' || lc.dueAt === undefined || lc.dueAt <= lc.since) return '0%';
  const done = (ctx.engine.clock.now() - lc.since) / (lc.dueAt - lc.since);
  return `${Math.max(0, Math.min(99, Math.floor(done * 100)))}%`;
}

export function renderSnapshot(ctx: Ec2Context, r: SnapshotRecord): Snapshot {
  const d = r.data;
  return {
    SnapshotId: r.id,
    VolumeId: d.volumeId,
    State: (r.lc?.state ?? 'completed') as Snapshot['State'],
    StartTime: isoDate(d.startTime),
    Progress: progress(ctx, r),
    OwnerId: ctx.account,
    Description: d.description,
    VolumeSize: d.volumeSize,
    Encrypted: d.encrypted,
    KmsKeyId: d.kmsKeyId,
    OutpostArn: d.outpostArn,
    StorageTier: d.storageTier ?? 'standard',
    RestoreExpiryTime: d.storageTier === 'archive' && d.restoreExpiryTime ? new Date(d.restoreExpiryTime) : undefined,
    Tags: Object.keys(r.tags).length > 0 ? wireTags(r.tags) : undefined,
  };
}

function createSnapshot(input: CreateSnapshotRequest, ctx: Ec2Context): Snapshot {
  if (!input.VolumeId) throw Ec2Errors.missingParameter('VolumeId');
  checkIdShape([input.VolumeId], 'vol', 'InvalidVolumeID.Malformed');
  ctx.touch(input.VolumeId);
  const vol = ctx.tenant.collection<VolumeData>(T.volume).get(input.VolumeId);
  if (!vol || vol.region !== ctx.region) throw Ec2Errors.volumeNotFound([input.VolumeId]);
  if (vol.lc?.state !== 'available') throw Ec2Errors.incorrectState(`The volume '${vol.id}' is '${vol.lc?.state}'.`);
  if ((input.Description ?? '').length > DESCRIPTION_MAX) throw tooLong('Description');
  const tags = tagsFor(input.TagSpecifications, 'snapshot', ['snapshot']);
  checkDryRun(input);
  const rec = snapshots(ctx).insert({
    id: ctx.newId('snap'),
    region: ctx.region,
    tags,
    data: {
      volumeId: vol.id,
      volumeSize: vol.data.size,
      description: input.Description ?? '',
      startTime: ctx.now().toISOString(),
      encrypted: vol.data.encrypted,
      kmsKeyId: vol.data.kmsKeyId,
      outpostArn: input.OutpostArn ?? vol.data.outpostArn,
    },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'pending');
  ctx.touch(rec.id);
  return renderSnapshot(ctx, rec);
}

const SNAPSHOT_XML = new RenderCache('DescribeSnapshots', ['Snapshots']);

function describeSnapshots(input: DescribeSnapshotsRequest, ctx: Ec2Context): DescribeSnapshotsResult {
  const ids = input.SnapshotIds ?? [];
  checkIdShape(ids, 'snap', 'InvalidSnapshotID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'snapshotId', lenient: true });
  checkDryRun(input);
  // Only the caller's own snapshots exist here; asking for other owners' finds nothing.
  const owners = input.OwnerIds ?? [];
  if (owners.length > 0 && !owners.some((o) => o === 'self' || o === ctx.account)) return { Snapshots: [] };
  let found = snapshots(ctx).list(describeQuery(ctx, ids, input.Filters));
  const present = new Set(found.map((r) => r.id));
  const missing = ids.find((id) => !present.has(id));
  if (missing !== undefined) throw Ec2Errors.snapshotNotFound(missing);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'snapshot-id': (r) => r.id,
      'volume-id': (r) => r.data.volumeId,
      status: (r) => r.lc?.state ?? 'completed',
      'owner-id': () => ctx.account,
      description: (r) => r.data.description,
      progress: (r) => progress(ctx, r),
      'start-time': (r) => r.data.startTime,
      'volume-size': (r) => r.data.volumeSize,
      encrypted: (r) => r.data.encrypted,
      'storage-tier': (r) => r.data.storageTier ?? 'standard',
      // Own snapshots carry no Amazon-maintained alias (amazon, aws-marketplace, aws-backup).
      'owner-alias': () => undefined,
      'transfer-type': (r) => (r.data.sourceSnapshotId ? 'standard' : undefined),
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'snapshotId', lenient: true, query: { f: input.Filters ?? [], o: owners } });
  ctx.touch(...page.items.map((r) => r.id));
  // Cached XML per snapshot; progress is read off the clock while pending, so it is a dependency.
  const items = page.items.map((r) => SNAPSHOT_XML.fragment(r, [ctx.account, progress(ctx, r)], () => renderSnapshot(ctx, r)) as Snapshot);
  return { Snapshots: items, NextToken: page.nextToken };
}

function lockInForce(ctx: Ec2Context, lock: SnapshotLock | undefined): boolean {
  return lock !== undefined && Date.parse(lock.expiresOn) > ctx.engine.clock.now();
}

function deleteSnapshot(input: DeleteSnapshotRequest, ctx: Ec2Context): object {
  const rec = findSnapshot(ctx, input.SnapshotId);
  if (lockInForce(ctx, rec.data.lock))
    throw ec2Error('SnapshotLocked', `The snapshot '${rec.id}' is locked in ${rec.data.lock!.mode} mode and can't be deleted until ${rec.data.lock!.expiresOn}.`);
  checkDryRun(input);
  snapshots(ctx).delete(rec.id);
  for (const f of ctx.tenant.collection<FastRestoreData>(T.fastRestore).list({ parent: rec.id })) ctx.tenant.collection(T.fastRestore).delete(f.id);
  return {};
}

function enableFastSnapshotRestores(input: EnableFastSnapshotRestoresRequest, ctx: Ec2Context): EnableFastSnapshotRestoresResult {
  const sources = input.SourceSnapshotIds ?? [];
  if (sources.length === 0) throw Ec2Errors.missingParameter('SourceSnapshotId');
  const zones = regionZones(ctx);
  const wanted = [...(input.AvailabilityZones ?? []).map((n) => ({ n })), ...(input.AvailabilityZoneIds ?? []).map((i) => ({ i }))];
  if (wanted.length === 0) throw Ec2Errors.missingParameter('AvailabilityZone');
  checkDryRun(input);
  const result: Required<Pick<EnableFastSnapshotRestoresResult, 'Successful' | 'Unsuccessful'>> = { Successful: [], Unsuccessful: [] };
  const restores = ctx.tenant.collection<FastRestoreData>(T.fastRestore);
  for (const snapshotId of sources) {
    ctx.touch(snapshotId);
    const snap = snapshots(ctx).get(snapshotId);
    for (const w of wanted) {
      const zone = zones.find((z) => ('n' in w ? z.zoneName === w.n : z.zoneId === w.i));
      const fail = (code: string, message: string) =>
        result.Unsuccessful.push({ SnapshotId: snapshotId, FastSnapshotRestoreStateErrors: [{ AvailabilityZone: 'n' in w ? w.n : zone?.zoneName, Error: { Code: code, Message: message } }] });
      if (!snap || snap.region !== ctx.region) fail('InvalidSnapshot.NotFound', `The snapshot '${snapshotId}' does not exist.`);
      else if (!zone) fail('InvalidParameterValue', `The zone '${'n' in w ? w.n : w.i}' does not exist.`);
      else {
        const id = `${snapshotId}/${zone.zoneName}`;
        let r = restores.peek(id);
        if (!r) {
          r = restores.insert({ id, region: ctx.region, parent: snapshotId, data: { snapshotId, zone: zone.zoneName, zoneId: zone.zoneId, enablingTime: ctx.now().toISOString() } });
          ctx.engine.lifecycle.enter(ctx.tenant, r, 'enabling');
        }
        result.Successful.push({
          SnapshotId: snapshotId,
          AvailabilityZone: zone.zoneName,
          AvailabilityZoneId: zone.zoneId,
          State: (r.lc?.state ?? 'enabled') as 'enabling',
          StateTransitionReason: 'Client.UserInitiated',
          OwnerId: ctx.account,
          EnablingTime: new Date(r.data.enablingTime),
        });
      }
    }
  }
  return result;
}

function lockSnapshot(input: LockSnapshotRequest, ctx: Ec2Context): LockSnapshotResult {
  const rec = findSnapshot(ctx, input.SnapshotId);
  if (input.LockMode !== 'governance' && input.LockMode !== 'compliance')
    throw Ec2Errors.invalidParameterValue(`Value (${input.LockMode ?? ''}) for parameter LockMode is invalid. Valid values: governance, compliance`);
  if ((input.LockDuration === undefined) === (input.ExpirationDate === undefined))
    throw Ec2Errors.invalidParameterCombination('Specify exactly one of LockDuration and ExpirationDate.');
  if (input.LockDuration !== undefined && (input.LockDuration < 1 || input.LockDuration > 36500))
    throw Ec2Errors.invalidParameterValue(`Value (${input.LockDuration}) for parameter LockDuration is invalid. Valid range: 1 - 36500 days.`);
  if (input.CoolOffPeriod !== undefined) {
    if (input.LockMode !== 'compliance') throw Ec2Errors.invalidParameterCombination('CoolOffPeriod is supported only in compliance mode.');
    if (input.CoolOffPeriod < 1 || input.CoolOffPeriod > 72) throw Ec2Errors.invalidParameterValue(`Value (${input.CoolOffPeriod}) for parameter CoolOffPeriod is invalid. Valid range: 1 - 72 hours.`);
  }
  const now = ctx.engine.clock.now();
  const existing = rec.data.lock;
  const coolingOff = existing?.coolOffExpiresOn !== undefined && Date.parse(existing.coolOffExpiresOn) > now;
  if (existing && lockInForce(ctx, existing) && existing.mode === 'compliance' && !coolingOff)
    throw ec2Error('SnapshotLocked', `The snapshot '${rec.id}' is locked in compliance mode; the lock can't be changed.`);
  const expiresOn = input.ExpirationDate ? input.ExpirationDate.getTime() : now + input.LockDuration! * DAY;
  if (expiresOn <= now) throw Ec2Errors.invalidParameterValue('The ExpirationDate must be in the future.');
  checkDryRun(input);
  const lock: SnapshotLock = {
    mode: input.LockMode,
    createdOn: existing && lockInForce(ctx, existing) ? existing.createdOn : new Date(now).toISOString(),
    expiresOn: new Date(expiresOn).toISOString(),
    duration: input.LockDuration,
    coolOffPeriod: input.CoolOffPeriod,
    coolOffExpiresOn: input.CoolOffPeriod ? new Date(now + input.CoolOffPeriod * HOUR).toISOString() : undefined,
  };
  patch(rec, { lock });
  return {
    SnapshotId: rec.id,
    LockState: lock.coolOffExpiresOn ? 'compliance-cooloff' : lock.mode,
    LockDuration: lock.duration,
    CoolOffPeriod: lock.coolOffPeriod,
    CoolOffPeriodExpiresOn: lock.coolOffExpiresOn ? new Date(lock.coolOffExpiresOn) : undefined,
    LockCreatedOn: new Date(lock.createdOn),
    LockExpiresOn: new Date(lock.expiresOn),
    LockDurationStartTime: new Date(now),
  };
}

export const snapshotOperations = {
  CreateSnapshot: op(createSnapshot),
  DescribeSnapshots: op(describeSnapshots),
  DeleteSnapshot: op(deleteSnapshot),
  EnableFastSnapshotRestores: op(enableFastSnapshotRestores),
  LockSnapshot: op(lockSnapshot),
};
