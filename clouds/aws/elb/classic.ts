/**
 * Classic Elastic Load Balancing (awsQuery 2012-06-01) as the AWS CCM's service controller uses it:
 * load balancers, listeners, subnets, security groups, health checks and instances. Attributes and
 * policies are in classic-policies.ts. Names are unique per account and region.
 */
import type {
  AddTagsInput,
  ApplySecurityGroupsToLoadBalancerInput,
  AttachLoadBalancerToSubnetsInput,
  ConfigureHealthCheckInput,
  CreateAccessPointInput,
  CreateLoadBalancerListenerInput,
  DeleteAccessPointInput,
  DeleteLoadBalancerListenerInput,
  DescribeAccessPointsInput,
  DescribeAccessPointsOutput,
  DescribeTagsInput,
  DescribeTagsOutput,
  DetachLoadBalancerFromSubnetsInput,
  Listener,
  LoadBalancerDescription,
  RegisterEndPointsInput,
  DeregisterEndPointsInput,
  RemoveTagsInput,
} from '@aws-sdk/client-elastic-load-balancing';
import { CloudError } from '../../../core/errors.js';
import type { ResourceRecord } from '../../../core/store.js';
import { T, type InstanceData, type SecurityGroupData, type SubnetData } from '../ec2/records.js';
import { instanceDeregistered, instanceRegistered } from './health.js';
import { op, type AwsContext } from '../shared/context.js';
import { ELB, HOSTED_ZONES, type ClassicLoadBalancerData } from './records.js';

