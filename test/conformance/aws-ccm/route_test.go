package awsccm_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	routecontroller "k8s.io/cloud-provider/controllers/route"

	"fauxcloud.test/conformance/ccmharness"
)

// clusterRouteTable returns the route table tagged for the cluster (the one
// the provider must pick) with its routes to pod CIDRs.
func (c *ccm) clusterRouteTable() (ec2types.RouteTable, map[string]ec2types.Route) {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	out, err := c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: aws.String("tag:kubernetes.io/cluster/" + clusterID), Values: []string{"owned"}}},
	})
	if err != nil {
		c.T.Fatalf("DescribeRouteTables: %v", err)
	}
	if len(out.RouteTables) != 1 {
		c.T.Fatalf("DescribeRouteTables tagged for the cluster: %d tables, want 1", len(out.RouteTables))
	}
	rt := out.RouteTables[0]
	routes := map[string]ec2types.Route{}
	for _, r := range rt.Routes {
		if cidr := aws.ToString(r.DestinationCidrBlock); strings.HasPrefix(cidr, "10.244.") {
			routes[cidr] = r
		}
	}
	return rt, routes
}

func describeRoutes(routes map[string]ec2types.Route) string {
	var parts []string
	for cidr, r := range routes {
		parts = append(parts, fmt.Sprintf("%s→%s(%s)", cidr, aws.ToString(r.InstanceId), r.State))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// TestRouteController: Nodes with pod CIDRs get routes in the cluster's route
// table to their instances (source/dest check off), the controller marks the
// Nodes' network available, and a deleted Node's route is removed.
func TestRouteController(t *testing.T) {
	c := newCCM(t)
	podCIDRs := ccmharness.PodCIDRs
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		c.CreateNode(nodeFor(inst, initialized(inst), ccmharness.PodCIDR(podCIDRs[name])))
	}
	routes := c.Routes()
	ctrl, err := routecontroller.New(routes, c.Client, c.Factory.Core().V1().Nodes(), clusterID, ccmharness.ClusterCIDRs())
	if err != nil {
		t.Fatalf("route controller: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, time.Second, c.Metrics)

	c.Eventually("routes for the three pod CIDRs", func() (bool, string) {
		_, got := c.clusterRouteTable()
		return len(got) == 3, describeRoutes(got)
	})
	rt, got := c.clusterRouteTable()
	for name, cidr := range podCIDRs {
		r := got[cidr]
		if id := aws.ToString(r.InstanceId); id != c.instances[name].ID {
			t.Errorf("route %s targets instance %q, want %s (%s)", cidr, id, c.instances[name].ID, name)
		}
		if r.State != ec2types.RouteStateActive {
			t.Errorf("route %s state = %q, want active", cidr, r.State)
		}
	}
	// The local route and the internet gateway route are untouched.
	var local, igw bool
	for _, r := range rt.Routes {
		if aws.ToString(r.DestinationCidrBlock) == "10.0.0.0/16" && aws.ToString(r.GatewayId) == "local" {
			local = true
		}
		if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && strings.HasPrefix(aws.ToString(r.GatewayId), "igw-") {
			igw = true
		}
	}
	if !local || !igw {
		t.Errorf("route table %s lost its local (%v) or internet gateway (%v) route: %+v", aws.ToString(rt.RouteTableId), local, igw, rt.Routes)
	}

	// CreateRoute turned source/dest check off on each target instance.
	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{c.instances[name].ID}})
		if err != nil {
			t.Fatalf("DescribeInstances: %v", err)
		}
		i := out.Reservations[0].Instances[0]
		if i.SourceDestCheck == nil || *i.SourceDestCheck {
			t.Errorf("%s: sourceDestCheck = %v after CreateRoute, want false", name, i.SourceDestCheck)
		}
	}

	// The controller reports the routes on the Nodes.
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		c.WaitRouteCreated(c.instances[name].PrivateDNS)
	}

	// A machine goes away: its instance is terminated and its Node deleted
	// (as the node lifecycle controller does); its route goes too, the others
	// stay. (Deleting only the Node while the instance still runs is not
	// enough with this provider: ListRoutes then fails with "node with
	// instanceID ... not found" for the route that still targets the running
	// instance, and no route is reconciled at all.)
	if _, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{c.instances["node-c"].ID}}); err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	if err := c.Client.CoreV1().Nodes().Delete(c.Ctx, c.instances["node-c"].PrivateDNS, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete node: %v", err)
	}
	c.Eventually("the deleted Node's route to be removed", func() (bool, string) {
		_, got := c.clusterRouteTable()
		_, stillThere := got[podCIDRs["node-c"]]
		return !stillThere && len(got) == 2, describeRoutes(got)
	})
	ops := c.Operations("ec2")
	for _, op := range []string{"DescribeRouteTables", "CreateRoute", "DeleteRoute", "ModifyInstanceAttribute"} {
		if ops[op] == 0 {
			t.Errorf("no %s in the journal; operations: %v", op, ops)
		}
	}
	if errs := c.ErrorAnswers(); len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("fauxcloud answered an error during route reconciliation: %s", e)
		}
	}
}

// TestRouteControllerBlackhole: the instance behind a route is terminated, the
// route turns blackhole in fauxcloud, and the controller deletes it.
func TestRouteControllerBlackhole(t *testing.T) {
	c := newCCM(t)
	a, b := c.instances["node-a"], c.instances["node-b"]
	c.CreateNode(nodeFor(a, initialized(a), func(n *v1.Node) { n.Spec.PodCIDRs = []string{"10.244.0.0/24"} }))
	c.CreateNode(nodeFor(b, initialized(b), func(n *v1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24"} }))
	routes := c.Routes()
	ctrl, err := routecontroller.New(routes, c.Client, c.Factory.Core().V1().Nodes(), clusterID, ccmharness.ClusterCIDRs())
	if err != nil {
		t.Fatalf("route controller: %v", err)
	}
	c.Start()

	// First reconcile with the controller stopped afterwards, so the
	// blackhole can be observed before the controller cleans it up.
	runCtx, stop := context.WithCancel(c.Ctx)
	go ctrl.Run(runCtx, time.Second, c.Metrics)
	c.Eventually("routes for both nodes", func() (bool, string) {
		_, got := c.clusterRouteTable()
		return len(got) == 2, describeRoutes(got)
	})
	stop()

	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	if _, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{b.ID}}); err != nil {
		t.Fatalf("TerminateInstances: %v", err)
	}
	c.Eventually("the route to the terminated instance to be blackhole", func() (bool, string) {
		_, got := c.clusterRouteTable()
		r := got["10.244.1.0/24"]
		return r.State == ec2types.RouteStateBlackhole, describeRoutes(got)
	})

	// The Node of the terminated instance is gone too (the lifecycle
	// controller would delete it); a new controller run removes the blackhole.
	if err := c.Client.CoreV1().Nodes().Delete(c.Ctx, b.PrivateDNS, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete node: %v", err)
	}
	ctrl2, err := routecontroller.New(routes, c.Client, c.Factory.Core().V1().Nodes(), clusterID, ccmharness.ClusterCIDRs())
	if err != nil {
		t.Fatalf("route controller: %v", err)
	}
	go ctrl2.Run(c.Ctx, time.Second, c.Metrics)
	c.Eventually("the blackhole route to be deleted", func() (bool, string) {
		_, got := c.clusterRouteTable()
		_, there := got["10.244.1.0/24"]
		return !there && got["10.244.0.0/24"].State == ec2types.RouteStateActive, describeRoutes(got)
	})
}
