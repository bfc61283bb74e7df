package azureccm_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	nodecontroller "k8s.io/cloud-provider/controllers/node"

	"fauxcloud.test/conformance/ccmharness"
)

// The scale set's instances as nodes: named by their computer names
// (lower case), in zones 1 and 2, with addresses from their scale-set NICs.
var vmssNodes = map[string]struct {
	Instance, Zone, IP string
}{
	"fauxcloud-vmss000000": {"0", "eastus-1", "10.224.0.7"},
	"fauxcloud-vmss000001": {"1", "eastus-2", "10.224.0.8"},
}

func vmssVMID(instance string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup + "/providers/Microsoft.Compute/virtualMachineScaleSets/fauxcloud-vmss/virtualMachines/" + instance
}

// TestCloudNodeControllerVMSS: with vmType vmss the provider finds each node
// among the scale set's instances (GET …/virtualMachineScaleSets/…/virtualMachines
// with instanceView) and their NICs under the Compute path.
func TestCloudNodeControllerVMSS(t *testing.T) {
	c := newCCM(t, "vmss")
	for name := range vmssNodes {
		c.CreateNode(nodeFor(name, ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx.Done(), c.Metrics)
	for name, vm := range vmssNodes {
		node := c.WaitInitialized(fmt.Sprintf("node %s to be initialised", name), name, func(n *v1.Node) (bool, string) {
			return len(ccmharness.Addresses(n)[v1.NodeInternalIP]) > 0, fmt.Sprintf("no InternalIP yet: %v", n.Status.Addresses)
		})
		if got, want := strings.ToLower(node.Spec.ProviderID), strings.ToLower("azure://"+vmssVMID(vm.Instance)); got != want {
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

// TestServiceControllerVMSS: with vmType vmss a LoadBalancer Service's pool
// is joined through the scale set's model and each instance's network
// profile configuration (PUT virtualMachineScaleSets/… and …/virtualMachines/{i});
// the pool's members are the instances' NIC IP configurations.
func TestServiceControllerVMSS(t *testing.T) {
	c := newCCM(t, "vmss")
	for name, vm := range vmssNodes {
		c.CreateNode(nodeFor(name, func(n *v1.Node) {
			n.Labels = map[string]string{v1.LabelTopologyRegion: location, v1.LabelTopologyZone: vm.Zone, v1.LabelInstanceTypeStable: vmSize}
			n.Spec.ProviderID = "azure://" + vmssVMID(vm.Instance)
			n.Status.Addresses = append(n.Status.Addresses, v1.NodeAddress{Type: v1.NodeInternalIP, Address: vm.IP})
		}))
	}
	c.RunServiceController(clusterName)
	svc := defaulted(ccmharness.LBService("abababab-2222-3333-4444-555555555555", nil, ccmharness.TCPPort("http", 80, 30082)))
	c.CreateService(svc)
	if ip := c.WaitIngress(svc).IP; !strings.HasPrefix(ip, "20.62.") {
		t.Errorf("ingress IP %q is not from fauxcloud's public pool", ip)
	}
	c.Eventually("both instances in the load balancer's pool", func() (bool, string) {
		var lb lbDoc
		if err := armGet(t, "/subscriptions/"+subscription+"/resourceGroups/"+resourceGroup+"/providers/Microsoft.Network/loadBalancers/"+clusterName, &lb); err != nil {
			return false, err.Error()
		}
		n := 0
		for _, p := range lb.Properties.BackendAddressPools {
			for _, b := range p.Properties.BackendIPConfigurations {
				if strings.Contains(strings.ToLower(b.ID), "/virtualmachinescalesets/fauxcloud-vmss/virtualmachines/") {
					n++
				}
			}
		}
		return n == len(vmssNodes), fmt.Sprintf("%+v", lb.Properties.BackendAddressPools)
	})
}
