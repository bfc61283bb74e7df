package awsccm_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"fauxcloud.test/conformance/ccmharness"
)

const annotationLBType = "service.beta.kubernetes.io/aws-load-balancer-type"

// startServiceController creates initialised, Ready Nodes for the three
// instances and runs the real service controller.
func (c *ccm) startServiceController() {
	c.T.Helper()
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		c.CreateNode(nodeFor(inst, initialized(inst)))
	}
	c.RunServiceController(clusterID)
}

// rulesFromAnywhere lists sg's ingress rules open to 0.0.0.0/0.
func rulesFromAnywhere(sg ec2types.SecurityGroup) string {
	var out []string
	for _, p := range sg.IpPermissions {
		for _, r := range p.IpRanges {
			if aws.ToString(r.CidrIp) == "0.0.0.0/0" {
				out = append(out, fmt.Sprintf("%s:%d-%d", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort)))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (c *ccm) instanceIDs() []string {
	ids := []string{c.instances["node-a"].ID, c.instances["node-b"].ID, c.instances["node-c"].ID}
	sort.Strings(ids)
	return ids
}

func (c *ccm) securityGroupsNamed(name string) []ec2types.SecurityGroup {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{name}}},
	})
	if err != nil {
		c.T.Fatalf("DescribeSecurityGroups(group-name=%s): %v", name, err)
	}
	return out.SecurityGroups
}

// nodeSecurityGroup returns the security group of the instances (all three
// share the VPC's default group) with its ingress rules.
func (c *ccm) nodeSecurityGroup() ec2types.SecurityGroup {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{c.instances["node-a"].ID}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		c.T.Fatalf("DescribeInstances(node-a): %v", err)
	}
	groups := out.Reservations[0].Instances[0].SecurityGroups
	if len(groups) != 1 {
		c.T.Fatalf("node-a has security groups %+v, want one", groups)
	}
	sgs, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(groups[0].GroupId)}})
	if err != nil || len(sgs.SecurityGroups) != 1 {
		c.T.Fatalf("DescribeSecurityGroups(%s): %v", aws.ToString(groups[0].GroupId), err)
	}
	return sgs.SecurityGroups[0]
}

// allowsFromGroup reports whether sg has an ingress rule from group id.
func allowsFromGroup(sg ec2types.SecurityGroup, from string) bool {
	for _, p := range sg.IpPermissions {
		for _, pair := range p.UserIdGroupPairs {
			if aws.ToString(pair.GroupId) == from {
				return true
			}
		}
	}
	return false
}

// rulesDescribed lists sg's ingress rules whose IP range description
// mentions s, as "proto:from-to cidr".
func rulesDescribed(sg ec2types.SecurityGroup, s string) []string {
	var out []string
	for _, p := range sg.IpPermissions {
		for _, r := range p.IpRanges {
			if strings.Contains(aws.ToString(r.Description), s) {
				out = append(out, fmt.Sprintf("%s:%d-%d %s", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort), aws.ToString(r.CidrIp)))
			}
		}
	}
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------------------
// Classic ELB

func (c *ccm) describeELB(name string) (*elb.DescribeLoadBalancersOutput, error) {
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	return c.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerNames: []string{name}})
}

