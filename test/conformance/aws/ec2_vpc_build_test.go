package aws_test

// A network built and torn down through the API with aws-sdk-go-v2, as a
// provider's e2e suite (or a cluster installer) does it in a fresh account:
// the default VPC is there first; then a VPC, public and private subnets, an
// internet gateway, route tables, an Elastic IP and a NAT gateway (waited for
// with the SDK's own waiters), security groups; then a teardown in which
// every step taken too early is EC2's DependencyViolation.

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// freshAccountEC2 signs as a 12-digit key, which fauxcloud takes as an account
// no scenario seeded.
func freshAccountEC2(t *testing.T) *ec2.Client {
	t.Helper()
	base := newEC2(t)
	return ec2.New(base.Options(), func(o *ec2.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("210987654321", "x", "")
	})
}

func nameTags(resource types.ResourceType, name string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: resource, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
}

func TestEC2VpcBuildAndTeardown(t *testing.T) {
	resetStore(t)
	t.Cleanup(func() { setLifecycle(t, map[string]any{}) })
	// The NAT gateway takes a little while each way, so the waiters really wait.
	setLifecycle(t, map[string]any{"aws.ec2.nat-gateway": map[string]any{
		"pending":  map[string]any{"delay": map[string]any{"ms": 1500}},
		"deleting": map[string]any{"delay": map[string]any{"ms": 1500}},
	}})
	c := freshAccountEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// A fresh account: the first call, a group without a VPC, lands in the default VPC.
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("bastion"), Description: aws.String("bastion")})
	must(err, "CreateSecurityGroup without VpcId")
	defaults, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	must(err, "DescribeVpcs")
	if len(defaults.Vpcs) != 1 || aws.ToString(defaults.Vpcs[0].CidrBlock) != "172.31.0.0/16" {
		t.Fatalf("default VPCs = %+v, want one 172.31.0.0/16", defaults.Vpcs)
	}
	defaultSubnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	must(err, "DescribeSubnets")
	if len(defaultSubnets.Subnets) != 3 || !aws.ToBool(defaultSubnets.Subnets[0].MapPublicIpOnLaunch) {
		t.Fatalf("default subnets = %d (first MapPublicIpOnLaunch %v), want 3 public ones", len(defaultSubnets.Subnets), defaultSubnets.Subnets[0].MapPublicIpOnLaunch)
	}
	must2 := func(_ any, err error) error { return err }
	must(must2(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})), "DeleteSecurityGroup bastion")

	// The VPC.
	_, err = c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/12")})
	wantAPIError(t, err, "InvalidVpc.Range")
	vpcOut, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16"), TagSpecifications: nameTags(types.ResourceTypeVpc, "e2e")})
	must(err, "CreateVpc")
	vpcID := vpcOut.Vpc.VpcId
	must(must2(c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpcID, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})), "ModifyVpcAttribute")
	attr, err := c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: vpcID, Attribute: types.VpcAttributeNameEnableDnsHostnames})
	must(err, "DescribeVpcAttribute")
	if !aws.ToBool(attr.EnableDnsHostnames.Value) {
		t.Fatalf("enableDnsHostnames = false after ModifyVpcAttribute")
	}

	// Subnets.
	pub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.20.0.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	must(err, "CreateSubnet public")
	if aws.ToInt32(pub.Subnet.AvailableIpAddressCount) != 251 {
		t.Fatalf("AvailableIpAddressCount = %d, want 251", aws.ToInt32(pub.Subnet.AvailableIpAddressCount))
	}
	priv, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.20.1.0/24"), AvailabilityZone: aws.String("us-east-1b")})
	must(err, "CreateSubnet private")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.20.1.128/25")})
	wantAPIError(t, err, "InvalidSubnet.Conflict")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.21.0.0/24")})
	wantAPIError(t, err, "InvalidSubnet.Range")
	must(must2(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: pub.Subnet.SubnetId, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}})), "ModifySubnetAttribute")

	// Internet gateway and the public route table.
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err, "CreateInternetGateway")
	igwID := igw.InternetGateway.InternetGatewayId
	_, err = c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID})
	wantAPIError(t, err, "Gateway.NotAttached")
	must(must2(c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID})), "AttachInternetGateway")
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID})
	wantAPIError(t, err, "Resource.AlreadyAssociated")
	pubRT, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpcID})
	must(err, "CreateRouteTable public")
	must(must2(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: pubRT.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igwID})), "CreateRoute to IGW")
	pubAssoc, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: pubRT.RouteTable.RouteTableId, SubnetId: pub.Subnet.SubnetId})
	must(err, "AssociateRouteTable public")

	// Elastic IP and NAT gateway, waited for with the SDK's waiter.
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	must(err, "AllocateAddress")
	nat, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: pub.Subnet.SubnetId, AllocationId: eip.AllocationId, TagSpecifications: nameTags(types.ResourceTypeNatgateway, "e2e")})
	must(err, "CreateNatGateway")
	if nat.NatGateway.State != types.NatGatewayStatePending {
		t.Fatalf("new NAT gateway state = %q, want pending", nat.NatGateway.State)
	}
	natID := nat.NatGateway.NatGatewayId
	fast := func(o *ec2.NatGatewayAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	}
	must(ec2.NewNatGatewayAvailableWaiter(c, fast).Wait(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*natID}}, 30*time.Second), "NAT gateway available")
	privRT, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpcID})
	must(err, "CreateRouteTable private")
	must(must2(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: privRT.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: natID})), "CreateRoute to NAT")
	privAssoc, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: privRT.RouteTable.RouteTableId, SubnetId: priv.Subnet.SubnetId})
	must(err, "AssociateRouteTable private")

	// Security groups: nodes admit the load balancer's group.
	lb, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("e2e-lb"), Description: aws.String("lb"), VpcId: vpcID})
	must(err, "CreateSecurityGroup lb")
	nodes, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("e2e-nodes"), Description: aws.String("nodes"), VpcId: vpcID})
	must(err, "CreateSecurityGroup nodes")
	fromLB := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(30000), ToPort: aws.Int32(32767), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: lb.GroupId}}}}
	must(must2(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: nodes.GroupId, IpPermissions: fromLB})), "AuthorizeSecurityGroupIngress")
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: nodes.GroupId, IpPermissions: fromLB})
	wantAPIError(t, err, "InvalidPermission.Duplicate")
	https := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	egress, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: lb.GroupId, IpPermissions: https})
	must(err, "AuthorizeSecurityGroupEgress")
	if len(egress.SecurityGroupRules) != 1 || !aws.ToBool(egress.SecurityGroupRules[0].IsEgress) {
		t.Fatalf("egress rules = %+v, want one egress rule", egress.SecurityGroupRules)
	}

	// Teardown, each premature step refused as EC2 refuses it.
	premature := map[string]func() error{
		"DeleteVpc":             func() error { return must2(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID})) },
		"DeleteSubnet with NAT": func() error { return must2(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: pub.Subnet.SubnetId})) },
		"DeleteInternetGateway": func() error {
			return must2(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: igwID}))
		},
		"DeleteSecurityGroup referenced": func() error {
			return must2(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: lb.GroupId}))
		},
		"DeleteRouteTable associated": func() error {
			return must2(c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: privRT.RouteTable.RouteTableId}))
		},
	}
	for what, call := range premature {
		t.Run(what, func(t *testing.T) { wantAPIError(t, call(), "DependencyViolation") })
	}
	_, err = c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId})
	wantAPIError(t, err, "InvalidIPAddress.InUse")

	must(must2(c.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: natID})), "DeleteNatGateway")
	fastGone := func(o *ec2.NatGatewayDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	}
	must(ec2.NewNatGatewayDeletedWaiter(c, fastGone).Wait(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*natID}}, 30*time.Second), "NAT gateway deleted")
	must(must2(c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId})), "ReleaseAddress")
	must(must2(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: nodes.GroupId})), "DeleteSecurityGroup nodes")
	must(must2(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: lb.GroupId})), "DeleteSecurityGroup lb")
	must(must2(c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: pubAssoc.AssociationId})), "DisassociateRouteTable public")
	must(must2(c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: privAssoc.AssociationId})), "DisassociateRouteTable private")
	for _, rt := range []*string{pubRT.RouteTable.RouteTableId, privRT.RouteTable.RouteTableId} {
		must(must2(c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rt})), "DeleteRouteTable")
	}
	must(must2(c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID})), "DetachInternetGateway")
	must(must2(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: igwID})), "DeleteInternetGateway")
	for _, s := range []*string{pub.Subnet.SubnetId, priv.Subnet.SubnetId} {
		must(must2(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s})), "DeleteSubnet")
	}
	must(must2(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID})), "DeleteVpc")
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpcID}})
	wantAPIError(t, err, "InvalidVpcID.NotFound")
}
