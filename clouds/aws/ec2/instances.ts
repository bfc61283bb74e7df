/**
 * Instances: RunInstances (every launch parameter, launch templates, ClientToken), DescribeInstances
 * (EC2's filter set), TerminateInstances (termination protection) and DescribeInstanceStatus.
 */
import type {
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DescribeInstanceStatusRequest,
  DescribeInstanceStatusResult,
  InstanceStateChange,
  InstanceStatus,
  Reservation,
  RunInstancesRequest,
  TerminateInstancesRequest,
  TerminateInstancesResult,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { checkDryRun, checkIdShape, checkPaging, describeQuery, filterPredicate, filterRecords, pageOf, pageWindow, regionZones, tagsFor } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { requireImage } from './images.js';
import { DEFAULT_METADATA, gmt, instanceFilterFields, instanceState, listedInstance, renderInstance, STATE_CODES } from './instance-view.js';
import { requireKeyPair } from './key-pairs.js';
import { instances, launchInstance, launchNetwork, metadataFrom, planVolumes, chooseSubnet, resolveGroups, checkPrivateIp, freeAddresses, usedAddresses } from './launch.js';
import { findTemplate, findVersion } from './launch-templates.js';
import { patch, type InstanceData } from './records.js';

export { STATE_CODES, instanceState, renderInstance, primaryInterface, groupsOf } from './instance-view.js';
export { instances, launchInstance, type LaunchSpec } from './launch.js';

type InstanceRecord = ResourceRecord<InstanceData>;

/** Terminated instances stay visible for about an hour, as in EC2. */
const TERMINATED_VISIBLE_MS = 3600_000;
/** More than this in one call is refused as the account's limit (and keeps one call's work bounded). */
const INSTANCE_LIMIT = 1000;
const USER_DATA_MAX = 16384;

/** Parameters a launch template may supply; the request's own values win. */
const TEMPLATE_FIELDS = [
  'ImageId', 'InstanceType', 'KeyName', 'SecurityGroupIds', 'SecurityGroups', 'BlockDeviceMappings', 'UserData', 'NetworkInterfaces',
  'MetadataOptions', 'Monitoring', 'EbsOptimized', 'DisableApiTermination', 'DisableApiStop', 'InstanceInitiatedShutdownBehavior', 'Placement',
] as const;

function withTemplate(input: RunInstancesRequest, ctx: Ec2Context): { req: RunInstancesRequest; lt?: InstanceData['launchTemplate'] } {
  const spec = input.LaunchTemplate;
  if (!spec) return { req: input };
  const t = findTemplate(ctx, spec.LaunchTemplateId, spec.LaunchTemplateName);
  const v = findVersion(t, spec.Version);
  const data = v.data as Partial<RunInstancesRequest>;
  const req: RunInstancesRequest = { ...input };
  const target = req as unknown as Record<string, unknown>;
  for (const f of TEMPLATE_FIELDS) if (target[f] === undefined && data[f] !== undefined) target[f] = data[f];
  req.TagSpecifications = [...(data.TagSpecifications ?? []), ...(input.TagSpecifications ?? [])];
  return { req, lt: { id: t.id, name: t.data.name, version: String(v.number) } };
}

function decodeUserData(userData: string | undefined): string | undefined {
  if (userData === undefined) return undefined;
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(userData)) throw Ec2Errors.invalidParameterValue('Invalid BASE64 encoding of user data.');
  if (Buffer.from(userData, 'base64').length > USER_DATA_MAX) throw Ec2Errors.invalidParameterValue(`User data is limited to ${USER_DATA_MAX} bytes`);
  return userData;
}

