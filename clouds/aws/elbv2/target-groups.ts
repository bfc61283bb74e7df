/**
 * ELBv2 target groups and targets: the CCM's NLB path registers node ports here and reads
 * DescribeTargetHealth, whose TargetHealth it dereferences (never nil here).
 */
import type {
  CreateTargetGroupInput,
  CreateTargetGroupOutput,
  DeleteTargetGroupInput,
  DeregisterTargetsInput,
  DescribeTargetGroupAttributesInput,
  DescribeTargetGroupAttributesOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  ModifyTargetGroupAttributesInput,
  ModifyTargetGroupAttributesOutput,
  ModifyTargetGroupInput,
  ModifyTargetGroupOutput,
  RegisterTargetsInput,
  TargetGroup,
  TargetHealth,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ResourceRecord } from '../../../core/store.js';
import { T, type InstanceData, type VpcData } from '../ec2/records.js';
import { op, type AwsContext } from '../shared/context.js';
import { ELB, type V2ListenerData, type V2TargetGroupData } from '../elb/records.js';
import { drainingTargets, forgetTargetGroup, targetDeregistered, targetRegistered, targetStep } from '../elb/health.js';
import { err } from './load-balancers.js';

type TgRecord = ResourceRecord<V2TargetGroupData>;
export const targetGroups = (ctx: AwsContext) => ctx.tenant.collection<V2TargetGroupData>(ELB.targetGroup);

const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deregistration_delay.timeout_seconds': '300',
  'deregistration_delay.connection_termination.enabled': 'false',
  'proxy_protocol_v2.enabled': 'false',
  'preserve_client_ip.enabled': 'true',
  'stickiness.enabled': 'false',
  'stickiness.type': 'source_ip',
  'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
};

export function requireTg(ctx: AwsContext, arn: string | undefined): TgRecord {
  const tg = arn ? targetGroups(ctx).get(arn) : undefined;
  if (!tg) throw err('TargetGroupNotFound', `Target groups '[${arn ?? ''}]' not found`);
  return tg;
}

/** Load balancers a target group serves: those whose listeners forward to it. */
export function loadBalancersOf(ctx: AwsContext, tgArn: string): string[] {
  const out = new Set<string>();
  for (const l of ctx.tenant.collection<V2ListenerData>(ELB.listener).list({ region: ctx.region }))
    if (l.data.defaultActions.some((a) => a.TargetGroupArn === tgArn)) out.add(l.data.loadBalancerArn);
  return [...out];
}

function render(ctx: AwsContext, tg: TgRecord): TargetGroup {
  const d = tg.data;
  const h = d.healthCheck;
  return {
    TargetGroupArn: tg.id,
    TargetGroupName: d.name,
    Protocol: d.protocol as TargetGroup['Protocol'],
    Port: d.port,
    VpcId: d.vpcId,
    HealthCheckProtocol: h.protocol as TargetGroup['HealthCheckProtocol'],
    HealthCheckPort: h.port,
    HealthCheckEnabled: h.enabled,
    HealthCheckIntervalSeconds: h.intervalSeconds,
    HealthCheckTimeoutSeconds: h.timeoutSeconds,
    HealthyThresholdCount: h.healthyThresholdCount,
    UnhealthyThresholdCount: h.unhealthyThresholdCount,
    HealthCheckPath: h.path,
    LoadBalancerArns: loadBalancersOf(ctx, tg.id),
    TargetType: d.targetType as TargetGroup['TargetType'],
    IpAddressType: 'ipv4',
  };
}