func elbListeners(out *elb.DescribeLoadBalancersOutput) string {
	var ls []string
	for _, d := range out.LoadBalancerDescriptions[0].ListenerDescriptions {
		l := d.Listener
		ls = append(ls, fmt.Sprintf("%s:%d->%s:%d", aws.ToString(l.Protocol), l.LoadBalancerPort, aws.ToString(l.InstanceProtocol), aws.ToInt32(l.InstancePort)))
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

// TestServiceControllerClassicELB: a LoadBalancer Service gets a classic ELB
// in fauxcloud with the Service's listeners and the three instances, and its
// DNS name published; port changes reach the listeners; deletion removes the
// ELB and its security group.
func TestServiceControllerClassicELB(t *testing.T) {
	c := newCCM(t)
	c.startServiceController()
	const uid = "6a1c2e84-3b7f-4d2a-9c1e-0f3e5d7a9b11"
	name := ccmharness.LBName(uid)
	svc := ccmharness.LBService(uid, nil, ccmharness.TCPPort("http", 80, 30080))
	c.CreateService(svc)

	host := c.WaitIngress(svc).Hostname
	if re := regexp.MustCompile(`^` + name + `-[0-9]+\.us-east-1\.elb\.amazonaws\.com$`); !re.MatchString(host) {
		t.Errorf("ingress hostname %q does not have the classic ELB form %s", host, re)
	}
	out, err := c.describeELB(name)
	if err != nil {
		t.Fatalf("DescribeLoadBalancers(%s): %v", name, err)
	}
	if len(out.LoadBalancerDescriptions) != 1 {
		t.Fatalf("DescribeLoadBalancers(%s): %d descriptions", name, len(out.LoadBalancerDescriptions))
	}
	lb := out.LoadBalancerDescriptions[0]
	if got := aws.ToString(lb.DNSName); got != host {
		t.Errorf("ELB DNSName %q != published hostname %q", got, host)
	}
	if got, want := elbListeners(out), "TCP:80->TCP:30080"; got != want {
		t.Errorf("listeners = %s, want %s", got, want)
	}
	if got := aws.ToString(lb.Scheme); got != "internet-facing" {
		t.Errorf("scheme = %q, want internet-facing", got)
	}
	if len(lb.Subnets) != 3 || len(lb.AvailabilityZones) != 3 {
		t.Errorf("subnets %v, zones %v: want one subnet in each of the 3 zones", lb.Subnets, lb.AvailabilityZones)
	}
	c.Eventually("the three instances registered with the ELB", func() (bool, string) {
		out, err := c.describeELB(name)
		if err != nil {
			return false, err.Error()
		}
		var ids []string
		for _, i := range out.LoadBalancerDescriptions[0].Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
		sort.Strings(ids)
		return strings.Join(ids, ",") == strings.Join(c.instanceIDs(), ","), fmt.Sprint(ids)
	})
	if hc := lb.HealthCheck; hc == nil || aws.ToString(hc.Target) != "TCP:30080" {
		t.Errorf("health check = %+v, want target TCP:30080", hc)
	}
	sgName := "k8s-elb-" + name
	sgs := c.securityGroupsNamed(sgName)
	if len(sgs) != 1 {
		t.Fatalf("security groups named %s: %d, want 1", sgName, len(sgs))
	}
	elbSG := aws.ToString(sgs[0].GroupId)
	if !slices.Contains(lb.SecurityGroups, elbSG) {
		t.Errorf("ELB security groups %v do not include %s (%s)", lb.SecurityGroups, elbSG, sgName)
	}
	// The ELB's group lets clients in on the Service port; the nodes' group
	// lets the ELB's group in.
	// (icmp 3/4: "fragmentation needed", which the provider always allows
	// for path MTU discovery.)
	if got := rulesFromAnywhere(sgs[0]); got != "icmp:3-4,tcp:80-80" {
		t.Errorf("ELB security group ingress from 0.0.0.0/0 = %q, want icmp:3-4,tcp:80-80", got)
	}
	if !allowsFromGroup(c.nodeSecurityGroup(), elbSG) {
		t.Errorf("node security group has no ingress from the ELB's group %s: %+v", elbSG, c.nodeSecurityGroup().IpPermissions)
	}

	// Ports change: 80 becomes 8080, 443 is added.
	c.UpdateServicePorts(svc, ccmharness.TCPPort("http", 8080, 30080), ccmharness.TCPPort("https", 443, 30443))
	c.Eventually("the ELB listeners to follow the Service ports", func() (bool, string) {
		out, err := c.describeELB(name)
		if err != nil {
			return false, err.Error()
		}
		got := elbListeners(out)
		return got == "TCP:443->TCP:30443,TCP:8080->TCP:30080", got
	})
	c.Eventually("the ELB security group to follow the Service ports", func() (bool, string) {
		sgs := c.securityGroupsNamed(sgName)
		if len(sgs) != 1 {
			return false, fmt.Sprintf("%d groups named %s", len(sgs), sgName)
		}
		got := rulesFromAnywhere(sgs[0])
		return got == "icmp:3-4,tcp:443-443,tcp:8080-8080", got
	})
	ops := c.Operations("elasticloadbalancing")
	if ops["CreateLoadBalancerListeners"] == 0 || ops["DeleteLoadBalancerListeners"] == 0 {
		t.Errorf("listener changes not journaled as Create/DeleteLoadBalancerListeners; ELB operations: %v", ops)
	}

	c.DeleteService(svc)
	c.Eventually("the ELB to be deleted", func() (bool, string) {
		_, err := c.describeELB(name)
		if err == nil {
			return false, "still described"
		}
		return apiErrorCode(err) == "LoadBalancerNotFound", err.Error()
	})
	c.WaitFinalizersRemoved(svc, ccmharness.LBCleanupFinalizer)
	c.Eventually("the ELB's security group to be deleted", func() (bool, string) {
		sgs := c.securityGroupsNamed(sgName)
		return len(sgs) == 0, fmt.Sprintf("%d groups named %s", len(sgs), sgName)
	})
	if sg := c.nodeSecurityGroup(); allowsFromGroup(sg, elbSG) {
		t.Errorf("node security group still lets the deleted ELB's group %s in: %+v", elbSG, sg.IpPermissions)
	}
	t.Logf("ELB operations: %v", c.Operations("elasticloadbalancing"))
}

// ---------------------------------------------------------------------------
// NLB (ELBv2)

func (c *ccm) describeNLB(name string) (*elbv2types.LoadBalancer, error) {
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	out, err := c.elbv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{name}})
	if err != nil {
		return nil, err
	}
	if len(out.LoadBalancers) != 1 {
		return nil, fmt.Errorf("DescribeLoadBalancers(%s): %d load balancers", name, len(out.LoadBalancers))
	}
	return &out.LoadBalancers[0], nil
}