function runInstances(input: RunInstancesRequest, ctx: Ec2Context): Reservation {
  const { req, lt } = withTemplate(input, ctx);
  if (!req.ImageId) throw Ec2Errors.missingParameter('ImageId');
  if (req.MinCount === undefined) throw Ec2Errors.missingParameter('MinCount');
  if (req.MaxCount === undefined) throw Ec2Errors.missingParameter('MaxCount');
  if (req.MinCount < 1 || req.MaxCount < req.MinCount)
    throw Ec2Errors.invalidParameterValue(`Value (${req.MinCount}) for parameter minCount is invalid. Expected a positive value no greater than maxCount.`);
  if (req.MinCount > INSTANCE_LIMIT)
    throw ec2Error('InstanceLimitExceeded', `You have requested more instances (${req.MinCount}) than your current instance limit of ${INSTANCE_LIMIT} allows for the specified instance type.`);
  const count = Math.min(req.MaxCount, INSTANCE_LIMIT);
  const image = requireImage(req.ImageId);
  const instanceType = req.InstanceType ?? 'm1.small';
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(instanceType)) throw Ec2Errors.invalidParameterValue(`Invalid value '${instanceType}' for InstanceType.`);
  const zone = req.Placement?.AvailabilityZone ?? undefined;
  if (zone !== undefined && !regionZones(ctx).some((z) => z.zoneName === zone)) throw Ec2Errors.invalidParameterValue(`Invalid availability zone: [${zone}]`);
  const net = launchNetwork(req, req.NetworkInterfaces);
  if (net.privateIp !== undefined && count > 1)
    throw Ec2Errors.invalidParameterCombination('Cannot specify a private IP address when launching more than one instance.');
  const allowed = ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu'];
  const tags = { ...tagsFor(req.TagSpecifications, 'instance', allowed), ...(lt ? { 'aws:ec2launchtemplate:id': lt.id, 'aws:ec2launchtemplate:version': lt.version } : {}) };
  const volumeTags = tagsFor(req.TagSpecifications, 'volume', allowed);
  const userData = decodeUserData(req.UserData);
  const metadataOptions = metadataFrom(req.MetadataOptions, DEFAULT_METADATA);
  const shutdown = req.InstanceInitiatedShutdownBehavior;
  if (shutdown !== undefined && shutdown !== 'stop' && shutdown !== 'terminate')
    throw Ec2Errors.invalidParameterValue(`Value (${shutdown}) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values: stop, terminate`);
  if (req.KeyName !== undefined) requireKeyPair(ctx, req.KeyName);
  // Placement and volumes are checked before anything is created, so a refusal leaves nothing behind.
  const subnet = chooseSubnet(ctx, net.subnetId, zone);
  const groups = resolveGroups(ctx, subnet, net.groupIds, req.SecurityGroups, net.subnetId !== undefined);
  if (net.privateIp !== undefined) checkPrivateIp(ctx, subnet, net.privateIp);
  // EC2 launches between MinCount and MaxCount as the subnet's free addresses allow, or none.
  const used = net.privateIp !== undefined ? undefined : usedAddresses(ctx, subnet.id);
  const launchCount = used === undefined ? count : Math.min(count, freeAddresses(subnet, used));
  if (launchCount < req.MinCount)
    throw ec2Error('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`);
  planVolumes(ctx, image, req.BlockDeviceMappings ?? []);
  checkDryRun(input);

  const token = input.ClientToken;
  const { ClientToken: _t, DryRun: _d, ...params } = input;
  if (token) {
    const seen = ctx.tenant.idempotency.check('RunInstances', token, params);
    if (seen.kind === 'mismatch') throw ec2Error('IdempotentParameterMismatch', `Arguments on this idempotent request are inconsistent with arguments used in previous request(s).`);
    if (seen.kind === 'replay') {
      const prior = instances(ctx).list({ region: ctx.region }).filter((r) => r.data.reservationId === seen.resultId);
      ctx.touch(...prior.map((r) => r.id));
      return { ReservationId: seen.resultId, OwnerId: ctx.account, Groups: [], Instances: prior.map((r) => renderInstance(ctx, r)) };
    }
  }
  const reservationId = ctx.newId('r');
  const launched: InstanceRecord[] = [];
  for (let i = 0; i < launchCount; i++)
    launched.push(
      launchInstance(ctx, {
        usedAddresses: used,
        imageId: image.imageId,
        instanceType,
        zone,
        subnetId: subnet.id,
        tags,
        volumeTags,
        blockDevices: req.BlockDeviceMappings ?? [],
        reservationId,
        launchIndex: i,
        keyName: req.KeyName,
        clientToken: token,
        securityGroupIds: groups,
        privateIp: net.privateIp,
        publicIp: net.publicIp,
        extras: {
          ebsOptimized: req.EbsOptimized ?? false,
          monitoring: req.Monitoring?.Enabled ?? false,
          metadataOptions,
          userData,
          disableApiTermination: req.DisableApiTermination ?? false,
          disableApiStop: req.DisableApiStop ?? false,
          shutdownBehavior: shutdown as 'stop' | 'terminate' | undefined,
          launchTemplate: lt,
          eniDescription: net.description,
          eniDeleteOnTermination: net.deleteOnTermination,
        },
      }),
    );
  if (token) ctx.tenant.idempotency.remember('RunInstances', token, params, reservationId);
  ctx.touch(...launched.map((r) => r.id));
  return { ReservationId: reservationId, OwnerId: ctx.account, Groups: [], Instances: launched.map((r) => renderInstance(ctx, r)) };
}

