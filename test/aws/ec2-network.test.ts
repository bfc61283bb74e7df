/** Security groups, route tables and instance actions, as the AWS CCM's service and route controllers use them. */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteRouteCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeInstanceTopologyCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;
let vpcId: string;
let nodes: Instance[];

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});
beforeEach(async () => {
  vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['fauxcloud'] }] }))).Vpcs![0]!.VpcId!;
  nodes = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
});

describe('security groups', () => {
  it('creates an ELB group, opens ports, refuses duplicates, revokes, deletes', async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'k8s-elb-a1b2', Description: 'Security group for Kubernetes ELB a1b2', VpcId: vpcId, TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'kubernetes.io/cluster/fauxcloud', Value: 'owned' }] }] }),
    );
    await expect(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'k8s-elb-a1b2', Description: 'again', VpcId: vpcId }))).rejects.toMatchObject({ name: 'InvalidGroup.Duplicate' });
    const perm = { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    const auth = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [perm] }));
    expect(auth.Return).toBe(true);
    expect(auth.SecurityGroupRules![0]!.SecurityGroupRuleId).toMatch(/^sgr-/);
    await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [perm] }))).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });

    const found = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['k8s-elb-a1b2'] }, { Name: 'vpc-id', Values: [vpcId] }] }));
    expect(found.SecurityGroups![0]).toMatchObject({ GroupId, IpPermissions: [expect.objectContaining({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })] });
    expect(found.SecurityGroups![0]!.IpPermissionsEgress![0]).toMatchObject({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] });

    // The node group admits the ELB's group: deleting the ELB group now is a DependencyViolation.
    const nodeGroup = nodes[0]!.SecurityGroups![0]!.GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nodeGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 30000, ToPort: 32767, UserIdGroupPairs: [{ GroupId }] }] }));
    const refs = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.group-id', Values: [GroupId!] }] }));
    expect(refs.SecurityGroups!.map((g) => g.GroupId)).toEqual([nodeGroup]);
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: nodeGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 30000, ToPort: 32767, UserIdGroupPairs: [{ GroupId }] }] }));
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: nodeGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }))).rejects.toMatchObject({
      name: 'InvalidPermission.NotFound',
    });
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
    await expect(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    // The nodes' group is in use by the instances; the VPC's default group cannot be deleted at all.
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: nodeGroup }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    const defaultGroup = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }))).SecurityGroups![0]!;
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaultGroup.GroupId }))).rejects.toMatchObject({ name: 'CannotDelete' });
  });

  it('tags security groups, route tables and snapshots like any other resource', async () => {
    const nodeGroup = nodes[0]!.SecurityGroups![0]!;
    expect(nodeGroup.GroupName).toBe('fauxcloud-nodes');
    await ec2.send(new CreateTagsCommand({ Resources: [nodeGroup.GroupId!], Tags: [{ Key: 'repaired', Value: 'yes' }] }));
    const tagged = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:kubernetes.io/cluster/fauxcloud', Values: ['owned'] }, { Name: 'tag:repaired', Values: ['yes'] }] }))).SecurityGroups!;
    expect(tagged.map((g) => g.GroupId)).toEqual([nodeGroup.GroupId]);
    const rtb = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables![0]!.RouteTableId!;
    await ec2.send(new CreateTagsCommand({ Resources: [rtb], Tags: [{ Key: 'role', Value: 'main' }] }));
    const tags = (await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-type', Values: ['route-table', 'security-group'] }, { Name: 'key', Values: ['role', 'repaired'] }] }))).Tags!;
    expect(tags.map((t) => [t.ResourceType, t.Key]).sort()).toEqual([['route-table', 'role'], ['security-group', 'repaired']]);
    await expect(ec2.send(new CreateTagsCommand({ Resources: ['sg-0123456789abcdef0'], Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
  });
});

describe('route tables', () => {
  it('has a main table with local and internet routes, tagged for the cluster', async () => {
    const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'tag-key', Values: ['kubernetes.io/cluster/fauxcloud'] }] }))).RouteTables!;
    expect(tables).toHaveLength(1);
    expect(tables[0]!.Associations).toEqual([expect.objectContaining({ Main: true })]);
    expect(tables[0]!.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId?.replace(/^igw-.*/, 'igw'), r.State])).toEqual([
      ['10.0.0.0/16', 'local', 'active'],
      ['0.0.0.0/0', 'igw', 'active'],
    ]);
  });

  it('routes pod CIDRs to instances; a terminated instance leaves a blackhole', async () => {
    const rtb = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables![0]!.RouteTableId!;
    const [a, b] = nodes;
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: a!.InstanceId, SourceDestCheck: { Value: false } }));
    expect((await ec2.send(new DescribeInstancesCommand({ InstanceIds: [a!.InstanceId!] }))).Reservations![0]!.Instances![0]!.SourceDestCheck).toBe(false);
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.244.1.0/24', InstanceId: a!.InstanceId }));
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.244.2.0/24', InstanceId: b!.InstanceId }));
    await expect(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.244.1.0/24', InstanceId: b!.InstanceId }))).rejects.toMatchObject({ name: 'RouteAlreadyExists' });

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [b!.InstanceId!] }));
    const routes = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb] }))).RouteTables![0]!.Routes!;
    expect(routes.filter((r) => r.DestinationCidrBlock!.startsWith('10.244.')).map((r) => [r.DestinationCidrBlock, r.InstanceId, r.State])).toEqual([
      ['10.244.1.0/24', a!.InstanceId, 'active'],
      ['10.244.2.0/24', b!.InstanceId, 'blackhole'],
    ]);
    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.244.2.0/24' }));
    await expect(ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.244.2.0/24' }))).rejects.toMatchObject({ name: 'InvalidRoute.NotFound' });
  });
});

describe('instance actions', () => {
  it('stops and starts instances through stopping/stopped and pending/running', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.instance': { stopping: { manual: { afterReads: 1 } } } });
    const id = nodes[0]!.InstanceId!;
    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(stop.StoppingInstances![0]).toMatchObject({ PreviousState: { Name: 'running', Code: 16 }, CurrentState: { Name: 'stopping', Code: 64 } });
    const state = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.State!.Name;
    expect(await state()).toBe('stopping');
    expect(await state()).toBe('stopped');
    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(start.StartingInstances![0]).toMatchObject({ PreviousState: { Name: 'stopped' }, CurrentState: { Name: 'pending' } });
    expect(await state()).toBe('running');
  });

  it('lists network interfaces the way Fargate-node lookups filter them', async () => {
    const ip = nodes[1]!.PrivateIpAddress!;
    const res = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.status', Values: ['attached'] }, { Name: 'vpc-id', Values: [vpcId] }, { Name: 'private-ip-address', Values: [ip] }] }));
    expect(res.NetworkInterfaces!.map((n) => [n.PrivateIpAddress, n.Attachment?.InstanceId, n.Status])).toEqual([[ip, nodes[1]!.InstanceId, 'in-use']]);
  });

  it('reports network topology only for the families EC2 reports it for', async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'p5.48xlarge', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: 'us-east-1a' } }));
    const gpu = run.Instances![0]!.InstanceId!;
    await ec2.send(new DescribeInstancesCommand({ InstanceIds: [gpu] }));
    const topo = await ec2.send(new DescribeInstanceTopologyCommand({ InstanceIds: [gpu, nodes[0]!.InstanceId!] }));
    expect(topo.Instances!.map((i) => i.InstanceId)).toEqual([gpu]);
    expect(topo.Instances![0]!.NetworkNodes).toHaveLength(3);
  });
});
