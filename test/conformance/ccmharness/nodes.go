package ccmharness

import (
	"fmt"
	"net"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	cloudprovider "k8s.io/cloud-provider"
	cloudproviderapi "k8s.io/cloud-provider/api"
)

// ReadyNode is the Node a kubelet with --cloud-provider=external registers:
// Ready, with the addresses it knows itself (none, or its hostname), then
// changed by each mutate in turn.
func ReadyNode(name string, uid types.UID, addrs []v1.NodeAddress, mutate ...func(*v1.Node)) *v1.Node {
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid},
		Status: v1.NodeStatus{
			Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, LastHeartbeatTime: metav1.Now()}},
			Addresses:  addrs,
		},
	}
	for _, m := range mutate {
		m(n)
	}
	return n
}

// NotReady makes a Node's kubelet report it not Ready.
func NotReady(n *v1.Node) {
	n.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionFalse, Reason: "KubeletStopped", LastHeartbeatTime: metav1.Now()}}
}

// Uninitialized gives a Node the taint a kubelet with
// --cloud-provider=external sets until the cloud node controller has
// initialised it.
func Uninitialized(n *v1.Node) {
	n.Spec.Taints = []v1.Taint{{Key: cloudproviderapi.TaintExternalCloudProvider, Value: "true", Effect: v1.TaintEffectNoSchedule}}
}

// PodCIDR gives a Node its pod CIDR, as the node IPAM controller does.
func PodCIDR(cidr string) func(*v1.Node) {
	return func(n *v1.Node) {
		n.Spec.PodCIDR = cidr
		n.Spec.PodCIDRs = []string{cidr}
	}
}

// HasTaint reports whether n has a taint with key (and, when effect is not
// empty, that effect).
func HasTaint(n *v1.Node, key string, effect v1.TaintEffect) bool {
	for _, taint := range n.Spec.Taints {
		if taint.Key == key && (effect == "" || taint.Effect == effect) {
			return true
		}
	}
	return false
}

// Addresses groups a Node's addresses by type.
func Addresses(n *v1.Node) map[v1.NodeAddressType][]string {
	addrs := map[v1.NodeAddressType][]string{}
	for _, a := range n.Status.Addresses {
		addrs[a.Type] = append(addrs[a.Type], a.Address)
	}
	return addrs
}

// CheckLabels reports (t.Errorf) every label of want that n lacks or has
// with another value; who names the node in the message.
func (c *CCM) CheckLabels(who string, n *v1.Node, want map[string]string) {
	c.T.Helper()
	for k, w := range want {
		if got, ok := n.Labels[k]; !ok || got != w {
			c.T.Errorf("%s: label %s = %q (present %v), want %q", who, k, got, ok, w)
		}
	}
}

// WaitInitialized waits for the cloud node controller to take the
// uninitialized taint off the Node name and for done (nil: nothing more) to
// hold, and returns the Node.
func (c *CCM) WaitInitialized(what, name string, done func(*v1.Node) (bool, string)) *v1.Node {
	c.T.Helper()
	var node *v1.Node
	c.Eventually(what, func() (bool, string) {
		n, err := c.GetNode(name)
		if err != nil {
			return false, err.Error()
		}
		node = n
		if HasTaint(n, cloudproviderapi.TaintExternalCloudProvider, "") {
			return false, fmt.Sprintf("still tainted; providerID=%q labels=%v", n.Spec.ProviderID, n.Labels)
		}
		if done != nil {
			return done(n)
		}
		return true, ""
	})
	return node
}

// WaitNodeDeleted waits for the Node name to be gone.
func (c *CCM) WaitNodeDeleted(what, name string) {
	c.T.Helper()
	c.Eventually(what, func() (bool, string) {
		if _, err := c.GetNode(name); err == nil {
			return false, "node " + name + " still exists"
		}
		return true, ""
	})
}

// WaitNodeTaint waits for the Node name to have (want) or not have a taint
// with key and, when not empty, effect.
func (c *CCM) WaitNodeTaint(what, name, key string, effect v1.TaintEffect, want bool) {
	c.T.Helper()
	c.Eventually(what, func() (bool, string) {
		n, err := c.GetNode(name)
		if err != nil {
			return false, err.Error()
		}
		return HasTaint(n, key, effect) == want, fmt.Sprintf("taints = %v", n.Spec.Taints)
	})
}

// WaitRouteCreated waits for the route controller to report the Node's
// route: NetworkUnavailable False with reason RouteCreated.
func (c *CCM) WaitRouteCreated(name string) {
	c.T.Helper()
	c.Eventually("NetworkUnavailable=False on "+name, func() (bool, string) {
		n, err := c.GetNode(name)
		if err != nil {
			return false, err.Error()
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == v1.NodeNetworkUnavailable {
				return cond.Status == v1.ConditionFalse && cond.Reason == "RouteCreated", fmt.Sprintf("%+v", cond)
			}
		}
		return false, "no NetworkUnavailable condition"
	})
}

// PodCIDRs are the pod CIDRs the route tests give node-a, node-b and node-c,
// all in ClusterCIDRs.
var PodCIDRs = map[string]string{"node-a": "10.244.0.0/24", "node-b": "10.244.1.0/24", "node-c": "10.244.2.0/24"}

// ClusterCIDRs is the cluster's pod network, as kube-controller-manager's
// --cluster-cidr gives it to the route controller.
func ClusterCIDRs() []*net.IPNet {
	_, n, _ := net.ParseCIDR("10.244.0.0/16")
	return []*net.IPNet{n}
}

// Routes is the provider's routes interface, for the route controller; the
// test fails when the provider offers none.
func (c *CCM) Routes() cloudprovider.Routes {
	c.T.Helper()
	routes, ok := c.Cloud.Routes()
	if !ok {
		c.T.Fatalf("the %s provider offers no Routes", c.Cloud.ProviderName())
	}
	return routes
}
