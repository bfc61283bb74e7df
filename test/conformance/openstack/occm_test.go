package openstack_test

// openstack-cloud-controller-manager (k8s.io/cloud-provider-openstack v1.33.0,
// pkg/openstack) built by name from a cloud.conf as the CCM does
// (cloudprovider.InitCloudProvider("openstack", path)), with the real
// k8s.io/cloud-provider node, node-lifecycle, service and route controllers
// on a fake clientset (../ccmharness), against fauxcloud's Keystone, Nova,
// Neutron and Octavia through the recording tap.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/loadbalancers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	cloudproviderapi "k8s.io/cloud-provider/api"
	nodecontroller "k8s.io/cloud-provider/controllers/node"
	nodelifecycle "k8s.io/cloud-provider/controllers/nodelifecycle"
	routecontroller "k8s.io/cloud-provider/controllers/route"

	// The cloud controller manager's feature gates.
	_ "k8s.io/controller-manager/pkg/features/register"

	// The real OpenStack provider: its init registers "openstack".
	_ "k8s.io/cloud-provider-openstack/pkg/openstack"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

const clusterName = "kubernetes"

type server struct{ ID, Name, Zone, IP, PortID string }

type occm struct {
	*ccmharness.CCM
	compute, network, lb *gophercloud.ServiceClient
	servers              map[string]server
	publicNet, subnet    string
	routerID             string
}

