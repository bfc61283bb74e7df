package azureccm_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	nodecontroller "k8s.io/cloud-provider/controllers/node"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

// flexScenario is the default world with a Flexible scale set in place of
// the Uniform one: its members are ordinary VMs that name the set.
const flexScenario = `
name: azure-vmss-flex
extends: default
seed:
  azure:
    subscriptions:
      "00000000-0000-0000-0000-000000000001":
        tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
        locations: { eastus: ["1", "2", "3"] }
        resourceGroups:
          fauxcloud:
            location: eastus
            networkSecurityGroups: [fauxcloud-nsg]
            routeTables: [fauxcloud-rt]
            virtualNetworks:
              - name: fauxcloud-vnet
                addressPrefix: 10.224.0.0/12
                subnets:
                  - { name: nodes, addressPrefix: 10.224.0.0/16, networkSecurityGroup: fauxcloud-nsg, routeTable: fauxcloud-rt }
            virtualMachineScaleSets:
              - { name: fauxcloud-flex, orchestrationMode: Flexible, size: Standard_D4s_v5, capacity: 2, zones: ["1", "2"], subnet: fauxcloud-vnet/nodes, computerNamePrefix: flex }
`

type flexMember struct {
	ID, ComputerName, Zone string
}

// flexMembers lists the VMs of the scale set as the provider's vmssflex cache
// does: GET virtualMachines?$filter='virtualMachineScaleSet/id' eq '{id}'.
func flexMembers(t *testing.T) []flexMember {
	t.Helper()
	set := "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup + "/providers/Microsoft.Compute/virtualMachineScaleSets/fauxcloud-flex"
	q := "?api-version=2024-07-01&$filter=" + strings.ReplaceAll(fmt.Sprintf("'virtualMachineScaleSet/id' eq '%s'", set), " ", "%20")
	raw, err := admin().Call(http.MethodGet, "/subscriptions/"+subscription+"/resourceGroups/"+resourceGroup+"/providers/Microsoft.Compute/virtualMachines"+q, nil)
	harness.Check(t, err)
	var list struct {
		Value []struct {
			ID         string   `json:"id"`
			Zones      []string `json:"zones"`
			Properties struct {
				OSProfile struct{ ComputerName string } `json:"osProfile"`
			} `json:"properties"`
		} `json:"value"`
	}
	harness.Check(t, json.Unmarshal(raw, &list))
	var out []flexMember
	for _, v := range list.Value {
		out = append(out, flexMember{ID: v.ID, ComputerName: v.Properties.OSProfile.ComputerName, Zone: location + "-" + v.Zones[0]})
	}
	if len(out) != 2 {
		t.Fatalf("members of fauxcloud-flex: %s, want 2", raw)
	}
	return out
}

// TestCloudNodeControllerVMSSFlex: with vmType vmssflex the provider finds
// the Flexible set among the resource group's scale sets, lists its member
// VMs by $filter (with and without instanceView) and initialises each node
// from its member: providerID the VM's own id, zone, size, NIC address.
func TestCloudNodeControllerVMSSFlex(t *testing.T) {
	_, err := admin().Call(http.MethodPut, "/_fauxcloud/scenario", map[string]any{"yaml": flexScenario})
	harness.Check(t, err)
	t.Cleanup(func() {
		if _, err := admin().Call(http.MethodPut, "/_fauxcloud/scenario", map[string]any{"name": "default"}); err != nil {
			t.Errorf("back to the default scenario: %v", err)
		}
	})
	members := flexMembers(t)
	c := newCCM(t, "vmssflex")
	for _, m := range members {
		c.CreateNode(nodeFor(m.ComputerName, ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx.Done(), c.Metrics)
	for _, m := range members {
		node := c.WaitInitialized(fmt.Sprintf("node %s to be initialised", m.ComputerName), m.ComputerName, func(n *v1.Node) (bool, string) {
			return len(ccmharness.Addresses(n)[v1.NodeInternalIP]) > 0, fmt.Sprintf("no InternalIP yet: %v", n.Status.Addresses)
		})
		if got, want := strings.ToLower(node.Spec.ProviderID), strings.ToLower("azure://"+m.ID); got != want {
			t.Errorf("%s: spec.providerID = %q, want %q", m.ComputerName, got, want)
		}
		c.CheckLabels(m.ComputerName, node, map[string]string{
			v1.LabelTopologyRegion:     location,
			v1.LabelTopologyZone:       m.Zone,
			v1.LabelInstanceTypeStable: "Standard_D4s_v5",
		})
		if got := ccmharness.Addresses(node)[v1.NodeInternalIP]; len(got) != 1 || !strings.HasPrefix(got[0], "10.224.") {
			t.Errorf("%s: InternalIP addresses = %v, want one from the nodes subnet", m.ComputerName, got)
		}
	}
}
