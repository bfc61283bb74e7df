/**
 * Elastic Load Balancing v2 load balancers (awsQuery 2015-12-01): NLBs and ALBs that go
 * `provisioning → active` on the lifecycle engine, their attributes, security groups and tags.
 * Tags are kept on the record of the resource an ARN names (load balancer or target group).
 */
import type {
  AddTagsInput,
  CreateLoadBalancerInput,
  CreateLoadBalancerOutput,
  DeleteLoadBalancerInput,
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  DescribeTagsInput,
  DescribeTagsOutput,
  LoadBalancer,
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
  RemoveTagsInput,
  SetSecurityGroupsInput,
  SetSecurityGroupsOutput,
  SubnetMapping,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudError } from '../../../core/errors.js';
import type { Collection, ResourceRecord } from '../../../core/store.js';
import { T, type SecurityGroupData, type SubnetData } from '../ec2/records.js';
import { op, type AwsContext } from '../shared/context.js';
import { ELB, HOSTED_ZONES, type V2LoadBalancerData } from '../elb/records.js';

export type LbRecord = ResourceRecord<V2LoadBalancerData>;
export const err = (code: string, message: string) => new CloudError(code, 400, message);
export const v2Lbs = (ctx: AwsContext) => ctx.tenant.collection<V2LoadBalancerData>(ELB.v2);

const DEFAULT_ATTRIBUTES: Readonly<Record<string, Record<string, string>>> = {
  network: { 'load_balancing.cross_zone.enabled': 'false', 'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '', 'deletion_protection.enabled': 'false', 'dns_record.client_routing_policy': 'any_availability_zone' },
  application: { 'load_balancing.cross_zone.enabled': 'true', 'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '', 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60', 'routing.http2.enabled': 'true' },
  gateway: { 'load_balancing.cross_zone.enabled': 'false', 'deletion_protection.enabled': 'false' },
};

export function requireLbArn(ctx: AwsContext, arn: string | undefined): LbRecord {
  const lb = arn ? v2Lbs(ctx).get(arn) : undefined;
  if (!lb) throw err('LoadBalancerNotFound', `One or more load balancers not found`);
  return lb;
}

export function render(ctx: AwsContext, lb: LbRecord): LoadBalancer {
  const d = lb.data;
  return {
    LoadBalancerArn: lb.id,
    DNSName: d.dnsName,
    CanonicalHostedZoneId: HOSTED_ZONES[ctx.region]?.[d.type === 'network' ? 1 : 0] ?? 'Z26RNL4JYFTOTI',
    CreatedTime: new Date(d.createdTime),
    LoadBalancerName: d.name,
    Scheme: d.scheme,
    VpcId: d.vpcId,
    State: { Code: (lb.lc?.state ?? 'active') as 'active' },
    Type: d.type,
    AvailabilityZones: d.subnets.map((s) => ({
      ZoneName: s.zone,
      SubnetId: s.subnetId,
      LoadBalancerAddresses: s.allocationId || s.privateIPv4Address ? [{ AllocationId: s.allocationId, PrivateIPv4Address: s.privateIPv4Address }] : [],
    })),
    SecurityGroups: d.securityGroups.length ? d.securityGroups : undefined,
    IpAddressType: d.ipAddressType as 'ipv4',
  };
}

function checkGroups(ctx: AwsContext, vpcId: string, ids: readonly string[]): void {
  for (const g of ids) {
    const rec = ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(g);
    if (!rec || rec.data.vpcId !== vpcId) throw err('InvalidSecurityGroup', `Security group '${g}' does not exist`);
  }
}

function createLoadBalancer(input: CreateLoadBalancerInput, ctx: AwsContext): CreateLoadBalancerOutput {
  const name = input.Name ?? '';
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/.test(name) || name.startsWith('internal-'))
    throw err('ValidationError', `The load balancer name '${name}' must be 1-32 letters, digits or hyphens, not start or end with a hyphen, nor start with 'internal-'`);
  const type = (input.Type ?? 'application') as V2LoadBalancerData['type'];
  const mappings: SubnetMapping[] = input.SubnetMappings?.length ? input.SubnetMappings : (input.Subnets ?? []).map((SubnetId) => ({ SubnetId }));
  if (mappings.length === 0) throw err('ValidationError', 'At least one subnet must be specified');
  const subnets = mappings.map((m) => {
    const s = m.SubnetId ? ctx.tenant.collection<SubnetData>(T.subnet).peek(m.SubnetId) : undefined;
    if (!s || s.region !== ctx.region) throw err('SubnetNotFound', `The subnet ID '${m.SubnetId ?? ''}' is not valid`);
    return { subnetId: s.id, zone: s.data.zone, zoneId: s.data.zoneId, vpcId: s.data.vpcId, allocationId: m.AllocationId, privateIPv4Address: m.PrivateIPv4Address };
  });
  const vpcId = subnets[0]!.vpcId;
  if (subnets.some((s) => s.vpcId !== vpcId)) throw err('InvalidConfigurationRequest', 'All subnets must belong to the same VPC');
  if (new Set(subnets.map((s) => s.zone)).size !== subnets.length) throw err('InvalidConfigurationRequest', 'You cannot specify multiple subnets from the same Availability Zone');
  if (type === 'application' && subnets.length < 2) throw err('InvalidConfigurationRequest', 'At least two subnets in two different Availability Zones must be specified');
  const groups = input.SecurityGroups ?? [];
  checkGroups(ctx, vpcId, groups);
  const scheme = (input.Scheme ?? 'internet-facing') as V2LoadBalancerData['scheme'];

  const existing = v2Lbs(ctx).list({ region: ctx.region }).find((l) => l.data.name === name);
  if (existing) {
    // The same name with the same settings answers the existing load balancer, as on AWS.
    const same = existing.data.type === type && existing.data.scheme === scheme && JSON.stringify(existing.data.subnets.map((s) => s.subnetId).sort()) === JSON.stringify(subnets.map((s) => s.subnetId).sort());
    if (!same) throw err('DuplicateLoadBalancerName', `A load balancer with the same name '${name}' exists, but with different settings`);
    return { LoadBalancers: [render(ctx, existing)] };
  }
  const id = ctx.engine.ids.hex('aws:elbv2', 16);
  const kind = type === 'network' ? 'net' : type === 'gateway' ? 'gwy' : 'app';
  const arn = `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}:loadbalancer/${kind}/${name}/${id}`;
  const prefix = scheme === 'internal' ? 'internal-' : '';
  const dnsName = type === 'network' ? `${prefix}${name}-${id}.elb.${ctx.region}.amazonaws.com` : `${prefix}${name}-${ctx.engine.ids.digits('aws:elbv2:dns', 10)}.${ctx.region}.elb.amazonaws.com`;
  const rec = v2Lbs(ctx).insert({
    id: arn,
    region: ctx.region,
    tags: Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    data: {
      name,
      type,
      scheme,
      dnsName,
      vpcId,
      subnets: subnets.map(({ vpcId: _v, ...s }) => s),
      securityGroups: groups,
      ipAddressType: input.IpAddressType ?? 'ipv4',
      attributes: { ...DEFAULT_ATTRIBUTES[type] },
      createdTime: ctx.now().toISOString(),
    },
  });
  ctx.engine.lifecycle.enter(ctx.tenant, rec, 'provisioning');
  ctx.touch(arn);
  return { LoadBalancers: [render(ctx, rec)] };
}