// nlbListeners describes the listeners and their target groups:
// "TCP:80->TCP:30080(instance)".
func (c *ccm) nlbListeners(arn string) (string, error) {
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	ls, err := c.elbv2.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("DescribeListeners: %w", err)
	}
	var out []string
	for _, l := range ls.Listeners {
		if len(l.DefaultActions) != 1 || l.DefaultActions[0].Type != elbv2types.ActionTypeEnumForward {
			return "", fmt.Errorf("listener %s: default actions %+v, want one forward", aws.ToString(l.ListenerArn), l.DefaultActions)
		}
		tgArn := aws.ToString(l.DefaultActions[0].TargetGroupArn)
		tgs, err := c.elbv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}})
		if err != nil {
			return "", fmt.Errorf("DescribeTargetGroups(%s): %w", tgArn, err)
		}
		if len(tgs.TargetGroups) != 1 {
			return "", fmt.Errorf("DescribeTargetGroups(%s): %d groups", tgArn, len(tgs.TargetGroups))
		}
		tg := tgs.TargetGroups[0]
		out = append(out, fmt.Sprintf("%s:%d->%s:%d(%s)", l.Protocol, aws.ToInt32(l.Port), tg.Protocol, aws.ToInt32(tg.Port), tg.TargetType))
	}
	sort.Strings(out)
	return strings.Join(out, ","), nil
}

