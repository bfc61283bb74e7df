/**
 * Security groups as the AWS CCM's service controller manages them: Create/Delete (with
 * DependencyViolation while referenced), Describe with its filters; rules in security-group-rules.ts.
 * Every VPC has its `default` group.
 */
import type {
  CreateSecurityGroupRequest,
  CreateSecurityGroupResult,
  DeleteSecurityGroupRequest,
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  IpPermission,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type AwsContext } from '../shared/context.js';
import { checkDryRun, DESCRIPTION_MAX, describeQuery, tooLong, filterRecords, pageOf, tagsFor, wireTags } from './common.js';
import { defaultVpcOf, ensureDefaultVpc } from './network.js';
import { T, type InstanceData, type SecurityGroupData, type SecurityGroupRule } from './records.js';

type GroupRecord = ResourceRecord<SecurityGroupData>;
export const securityGroups = (ctx: AwsContext) => ctx.tenant.collection<SecurityGroupData>(T.securityGroup);

export const notFound = (id: string) => ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);

export function createGroup(ctx: AwsContext, vpcId: string, groupName: string, description: string, tags: Record<string, string>): GroupRecord {
  const id = ctx.newId('sg');
  // New groups allow all egress, as EC2 creates them.
  const egress: SecurityGroupRule[] = [{ ruleId: ctx.newId('sgr'), protocol: '-1', cidr: '0.0.0.0/0' }];
  // The default group also admits traffic from its own members.
  const ingress: SecurityGroupRule[] = groupName === 'default' ? [{ ruleId: ctx.newId('sgr'), protocol: '-1', groupId: id, userId: ctx.account }] : [];
  return securityGroups(ctx).insert({ id, region: ctx.region, parent: vpcId, tags, data: { vpcId, groupName, description, ingress, egress } });
}

export function defaultGroupOf(ctx: AwsContext, vpcId: string): GroupRecord | undefined {
  return securityGroups(ctx).list({ parent: vpcId }).find((g) => g.data.groupName === 'default');
}

export function requireGroup(ctx: AwsContext, id: string | undefined, name?: string): GroupRecord {
  if (id) {
    ctx.touch(id);
    const g = securityGroups(ctx).get(id);
    if (!g || g.region !== ctx.region) throw notFound(id);
    return g;
  }
  if (!name) throw Ec2Errors.missingParameter('GroupId');
  const g = securityGroups(ctx).list({ region: ctx.region }).find((r) => r.data.groupName === name);
  if (!g) throw ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC`);
  return g;
}

/** Rules grouped back into IpPermissions, one per protocol and port range. */
function permissions(rules: SecurityGroupRule[]): IpPermission[] {
  const out = new Map<string, IpPermission>();
  for (const r of rules) {
    const key = `${r.protocol}/${r.fromPort}/${r.toPort}`;
    let p = out.get(key);
    if (!p) out.set(key, (p = { IpProtocol: r.protocol, FromPort: r.fromPort, ToPort: r.toPort, IpRanges: [], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] }));
    if (r.cidr) p.IpRanges!.push({ CidrIp: r.cidr, Description: r.description });
    if (r.cidrV6) p.Ipv6Ranges!.push({ CidrIpv6: r.cidrV6, Description: r.description });
    if (r.groupId) p.UserIdGroupPairs!.push({ GroupId: r.groupId, UserId: r.userId, Description: r.description });
  }
  return [...out.values()];
}

export function renderGroup(ctx: AwsContext, g: GroupRecord): SecurityGroup {
  return {
    GroupId: g.id,
    GroupName: g.data.groupName,
    Description: g.data.description,
    OwnerId: ctx.account,
    VpcId: g.data.vpcId,
    SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group/${g.id}`,
    IpPermissions: permissions(g.data.ingress),
    IpPermissionsEgress: permissions(g.data.egress),
    Tags: Object.keys(g.tags).length > 0 ? wireTags(g.tags) : undefined,
  };
}