// newOCCM resets fauxcloud, reads the seeded world with gophercloud, writes
// the cloud.conf and builds the provider.
func newOCCM(t *testing.T, manageSG bool) *occm {
	t.Helper()
	c := &occm{CCM: ccmharness.Begin(t, "openstack-ccm", admin())}
	setLifecycle(t, map[string]any{})
	tap := theTap(t)
	ctx := context.Background()
	p := provider(t, passwordOpts(tap.URL+"/openstack/identity/v3"))
	var err error
	if c.compute, err = openstack.NewComputeV2(p, eo()); err != nil {
		t.Fatal(err)
	}
	if c.network, err = openstack.NewNetworkV2(p, eo()); err != nil {
		t.Fatal(err)
	}
	if c.lb, err = openstack.NewLoadBalancerV2(p, eo()); err != nil {
		t.Fatal(err)
	}
	c.servers = map[string]server{}
	all, err := servers.List(c.compute, servers.ListOpts{Name: "^node-"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := servers.ExtractServers(all)
	for _, s := range list {
		pp, err := ports.List(c.network, ports.ListOpts{DeviceID: s.ID}).AllPages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pl, _ := ports.ExtractPorts(pp)
		c.servers[s.Name] = server{ID: s.ID, Name: s.Name, Zone: s.AvailabilityZone, IP: pl[0].FixedIPs[0].IPAddress, PortID: pl[0].ID}
	}
	c.publicNet = c.networkID(t, "public")
	sp, err := subnets.List(c.network, subnets.ListOpts{Name: "fauxcloud-subnet"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sl, _ := subnets.ExtractSubnets(sp)
	c.subnet = sl[0].ID
	rp, err := routers.List(c.network, routers.ListOpts{Name: "fauxcloud-router"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rl, _ := routers.ExtractRouters(rp)
	c.routerID = rl[0].ID

	// cloud.conf as `fauxcloud config openstack-cloud-controller-manager` renders
	// it for the tap, with this cluster's load-balancer and route settings.
	conf := admin().Must(t).WriteComponentFile("openstack-cloud-controller-manager", "cloud.conf", harness.ConfigOptions{
		URL: tap.URL,
		Set: []string{
			"[LoadBalancer] floating-network-id=" + c.publicNet,
			"[LoadBalancer] subnet-id=" + c.subnet,
			fmt.Sprintf("[LoadBalancer] manage-security-groups=%t", manageSG),
			"[Route] router-id=" + c.routerID,
		},
	})
	wantGlobal(t, conf, tap.URL+"/openstack/identity/v3")
	c.InitProvider("openstack", conf)
	c.Connect(c.Client)
	return c
}

func (c *occm) networkID(t *testing.T, name string) string {
	t.Helper()
	np, err := networks.List(c.network, networks.ListOpts{Name: name}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	nl, _ := networks.ExtractNetworks(np)
	if len(nl) != 1 {
		t.Fatalf("network %s: %d found", name, len(nl))
	}
	return nl[0].ID
}

func initializedAs(s server) func(*v1.Node) {
	return func(n *v1.Node) {
		n.Spec.ProviderID = "openstack:///" + s.ID
		n.Status.Addresses = []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: s.IP}, {Type: v1.NodeHostName, Address: s.Name}}
		n.Labels = map[string]string{v1.LabelTopologyZone: s.Zone, v1.LabelTopologyRegion: osRegion}
	}
}

// TestOCCMNodeController: Nodes registered by kubelets with
// --cloud-provider=external (named as their servers, tainted uninitialized)
// are initialised by the real cloud node controller from Nova and Neutron.
func TestOCCMNodeController(t *testing.T) {
	c := newOCCM(t, false)
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		c.CreateNode(ccmharness.ReadyNode(name, types.UID("uid-"+name), nil, ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.RunWithContext(c.Ctx, c.Metrics)
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		s := c.servers[name]
		node := c.WaitInitialized("node "+name+" to be initialised", name, nil)
		if got, want := node.Spec.ProviderID, "openstack:///"+s.ID; got != want {
			t.Errorf("%s: providerID %q, want %q", name, got, want)
		}
		c.CheckLabels(name, node, map[string]string{
			v1.LabelTopologyRegion: osRegion, v1.LabelTopologyZone: s.Zone, v1.LabelInstanceTypeStable: "m1.medium",
		})
		if got := ccmharness.Addresses(node)[v1.NodeInternalIP]; len(got) != 1 || got[0] != s.IP {
			t.Errorf("%s: InternalIP %v, want [%s] (all %v)", name, got, s.IP, node.Status.Addresses)
		}
	}
	if errs := c.ErrorAnswers(); len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("fauxcloud answered an error during node initialisation: %s", e)
		}
	}
}

// TestOCCMNodeLifecycleController: a server stopped through Nova taints its
// Node with the shutdown taint; a deleted one has its Node deleted.
func TestOCCMNodeLifecycleController(t *testing.T) {
	c := newOCCM(t, false)
	a, b, cc := c.servers["node-a"], c.servers["node-b"], c.servers["node-c"]
	c.CreateNode(ccmharness.ReadyNode(a.Name, "uid-a", nil, initializedAs(a)))
	c.CreateNode(ccmharness.ReadyNode(b.Name, "uid-b", nil, initializedAs(b), ccmharness.NotReady))
	c.CreateNode(ccmharness.ReadyNode(cc.Name, "uid-c", nil, initializedAs(cc), ccmharness.NotReady))
	ctx := context.Background()
	if err := servers.Stop(ctx, c.compute, b.ID).ExtractErr(); err != nil {
		t.Fatalf("stop %s: %v", b.Name, err)
	}
	if err := servers.Delete(ctx, c.compute, cc.ID).ExtractErr(); err != nil {
		t.Fatalf("delete %s: %v", cc.Name, err)
	}
	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, time.Second)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, c.Metrics)
	c.WaitNodeDeleted("the deleted server's Node to be deleted", cc.Name)
	c.WaitNodeTaint("the stopped server's Node to get the shutdown taint", b.Name, cloudproviderapi.TaintNodeShutdown, v1.TaintEffectNoSchedule, true)
	time.Sleep(2 * time.Second)
	if n, err := c.GetNode(a.Name); err != nil || len(n.Spec.Taints) != 0 {
		t.Errorf("the running server's Node: %v, taints %v", err, n)
	}
}

// TestOCCMServiceController: a LoadBalancer Service gets an Octavia load
// balancer (fully populated: listener, pool with the three nodes, their
// NodePort) with a floating IP from the external network as its ingress, and
// with manage-security-groups a security group for the node ports; deleting
// the Service deletes both.
func TestOCCMServiceController(t *testing.T) {
	c := newOCCM(t, true)
	for _, s := range c.servers {
		c.CreateNode(ccmharness.ReadyNode(s.Name, types.UID("uid-"+s.Name), nil, initializedAs(s)))
	}
	svc := ccmharness.LBService("0f3c0cde-1111-4222-8333-444455556666", nil, ccmharness.TCPPort("http", 80, 30080))
	c.RunServiceController(clusterName)
	c.CreateService(svc)
	ing := c.WaitIngress(svc)
	ctx := context.Background()
	fp, err := floatingips.List(c.network, floatingips.ListOpts{FloatingIP: ing.IP}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := floatingips.ExtractFloatingIPs(fp)
	if len(fl) != 1 || fl[0].FloatingNetworkID != c.publicNet || !strings.HasPrefix(ing.IP, "172.24.4.") {
		t.Fatalf("ingress %s: floating IPs %+v, want one on the public network", ing.IP, fl)
	}
	lp, err := loadbalancers.List(c.lb, loadbalancers.ListOpts{Name: "kube_service_" + clusterName + "_default_web"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ll, _ := loadbalancers.ExtractLoadBalancers(lp)
	if len(ll) != 1 || ll[0].ProvisioningStatus != "ACTIVE" || ll[0].VipPortID != fl[0].PortID || ll[0].VipSubnetID != c.subnet {
		t.Fatalf("load balancers: %+v (floating IP port %s)", ll, fl[0].PortID)
	}
	lbFull, err := loadbalancers.Get(ctx, c.lb, ll[0].ID).Extract()
	if err != nil || len(lbFull.Listeners) != 1 || len(lbFull.Pools) != 1 {
		t.Fatalf("load balancer %s: %+v, %v", ll[0].ID, lbFull, err)
	}
	// manage-security-groups: the nodes' ports carry the Service's group.
	pp, err := ports.Get(ctx, c.network, c.servers["node-a"].PortID).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if len(pp.SecurityGroups) < 2 {
		t.Errorf("node-a's port security groups %v: want the default group and the Service's", pp.SecurityGroups)
	}

	c.DeleteService(svc)
	c.WaitFinalizersRemoved(svc, "service.kubernetes.io/load-balancer-cleanup")
	c.Eventually("the load balancer to be gone", func() (bool, string) {
		_, err := loadbalancers.Get(ctx, c.lb, ll[0].ID).Extract()
		return gophercloud.ResponseCodeIs(err, 404), fmt.Sprint(err)
	})
	c.Eventually("the floating IP to be released", func() (bool, string) {
		_, err := floatingips.Get(ctx, c.network, fl[0].ID).Extract()
		return gophercloud.ResponseCodeIs(err, 404), fmt.Sprint(err)
	})
}

// TestOCCMRouteController: Nodes with pod CIDRs get routes on the cluster's
// router to their addresses (and the CIDR as an allowed address pair on their
// ports); the route controller marks the Nodes' network available.
func TestOCCMRouteController(t *testing.T) {
	c := newOCCM(t, false)
	for _, s := range c.servers {
		c.CreateNode(ccmharness.ReadyNode(s.Name, types.UID("uid-"+s.Name), nil, initializedAs(s), ccmharness.PodCIDR(ccmharness.PodCIDRs[s.Name])))
	}
	ctrl := routecontroller.New(c.Routes(), c.Client, c.Factory.Core().V1().Nodes(), clusterName, ccmharness.ClusterCIDRs())
	c.Start()
	go ctrl.Run(c.Ctx, time.Second, c.Metrics)
	ctx := context.Background()
	c.Eventually("router routes for the three pod CIDRs", func() (bool, string) {
		r, err := routers.Get(ctx, c.network, c.routerID).Extract()
		if err != nil {
			return false, err.Error()
		}
		return len(r.Routes) == 3, fmt.Sprint(r.Routes)
	})
	r, _ := routers.Get(ctx, c.network, c.routerID).Extract()
	for _, route := range r.Routes {
		var owner string
		for name, cidr := range ccmharness.PodCIDRs {
			if cidr == route.DestinationCIDR {
				owner = name
			}
		}
		if owner == "" || c.servers[owner].IP != route.NextHop {
			t.Errorf("route %s via %s: want the pod CIDR of a node via its address", route.DestinationCIDR, route.NextHop)
		}
	}
	for _, s := range c.servers {
		c.WaitRouteCreated(s.Name)
		p, err := ports.Get(ctx, c.network, s.PortID).Extract()
		if err != nil || len(p.AllowedAddressPairs) != 1 || p.AllowedAddressPairs[0].IPAddress != ccmharness.PodCIDRs[s.Name] {
			t.Errorf("%s's port allowed address pairs %+v, %v; want its pod CIDR", s.Name, p, err)
		}
	}
}

// TestOCCMServiceControllerSlowOctavia: the same Service with Octavia taking
// real time (PENDING_CREATE 3 s, PENDING_UPDATE 1 s, PENDING_DELETE 2 s): the
// provider's WaitActiveAndGetLoadBalancer polls through PENDING_CREATE before
// it asks for the floating IP, and the delete waits for the load balancer to
// be gone.
func TestOCCMServiceControllerSlowOctavia(t *testing.T) {
	c := newOCCM(t, false)
	setLifecycle(t, map[string]any{"openstack.loadbalancer": map[string]any{
		"PENDING_CREATE": map[string]any{"delay": map[string]any{"ms": 3000}},
		"PENDING_UPDATE": map[string]any{"delay": map[string]any{"ms": 1000}},
		"PENDING_DELETE": map[string]any{"delay": map[string]any{"ms": 2000}},
	}})
	for _, s := range c.servers {
		c.CreateNode(ccmharness.ReadyNode(s.Name, types.UID("uid-"+s.Name), nil, initializedAs(s)))
	}
	svc := ccmharness.LBService("7a0c1d2e-aaaa-4bbb-8ccc-ddddeeeeffff", nil, ccmharness.TCPPort("http", 80, 30080))
	mark := theTap(t).mark()
	start := time.Now()
	c.RunServiceController(clusterName)
	c.CreateService(svc)
	ing := c.WaitIngress(svc)
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("ingress %s after %s: the provider cannot have waited for PENDING_CREATE (3 s)", ing.IP, took)
	}
	pending := 0
	for _, call := range theTap(t).since(mark) {
		if call.Method == "GET" && strings.Contains(call.Path, "/lbaas/loadbalancers/") && strings.Contains(call.RespBody, `"provisioning_status":"PENDING_CREATE"`) {
			pending++
		}
	}
	if pending == 0 {
		t.Error("the provider never saw the load balancer PENDING_CREATE")
	}
	c.DeleteService(svc)
	c.WaitFinalizersRemoved(svc, "service.kubernetes.io/load-balancer-cleanup")
	lp, err := loadbalancers.List(c.lb, loadbalancers.ListOpts{}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ll, _ := loadbalancers.ExtractLoadBalancers(lp); len(ll) != 0 {
		t.Errorf("load balancers left after the Service's deletion: %+v", ll)
	}
}