function describeLoadBalancers(input: DescribeLoadBalancersInput, ctx: AwsContext): DescribeLoadBalancersOutput {
  const arns = input.LoadBalancerArns ?? [];
  const names = input.Names ?? [];
  if (arns.length && names.length) throw err('ValidationError', 'Load balancer names and load balancer ARNs cannot be specified at the same time');
  let found = v2Lbs(ctx).list({ region: ctx.region });
  if (arns.length) {
    if (arns.some((a) => !found.some((l) => l.id === a))) throw err('LoadBalancerNotFound', 'One or more load balancers not found');
    found = found.filter((l) => arns.includes(l.id));
  }
  if (names.length) {
    const missing = names.find((n) => !found.some((l) => l.data.name === n));
    if (missing !== undefined) throw err('LoadBalancerNotFound', `Load balancers '[${missing}]' not found`);
    found = found.filter((l) => names.includes(l.data.name));
  }
  const size = input.PageSize ?? 400;
  const start = input.Marker ? Number(Buffer.from(input.Marker, 'base64').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw err('ValidationError', 'Invalid marker');
  return {
    LoadBalancers: found.slice(start, start + size).map((l) => render(ctx, l)),
    NextMarker: start + size < found.length ? Buffer.from(String(start + size)).toString('base64') : undefined,
  };
}

function deleteLoadBalancer(input: DeleteLoadBalancerInput, ctx: AwsContext): object {
  const lb = input.LoadBalancerArn ? v2Lbs(ctx).get(input.LoadBalancerArn) : undefined;
  if (!lb) return {};
  if (lb.data.attributes['deletion_protection.enabled'] === 'true') throw err('OperationNotPermitted', `Load balancer '${lb.id}' cannot be deleted because deletion protection is enabled`);
  const listeners = ctx.tenant.collection(ELB.listener);
  for (const l of listeners.list({ parent: lb.id })) listeners.delete(l.id);
  v2Lbs(ctx).delete(lb.id);
  return {};
}

function setSecurityGroups(input: SetSecurityGroupsInput, ctx: AwsContext): SetSecurityGroupsOutput {
  const lb = requireLbArn(ctx, input.LoadBalancerArn);
  if (lb.data.type === 'network' && lb.data.securityGroups.length === 0 && (input.SecurityGroups ?? []).length > 0)
    throw err('InvalidConfigurationRequest', 'You cannot add security groups to a Network Load Balancer created without them');
  checkGroups(ctx, lb.data.vpcId, input.SecurityGroups ?? []);
  lb.data.securityGroups = [...(input.SecurityGroups ?? [])];
  return { SecurityGroupIds: lb.data.securityGroups };
}

function describeAttributes(input: DescribeLoadBalancerAttributesInput, ctx: AwsContext): DescribeLoadBalancerAttributesOutput {
  const lb = requireLbArn(ctx, input.LoadBalancerArn);
  return { Attributes: Object.entries(lb.data.attributes).map(([Key, Value]) => ({ Key, Value })) };
}

function modifyAttributes(input: ModifyLoadBalancerAttributesInput, ctx: AwsContext): ModifyLoadBalancerAttributesOutput {
  const lb = requireLbArn(ctx, input.LoadBalancerArn);
  for (const a of input.Attributes ?? []) {
    if (!a.Key || !(a.Key in DEFAULT_ATTRIBUTES[lb.data.type]!)) throw err('InvalidConfigurationRequest', `Load balancer attribute key '${a.Key ?? ''}' is not recognized`);
    if (a.Key.endsWith('.enabled') && a.Value !== 'true' && a.Value !== 'false') throw err('InvalidConfigurationRequest', `Load balancer attribute value '${a.Value ?? ''}' for key '${a.Key}' must be true or false`);
  }
  for (const a of input.Attributes ?? []) lb.data.attributes[a.Key!] = a.Value ?? '';
  return { Attributes: Object.entries(lb.data.attributes).map(([Key, Value]) => ({ Key, Value })) };
}

/** Load balancers and target groups carry tags; an ARN says which. */
function taggable(ctx: AwsContext, arn: string): { c: Collection<unknown>; rec: ResourceRecord } {
  const type = arn.includes(':targetgroup/') ? ELB.targetGroup : arn.includes(':listener/') ? ELB.listener : ELB.v2;
  const c = ctx.tenant.collection<unknown>(type);
  const rec = c.peek(arn);
  if (!rec) throw err(type === ELB.targetGroup ? 'TargetGroupNotFound' : type === ELB.listener ? 'ListenerNotFound' : 'LoadBalancerNotFound', `Resource '${arn}' not found`);
  return { c, rec };
}

function addTags(input: AddTagsInput, ctx: AwsContext): object {
  const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  for (const arn of input.ResourceArns ?? []) {
    const { c, rec } = taggable(ctx, arn);
    if (Object.keys({ ...rec.tags, ...tags }).length > 50) throw err('TooManyTags', `You've reached the limit on the number of tags for resource '${arn}'`);
    c.setTags(arn, tags);
  }
  return {};
}

function removeTags(input: RemoveTagsInput, ctx: AwsContext): object {
  for (const arn of input.ResourceArns ?? []) taggable(ctx, arn).c.removeTags(arn, (input.TagKeys ?? []).map((key) => ({ key })));
  return {};
}

function describeTags(input: DescribeTagsInput, ctx: AwsContext): DescribeTagsOutput {
  return { TagDescriptions: (input.ResourceArns ?? []).map((arn) => ({ ResourceArn: arn, Tags: Object.entries(taggable(ctx, arn).rec.tags).map(([Key, Value]) => ({ Key, Value })) })) };
}

export const v2LoadBalancerOperations = {
  CreateLoadBalancer: op(createLoadBalancer),
  DescribeLoadBalancers: op(describeLoadBalancers),
  DeleteLoadBalancer: op(deleteLoadBalancer),
  SetSecurityGroups: op(setSecurityGroups),
  DescribeLoadBalancerAttributes: op(describeAttributes),
  ModifyLoadBalancerAttributes: op(modifyAttributes),
  AddTags: op(addTags),
  RemoveTags: op(removeTags),
  DescribeTags: op(describeTags),
};
