/**
 * Security group rules: Authorize/Revoke ingress and egress, as IpPermissions, the legacy
 * top-level fields or (revoke) rule ids; InvalidPermission.Duplicate / NotFound; every rule gets
 * its `sgr-` id; DescribeSecurityGroupRules lists them.
 */
import type {
  AuthorizeSecurityGroupEgressRequest,
  AuthorizeSecurityGroupIngressRequest,
  AuthorizeSecurityGroupIngressResult,
  DescribeSecurityGroupRulesRequest,
  DescribeSecurityGroupRulesResult,
  IpPermission,
  RevokeSecurityGroupEgressRequest,
  RevokeSecurityGroupIngressRequest,
  RevokeSecurityGroupIngressResult,
  SecurityGroupRule as WireRule,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type AwsContext } from '../shared/context.js';
import { asRows, checkDryRun, filterRecords, pageOf } from './common.js';
import { parseBlock } from './cidr.js';
import { ensureDefaultVpc } from './network.js';
import { patch, type SecurityGroupData, type SecurityGroupRule } from './records.js';
import { notFound, requireGroup, securityGroups } from './security-groups.js';

type GroupRecord = ResourceRecord<SecurityGroupData>;
type Direction = 'ingress' | 'egress';

const PROTOCOLS: Readonly<Record<string, string>> = { '-1': '-1', all: '-1', tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', icmpv6: 'icmpv6', '58': 'icmpv6' };

/** One IpPermission → one rule per peer, validated as EC2 does. */
function expand(ctx: AwsContext, perms: IpPermission[]): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  for (const p of perms) {
    const protocol = PROTOCOLS[(p.IpProtocol ?? '').toLowerCase()];
    if (!protocol) throw Ec2Errors.invalidParameterValue(`Invalid value '${p.IpProtocol ?? ''}' for IP protocol. Unknown protocol.`);
    if (protocol === 'tcp' || protocol === 'udp') {
      if (p.FromPort === undefined || p.ToPort === undefined) throw Ec2Errors.missingParameter('FromPort');
      if (p.FromPort < 0 || p.ToPort > 65535 || p.FromPort > p.ToPort) throw Ec2Errors.invalidParameterValue(`Invalid TCP/UDP port range: ${p.FromPort}-${p.ToPort}`);
    }
    const ports = protocol === '-1' ? {} : { fromPort: p.FromPort, toPort: p.ToPort };
    const peers = [
      ...(p.IpRanges ?? []).map((r) => {
        if (!r.CidrIp || !parseBlock(r.CidrIp)) throw Ec2Errors.invalidParameterValue(`CIDR block ${r.CidrIp ?? ''} is malformed`);
        return { cidr: r.CidrIp, description: r.Description };
      }),
      ...(p.Ipv6Ranges ?? []).map((r) => ({ cidrV6: r.CidrIpv6, description: r.Description })),
      ...(p.UserIdGroupPairs ?? []).map((g) => {
        if (!g.GroupId || !securityGroups(ctx).has(g.GroupId)) throw notFound(g.GroupId ?? g.GroupName ?? '');
        return { groupId: g.GroupId, userId: g.UserId ?? ctx.account, description: g.Description };
      }),
    ];
    if (peers.length === 0) throw Ec2Errors.missingParameter('IpPermissions.IpRanges');
    for (const peer of peers) rules.push({ ruleId: '', protocol, ...ports, ...peer });
  }
  return rules;
}

const sameRule = (a: SecurityGroupRule, b: SecurityGroupRule) =>
  a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && a.cidr === b.cidr && a.cidrV6 === b.cidrV6 && a.groupId === b.groupId;

function describeRule(r: SecurityGroupRule): string {
  const peer = r.cidr ?? r.cidrV6 ?? r.groupId;
  return `peer: ${peer}, ${r.protocol === '-1' ? 'ALL' : r.protocol.toUpperCase()}, from port: ${r.fromPort ?? -1}, to port: ${r.toPort ?? -1}, ALLOW`;
}

/** The permissions of a call, whether given as IpPermissions or in the legacy top-level fields. */
function permissionsOf(input: AuthorizeSecurityGroupIngressRequest | AuthorizeSecurityGroupEgressRequest): IpPermission[] {
  if (input.IpPermissions?.length) return input.IpPermissions;
  if (input.IpProtocol || input.CidrIp) return [{ IpProtocol: input.IpProtocol ?? '-1', FromPort: input.FromPort, ToPort: input.ToPort, IpRanges: input.CidrIp ? [{ CidrIp: input.CidrIp }] : [] }];
  throw Ec2Errors.missingParameter('IpPermissions');
}

