package gceccm_test

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/compute/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cloud-provider-gcp/providers/gce"

	"fauxcloud.test/conformance/ccmharness"
)

const (
	annotationILB = "networking.gke.io/load-balancer-type"
	ilbFinalizer  = "gke.networking.io/l4-ilb-v1"
)

// startServiceController creates initialised, Ready Nodes for the three
// instances and runs the real service controller.
func (c *ccm) startServiceController() {
	c.T.Helper()
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		c.CreateNode(nodeFor(inst, initialized(inst)))
	}
	c.RunServiceController(clusterName)
}

// clusterID is the id the provider keeps in the kube-system/ingress-uid
// ConfigMap (it creates it on first use); names of shared LB resources carry it.
func (c *ccm) clusterID() string {
	c.T.Helper()
	var id string
	c.Eventually("the provider's cluster id", func() (bool, string) {
		got, err := c.gce.ClusterID.GetID()
		if err != nil {
			return false, err.Error()
		}
		id = got
		return true, ""
	})
	cm, err := c.Client.CoreV1().ConfigMaps("kube-system").Get(c.Ctx, gce.UIDConfigMapName, metav1.GetOptions{})
	if err != nil {
		c.T.Errorf("the provider's cluster id %q is not in kube-system/%s: %v", id, gce.UIDConfigMapName, err)
	} else if cm.Data[gce.UIDProvider] != id {
		c.T.Errorf("kube-system/%s = %v, the provider uses %q", gce.UIDConfigMapName, cm.Data, id)
	}
	return id
}

// waitIngressIP waits for the controller to publish a load balancer IP.
func (c *ccm) waitIngressIP(svc *v1.Service) string {
	c.T.Helper()
	ip := c.WaitIngress(svc).IP
	if net.ParseIP(ip) == nil {
		c.T.Errorf("ingress IP %q is not an IP address", ip)
	}
	return ip
}

func (c *ccm) waitFinalizersRemoved(svc *v1.Service) {
	c.T.Helper()
	c.WaitFinalizersRemoved(svc, ccmharness.LBCleanupFinalizer, ilbFinalizer)
}

// gone waits until get answers 404.
func (c *ccm) gone(what string, get func() error) {
	c.T.Helper()
	c.Eventually(what+" to be deleted", func() (bool, string) {
		err := get()
		if isNotFound(err) {
			return true, ""
		}
		if err == nil {
			return false, "still there"
		}
		return false, err.Error()
	})
}

// goneSoon is gone for a few seconds, failing the test without stopping it.
func (c *ccm) goneSoon(what string, get func() error) {
	c.T.Helper()
	var last string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(ccmharness.PollEvery) {
		err := get()
		if isNotFound(err) {
			return
		}
		last = "still there"
		if err != nil {
			last = err.Error()
		}
	}
	c.T.Errorf("%s: not deleted (%s)", what, last)
}