function createTargetGroup(input: CreateTargetGroupInput, ctx: AwsContext): CreateTargetGroupOutput {
  const name = input.Name ?? '';
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/.test(name)) throw err('ValidationError', `Target group name '${name}' must be 1-32 letters, digits or hyphens`);
  const targetType = input.TargetType ?? 'instance';
  if (targetType !== 'lambda') {
    if (!input.Protocol || input.Port === undefined || !input.VpcId) throw err('ValidationError', 'A protocol, port and VPC ID are required for target groups of this target type');
    if (!ctx.tenant.collection<VpcData>(T.vpc).peek(input.VpcId)) throw err('ValidationError', `The VPC ID '${input.VpcId}' is not found`);
  }
  const tcp = ['TCP', 'UDP', 'TCP_UDP', 'TLS'].includes(input.Protocol ?? '');
  const healthCheck = {
    protocol: input.HealthCheckProtocol ?? (tcp ? 'TCP' : input.Protocol),
    port: input.HealthCheckPort ?? 'traffic-port',
    path: input.HealthCheckPath ?? (tcp && (input.HealthCheckProtocol ?? 'TCP') === 'TCP' ? undefined : '/'),
    enabled: input.HealthCheckEnabled ?? true,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? 30,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? (tcp ? 10 : 5),
    healthyThresholdCount: input.HealthyThresholdCount ?? 5,
    unhealthyThresholdCount: input.UnhealthyThresholdCount ?? (tcp ? 2 : 2),
  };
  const existing = targetGroups(ctx).list({ region: ctx.region }).find((t) => t.data.name === name);
  if (existing) {
    const same = existing.data.protocol === input.Protocol && existing.data.port === input.Port && existing.data.vpcId === input.VpcId && existing.data.targetType === targetType;
    if (!same) throw err('DuplicateTargetGroupName', `A target group with the same name '${name}' exists, but with different settings`);
    return { TargetGroups: [render(ctx, existing)] };
  }
  const arn = `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}:targetgroup/${name}/${ctx.engine.ids.hex('aws:elbv2:tg', 16)}`;
  const tg = targetGroups(ctx).insert({
    id: arn,
    region: ctx.region,
    tags: Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    data: { name, protocol: input.Protocol, port: input.Port, vpcId: input.VpcId, targetType, healthCheck, targets: [], attributes: { ...DEFAULT_ATTRIBUTES } },
  });
  ctx.touch(arn);
  return { TargetGroups: [render(ctx, tg)] };
}

function describeTargetGroups(input: DescribeTargetGroupsInput, ctx: AwsContext): DescribeTargetGroupsOutput {
  let found = targetGroups(ctx).list({ region: ctx.region });
  if (input.TargetGroupArns?.length) {
    if (input.TargetGroupArns.some((a) => !found.some((t) => t.id === a))) throw err('TargetGroupNotFound', 'One or more target groups not found');
    found = found.filter((t) => input.TargetGroupArns!.includes(t.id));
  }
  if (input.Names?.length) {
    const missing = input.Names.find((n) => !found.some((t) => t.data.name === n));
    if (missing !== undefined) throw err('TargetGroupNotFound', `Target groups '[${missing}]' not found`);
    found = found.filter((t) => input.Names!.includes(t.data.name));
  }
  if (input.LoadBalancerArn) {
    if (!ctx.tenant.collection(ELB.v2).peek(input.LoadBalancerArn)) throw err('LoadBalancerNotFound', 'One or more load balancers not found');
    found = found.filter((t) => loadBalancersOf(ctx, t.id).includes(input.LoadBalancerArn!));
  }
  return { TargetGroups: found.map((t) => render(ctx, t)) };
}

function modifyTargetGroup(input: ModifyTargetGroupInput, ctx: AwsContext): ModifyTargetGroupOutput {
  const tg = requireTg(ctx, input.TargetGroupArn);
  const h = tg.data.healthCheck;
  if (input.HealthCheckProtocol !== undefined) h.protocol = input.HealthCheckProtocol;
  if (input.HealthCheckPort !== undefined) h.port = input.HealthCheckPort;
  if (input.HealthCheckPath !== undefined) h.path = input.HealthCheckPath;
  if (input.HealthCheckEnabled !== undefined) h.enabled = input.HealthCheckEnabled;
  if (input.HealthCheckIntervalSeconds !== undefined) h.intervalSeconds = input.HealthCheckIntervalSeconds;
  if (input.HealthCheckTimeoutSeconds !== undefined) h.timeoutSeconds = input.HealthCheckTimeoutSeconds;
  if (input.HealthyThresholdCount !== undefined) h.healthyThresholdCount = input.HealthyThresholdCount;
  if (input.UnhealthyThresholdCount !== undefined) h.unhealthyThresholdCount = input.UnhealthyThresholdCount;
  return { TargetGroups: [render(ctx, tg)] };
}

function deleteTargetGroup(input: DeleteTargetGroupInput, ctx: AwsContext): object {
  const tg = input.TargetGroupArn ? targetGroups(ctx).get(input.TargetGroupArn) : undefined;
  if (!tg) return {};
  if (loadBalancersOf(ctx, tg.id).length > 0) throw err('ResourceInUse', `Target group '${tg.id}' is currently in use by a listener or a rule`);
  targetGroups(ctx).delete(tg.id);
  forgetTargetGroup(ctx, tg.id);
  return {};
}

