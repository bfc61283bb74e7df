/**
 * A network built through the API, as a cluster installer (or moto's own tests) builds it: a new
 * account's default VPC, then a VPC with public and private subnets, an internet gateway, route
 * tables, a NAT gateway with its Elastic IP, security groups, and a teardown EC2's dependency
 * errors put in order.
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  StopInstancesCommand,
  DescribeInstancesCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateAddressCommand,
  DisassociateRouteTableCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
/** A fresh account: nothing seeded, so its world is the default VPC and what the calls build. */
let ec2: EC2Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s, { accessKeyId: '123456789012' });
});

const tag = (resource: 'vpc' | 'subnet' | 'internet-gateway' | 'route-table' | 'natgateway' | 'elastic-ip' | 'security-group', name: string) => ({
  TagSpecifications: [{ ResourceType: resource, Tags: [{ Key: 'Name', Value: name }, { Key: 'kubernetes.io/cluster/demo', Value: 'owned' }] }],
});

async function newVpc(cidr = '10.0.0.0/16'): Promise<string> {
  return (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr, ...tag('vpc', 'demo') }))).Vpc!.VpcId!;
}

describe('a new account', () => {
  it('has its default VPC, subnets, gateway, main route table and default group before the first call', async () => {
    // The first call of all: a group without VpcId lands in the default VPC (no VPCIdNotSpecified).
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }));
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs!;
    expect(vpcs).toHaveLength(1);
    const vpc = vpcs[0]!;
    expect(vpc).toMatchObject({ CidrBlock: '172.31.0.0/16', IsDefault: true, State: 'available', OwnerId: '123456789012' });
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!;
    expect(group.VpcId).toBe(vpc.VpcId);

    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }))).Subnets!;
    expect(subnets.map((s) => [s.AvailabilityZone, s.CidrBlock, s.DefaultForAz, s.MapPublicIpOnLaunch, s.AvailableIpAddressCount])).toEqual([
      ['us-east-1a', '172.31.0.0/20', true, true, 4091],
      ['us-east-1b', '172.31.16.0/20', true, true, 4091],
      ['us-east-1c', '172.31.32.0/20', true, true, 4091],
    ]);
    const igws = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpc.VpcId!] }] }))).InternetGateways!;
    expect(igws).toHaveLength(1);
    expect(igws[0]!.Attachments).toEqual([{ State: 'available', VpcId: vpc.VpcId }]);
    const main = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'association.main', Values: ['true'] }] }))).RouteTables!;
    expect(main[0]!.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId, r.State])).toEqual([
      ['172.31.0.0/16', 'local', 'active'],
      ['0.0.0.0/0', igws[0]!.InternetGatewayId, 'active'],
    ]);
    const dflt = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'group-name', Values: ['default'] }] }))).SecurityGroups![0]!;
    expect(dflt.IpPermissions).toEqual([expect.objectContaining({ IpProtocol: '-1', UserIdGroupPairs: [expect.objectContaining({ GroupId: dflt.GroupId })] })]);
    expect(dflt.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]);
    expect((await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId, Attribute: 'enableDnsHostnames' }))).EnableDnsHostnames).toEqual({ Value: true });
  });

  it('keeps a deleted default VPC deleted; then a group needs a VpcId', async () => {
    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!;
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    const igw = (await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways![0]!.InternetGatewayId!;
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc.VpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    for (const s of (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    await expect(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web' }))).rejects.toMatchObject({ name: 'VPCIdNotSpecified' });
  });
});

describe('an installer building a VPC', () => {
  it('validates CIDR blocks: VPC range, subnet range and overlap', async () => {
    await expect(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' }))).rejects.toMatchObject({ name: 'InvalidVpc.Range' });
    await expect(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/29' }))).rejects.toMatchObject({ name: 'InvalidVpc.Range' });
    await expect(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.300.0/16' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const vpcId = await newVpc();
    await expect(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.1.0.0/24' }))).rejects.toMatchObject({ name: 'InvalidSubnet.Range' });
    await expect(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.0.0/29' }))).rejects.toMatchObject({ name: 'InvalidSubnet.Range' });
    await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.0.0/20', AvailabilityZone: 'us-east-1a' }));
    await expect(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.8.0/24' }))).rejects.toMatchObject({ name: 'InvalidSubnet.Conflict' });
    await expect(ec2.send(new CreateSubnetCommand({ VpcId: 'vpc-0123456789abcdef0', CidrBlock: '10.0.8.0/24' }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
  });

  it('builds public and private subnets, routes, a NAT gateway and groups, then tears them down in the order EC2 demands', async () => {
    const vpcId = await newVpc();
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    expect((await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }))).EnableDnsHostnames).toEqual({ Value: true });
    expect((await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' }))).EnableDnsSupport).toEqual({ Value: true });

    const pub = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.0.0/24', AvailabilityZone: 'us-east-1a', ...tag('subnet', 'demo-public-a') }))).Subnet!;
    const priv = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.16.0/20', AvailabilityZoneId: 'use1-az2', ...tag('subnet', 'demo-private-b') }))).Subnet!;
    expect(pub).toMatchObject({ AvailableIpAddressCount: 251, MapPublicIpOnLaunch: false, DefaultForAz: false, VpcId: vpcId });
    expect(priv).toMatchObject({ AvailabilityZone: 'us-east-1b', AvailableIpAddressCount: 4091 });
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: pub.SubnetId, MapPublicIpOnLaunch: { Value: true } }));
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [pub.SubnetId!] }))).Subnets![0]!.MapPublicIpOnLaunch).toBe(true);

    const igw = (await ec2.send(new CreateInternetGatewayCommand(tag('internet-gateway', 'demo')))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await expect(ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });
    const other = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await expect(ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: other, VpcId: vpcId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });
    await expect(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: other, VpcId: vpcId }))).rejects.toMatchObject({ name: 'Gateway.NotAttached' });
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: other }));

    const publicRt = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, ...tag('route-table', 'demo-public') }))).RouteTable!;
    expect(publicRt.Routes).toEqual([expect.objectContaining({ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' })]);
    await ec2.send(new CreateRouteCommand({ RouteTableId: publicRt.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    const pubAssoc = (await ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicRt.RouteTableId, SubnetId: pub.SubnetId }))).AssociationId!;
    await expect(ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicRt.RouteTableId, SubnetId: pub.SubnetId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });

    // The NAT gateway takes an Elastic IP and an address of the public subnet.
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', ...tag('elastic-ip', 'demo-nat') }));
    expect(eip.AllocationId).toMatch(/^eipalloc-/);
    const created = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: pub.SubnetId, AllocationId: eip.AllocationId, ...tag('natgateway', 'demo') }))).NatGateway!;
    expect(created).toMatchObject({ State: 'pending', VpcId: vpcId, ConnectivityType: 'public' });
    const nat = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [created.NatGatewayId!] }))).NatGateways![0]!;
    expect(nat).toMatchObject({ State: 'available', NatGatewayAddresses: [expect.objectContaining({ AllocationId: eip.AllocationId, PublicIp: eip.PublicIp, Status: 'succeeded' })] });
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [pub.SubnetId!] }))).Subnets![0]!.AvailableIpAddressCount).toBe(250);
    const addr = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses![0]!;
    expect(addr).toMatchObject({ PublicIp: eip.PublicIp, NetworkInterfaceId: nat.NatGatewayAddresses![0]!.NetworkInterfaceId, AssociationId: expect.stringMatching(/^eipassoc-/) });
    await expect(ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId }))).rejects.toMatchObject({ name: 'InvalidIPAddress.InUse' });

    const privateRt = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: privateRt, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat.NatGatewayId }));
    const privAssoc = (await ec2.send(new AssociateRouteTableCommand({ RouteTableId: privateRt, SubnetId: priv.SubnetId }))).AssociationId!;
    await expect(ec2.send(new ReplaceRouteCommand({ RouteTableId: privateRt, DestinationCidrBlock: '192.168.0.0/16', GatewayId: igw }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const byNat = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.nat-gateway-id', Values: [nat.NatGatewayId!] }] }))).RouteTables!;
    expect(byNat.map((t) => t.RouteTableId)).toEqual([privateRt]);
    expect(byNat[0]!.Associations).toEqual([expect.objectContaining({ Main: false, SubnetId: priv.SubnetId, RouteTableAssociationId: privAssoc })]);

    // Groups: the nodes admit the load balancer's group; egress narrowed to HTTPS.
    const lb = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'demo-lb', Description: 'lb', VpcId: vpcId }))).GroupId!;
    const nodes = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'demo-nodes', Description: 'nodes', VpcId: vpcId }))).GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nodes, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 30000, ToPort: 32767, UserIdGroupPairs: [{ GroupId: lb }] }] }));
    const allEgress = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [lb] }] }))).SecurityGroupRules!;
    expect(allEgress).toEqual([expect.objectContaining({ IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' })]);
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: lb, SecurityGroupRuleIds: [allEgress[0]!.SecurityGroupRuleId!] }));
    const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    const added = await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: lb, IpPermissions: [https] }));
    expect(added.SecurityGroupRules![0]).toMatchObject({ IsEgress: true, FromPort: 443, SecurityGroupRuleId: expect.stringMatching(/^sgr-/) });
    await expect(ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: lb, IpPermissions: [https] }))).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
    await expect(ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: lb, IpPermissions: [{ ...https, FromPort: 80, ToPort: 80 }] }))).rejects.toMatchObject({ name: 'InvalidPermission.NotFound' });
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [lb] }))).SecurityGroups![0]!.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);

    // Teardown: every step out of order is the dependency error EC2 gives.
    const dependency = { name: 'DependencyViolation' };
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))).rejects.toMatchObject(dependency);
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: lb }))).rejects.toMatchObject(dependency);
    await expect(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }))).rejects.toMatchObject(dependency);
    await expect(ec2.send(new DeleteSubnetCommand({ SubnetId: pub.SubnetId }))).rejects.toMatchObject(dependency);
    await expect(ec2.send(new DeleteRouteTableCommand({ RouteTableId: publicRt.RouteTableId }))).rejects.toMatchObject(dependency);

    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: nodes }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: lb }));
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: nat.NatGatewayId }));
    expect((await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat.NatGatewayId!] }))).NatGateways![0]!.State).toBe('deleted');
    const blackhole = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [privateRt] }))).RouteTables![0]!.Routes!.find((r) => r.NatGatewayId);
    expect(blackhole?.State).toBe('blackhole');
    await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: pubAssoc }));
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: privAssoc }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: publicRt.RouteTableId }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: privateRt }));
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: pub.SubnetId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: priv.SubnetId }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
    // Its default group and main route table went with it.
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).SecurityGroups).toEqual([]);
    expect((await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables).toEqual([]);
  });

  it('moves the main route table association to a new table', async () => {
    const vpcId = await newVpc();
    const main = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables![0]!;
    const mainAssoc = main.Associations![0]!.RouteTableAssociationId!;
    await expect(ec2.send(new DisassociateRouteTableCommand({ AssociationId: mainAssoc }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    const next = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const { NewAssociationId } = await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: mainAssoc, RouteTableId: next }));
    const mains = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }] }))).RouteTables!;
    expect(mains.map((t) => [t.RouteTableId, t.Associations![0]!.RouteTableAssociationId])).toEqual([[next, NewAssociationId]]);
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId }));
    await expect(ec2.send(new DisassociateRouteTableCommand({ AssociationId: mainAssoc }))).rejects.toMatchObject({ name: 'InvalidAssociationID.NotFound' });
  });
});

