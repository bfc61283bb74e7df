package gceccm_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	nodecontroller "k8s.io/cloud-provider/controllers/node"
	nodelifecycle "k8s.io/cloud-provider/controllers/nodelifecycle"

	"fauxcloud.test/conformance/ccmharness"
)

// TestCloudNodeController: three Nodes registered by kubelets with
// --cloud-provider=external (named by instance name, tainted uninitialized)
// are initialised by the real cloud node controller from what the real GCE
// provider reads from fauxcloud: node-a, the instance the CCM runs on (the
// metadata server speaks for it), through the metadata server; node-b and
// node-c through instances.get in each managed zone.
func TestCloudNodeController(t *testing.T) {
	c := newCCM(t)
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		c.CreateNode(nodeFor(c.instances[name], ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx.Done(), c.Metrics)

	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		// The addresses are patched right after the taint goes.
		node := c.WaitInitialized(fmt.Sprintf("node %s to be initialised", name), name, func(n *v1.Node) (bool, string) {
			return len(ccmharness.Addresses(n)[v1.NodeInternalIP]) > 0, fmt.Sprintf("no InternalIP yet: %v", n.Status.Addresses)
		})

		if got, want := node.Spec.ProviderID, inst.providerID(); got != want {
			t.Errorf("%s: spec.providerID = %q, want %q", name, got, want)
		}
		wantLabels := map[string]string{
			v1.LabelTopologyRegion:          testRegion,
			v1.LabelTopologyZone:            inst.Zone,
			v1.LabelInstanceTypeStable:      "e2-standard-4",
			v1.LabelFailureDomainBetaRegion: testRegion,
			v1.LabelFailureDomainBetaZone:   inst.Zone,
			v1.LabelInstanceType:            "e2-standard-4",
		}
		c.CheckLabels(name, node, wantLabels)
		addrs := ccmharness.Addresses(node)
		if got := addrs[v1.NodeInternalIP]; len(got) != 1 || got[0] != inst.InternalIP {
			t.Errorf("%s: InternalIP addresses = %v, want [%s] (all: %v)", name, got, inst.InternalIP, node.Status.Addresses)
		}
		if !strings.HasPrefix(inst.InternalIP, "10.128.") {
			t.Errorf("%s: internal IP %s is not in the subnetwork %s", name, inst.InternalIP, subnetCIDR)
		}
		if inst.ExternalIP != "" {
			if got := addrs[v1.NodeExternalIP]; len(got) != 1 || got[0] != inst.ExternalIP {
				t.Errorf("%s: ExternalIP addresses = %v, want [%s]", name, got, inst.ExternalIP)
			}
		} else if got := addrs[v1.NodeExternalIP]; len(got) != 0 {
			t.Errorf("%s: ExternalIP addresses = %v, but the instance has no access config", name, got)
		}
		// The provider returns no Hostname; the controller keeps the kubelet's.
		if got := addrs[v1.NodeHostName]; len(got) != 1 || got[0] != name {
			t.Errorf("%s: Hostname addresses = %v, want [%s]", name, got, name)
		}
		// On GCE the node controller marks the network unavailable until the
		// route controller has created the node's route.
		var cond *v1.NodeCondition
		for i := range node.Status.Conditions {
			if node.Status.Conditions[i].Type == v1.NodeNetworkUnavailable {
				cond = &node.Status.Conditions[i]
			}
		}
		if cond == nil || cond.Status != v1.ConditionTrue || cond.Reason != "NoRouteCreated" {
			t.Errorf("%s: NetworkUnavailable condition = %+v, want True/NoRouteCreated", name, cond)
		}
	}

	calls := c.rec.calls()
	t.Logf("compute calls: %v", calls)
	if calls["GET v1 zones"] == 0 {
		t.Errorf("no zones.list at start-up (multizone); calls: %v", calls)
	}
	if calls["GET v1 zones/*/instances/*"] == 0 {
		t.Errorf("no instances.get; calls: %v", calls)
	}
	// 404 from instances.get in the zones the instance is not in is how the
	// provider finds an instance by name.
	c.checkNoComputeErrors("node initialisation", func(e exchange) bool {
		return expectedNotFound(e) && strings.Contains(e.Path, "/instances/")
	})
	for _, e := range c.ErrorAnswers() {
		if e.Status != http.StatusNotFound {
			t.Errorf("fauxcloud journaled an error answer during node initialisation: %s", e)
		}
	}
}

// TestCloudNodeLifecycleController: an instance deleted through the compute
// API gets its NotReady Node deleted; a NotReady Node whose instance still
// exists is kept (GCE reports no shutdown state, so no shutdown taint); a
// Ready one is left alone.
func TestCloudNodeLifecycleController(t *testing.T) {
	c := newCCM(t)
	a, b, cc := c.instances["node-a"], c.instances["node-b"], c.instances["node-c"]
	c.CreateNode(nodeFor(a, initialized(a)))
	c.CreateNode(nodeFor(b, initialized(b), ccmharness.NotReady))
	c.CreateNode(nodeFor(cc, initialized(cc), ccmharness.NotReady))

	c.deleteInstance(cc)

	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, time.Second)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, c.Metrics)

	c.WaitNodeDeleted("the deleted instance's Node to be deleted", cc.Name)
	// Several more monitor periods: the NotReady node of a live instance must
	// not be deleted, the Ready one must stay untouched.
	time.Sleep(3 * time.Second)
	nb, err := c.GetNode(b.Name)
	if err != nil {
		t.Errorf("the NotReady Node of an existing instance was deleted (%v)", err)
	} else if len(nb.Spec.Taints) != 0 {
		t.Errorf("node-b got taints %v; GCE reports no shutdown state", nb.Spec.Taints)
	}
	n, err := c.GetNode(a.Name)
	if err != nil {
		t.Fatalf("the running instance's Node: %v", err)
	}
	if len(n.Spec.Taints) != 0 {
		t.Errorf("the running instance's Node got taints %v", n.Spec.Taints)
	}
	// The provider looked the instances up by their provider IDs' zone.
	if got := len(c.rec.sent(http.MethodGet, "v1 zones/*/instances/*")); got == 0 {
		t.Errorf("no instances.get; calls: %v", c.rec.calls())
	}
	c.checkNoComputeErrors("node lifecycle", func(e exchange) bool {
		return expectedNotFound(e) && strings.HasSuffix(e.Path, "/zones/"+cc.Zone+"/instances/"+cc.Name)
	})
}