function visible(ctx: Ec2Context, r: InstanceRecord): boolean {
  if (instanceState(r) !== 'terminated' || r.data.terminatedAt === undefined) return true;
  if (ctx.engine.clock.now() - r.data.terminatedAt < TERMINATED_VISIBLE_MS) return true;
  instances(ctx).delete(r.id);
  return false;
}

function describeInstances(input: DescribeInstancesRequest, ctx: Ec2Context): DescribeInstancesResult {
  const ids = input.InstanceIds ?? [];
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'instanceId' });
  checkDryRun(input);
  const spec = { tags: true, fields: instanceFilterFields(ctx) };
  let found: InstanceRecord[];
  if (ids.length > 0) {
    found = instances(ctx).list(describeQuery(ctx, ids, input.Filters)).filter((r) => visible(ctx, r));
    const present = new Set(found.map((r) => r.id));
    const missing = ids.filter((id) => !present.has(id));
    if (missing.length > 0) throw Ec2Errors.instanceNotFound(missing);
    found = filterRecords(found, input.Filters, spec);
  } else {
    const where = filterPredicate(input.Filters, spec);
    // Filters run in the scan, from the page token's cursor, up to one more than the page holds:
    // a page of 1,000 out of 100,000 costs the page.
    const window = pageWindow({ maxResults: input.MaxResults, nextToken: input.NextToken, max: 1000, query: input.Filters ?? [] });
    const query = { ...describeQuery(ctx, ids, input.Filters, 'instance-id'), ...window };
    found = instances(ctx).list({ ...query, where: (r) => visible(ctx, r as InstanceRecord) && where(r as InstanceRecord) });
  }
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'instanceId', query: input.Filters ?? [] });
  ctx.touch(...page.items.map((r) => r.id));
  // One Reservation per launch, in launch order, as EC2 groups them.
  const reservations = new Map<string, Reservation>();
  for (const r of page.items) {
    let res = reservations.get(r.data.reservationId);
    if (!res) reservations.set(r.data.reservationId, (res = { ReservationId: r.data.reservationId, OwnerId: ctx.account, Groups: [], Instances: [] }));
    res.Instances!.push(listedInstance(ctx, r));
  }
  return { Reservations: [...reservations.values()], NextToken: page.nextToken };
}