function createSecurityGroup(input: CreateSecurityGroupRequest, ctx: AwsContext): CreateSecurityGroupResult {
  if (!input.GroupName) throw Ec2Errors.missingParameter('GroupName');
  if (!input.Description) throw Ec2Errors.missingParameter('GroupDescription');
  if (input.GroupName.length > DESCRIPTION_MAX) throw tooLong('GroupName');
  if (input.Description.length > DESCRIPTION_MAX) throw tooLong('GroupDescription');
  if (input.GroupName.toLowerCase().startsWith('sg-')) throw Ec2Errors.invalidParameterValue("Group names may not be in the format sg-*.");
  if (input.GroupName === 'default') throw Ec2Errors.invalidParameterValue('The security group name default is reserved.');
  // Without VpcId the group goes to the default VPC (made on a new account's first call).
  const vpcId = input.VpcId ?? defaultVpcOf(ctx)?.id;
  if (!vpcId) throw ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
  ctx.touch(vpcId);
  const vpc = ctx.tenant.collection(T.vpc).get(vpcId);
  if (!vpc || vpc.region !== ctx.region) throw Ec2Errors.vpcNotFound(vpcId);
  if (securityGroups(ctx).list({ parent: vpcId }).some((g) => g.data.groupName === input.GroupName))
    throw ec2Error('InvalidGroup.Duplicate', `The security group '${input.GroupName}' already exists for VPC '${vpcId}'`);
  const tags = tagsFor(input.TagSpecifications, 'security-group', ['security-group']);
  checkDryRun(input);
  const g = createGroup(ctx, vpcId, input.GroupName, input.Description, tags);
  ctx.touch(g.id);
  return { GroupId: g.id, SecurityGroupArn: renderGroup(ctx, g).SecurityGroupArn, Tags: Object.keys(tags).length ? wireTags(tags) : undefined };
}

function deleteSecurityGroup(input: DeleteSecurityGroupRequest, ctx: AwsContext): object {
  const g = requireGroup(ctx, input.GroupId, input.GroupName);
  if (g.data.groupName === 'default') throw ec2Error('CannotDelete', `the specified group: "${g.id}" name: "default" cannot be deleted by a user`);
  const usedByInstance = [...ctx.tenant.collection<InstanceData>(T.instance).all()].some((i) => i.lc?.state !== 'terminated' && i.data.securityGroupIds.includes(g.id));
  const referenced = [...securityGroups(ctx).all()].some((o) => o.id !== g.id && [...o.data.ingress, ...o.data.egress].some((r) => r.groupId === g.id));
  if (usedByInstance || referenced) throw ec2Error('DependencyViolation', `resource ${g.id} has a dependent object`);
  checkDryRun(input);
  securityGroups(ctx).delete(g.id);
  return {};
}

function describeSecurityGroups(input: DescribeSecurityGroupsRequest, ctx: AwsContext): DescribeSecurityGroupsResult {
  const ids = input.GroupIds ?? [];
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  let found = securityGroups(ctx).list(describeQuery(ctx, ids, input.Filters));
  const missing = ids.find((id) => !found.some((g) => g.id === id));
  if (missing !== undefined) throw notFound(missing);
  if (input.GroupNames?.length) {
    const absent = input.GroupNames.find((n) => !found.some((g) => g.data.groupName === n));
    if (absent !== undefined) throw ec2Error('InvalidGroup.NotFound', `The security group '${absent}' does not exist in default VPC`);
    found = found.filter((g) => input.GroupNames!.includes(g.data.groupName));
  }
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'group-id': (r) => r.id,
      'group-name': (r) => r.data.groupName,
      'vpc-id': (r) => r.data.vpcId,
      description: (r) => r.data.description,
      'owner-id': () => ctx.account,
      'ip-permission.group-id': (r) => r.data.ingress.map((x) => x.groupId).filter((x): x is string => x !== undefined),
      'ip-permission.cidr': (r) => r.data.ingress.map((x) => x.cidr).filter((x): x is string => x !== undefined),
      'ip-permission.protocol': (r) => r.data.ingress.map((x) => x.protocol),
      'ip-permission.from-port': (r) => r.data.ingress.map((x) => x.fromPort).filter((x): x is number => x !== undefined),
      'ip-permission.to-port': (r) => r.data.ingress.map((x) => x.toPort).filter((x): x is number => x !== undefined),
      'egress.ip-permission.cidr': (r) => r.data.egress.map((x) => x.cidr).filter((x): x is string => x !== undefined),
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: ids.length > 0, idsParam: 'groupId', query: input.Filters ?? [] });
  return { SecurityGroups: page.items.map((g) => renderGroup(ctx, g)), NextToken: page.nextToken };
}

export const securityGroupOperations = {
  CreateSecurityGroup: op(createSecurityGroup),
  DeleteSecurityGroup: op(deleteSecurityGroup),
  DescribeSecurityGroups: op(describeSecurityGroups),
};
