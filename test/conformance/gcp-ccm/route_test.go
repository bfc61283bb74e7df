package gceccm_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/compute/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	routecontroller "k8s.io/cloud-provider/controllers/route"

	"fauxcloud.test/conformance/ccmharness"
)

// clusterRoutes lists the routes the provider made for the cluster (named
// <cluster>-…, description k8s-node-route), by destination range.
func (c *ccm) clusterRoutes() map[string]*compute.Route {
	c.T.Helper()
	list, err := c.compute.Routes.List(projectID).Do()
	if err != nil {
		c.T.Fatalf("routes.list: %v", err)
	}
	routes := map[string]*compute.Route{}
	for _, r := range list.Items {
		if strings.HasPrefix(r.Name, clusterName+"-") && r.Description == "k8s-node-route" {
			routes[r.DestRange] = r
		}
	}
	return routes
}

func describeRoutes(routes map[string]*compute.Route) string {
	var parts []string
	for cidr, r := range routes {
		parts = append(parts, fmt.Sprintf("%s→%s(%s)", cidr, r.NextHopInstance, r.Name))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// TestRouteController: Nodes with pod CIDRs get a GCE route each (routes.insert,
// next hop their instance, in the cluster's network), the controller marks
// the Nodes' network available, and a deleted Node's route is removed
// (routes.delete) while the others stay.
func TestRouteController(t *testing.T) {
	c := newCCM(t)
	podCIDRs := ccmharness.PodCIDRs
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		c.CreateNode(nodeFor(inst, initialized(inst), ccmharness.PodCIDR(podCIDRs[name])))
	}
	routes := c.Routes()
	ctrl := routecontroller.New(routes, c.Client, c.Factory.Core().V1().Nodes(), clusterName, ccmharness.ClusterCIDRs())
	c.Start()
	go ctrl.Run(c.Ctx, time.Second, c.Metrics)

	c.Eventually("routes for the three pod CIDRs", func() (bool, string) {
		got := c.clusterRoutes()
		return len(got) == 3, describeRoutes(got)
	})
	got := c.clusterRoutes()
	for name, cidr := range podCIDRs {
		r := got[cidr]
		inst := c.instances[name]
		if want := clusterName + "-" + nodeUIDs[name]; r.Name != want {
			t.Errorf("route for %s is named %q, want %q (<cluster>-<node UID>)", cidr, r.Name, want)
		}
		if want := "/zones/" + inst.Zone + "/instances/" + name; !strings.HasSuffix(r.NextHopInstance, want) {
			t.Errorf("route %s nextHopInstance = %q, want …%s", r.Name, r.NextHopInstance, want)
		}
		if !strings.HasSuffix(r.Network, "/projects/"+projectID+"/global/networks/"+networkName) {
			t.Errorf("route %s network = %q, want …/projects/%s/global/networks/%s", r.Name, r.Network, projectID, networkName)
		}
		if r.Priority != 1000 {
			t.Errorf("route %s priority = %d, want 1000", r.Name, r.Priority)
		}
	}

	// The controller reports the routes on the Nodes.
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		c.WaitRouteCreated(name)
	}
	// Later reconciles found the routes through routes.list with the
	// provider's filter and created nothing twice.
	listed := c.rec.sent(http.MethodGet, "v1 global/routes")
	if len(listed) < 2 {
		t.Errorf("routes.list called %d times, want one per reconcile", len(listed))
	} else if q := listed[len(listed)-1].Query; !strings.Contains(q, "filter=") {
		t.Errorf("routes.list without the provider's filter: %s", q)
	}
	if n := len(c.rec.sent(http.MethodPost, "v1 global/routes")); n != 3 {
		t.Errorf("routes.insert sent %d times, want 3 (a route the list shows is not created again)", n)
	}

	// A machine goes away: its Node is deleted (as the node lifecycle
	// controller does); its route goes, the others stay.
	if err := c.Client.CoreV1().Nodes().Delete(c.Ctx, "node-c", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete node: %v", err)
	}
	c.Eventually("the deleted Node's route to be removed", func() (bool, string) {
		got := c.clusterRoutes()
		_, stillThere := got[podCIDRs["node-c"]]
		return !stillThere && len(got) == 2, describeRoutes(got)
	})
	if n := len(c.rec.sent(http.MethodDelete, "v1 global/routes/*")); n != 1 {
		t.Errorf("routes.delete sent %d times, want 1", n)
	}
	c.checkNoComputeErrors("route reconciliation", expectedNotFound)
	t.Logf("compute calls: %v", c.rec.calls())
}