/** What EC2 writes when a user stops or terminates an instance. */
export function userInitiated(ctx: Ec2Context, r: InstanceRecord): void {
  patch(r, {
    transitionReason: `User initiated (${gmt(ctx.engine.clock.now())})`,
    stateReason: { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' },
  });
}

function terminateInstances(input: TerminateInstancesRequest, ctx: Ec2Context): TerminateInstancesResult {
  const ids = input.InstanceIds ?? [];
  if (ids.length === 0) throw Ec2Errors.missingParameter('InstanceId');
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  ctx.touch(...ids);
  const found = ids.map((id) => instances(ctx).get(id));
  const missing = ids.filter((_, i) => !found[i] || found[i]!.region !== ctx.region || !visible(ctx, found[i]!));
  if (missing.length > 0) throw Ec2Errors.instanceNotFound(missing);
  for (const r of found as InstanceRecord[])
    if (r.data.disableApiTermination && instanceState(r) !== 'terminated')
      throw ec2Error('OperationNotPermitted', `The instance '${r.id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`);
  checkDryRun(input);
  const changes: InstanceStateChange[] = [];
  for (const r of found as InstanceRecord[]) {
    const previous = instanceState(r);
    if (previous !== 'terminated' && previous !== 'shutting-down') {
      userInitiated(ctx, r);
      ctx.engine.lifecycle.enter(ctx.tenant, r, 'shutting-down');
    }
    const current = instanceState(r);
    changes.push({
      InstanceId: r.id,
      PreviousState: { Code: STATE_CODES[previous], Name: previous as 'running' },
      CurrentState: { Code: STATE_CODES[current], Name: current as 'running' },
    });
  }
  return { TerminatingInstances: changes };
}

/** Status checks pass once an instance runs (EC2 takes minutes; a scenario can hold `pending`). */
function renderStatus(r: InstanceRecord): InstanceStatus {
  const state = instanceState(r);
  const running = state === 'running';
  const check = (name: 'reachability') => ({ Details: [{ Name: name, Status: running ? ('passed' as const) : ('initializing' as const) }], Status: running ? ('ok' as const) : ('not-applicable' as const) });
  return {
    InstanceId: r.id,
    AvailabilityZone: r.data.zone,
    AvailabilityZoneId: r.data.zoneId,
    InstanceState: { Code: STATE_CODES[state], Name: state as 'running' },
    InstanceStatus: running ? check('reachability') : { Status: 'not-applicable' },
    SystemStatus: running ? check('reachability') : { Status: 'not-applicable' },
    AttachedEbsStatus: running ? { Details: [{ Name: 'reachability', Status: 'passed' }], Status: 'ok' } : { Status: 'not-applicable' },
    Events: [],
  };
}

function describeInstanceStatus(input: DescribeInstanceStatusRequest, ctx: Ec2Context): DescribeInstanceStatusResult {
  const ids = input.InstanceIds ?? [];
  checkIdShape(ids, 'i', 'InvalidInstanceID.Malformed');
  checkPaging({ maxResults: input.MaxResults, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'instanceId' });
  checkDryRun(input);
  let found = instances(ctx).list({ region: ctx.region, ids: ids.length ? ids : undefined }).filter((r) => visible(ctx, r));
  const present = new Set(found.map((r) => r.id));
  const missing = ids.filter((id) => !present.has(id));
  if (missing.length > 0) throw Ec2Errors.instanceNotFound(missing);
  // Without IncludeAllInstances only running instances are reported.
  if (!input.IncludeAllInstances) found = found.filter((r) => instanceState(r) === 'running');
  const status = new Map(found.map((r) => [r.id, renderStatus(r)]));
  found = filterRecords(found, input.Filters, {
    fields: {
      'availability-zone': (r) => r.data.zone,
      'instance-state-name': (r) => instanceState(r),
      'instance-state-code': (r) => STATE_CODES[instanceState(r)],
      'instance-status.status': (r) => status.get(r.id)!.InstanceStatus!.Status,
      'instance-status.reachability': (r) => status.get(r.id)!.InstanceStatus!.Details?.[0]?.Status,
      'system-status.status': (r) => status.get(r.id)!.SystemStatus!.Status,
      'system-status.reachability': (r) => status.get(r.id)!.SystemStatus!.Details?.[0]?.Status,
      'attached-ebs-status.status': (r) => status.get(r.id)!.AttachedEbsStatus!.Status,
      'event.code': () => undefined,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'instanceId', query: { f: input.Filters ?? [], all: input.IncludeAllInstances ?? false } });
  return { InstanceStatuses: page.items.map((r) => status.get(r.id)!), NextToken: page.nextToken };
}

export const instanceOperations = {
  RunInstances: op(runInstances),
  DescribeInstances: op(describeInstances),
  TerminateInstances: op(terminateInstances),
  DescribeInstanceStatus: op(describeInstanceStatus),
};