function wireRule(ctx: AwsContext, g: GroupRecord, r: SecurityGroupRule, egress: boolean): WireRule {
  return {
    SecurityGroupRuleId: r.ruleId,
    GroupId: g.id,
    GroupOwnerId: ctx.account,
    IsEgress: egress,
    IpProtocol: r.protocol,
    FromPort: r.fromPort ?? -1,
    ToPort: r.toPort ?? -1,
    CidrIpv4: r.cidr,
    CidrIpv6: r.cidrV6,
    ReferencedGroupInfo: r.groupId ? { GroupId: r.groupId, UserId: r.userId } : undefined,
    Description: r.description,
    SecurityGroupRuleArn: `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group-rule/${r.ruleId}`,
  };
}

function authorize(direction: Direction) {
  return (input: AuthorizeSecurityGroupIngressRequest | AuthorizeSecurityGroupEgressRequest, ctx: AwsContext): AuthorizeSecurityGroupIngressResult => {
    // Egress names its group by id only (a group name means EC2-Classic).
    const g = direction === 'egress' ? requireGroup(ctx, input.GroupId ?? '') : requireGroup(ctx, input.GroupId, (input as AuthorizeSecurityGroupIngressRequest).GroupName);
    const rules = expand(ctx, permissionsOf(input));
    const existing = g.data[direction];
    for (const r of rules)
      if (existing.some((x) => sameRule(x, r)) || rules.filter((x) => sameRule(x, r)).length > 1)
        throw ec2Error('InvalidPermission.Duplicate', `the specified rule "${describeRule(r)}" already exists`);
    if (existing.length + rules.length > 60) throw ec2Error('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
    checkDryRun(input);
    for (const r of rules) r.ruleId = ctx.newId('sgr');
    patch(g, { [direction]: [...existing, ...rules] });
    return { Return: true, SecurityGroupRules: rules.map((r) => wireRule(ctx, g, r, direction === 'egress')) };
  };
}

function revoke(direction: Direction) {
  return (input: RevokeSecurityGroupIngressRequest | RevokeSecurityGroupEgressRequest, ctx: AwsContext): RevokeSecurityGroupIngressResult => {
    const g = direction === 'egress' ? requireGroup(ctx, input.GroupId ?? '') : requireGroup(ctx, input.GroupId, (input as RevokeSecurityGroupIngressRequest).GroupName);
    const existing = g.data[direction];
    let keep: (r: SecurityGroupRule) => boolean;
    if (input.SecurityGroupRuleIds?.length) {
      const ids = input.SecurityGroupRuleIds;
      const missing = ids.find((id) => !existing.some((r) => r.ruleId === id));
      if (missing !== undefined) throw ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${missing}' does not exist`);
      keep = (r) => !ids.includes(r.ruleId);
    } else {
      const rules = expand(ctx, permissionsOf(input));
      for (const r of rules)
        if (!existing.some((x) => sameRule(x, r))) throw ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      keep = (x) => !rules.some((r) => sameRule(x, r));
    }
    checkDryRun(input);
    patch(g, { [direction]: existing.filter(keep) });
    return { Return: true };
  };
}

function describeSecurityGroupRules(input: DescribeSecurityGroupRulesRequest, ctx: AwsContext): DescribeSecurityGroupRulesResult {
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  const all = securityGroups(ctx)
    .list({ region: ctx.region })
    .flatMap((g) => [...g.data.ingress.map((r) => wireRule(ctx, g, r, false)), ...g.data.egress.map((r) => wireRule(ctx, g, r, true))]);
  const ids = input.SecurityGroupRuleIds ?? [];
  const missing = ids.find((id) => !all.some((r) => r.SecurityGroupRuleId === id));
  if (missing !== undefined) throw ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${missing}' does not exist`);
  let rows = asRows(ids.length ? all.filter((r) => ids.includes(r.SecurityGroupRuleId!)) : all, (r) => r.SecurityGroupRuleId!);
  rows = filterRecords(rows, input.Filters, {
    tags: false,
    fields: { 'group-id': (r) => r.data.GroupId!, 'security-group-rule-id': (r) => r.id },
  });
  const page = pageOf(rows, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: false, idsParam: 'securityGroupRuleId', query: input.Filters ?? [] });
  return { SecurityGroupRules: page.items.map((r) => r.data), NextToken: page.nextToken };
}

export const securityGroupRuleOperations = {
  AuthorizeSecurityGroupIngress: op(authorize('ingress')),
  RevokeSecurityGroupIngress: op(revoke('ingress')),
  AuthorizeSecurityGroupEgress: op(authorize('egress')),
  RevokeSecurityGroupEgress: op(revoke('egress')),
  DescribeSecurityGroupRules: op(describeSecurityGroupRules),
};