// TestServiceControllerNLB: the same Service with
// service.beta.kubernetes.io/aws-load-balancer-type: nlb gets a network load
// balancer through ELBv2, with a listener and an instance target group per
// port, the three instances as targets; port changes reach the listeners;
// deletion removes the load balancer and its target groups.
func TestServiceControllerNLB(t *testing.T) {
	c := newCCM(t)
	c.startServiceController()
	const uid = "0b9f7e3d-5c1a-4e8b-a2d4-6f8e0c2b4d13"
	name := ccmharness.LBName(uid)
	svc := ccmharness.LBService(uid, map[string]string{annotationLBType: "nlb"}, ccmharness.TCPPort("http", 80, 30080))
	c.CreateService(svc)

	host := c.WaitIngress(svc).Hostname
	if re := regexp.MustCompile(`^` + name + `-[0-9a-f]+\.elb\.us-east-1\.amazonaws\.com$`); !re.MatchString(host) {
		t.Errorf("ingress hostname %q does not have the NLB form %s", host, re)
	}
	lb, err := c.describeNLB(name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if lb.Type != elbv2types.LoadBalancerTypeEnumNetwork {
		t.Errorf("load balancer type = %q, want network", lb.Type)
	}
	if lb.Scheme != elbv2types.LoadBalancerSchemeEnumInternetFacing {
		t.Errorf("scheme = %q, want internet-facing", lb.Scheme)
	}
	if got := aws.ToString(lb.DNSName); got != host {
		t.Errorf("NLB DNSName %q != published hostname %q", got, host)
	}
	if lb.State == nil || (lb.State.Code != elbv2types.LoadBalancerStateEnumActive && lb.State.Code != elbv2types.LoadBalancerStateEnumProvisioning) {
		t.Errorf("state = %+v, want active or provisioning", lb.State)
	}
	if len(lb.AvailabilityZones) != 3 {
		t.Errorf("availability zones %+v, want the 3 subnets", lb.AvailabilityZones)
	}
	arn := aws.ToString(lb.LoadBalancerArn)
	if got, err := c.nlbListeners(arn); err != nil || got != "TCP:80->TCP:30080(instance)" {
		t.Errorf("listeners = %q (%v), want TCP:80->TCP:30080(instance)", got, err)
	}
	c.Eventually("the three instances registered as targets", func() (bool, string) {
		ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
		defer cancel()
		tgs, err := c.elbv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(arn)})
		if err != nil || len(tgs.TargetGroups) != 1 {
			return false, fmt.Sprintf("DescribeTargetGroups: %v %+v", err, tgs)
		}
		th, err := c.elbv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tgs.TargetGroups[0].TargetGroupArn})
		if err != nil {
			return false, err.Error()
		}
		var ids []string
		for _, d := range th.TargetHealthDescriptions {
			if aws.ToInt32(d.Target.Port) != 30080 {
				return false, fmt.Sprintf("target %s port %d, want 30080", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port))
			}
			if d.TargetHealth == nil {
				return false, "TargetHealth is nil (the provider dereferences it)"
			}
			ids = append(ids, aws.ToString(d.Target.Id))
		}
		sort.Strings(ids)
		return strings.Join(ids, ",") == strings.Join(c.instanceIDs(), ","), fmt.Sprint(ids)
	})

	// The nodes' group lets clients reach the node port (the provider's
	// client rule; its health-check rule folds into it for 0.0.0.0/0).
	if got := rulesDescribed(c.nodeSecurityGroup(), "="+name); !slices.Contains(got, "tcp:30080-30080 0.0.0.0/0") {
		t.Errorf("node security group rules for %s = %v, want tcp:30080-30080 0.0.0.0/0 among them", name, got)
	}

	c.UpdateServicePorts(svc, ccmharness.TCPPort("http", 8080, 30080), ccmharness.TCPPort("https", 443, 30443))
	c.Eventually("the NLB listeners to follow the Service ports", func() (bool, string) {
		got, err := c.nlbListeners(arn)
		if err != nil {
			return false, err.Error()
		}
		return got == "TCP:443->TCP:30443(instance),TCP:8080->TCP:30080(instance)", got
	})

	c.DeleteService(svc)
	c.Eventually("the NLB to be deleted", func() (bool, string) {
		_, err := c.describeNLB(name)
		if err == nil {
			return false, "still described"
		}
		return apiErrorCode(err) == "LoadBalancerNotFound", err.Error()
	})
	c.WaitFinalizersRemoved(svc, ccmharness.LBCleanupFinalizer)
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	tgs, err := c.elbv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatalf("DescribeTargetGroups: %v", err)
	}
	for _, tg := range tgs.TargetGroups {
		t.Errorf("target group %s (%s) left behind after the Service was deleted", aws.ToString(tg.TargetGroupName), aws.ToString(tg.TargetGroupArn))
	}
	t.Logf("ELBv2 operations: %v", c.Operations("elasticloadbalancingv2"))
}

// TestServiceControllerNLBNodeRulesCleanup: with the nodes' security group
// tagged for the cluster (as kops and EKS tag it), deleting an NLB Service
// revokes the client rules the provider opened on it. (The provider only
// revokes from cluster-tagged groups; the tag is (re)applied here through EC2
// CreateTags on the group, as the provider's own tag repair does.)
func TestServiceControllerNLBNodeRulesCleanup(t *testing.T) {
	c := newCCM(t)
	nodeSG := aws.ToString(c.nodeSecurityGroup().GroupId)
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	if _, err := c.ec2.CreateTags(ctx, &ec2.CreateTagsInput{
		Resources: []string{nodeSG},
		Tags:      []ec2types.Tag{{Key: aws.String("kubernetes.io/cluster/" + clusterID), Value: aws.String("owned")}},
	}); err != nil {
		t.Fatalf("CreateTags(%s): %v", nodeSG, err)
	}
	c.startServiceController()
	const uid = "3e5a7c91-2d4f-4b6a-8e0c-1a3b5c7d9f15"
	name := ccmharness.LBName(uid)
	svc := ccmharness.LBService(uid, map[string]string{annotationLBType: "nlb"}, ccmharness.TCPPort("http", 80, 30080))
	c.CreateService(svc)
	c.WaitIngress(svc)
	if got := rulesDescribed(c.nodeSecurityGroup(), "="+name); !slices.Contains(got, "tcp:30080-30080 0.0.0.0/0") {
		t.Errorf("node security group rules for %s = %v, want tcp:30080-30080 0.0.0.0/0 among them", name, got)
	}
	c.DeleteService(svc)
	c.WaitFinalizersRemoved(svc, ccmharness.LBCleanupFinalizer)
	if got := rulesDescribed(c.nodeSecurityGroup(), "="+name); len(got) != 0 {
		t.Errorf("node security group keeps rules for the deleted NLB: %v", got)
	}
}