export type ClassicRecord = ResourceRecord<ClassicLoadBalancerData>;
const err = (code: string, message: string, status = 400) => new CloudError(code, status, message);
export const lbNotFound = (name: string) => err('LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`);

export const classicLbs = (ctx: AwsContext) => ctx.tenant.collection<ClassicLoadBalancerData>(ELB.classic);
const key = (ctx: AwsContext, name: string) => `${ctx.region}/${name}`;

export function requireLb(ctx: AwsContext, name: string | undefined): ClassicRecord {
  if (!name) throw err('ValidationError', "1 validation error detected: Value null at 'loadBalancerName' failed to satisfy constraint: Member must not be null");
  const lb = classicLbs(ctx).get(key(ctx, name));
  if (!lb) throw lbNotFound(name);
  return lb;
}

const PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TCP', 'SSL']);

function checkListener(l: Listener): Listener {
  const protocol = (l.Protocol ?? '').toUpperCase();
  if (!PROTOCOLS.has(protocol)) throw err('ValidationError', `Invalid protocol ${l.Protocol ?? ''}: must be one of HTTP, HTTPS, TCP, SSL`);
  if (l.LoadBalancerPort === undefined || l.LoadBalancerPort < 1 || l.LoadBalancerPort > 65535) throw err('ValidationError', 'LoadBalancerPort must be between 1 and 65535');
  if (l.InstancePort === undefined || l.InstancePort < 1 || l.InstancePort > 65535) throw err('ValidationError', 'InstancePort must be between 1 and 65535');
  if ((protocol === 'HTTPS' || protocol === 'SSL') && !l.SSLCertificateId) throw err('ValidationError', 'SSLCertificateId is required for HTTPS/SSL listeners');
  return { ...l, Protocol: protocol, InstanceProtocol: (l.InstanceProtocol ?? (protocol === 'HTTPS' ? 'HTTP' : protocol === 'SSL' ? 'TCP' : protocol)).toUpperCase() };
}

function subnetsOf(ctx: AwsContext, ids: readonly string[]): ResourceRecord<SubnetData>[] {
  return ids.map((id) => {
    const s = ctx.tenant.collection<SubnetData>(T.subnet).peek(id);
    if (!s || s.region !== ctx.region) throw err('InvalidSubnet', `The subnet '${id}' does not exist`);
    return s;
  });
}

function checkGroups(ctx: AwsContext, vpcId: string, ids: readonly string[]): void {
  for (const g of ids) {
    const rec = ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(g);
    if (!rec || rec.data.vpcId !== vpcId) throw err('InvalidSecurityGroup', `The security group '${g}' does not exist in VPC '${vpcId}'`);
  }
}

export function render(ctx: AwsContext, lb: ClassicRecord): LoadBalancerDescription {
  const d = lb.data;
  const group = d.securityGroups[0] ? ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(d.securityGroups[0]) : undefined;
  const other = Object.entries(d.policies).filter(([, p]) => !p.typeName.endsWith('CookieStickinessPolicyType')).map(([n]) => n);
  return {
    LoadBalancerName: d.name,
    DNSName: d.dnsName,
    CanonicalHostedZoneName: d.dnsName,
    CanonicalHostedZoneNameID: HOSTED_ZONES[ctx.region]?.[0] ?? 'Z35SXDOTRQ7X7K',
    ListenerDescriptions: d.listeners.map((l) => ({ Listener: l.listener, PolicyNames: l.policyNames })),
    Policies: { AppCookieStickinessPolicies: [], LBCookieStickinessPolicies: [], OtherPolicies: other },
    BackendServerDescriptions: Object.entries(d.backendPolicies).map(([port, names]) => ({ InstancePort: Number(port), PolicyNames: names })),
    AvailabilityZones: d.zones,
    Subnets: d.subnets,
    VPCId: d.vpcId,
    Instances: d.instances.map((InstanceId) => ({ InstanceId })),
    HealthCheck: d.healthCheck,
    SourceSecurityGroup: group ? { OwnerAlias: ctx.account, GroupName: group.data.groupName } : undefined,
    SecurityGroups: d.securityGroups,
    CreatedTime: new Date(d.createdTime),
    Scheme: d.scheme,
  };
}

function createLoadBalancer(input: CreateAccessPointInput, ctx: AwsContext): { DNSName: string } {
  const name = input.LoadBalancerName ?? '';
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/.test(name))
    throw err('ValidationError', `LoadBalancerName '${name}' must be 1-32 letters, digits or hyphens and not begin or end with a hyphen`);
  const listeners = (input.Listeners ?? []).map(checkListener);
  if (listeners.length === 0) throw err('ValidationError', 'At least one listener is required');
  if (!input.Subnets?.length) throw err('ValidationError', 'Subnets are required (EC2-Classic is retired)');
  const subnets = subnetsOf(ctx, input.Subnets);
  const vpcId = subnets[0]!.data.vpcId;
  if (subnets.some((s) => s.data.vpcId !== vpcId)) throw err('InvalidConfigurationRequest', 'All subnets must be in the same VPC');
  const zones = subnets.map((s) => s.data.zone);
  if (new Set(zones).size !== zones.length) throw err('InvalidConfigurationRequest', 'Only one subnet per Availability Zone is allowed');
  const scheme = input.Scheme === 'internal' ? 'internal' : 'internet-facing';
  const groups = input.SecurityGroups?.length ? input.SecurityGroups : [];
  checkGroups(ctx, vpcId, groups);

  const existing = classicLbs(ctx).get(key(ctx, name));
  if (existing) {
    // Creating again with the same listeners is idempotent, as on AWS.
    if (JSON.stringify(existing.data.listeners.map((l) => l.listener)) === JSON.stringify(listeners)) return { DNSName: existing.data.dnsName };
    throw err('DuplicateLoadBalancerName', `Load Balancer named '${name}' already exists and it is configured with different parameters.`);
  }
  const digits = ctx.engine.ids.digits('aws:elb', 10);
  const dnsName = `${scheme === 'internal' ? 'internal-' : ''}${name}-${digits}.${ctx.region}.elb.amazonaws.com`;
  const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  classicLbs(ctx).insert({
    id: key(ctx, name),
    region: ctx.region,
    tags,
    data: {
      name,
      scheme,
      dnsName,
      vpcId,
      subnets: subnets.map((s) => s.id),
      zones,
      securityGroups: groups,
      listeners: listeners.map((listener) => ({ listener, policyNames: [] })),
      instances: [],
      healthCheck: { Target: `TCP:${listeners[0]!.InstancePort}`, Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10 },
      attributes: {
        CrossZoneLoadBalancing: { Enabled: false },
        AccessLog: { Enabled: false },
        ConnectionDraining: { Enabled: false, Timeout: 300 },
        ConnectionSettings: { IdleTimeout: 60 },
        AdditionalAttributes: [],
      },
      policies: {},
      backendPolicies: {},
      createdTime: ctx.now().toISOString(),
    },
  });
  ctx.touch(name);
  return { DNSName: dnsName };
}