describe('NAT gateways and Elastic IPs', () => {
  it('holds a NAT gateway in pending while the lifecycle says so, and fails one whose VPC has no internet gateway', async () => {
    await admin(server).put('/lifecycle', { 'aws.ec2.nat-gateway': { pending: { delay: { ms: 60_000 } } } });
    const vpcId = await newVpc();
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    const eip = (await ec2.send(new AllocateAddressCommand({}))).AllocationId!;
    const natId = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnet, AllocationId: eip }))).NatGateway!.NatGatewayId!;
    const read = async () => (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] }))).NatGateways![0]!;
    expect((await read()).State).toBe('pending');
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect(await read()).toMatchObject({ State: 'failed', FailureCode: 'Gateway.NotAttached', FailureMessage: `Network ${vpcId} has no Internet gateway attached` });
    // The failed gateway let its address go.
    expect((await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip] }))).Addresses![0]!.AssociationId).toBeUndefined();
    await expect(ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: ['nat-0123456789abcdef0'] }))).rejects.toMatchObject({ name: 'NatGatewayNotFound' });
    await expect(ec2.send(new CreateNatGatewayCommand({ SubnetId: subnet, AllocationId: 'eipalloc-0123456789abcdef0' }))).rejects.toMatchObject({ name: 'InvalidAllocationID.NotFound' });
  });

  it('associates an Elastic IP with an instance; the gateway cannot leave while it is mapped', async () => {
    const vpcId = await newVpc();
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const instanceId = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0fa0c10d000000001', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: subnet }))).Instances![0]!.InstanceId!;
    const { AllocationId, PublicIp } = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await expect(ec2.send(new AssociateAddressCommand({ AllocationId, InstanceId: instanceId }))).rejects.toMatchObject({ name: 'Gateway.NotAttached' });
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const { AssociationId } = await ec2.send(new AssociateAddressCommand({ AllocationId, InstanceId: instanceId }));
    await expect(ec2.send(new AssociateAddressCommand({ AllocationId, InstanceId: instanceId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });
    const byInstance = (await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] }))).Addresses!;
    expect(byInstance).toEqual([expect.objectContaining({ AllocationId, PublicIp, AssociationId, Domain: 'vpc' })]);
    // The instance shows the Elastic IP as its public address, and keeps it while stopped.
    const publicIpOf = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.PublicIpAddress;
    expect(await publicIpOf()).toBe(PublicIp);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect(await publicIpOf()).toBe(PublicIp);

    await expect(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await expect(ec2.send(new DeleteSubnetCommand({ SubnetId: subnet }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DisassociateAddressCommand({ AssociationId }));
    await expect(ec2.send(new DisassociateAddressCommand({ AssociationId }))).rejects.toMatchObject({ name: 'InvalidAssociationID.NotFound' });
    expect(await publicIpOf()).toBeUndefined();
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet }));
    await ec2.send(new ReleaseAddressCommand({ AllocationId }));
    await expect(ec2.send(new DescribeAddressesCommand({ AllocationIds: [AllocationId!] }))).rejects.toMatchObject({ name: 'InvalidAllocationID.NotFound' });
  });
});