function registerTargets(input: RegisterTargetsInput, ctx: AwsContext): object {
  const tg = requireTg(ctx, input.TargetGroupArn);
  for (const t of input.Targets ?? []) {
    const id = t.Id ?? '';
    if (tg.data.targetType === 'instance') {
      const inst = ctx.tenant.collection<InstanceData>(T.instance).peek(id);
      if (!inst || inst.data.vpcId !== tg.data.vpcId) throw err('InvalidTarget', `The following targets are not in the target group's VPC or do not exist: '${id}'`);
    }
    const port = t.Port ?? tg.data.port;
    if (!tg.data.targets.some((x) => x.id === id && x.port === port)) {
      tg.data.targets.push({ id, port });
      targetRegistered(ctx, tg.id, id, port);
    }
  }
  return {};
}

function deregisterTargets(input: DeregisterTargetsInput, ctx: AwsContext): object {
  const tg = requireTg(ctx, input.TargetGroupArn);
  for (const t of input.Targets ?? []) {
    const port = t.Port ?? tg.data.port;
    if (!tg.data.targets.some((x) => x.id === t.Id && x.port === port)) throw err('InvalidTarget', `The following targets are not registered in the target group: '${t.Id ?? ''}'`);
  }
  const inUse = loadBalancersOf(ctx, tg.id).length > 0;
  for (const t of input.Targets ?? []) targetDeregistered(ctx, tg.id, t.Id ?? '', t.Port ?? tg.data.port, inUse);
  tg.data.targets = tg.data.targets.filter((x) => !(input.Targets ?? []).some((t) => t.Id === x.id && (t.Port ?? tg.data.port) === x.port));
  return {};
}

function describeTargetHealth(input: DescribeTargetHealthInput, ctx: AwsContext): DescribeTargetHealthOutput {
  const tg = requireTg(ctx, input.TargetGroupArn);
  const inUse = loadBalancersOf(ctx, tg.id).length > 0;
  // Without Targets: the registered targets and those still draining.
  const targets = input.Targets?.length
    ? input.Targets.map((t) => ({ id: t.Id ?? '', port: t.Port ?? tg.data.port }))
    : [...tg.data.targets, ...drainingTargets(ctx, tg.id).map((r) => ({ id: r.data.id, port: r.data.port }))];
  return {
    TargetHealthDescriptions: targets.map((t) => {
      const registered = tg.data.targets.some((x) => x.id === t.id && x.port === t.port);
      const step = targetStep(ctx, tg.id, t.id, t.port);
      const running = ctx.tenant.collection<InstanceData>(T.instance).peek(t.id)?.lc?.state === 'running';
      const health: TargetHealth =
        step === 'draining'
          ? { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' }
          : !registered
            ? { State: 'unavailable', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' }
            : !inUse
              ? { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' }
              : tg.data.targetType === 'instance' && !running
                ? { State: 'unused', Reason: 'Target.InvalidState', Description: 'Target is in the stopped state' }
                : step === 'initial'
                  ? { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' }
                  : { State: 'healthy' };
      return { Target: { Id: t.id, Port: t.port }, HealthCheckPort: tg.data.healthCheck.port === 'traffic-port' ? String(t.port ?? '') : tg.data.healthCheck.port, TargetHealth: health };
    }),
  };
}

function describeTgAttributes(input: DescribeTargetGroupAttributesInput, ctx: AwsContext): DescribeTargetGroupAttributesOutput {
  return { Attributes: Object.entries(requireTg(ctx, input.TargetGroupArn).data.attributes).map(([Key, Value]) => ({ Key, Value })) };
}

function modifyTgAttributes(input: ModifyTargetGroupAttributesInput, ctx: AwsContext): ModifyTargetGroupAttributesOutput {
  const tg = requireTg(ctx, input.TargetGroupArn);
  for (const a of input.Attributes ?? []) if (!a.Key || !(a.Key in DEFAULT_ATTRIBUTES)) throw err('InvalidConfigurationRequest', `Target group attribute key '${a.Key ?? ''}' is not recognized`);
  for (const a of input.Attributes ?? []) tg.data.attributes[a.Key!] = a.Value ?? '';
  return { Attributes: Object.entries(tg.data.attributes).map(([Key, Value]) => ({ Key, Value })) };
}

export const targetGroupOperations = {
  CreateTargetGroup: op(createTargetGroup),
  DescribeTargetGroups: op(describeTargetGroups),
  ModifyTargetGroup: op(modifyTargetGroup),
  DeleteTargetGroup: op(deleteTargetGroup),
  RegisterTargets: op(registerTargets),
  DeregisterTargets: op(deregisterTargets),
  DescribeTargetHealth: op(describeTargetHealth),
  DescribeTargetGroupAttributes: op(describeTgAttributes),
  ModifyTargetGroupAttributes: op(modifyTgAttributes),
};
