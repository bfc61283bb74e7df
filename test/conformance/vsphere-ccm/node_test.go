package vsphereccm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	v1 "k8s.io/api/core/v1"
	nodecontroller "k8s.io/cloud-provider/controllers/node"
	nodelifecycle "k8s.io/cloud-provider/controllers/nodelifecycle"

	"fauxcloud.test/conformance/ccmharness"
)

// TestCloudNodeController: three Nodes a kubelet registered with --cloud-provider=external (named
// by guest host name, SystemUUID in the kubelet's byte order) are initialised by the real cloud
// node controller with what the vSphere provider reads from fauxcloud: providerID from the VM's
// BIOS UUID, addresses from guest.net, instance type from the VM's size, zone and region from the
// tags on the VM's host and datacenter.
func TestCloudNodeController(t *testing.T) {
	c := newCCM(t)
	for _, v := range nodes {
		c.CreateNode(nodeFor(v, ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx.Done(), c.Metrics)

	for _, v := range nodes {
		node := c.WaitInitialized(fmt.Sprintf("node %s to be initialised", v.name), v.name, func(n *v1.Node) (bool, string) {
			return len(ccmharness.Addresses(n)[v1.NodeInternalIP]) > 0, fmt.Sprintf("no InternalIP yet: %v", n.Status.Addresses)
		})
		if node.Spec.ProviderID != providerID(v) {
			t.Errorf("%s: providerID = %q, want %q", v.name, node.Spec.ProviderID, providerID(v))
		}
		c.CheckLabels(v.name, node, map[string]string{
			v1.LabelTopologyZone:       v.zone,
			v1.LabelTopologyRegion:     "region-1",
			v1.LabelInstanceTypeStable: "vsphere-vm.cpu-4.mem-16gb.os-ubuntu",
		})
		addrs := ccmharness.Addresses(node)
		if got := addrs[v1.NodeInternalIP]; len(got) != 1 || got[0] != v.ip {
			t.Errorf("%s: InternalIP = %v, want [%s] (all: %v)", v.name, got, v.ip, node.Status.Addresses)
		}
		if got := addrs[v1.NodeHostName]; len(got) != 1 || got[0] != v.name {
			t.Errorf("%s: Hostname = %v", v.name, got)
		}
	}
	for _, e := range c.ErrorAnswers() {
		t.Errorf("fauxcloud journaled an error answer during node initialisation: %s", e)
	}
}

// TestCloudNodeLifecycleController: a VM powered off through the vSphere API gets its NotReady
// Node tainted shut down; a VM destroyed gets its NotReady Node deleted; a running VM's NotReady
// Node is kept untainted.
func TestCloudNodeLifecycleController(t *testing.T) {
	c := newCCM(t)
	a, b, cc := nodes[0], nodes[1], nodes[2]
	c.CreateNode(nodeFor(a, initialized(a), ccmharness.NotReady))
	c.CreateNode(nodeFor(b, initialized(b), ccmharness.NotReady))
	c.CreateNode(nodeFor(cc, initialized(cc), ccmharness.NotReady))
	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, time.Second)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.Start()
	// The provider registers each Node (discovers its VM) from the informer before the VMs change.
	inst, _ := c.Cloud.Instances()
	for _, v := range nodes {
		c.Eventually("the provider to know "+v.name, func() (bool, string) {
			ok, err := inst.InstanceExistsByProviderID(c.Ctx, providerID(v))
			return ok && err == nil, fmt.Sprintf("exists=%v err=%v", ok, err)
		})
	}

	ctx := context.Background()
	f := find.NewFinder(c.vc, true)
	vmB, err := f.VirtualMachine(ctx, "/dc1/vm/node-b")
	if err != nil {
		t.Fatal(err)
	}
	vmC, err := f.VirtualMachine(ctx, "/dc1/vm/node-c")
	if err != nil {
		t.Fatal(err)
	}
	wait := func(task *object.Task, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wait(vmB.PowerOff(ctx))
	wait(vmC.PowerOff(ctx))
	wait(vmC.Destroy(ctx))

	go ctrl.Run(c.Ctx, c.Metrics)
	c.WaitNodeTaint("the powered-off VM's Node to be tainted shut down", b.name, "node.cloudprovider.kubernetes.io/shutdown", v1.TaintEffectNoSchedule, true)
	c.WaitNodeDeleted("the destroyed VM's Node to be deleted", cc.name)
	time.Sleep(2 * time.Second)
	n, err := c.GetNode(a.name)
	if err != nil {
		t.Fatalf("the running VM's Node was deleted: %v", err)
	}
	if len(n.Spec.Taints) != 0 {
		t.Errorf("the running VM's Node got taints %v", n.Spec.Taints)
	}
}