// instanceNames lists the last path components of instance URLs, sorted.
func instanceNames(urls []string) string {
	var out []string
	for _, u := range urls {
		// …/zones/<zone>/instances/<name>
		parts := strings.Split(u, "/")
		if len(parts) >= 4 {
			out = append(out, parts[len(parts)-3]+"/"+parts[len(parts)-1])
		} else {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func allowedString(fw *compute.Firewall) string {
	var out []string
	for _, a := range fw.Allowed {
		out = append(out, a.IPProtocol+":"+strings.Join(a.Ports, "+"))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func (c *ccm) wantNodesTag(fw *compute.Firewall) {
	c.T.Helper()
	if strings.Join(fw.TargetTags, ",") != nodeTag {
		c.T.Errorf("firewall %s targetTags = %v, want [%s] (gce.conf node-tags)", fw.Name, fw.TargetTags, nodeTag)
	}
	if !strings.HasSuffix(fw.Network, "/projects/"+projectID+"/global/networks/"+networkName) {
		c.T.Errorf("firewall %s network = %q, want …/projects/%s/global/networks/%s", fw.Name, fw.Network, projectID, networkName)
	}
}

// ---------------------------------------------------------------------------
// External (target pool) load balancer

// TestServiceControllerExternalLB: a LoadBalancer Service gets GCE's network
// load balancer: a static IP reserved (addresses.insert), a firewall for the
// Service ports, the shared nodes health check (httpHealthChecks) and its
// firewall, a target pool with the three instances, and a forwarding rule
// whose IP is published as the Service's ingress. A port change recreates the
// forwarding rule and updates the firewall; deletion removes it all.
func TestServiceControllerExternalLB(t *testing.T) {
	c := newCCM(t)
	c.startServiceController()
	const uid = "5e2b7c10-4d3a-4f6e-8b1c-2a9d0e7f3c21"
	name := ccmharness.LBName(uid)
	svc := ccmharness.LBService(uid, nil, ccmharness.TCPPort("http", 80, 30080))
	c.CreateService(svc)

	ip := c.waitIngressIP(svc)
	cid := c.clusterID()
	fr, err := c.compute.ForwardingRules.Get(projectID, testRegion, name).Do()
	if err != nil {
		t.Fatalf("forwardingRules.get %s: %v", name, err)
	}
	if fr.IPAddress != ip {
		t.Errorf("forwarding rule IPAddress %q != published ingress IP %q", fr.IPAddress, ip)
	}
	if fr.IPProtocol != "TCP" || fr.PortRange != "80-80" {
		t.Errorf("forwarding rule %s/%s, want TCP 80-80", fr.IPProtocol, fr.PortRange)
	}
	if !strings.HasSuffix(fr.Target, "/projects/"+projectID+"/regions/"+testRegion+"/targetPools/"+name) {
		t.Errorf("forwarding rule target = %q, want the target pool %s", fr.Target, name)
	}
	if s := fr.LoadBalancingScheme; s != "" && s != "EXTERNAL" {
		t.Errorf("forwarding rule loadBalancingScheme = %q, want EXTERNAL", s)
	}
	if strings.HasPrefix(ip, "10.") {
		t.Errorf("external load balancer IP %s is a private address", ip)
	}

	tp, err := c.compute.TargetPools.Get(projectID, testRegion, name).Do()
	if err != nil {
		t.Fatalf("targetPools.get %s: %v", name, err)
	}
	if got, want := instanceNames(tp.Instances), "us-central1-a/node-a,us-central1-b/node-b,us-central1-c/node-c"; got != want {
		t.Errorf("target pool instances = %s (%v), want %s", got, tp.Instances, want)
	}
	hcName := gce.MakeNodesHealthCheckName(cid)
	if len(tp.HealthChecks) != 1 || !strings.HasSuffix(tp.HealthChecks[0], "/global/httpHealthChecks/"+hcName) {
		t.Errorf("target pool health checks = %v, want the nodes health check %s", tp.HealthChecks, hcName)
	}
	if tp.SessionAffinity != "" && tp.SessionAffinity != "NONE" {
		t.Errorf("target pool sessionAffinity = %q, want NONE", tp.SessionAffinity)
	}
	hc, err := c.compute.HttpHealthChecks.Get(projectID, hcName).Do()
	if err != nil {
		t.Errorf("httpHealthChecks.get %s: %v", hcName, err)
	} else if hc.Port != 10256 || hc.RequestPath != "/healthz" {
		t.Errorf("health check %s port %d path %q, want kube-proxy's 10256 /healthz", hcName, hc.Port, hc.RequestPath)
	}

	fwName := gce.MakeFirewallName(name)
	fw, err := c.compute.Firewalls.Get(projectID, fwName).Do()
	if err != nil {
		t.Fatalf("firewalls.get %s: %v", fwName, err)
	}
	if got := allowedString(fw); got != "tcp:80" {
		t.Errorf("firewall %s allowed = %s, want tcp:80", fwName, got)
	}
	if strings.Join(fw.SourceRanges, ",") != "0.0.0.0/0" {
		t.Errorf("firewall %s sourceRanges = %v, want [0.0.0.0/0]", fwName, fw.SourceRanges)
	}
	c.wantNodesTag(fw)
	hcFwName := gce.MakeHealthCheckFirewallName(cid, hcName, true)
	if hcFw, err := c.compute.Firewalls.Get(projectID, hcFwName).Do(); err != nil {
		t.Errorf("firewalls.get %s (health checks): %v", hcFwName, err)
	} else {
		if got := allowedString(hcFw); got != "tcp:10256" {
			t.Errorf("firewall %s allowed = %s, want tcp:10256", hcFwName, got)
		}
		c.wantNodesTag(hcFw)
	}
	// The static IP the provider reserved while building the load balancer
	// (named like it) is released once the forwarding rule holds the IP.
	if got := c.rec.sent(http.MethodPost, "v1 regions/*/addresses"); len(got) == 0 {
		t.Errorf("no addresses.insert: the provider reserves the IP before the forwarding rule; calls: %v", c.rec.calls())
	}
	// (Not fatal: the rest of the life cycle is still worth checking.)
	c.goneSoon("the reservation "+name+" (released after the forwarding rule took the IP, which keeps it as ephemeral)", func() error {
		_, err := c.compute.Addresses.Get(projectID, testRegion, name).Do()
		return err
	})
	c.checkNoComputeErrors("external load balancer creation", expectedNotFound)

	// Ports change: 80 becomes 8080, 443 is added. GCE forwarding rules are
	// immutable: the provider deletes and recreates it on the same IP.
	c.UpdateServicePorts(svc, ccmharness.TCPPort("http", 8080, 30080), ccmharness.TCPPort("https", 443, 30443))
	c.Eventually("the forwarding rule to cover the new ports", func() (bool, string) {
		fr, err := c.compute.ForwardingRules.Get(projectID, testRegion, name).Do()
		if err != nil {
			return false, err.Error()
		}
		return fr.PortRange == "443-8080" && fr.IPAddress == ip, fmt.Sprintf("portRange %s IP %s", fr.PortRange, fr.IPAddress)
	})
	c.Eventually("the firewall to follow the Service ports", func() (bool, string) {
		fw, err := c.compute.Firewalls.Get(projectID, fwName).Do()
		if err != nil {
			return false, err.Error()
		}
		got := allowedString(fw)
		return got == "tcp:443+8080" || got == "tcp:8080+443", got
	})

	c.DeleteService(svc)
	c.waitFinalizersRemoved(svc)
	c.gone("forwarding rule "+name, func() error { _, err := c.compute.ForwardingRules.Get(projectID, testRegion, name).Do(); return err })
	c.gone("target pool "+name, func() error { _, err := c.compute.TargetPools.Get(projectID, testRegion, name).Do(); return err })
	c.gone("firewall "+fwName, func() error { _, err := c.compute.Firewalls.Get(projectID, fwName).Do(); return err })
	c.gone("nodes health check "+hcName, func() error { _, err := c.compute.HttpHealthChecks.Get(projectID, hcName).Do(); return err })
	c.gone("health check firewall "+hcFwName, func() error { _, err := c.compute.Firewalls.Get(projectID, hcFwName).Do(); return err })
	c.checkNoComputeErrors("the external load balancer's life", expectedNotFound)
	t.Logf("compute calls: %v", c.rec.calls())
}

// ---------------------------------------------------------------------------
// Internal load balancer

// TestServiceControllerInternalLB: a Service annotated
// networking.gke.io/load-balancer-type: Internal gets GCE's internal passthrough
// load balancer: an unmanaged instance group per zone with that zone's node,
// the shared health check (healthChecks), a regional backend service over the
// three groups, an INTERNAL forwarding rule with an address from the
// subnetwork, and the firewalls; deletion removes it all.
func TestServiceControllerInternalLB(t *testing.T) {
	c := newCCM(t)
	c.startServiceController()
	const uid = "7a4c9e21-6b3d-4c8f-9a2e-1f0b3d5c7e42"
	name := ccmharness.LBName(uid)
	svc := ccmharness.LBService(uid, map[string]string{annotationILB: "Internal"}, ccmharness.TCPPort("http", 80, 30080))
	c.CreateService(svc)

	ip := c.waitIngressIP(svc)
	_, subnet, _ := net.ParseCIDR(subnetCIDR)
	if !subnet.Contains(net.ParseIP(ip)) {
		t.Errorf("internal load balancer IP %s is not in the subnetwork %s", ip, subnetCIDR)
	}
	for _, i := range c.instances {
		if i.InternalIP == ip {
			t.Errorf("internal load balancer IP %s is %s's address", ip, i.Name)
		}
	}
	cid := c.clusterID()
	s, err := c.Client.CoreV1().Services("default").Get(c.Ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Finalizers, ilbFinalizer) {
		t.Errorf("service finalizers = %v, want the provider's %s", s.Finalizers, ilbFinalizer)
	}

	fr, err := c.compute.ForwardingRules.Get(projectID, testRegion, name).Do()
	if err != nil {
		t.Fatalf("forwardingRules.get %s: %v", name, err)
	}
	if fr.IPAddress != ip {
		t.Errorf("forwarding rule IPAddress %q != published ingress IP %q", fr.IPAddress, ip)
	}
	if fr.LoadBalancingScheme != "INTERNAL" || fr.IPProtocol != "TCP" || strings.Join(fr.Ports, ",") != "80" {
		t.Errorf("forwarding rule scheme %q protocol %q ports %v, want INTERNAL TCP [80]", fr.LoadBalancingScheme, fr.IPProtocol, fr.Ports)
	}
	if !strings.HasSuffix(fr.BackendService, "/projects/"+projectID+"/regions/"+testRegion+"/backendServices/"+name) {
		t.Errorf("forwarding rule backendService = %q, want the backend service %s", fr.BackendService, name)
	}
	if !strings.HasSuffix(fr.Subnetwork, "/projects/"+projectID+"/regions/"+testRegion+"/subnetworks/"+subnetworkName) {
		t.Errorf("forwarding rule subnetwork = %q, want …/regions/%s/subnetworks/%s", fr.Subnetwork, testRegion, subnetworkName)
	}
	if !strings.HasSuffix(fr.Network, "/projects/"+projectID+"/global/networks/"+networkName) {
		t.Errorf("forwarding rule network = %q, want …/global/networks/%s", fr.Network, networkName)
	}

	igName := "k8s-ig--" + cid
	var groups []string
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		ig, err := c.compute.InstanceGroups.Get(projectID, inst.Zone, igName).Do()
		if err != nil {
			t.Errorf("instanceGroups.get %s in %s: %v", igName, inst.Zone, err)
			continue
		}
		groups = append(groups, ig.SelfLink)
		members, err := c.compute.InstanceGroups.ListInstances(projectID, inst.Zone, igName, &compute.InstanceGroupsListInstancesRequest{InstanceState: "ALL"}).Do()
		if err != nil {
			t.Errorf("instanceGroups.listInstances %s in %s: %v", igName, inst.Zone, err)
			continue
		}
		var urls []string
		for _, m := range members.Items {
			urls = append(urls, m.Instance)
		}
		if got, want := instanceNames(urls), inst.Zone+"/"+name; got != want {
			t.Errorf("instance group %s in %s has %s (%v), want %s", igName, inst.Zone, got, urls, want)
		}
	}

	bs, err := c.compute.RegionBackendServices.Get(projectID, testRegion, name).Do()
	if err != nil {
		t.Fatalf("regionBackendServices.get %s: %v", name, err)
	}
	if bs.LoadBalancingScheme != "INTERNAL" || bs.Protocol != "TCP" {
		t.Errorf("backend service scheme %q protocol %q, want INTERNAL TCP", bs.LoadBalancingScheme, bs.Protocol)
	}
	var backends []string
	for _, b := range bs.Backends {
		backends = append(backends, instanceGroupKey(b.Group))
	}
	sort.Strings(backends)
	var wantBackends []string
	for _, g := range groups {
		wantBackends = append(wantBackends, instanceGroupKey(g))
	}
	sort.Strings(wantBackends)
	if strings.Join(backends, ",") != strings.Join(wantBackends, ",") || len(backends) != 3 {
		t.Errorf("backend service backends = %v, want the three instance groups %v", backends, wantBackends)
	}
	hcName := "k8s-" + cid + "-node"
	if len(bs.HealthChecks) != 1 || !strings.HasSuffix(bs.HealthChecks[0], "/global/healthChecks/"+hcName) {
		t.Errorf("backend service health checks = %v, want the shared health check %s", bs.HealthChecks, hcName)
	}
	if hc, err := c.compute.HealthChecks.Get(projectID, hcName).Do(); err != nil {
		t.Errorf("healthChecks.get %s: %v", hcName, err)
	} else if hc.Type != "HTTP" || hc.HttpHealthCheck == nil || hc.HttpHealthCheck.Port != 10256 || hc.HttpHealthCheck.RequestPath != "/healthz" {
		t.Errorf("health check %s = type %q %+v, want HTTP 10256 /healthz", hcName, hc.Type, hc.HttpHealthCheck)
	}

	fwName := gce.MakeFirewallName(name)
	fw, err := c.compute.Firewalls.Get(projectID, fwName).Do()
	if err != nil {
		t.Errorf("firewalls.get %s: %v", fwName, err)
	} else {
		if got := allowedString(fw); got != "tcp:80" {
			t.Errorf("firewall %s allowed = %s, want tcp:80", fwName, got)
		}
		if strings.Join(fw.DestinationRanges, ",") != ip {
			t.Errorf("firewall %s destinationRanges = %v, want [%s]", fwName, fw.DestinationRanges, ip)
		}
		c.wantNodesTag(fw)
	}
	hcFwName := "k8s-" + cid + "-node-hc"
	if hcFw, err := c.compute.Firewalls.Get(projectID, hcFwName).Do(); err != nil {
		t.Errorf("firewalls.get %s (health checks): %v", hcFwName, err)
	} else if got := allowedString(hcFw); got != "tcp:10256" {
		t.Errorf("firewall %s allowed = %s, want tcp:10256", hcFwName, got)
	}
	// The provider held the address with addresses.insert (INTERNAL, in the
	// subnetwork) and released it once the forwarding rule owned the IP.
	if got := c.rec.sent(http.MethodPost, "v1 regions/*/addresses"); len(got) == 0 {
		t.Errorf("no addresses.insert; calls: %v", c.rec.calls())
	}
	c.goneSoon("the reservation "+name+" (released after the forwarding rule took the IP, which keeps it)", func() error {
		_, err := c.compute.Addresses.Get(projectID, testRegion, name).Do()
		return err
	})
	if fr, err := c.compute.ForwardingRules.Get(projectID, testRegion, name).Do(); err != nil || fr.IPAddress != ip {
		t.Errorf("after the address reservation is released the forwarding rule must keep %s: %v %v", ip, fr, err)
	}
	c.checkNoComputeErrors("internal load balancer creation", ilbExpectedErrors)

	c.DeleteService(svc)
	c.waitFinalizersRemoved(svc)
	c.gone("forwarding rule "+name, func() error { _, err := c.compute.ForwardingRules.Get(projectID, testRegion, name).Do(); return err })
	c.gone("backend service "+name, func() error {
		_, err := c.compute.RegionBackendServices.Get(projectID, testRegion, name).Do()
		return err
	})
	c.gone("firewall "+fwName, func() error { _, err := c.compute.Firewalls.Get(projectID, fwName).Do(); return err })
	c.gone("health check "+hcName, func() error { _, err := c.compute.HealthChecks.Get(projectID, hcName).Do(); return err })
	c.gone("health check firewall "+hcFwName, func() error { _, err := c.compute.Firewalls.Get(projectID, hcFwName).Do(); return err })
	for _, z := range []string{"us-central1-a", "us-central1-b", "us-central1-c"} {
		z := z
		c.gone("instance group "+igName+" in "+z, func() error { _, err := c.compute.InstanceGroups.Get(projectID, z, igName).Do(); return err })
	}
	c.checkNoComputeErrors("the internal load balancer's life", ilbExpectedErrors)
	t.Logf("compute calls: %v", c.rec.calls())
}

// ilbExpectedErrors: besides the 404s, 409 on instanceGroups.insert. The
// service controller's first node sync (UpdateLoadBalancer) and its first
// EnsureLoadBalancer both run ensureInternalInstanceGroups, which the provider
// calls before taking its sharedResourceLock: both can find no group and
// insert it, and Google answers the second with 409 as fauxcloud does; the
// provider retries.
func ilbExpectedErrors(e exchange) bool {
	return expectedNotFound(e) ||
		(e.Method == http.MethodPost && template(e.Path) == "v1 zones/*/instanceGroups" && e.Status == http.StatusConflict)
}

// instanceGroupKey is "zones/<zone>/instanceGroups/<name>" of a group URL, so
// URLs of different hosts compare.
func instanceGroupKey(u string) string {
	if i := strings.Index(u, "/zones/"); i >= 0 {
		return u[i+1:]
	}
	return u
}
