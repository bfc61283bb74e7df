package azureccm_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	nodecontroller "k8s.io/cloud-provider/controllers/node"
	nodelifecycle "k8s.io/cloud-provider/controllers/nodelifecycle"

	"fauxcloud.test/conformance/ccmharness"
)

// TestCloudNodeController: three Nodes registered by kubelets with
// --cloud-provider=external (named by VM name, tainted uninitialized) are
// initialised by the real cloud node controller from what the real Azure
// provider (vmType standard) reads from fauxcloud: the VM (GET
// virtualMachines/{name}), its NIC, and the zone.
func TestCloudNodeController(t *testing.T) {
	c := newCCM(t, "standard")
	for name := range vms {
		c.CreateNode(nodeFor(name, ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx.Done(), c.Metrics)

	for name, vm := range vms {
		node := c.WaitInitialized(fmt.Sprintf("node %s to be initialised", name), name, func(n *v1.Node) (bool, string) {
			return len(ccmharness.Addresses(n)[v1.NodeInternalIP]) > 0, fmt.Sprintf("no InternalIP yet: %v", n.Status.Addresses)
		})
		if got, want := node.Spec.ProviderID, "azure://"+vmID(name); got != want {
			t.Errorf("%s: spec.providerID = %q, want %q", name, got, want)
		}
		c.CheckLabels(name, node, map[string]string{
			v1.LabelTopologyRegion:     location,
			v1.LabelTopologyZone:       vm.Zone,
			v1.LabelInstanceTypeStable: vmSize,
		})
		if got := ccmharness.Addresses(node)[v1.NodeInternalIP]; len(got) != 1 || got[0] != vm.IP {
			t.Errorf("%s: InternalIP addresses = %v, want [%s]", name, got, vm.IP)
		}
	}
}

// TestCloudNodeLifecycleController: the VM of a NotReady Node is deleted in
// fauxcloud (DELETE virtualMachines/node-c); the real node lifecycle
// controller sees it gone (GET 404) and deletes the Node; the running,
// Ready node-a stays.
func TestCloudNodeLifecycleController(t *testing.T) {
	c := newCCM(t, "standard")
	c.CreateNode(nodeFor("node-a", initialized("node-a")))
	c.CreateNode(nodeFor("node-c", initialized("node-c"), ccmharness.NotReady))
	if _, err := admin().Call(http.MethodDelete, vmID("node-c")+"?api-version=2025-04-01", nil); err != nil {
		t.Fatalf("delete VM node-c: %v", err)
	}
	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, time.Second)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, c.Metrics)
	c.WaitNodeDeleted("the deleted VM's Node to be deleted", "node-c")
	time.Sleep(2 * time.Second)
	if _, err := c.GetNode("node-a"); err != nil {
		t.Errorf("node-a's Node: %v", err)
	}
}