function describeLoadBalancers(input: DescribeAccessPointsInput, ctx: AwsContext): DescribeAccessPointsOutput {
  const names = input.LoadBalancerNames ?? [];
  const found = names.length ? names.map((n) => requireLb(ctx, n)) : classicLbs(ctx).list({ region: ctx.region });
  const size = input.PageSize ?? 400;
  if (size < 1 || size > 400) throw err('ValidationError', 'PageSize must be between 1 and 400');
  const start = input.Marker ? Number(Buffer.from(input.Marker, 'base64').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw err('InvalidNextToken', 'The marker is not valid');
  const page = found.slice(start, start + size);
  return {
    LoadBalancerDescriptions: page.map((lb) => render(ctx, lb)),
    NextMarker: start + size < found.length ? Buffer.from(String(start + size)).toString('base64') : undefined,
  };
}

function deleteLoadBalancer(input: DeleteAccessPointInput, ctx: AwsContext): object {
  // Deleting a load balancer that does not exist succeeds, as on AWS.
  if (input.LoadBalancerName) {
    const lb = classicLbs(ctx).peek(key(ctx, input.LoadBalancerName));
    for (const id of lb?.data.instances ?? []) instanceDeregistered(ctx, lb!.id, id);
    classicLbs(ctx).delete(key(ctx, input.LoadBalancerName));
  }
  return {};
}

function createListeners(input: CreateLoadBalancerListenerInput, ctx: AwsContext): object {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const add = (input.Listeners ?? []).map(checkListener);
  for (const l of add) {
    const same = lb.data.listeners.find((x) => x.listener.LoadBalancerPort === l.LoadBalancerPort);
    if (same && JSON.stringify(same.listener) !== JSON.stringify(l))
      throw err('DuplicateListener', `A listener already exists for ${lb.data.name} with LoadBalancerPort ${l.LoadBalancerPort}, but with a different InstancePort, Protocol, or SSLCertificateId`);
  }
  for (const l of add) if (!lb.data.listeners.some((x) => x.listener.LoadBalancerPort === l.LoadBalancerPort)) lb.data.listeners.push({ listener: l, policyNames: [] });
  return {};
}

function deleteListeners(input: DeleteLoadBalancerListenerInput, ctx: AwsContext): object {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const ports = new Set(input.LoadBalancerPorts ?? []);
  lb.data.listeners = lb.data.listeners.filter((l) => !ports.has(l.listener.LoadBalancerPort!));
  return {};
}

function attachSubnets(input: AttachLoadBalancerToSubnetsInput, ctx: AwsContext): { Subnets: string[] } {
  const lb = requireLb(ctx, input.LoadBalancerName);
  for (const s of subnetsOf(ctx, input.Subnets ?? [])) {
    if (s.data.vpcId !== lb.data.vpcId) throw err('InvalidConfigurationRequest', `Subnet ${s.id} is not in VPC ${lb.data.vpcId}`);
    if (lb.data.subnets.includes(s.id)) continue;
    if (lb.data.zones.includes(s.data.zone)) throw err('InvalidConfigurationRequest', `The load balancer already has a subnet in ${s.data.zone}`);
    lb.data.subnets.push(s.id);
    lb.data.zones.push(s.data.zone);
  }
  return { Subnets: lb.data.subnets };
}

function detachSubnets(input: DetachLoadBalancerFromSubnetsInput, ctx: AwsContext): { Subnets: string[] } {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const drop = new Set(input.Subnets ?? []);
  const keep = lb.data.subnets.map((s, i) => [s, lb.data.zones[i]!] as const).filter(([s]) => !drop.has(s));
  if (keep.length === 0) throw err('InvalidConfigurationRequest', 'A load balancer needs at least one subnet');
  lb.data.subnets = keep.map(([s]) => s);
  lb.data.zones = keep.map(([, z]) => z);
  return { Subnets: lb.data.subnets };
}

function applySecurityGroups(input: ApplySecurityGroupsToLoadBalancerInput, ctx: AwsContext): { SecurityGroups: string[] } {
  const lb = requireLb(ctx, input.LoadBalancerName);
  checkGroups(ctx, lb.data.vpcId, input.SecurityGroups ?? []);
  lb.data.securityGroups = [...(input.SecurityGroups ?? [])];
  return { SecurityGroups: lb.data.securityGroups };
}

function configureHealthCheck(input: ConfigureHealthCheckInput, ctx: AwsContext): { HealthCheck: ConfigureHealthCheckInput['HealthCheck'] } {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const h = input.HealthCheck;
  if (!h?.Target || !/^(TCP|SSL):\d+$|^(HTTP|HTTPS):\d+\/.*$/.test(h.Target)) throw err('ValidationError', `Invalid health check target '${h?.Target ?? ''}'`);
  if (h.Timeout !== undefined && h.Interval !== undefined && h.Timeout >= h.Interval) throw err('ValidationError', 'HealthCheck Timeout must be less than Interval');
  lb.data.healthCheck = { ...h };
  return { HealthCheck: lb.data.healthCheck };
}

function registerInstances(input: RegisterEndPointsInput, ctx: AwsContext): { Instances: Array<{ InstanceId: string }> } {
  const lb = requireLb(ctx, input.LoadBalancerName);
  for (const i of input.Instances ?? []) {
    const id = i.InstanceId ?? '';
    const inst = ctx.tenant.collection<InstanceData>(T.instance).peek(id);
    if (!inst || inst.data.vpcId !== lb.data.vpcId) throw err('InvalidInstance', `The requested instance '${id}' is not in the load balancer's VPC or does not exist`);
    if (!lb.data.instances.includes(id)) {
      lb.data.instances.push(id);
      instanceRegistered(ctx, lb.id, id);
    }
  }
  return { Instances: lb.data.instances.map((InstanceId) => ({ InstanceId })) };
}

function deregisterInstances(input: DeregisterEndPointsInput, ctx: AwsContext): { Instances: Array<{ InstanceId: string }> } {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const drop = new Set((input.Instances ?? []).map((i) => i.InstanceId));
  for (const id of drop) if (!lb.data.instances.includes(id ?? '')) throw err('InvalidInstance', `The instance '${id}' is not registered with load balancer '${lb.data.name}'`);
  lb.data.instances = lb.data.instances.filter((i) => !drop.has(i));
  for (const id of drop) instanceDeregistered(ctx, lb.id, id ?? '');
  return { Instances: lb.data.instances.map((InstanceId) => ({ InstanceId })) };
}

function addTags(input: AddTagsInput, ctx: AwsContext): object {
  const lbs = (input.LoadBalancerNames ?? []).map((n) => requireLb(ctx, n));
  const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  for (const lb of lbs) {
    if (Object.keys({ ...lb.tags, ...tags }).length > 50) throw err('TooManyTags', `The quota for the number of tags on ${lb.data.name} has been reached.`);
    classicLbs(ctx).setTags(lb.id, tags);
  }
  return {};
}

function removeTags(input: RemoveTagsInput, ctx: AwsContext): object {
  for (const lb of (input.LoadBalancerNames ?? []).map((n) => requireLb(ctx, n))) classicLbs(ctx).removeTags(lb.id, (input.Tags ?? []).map((t) => ({ key: t.Key ?? '' })));
  return {};
}

function describeTags(input: DescribeTagsInput, ctx: AwsContext): DescribeTagsOutput {
  return {
    TagDescriptions: (input.LoadBalancerNames ?? []).map((n) => {
      const lb = requireLb(ctx, n);
      return { LoadBalancerName: n, Tags: Object.entries(lb.tags).map(([Key, Value]) => ({ Key, Value })) };
    }),
  };
}

export const classicOperations = {
  CreateLoadBalancer: op(createLoadBalancer),
  DescribeLoadBalancers: op(describeLoadBalancers),
  DeleteLoadBalancer: op(deleteLoadBalancer),
  CreateLoadBalancerListeners: op(createListeners),
  DeleteLoadBalancerListeners: op(deleteListeners),
  AttachLoadBalancerToSubnets: op(attachSubnets),
  DetachLoadBalancerFromSubnets: op(detachSubnets),
  ApplySecurityGroupsToLoadBalancer: op(applySecurityGroups),
  ConfigureHealthCheck: op(configureHealthCheck),
  RegisterInstancesWithLoadBalancer: op(registerInstances),
  DeregisterInstancesFromLoadBalancer: op(deregisterInstances),
  AddTags: op(addTags),
  RemoveTags: op(removeTags),
  DescribeTags: op(describeTags),
};
