package azureccm_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	routecontroller "k8s.io/cloud-provider/controllers/route"

	"fauxcloud.test/conformance/ccmharness"
)

// TestRouteController: the real route controller creates a route per node
// pod CIDR in the route table fauxcloud-rt (the provider PUTs the whole table
// with nextHopType VirtualAppliance and the node's IP).
func TestRouteController(t *testing.T) {
	c := newCCM(t, "standard")
	for name := range vms {
		c.CreateNode(nodeFor(name, initialized(name), ccmharness.PodCIDR(ccmharness.PodCIDRs[name])))
	}
	ctrl := routecontroller.New(c.Routes(), c.Client, c.Factory.Core().V1().Nodes(), clusterName, ccmharness.ClusterCIDRs())
	c.Start()
	go ctrl.Run(c.Ctx, time.Second, c.Metrics)

	c.Eventually("a route per node in fauxcloud-rt", func() (bool, string) {
		b, err := admin().Call(http.MethodGet, "/subscriptions/"+subscription+"/resourceGroups/"+resourceGroup+"/providers/Microsoft.Network/routeTables/fauxcloud-rt?api-version=2025-05-01", nil)
		if err != nil {
			return false, err.Error()
		}
		var rt struct {
			Properties struct {
				Routes []struct {
					Name       string `json:"name"`
					Properties struct {
						AddressPrefix    string `json:"addressPrefix"`
						NextHopIPAddress string `json:"nextHopIpAddress"`
					} `json:"properties"`
				} `json:"routes"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &rt); err != nil {
			return false, err.Error()
		}
		got := map[string]string{}
		for _, r := range rt.Properties.Routes {
			got[r.Properties.AddressPrefix] = r.Properties.NextHopIPAddress
		}
		for name, vm := range vms {
			if got[ccmharness.PodCIDRs[name]] != vm.IP {
				return false, string(b)
			}
		}
		return true, ""
	})
	for name := range vms {
		c.WaitRouteCreated(name)
	}
}
