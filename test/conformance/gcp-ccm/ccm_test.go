package gceccm_test

// The cloud-controller-manager wiring that is GCE's own: the real GCE provider
// built by name from a --cloud-config file (gce.conf, as the CCM's cloud
// initialisation does) on the shared plumbing of ../ccmharness (fake
// clientset, informers, waits), the test's own compute client, and the
// seeded instances as Nodes.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cloud-provider-gcp/providers/gce"

	// The cloud controller manager's feature gates (the service controller
	// asks for StableLoadBalancerNodeSet).
	_ "k8s.io/controller-manager/pkg/features/register"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

// instance is a seeded GCE instance as the compute API describes it.
type instance struct {
	Name, Zone, MachineType, InternalIP, ExternalIP string
}

// providerID is the provider ID the GCE provider gives an instance.
func (i instance) providerID() string {
	return "gce://" + projectID + "/" + i.Zone + "/" + i.Name
}

// ccm is one cloud-controller-manager process' worth of state for a test:
// the shared plumbing and what is GCE's own.
type ccm struct {
	*ccmharness.CCM
	gce       *gce.Cloud
	compute   *compute.Service    // the test's own client, straight to fauxcloud
	rec       *recorder           // the provider's compute traffic
	instances map[string]instance // node-a, node-b, node-c
	config    string
}

// newCCM resets fauxcloud, writes gce.conf and builds the provider through
// cloudprovider.InitCloudProvider("gce", path), exactly as the CCM does, then
// Initialize and SetInformers.
func newCCM(t *testing.T) *ccm {
	t.Helper()
	c := &ccm{CCM: ccmharness.Begin(t, "gcp-ccm", admin())}
	c.rec = startRecorder(t, fauxcloudURL)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("FAUXCLOUD_VERBOSE") != "" {
			c.rec.logExchanges(t, os.Getenv("FAUXCLOUD_VERBOSE") != "")
		}
	})
	c.compute = computeClient(t)
	c.instances = seededInstances(t, c.compute)
	c.initProvider(t)
	return c
}

// initProvider builds the provider through cloudprovider.InitCloudProvider
// ("gce", gce.conf) as the CCM does, then Initialize and SetInformers.
func (c *ccm) initProvider(t *testing.T) {
	t.Helper()
	c.config = writeGCEConf(t, c.rec.URL())
	cloud := c.InitProvider(gce.ProviderName, c.config)
	g, ok := cloud.(*gce.Cloud)
	if !ok {
		t.Fatalf("InitCloudProvider(gce) returned %T, not *gce.Cloud", cloud)
	}
	c.gce = g
	deleteWhenFinalized(c.Client)
	c.ServiceGoneWhenFinalized = true
	pc, err := newProviderClient(c.Client)
	if err != nil {
		t.Fatal(err)
	}
	c.Connect(pc)
}

// writeGCEConf writes the provider's gcfg file as `fauxcloud config
// cloud-provider-gcp` renders it for base (the recorder in front of
// fauxcloud): project and zone are given, so the provider reads neither from
// the metadata server at start-up, and the compute clients authenticate with
// Application Default Credentials (token-url = nil), which find the metadata
// server through GCE_METADATA_HOST. The cluster's own settings are added:
// multizone makes it list the region's zones (zones.list) and manage all
// three; network, subnetwork and node tag are those of the scenario.
func writeGCEConf(t *testing.T, base string) string {
	t.Helper()
	path := admin().Must(t).WriteComponentFile("cloud-provider-gcp", "gce.conf", harness.ConfigOptions{
		URL: base,
		Set: []string{
			"[global] network-name=" + networkName,
			"[global] subnetwork-name=" + subnetworkName,
			"[global] node-tags=" + nodeTag,
			"[global] node-instance-prefix=node-",
			"[global] multizone=true",
		},
	})
	conf, err := os.ReadFile(path)
	harness.Check(t, err)
	for _, want := range []string{"project-id = " + projectID, "local-zone = " + localZone, "api-endpoint = " + base + "/compute/v1/", "token-url = nil"} {
		if !strings.Contains(string(conf), want+"\n") {
			t.Fatalf("generated gce.conf lacks %q:\n%s", want, conf)
		}
	}
	return path
}

// computeClient is the test's own compute client (the same generated REST
// client the provider uses), pointed at fauxcloud explicitly, to act on and
// inspect the cloud.
func computeClient(t *testing.T) *compute.Service {
	t.Helper()
	svc, err := compute.NewService(context.Background(),
		option.WithEndpoint(fauxcloudURL+"/compute/v1/"),
		option.WithoutAuthentication(),
		option.WithHTTPClient(&http.Client{Timeout: 20 * time.Second}))
	if err != nil {
		t.Fatalf("compute.NewService: %v", err)
	}
	return svc
}

func seededInstances(t *testing.T, svc *compute.Service) map[string]instance {
	t.Helper()
	m := map[string]instance{}
	for _, z := range []string{"us-central1-a", "us-central1-b", "us-central1-c"} {
		list, err := svc.Instances.List(projectID, z).Do()
		if err != nil {
			t.Fatalf("the test's own instances.list in %s (GET %s/compute/v1/projects/%s/zones/%s/instances): %v", z, fauxcloudURL, projectID, z, err)
		}
		for _, i := range list.Items {
			inst := instance{Name: i.Name, Zone: lastComponent(i.Zone), MachineType: lastComponent(i.MachineType)}
			if len(i.NetworkInterfaces) > 0 {
				inst.InternalIP = i.NetworkInterfaces[0].NetworkIP
				for _, ac := range i.NetworkInterfaces[0].AccessConfigs {
					inst.ExternalIP = ac.NatIP
				}
			}
			m[i.Name] = inst
		}
	}
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		i, ok := m[n]
		if !ok || i.Zone == "" || i.InternalIP == "" || i.MachineType == "" {
			t.Fatalf("seeded instance %s missing or incomplete: %+v (all: %+v)", n, i, m)
		}
	}
	return m
}

func lastComponent(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// nodeUIDs are fixed, so route names (<cluster>-<node UID>) are known.
var nodeUIDs = map[string]string{
	"node-a": "0b6f3c1e-8a8d-4d8e-9e1a-00000000000a",
	"node-b": "0b6f3c1e-8a8d-4d8e-9e1a-00000000000b",
	"node-c": "0b6f3c1e-8a8d-4d8e-9e1a-00000000000c",
}

// nodeFor builds the Node a kubelet with --cloud-provider=external registers
// for an instance on GCE: named by the instance name, with its hostname.
func nodeFor(i instance, mutate ...func(*v1.Node)) *v1.Node {
	return ccmharness.ReadyNode(i.Name, types.UID(nodeUIDs[i.Name]), []v1.NodeAddress{{Type: v1.NodeHostName, Address: i.Name}}, mutate...)
}

// initialized makes a Node look like one the cloud node controller already
// initialised (provider ID, zone/region labels, addresses).
func initialized(i instance) func(*v1.Node) {
	return func(n *v1.Node) {
		n.Spec.ProviderID = i.providerID()
		n.Labels = map[string]string{
			v1.LabelTopologyZone:          i.Zone,
			v1.LabelTopologyRegion:        testRegion,
			v1.LabelFailureDomainBetaZone: i.Zone,
			v1.LabelInstanceTypeStable:    i.MachineType,
		}
		n.Status.Addresses = []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: i.InternalIP},
			{Type: v1.NodeHostName, Address: i.Name},
		}
	}
}

// deleteInstance deletes an instance through fauxcloud's compute API and
// waits for the zone operation, as gcloud does.
func (c *ccm) deleteInstance(i instance) {
	c.T.Helper()
	op, err := c.compute.Instances.Delete(projectID, i.Zone, i.Name).Do()
	if err != nil {
		c.T.Fatalf("instances.delete %s/%s: %v", i.Zone, i.Name, err)
	}
	if op.Status != "DONE" {
		if op, err = c.compute.ZoneOperations.Wait(projectID, i.Zone, op.Name).Do(); err != nil {
			c.T.Fatalf("zoneOperations.wait %s: %v", op.Name, err)
		}
	}
	if op.Error != nil && len(op.Error.Errors) > 0 {
		c.T.Fatalf("instances.delete %s: operation error %+v", i.Name, op.Error.Errors[0])
	}
	c.Eventually("instance "+i.Name+" to be gone from the compute API", func() (bool, string) {
		_, err := c.compute.Instances.Get(projectID, i.Zone, i.Name).Do()
		if isNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("instances.get: %v", err)
	})
}

// isNotFound reports a googleapi 404.
func isNotFound(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusNotFound
}

// checkNoComputeErrors fails the test for every error answer fauxcloud gave
// the provider, except those the provider expects (allowed returns true).
func (c *ccm) checkNoComputeErrors(what string, allowed func(exchange) bool) {
	c.T.Helper()
	for _, e := range c.rec.errors() {
		if allowed != nil && allowed(e) {
			continue
		}
		c.T.Errorf("fauxcloud answered an error during %s: %s", what, e)
	}
}

// expectedNotFound allows the 404s of "does it exist yet?" lookups (GETs)
// and of deletes the provider makes just in case (legacy firewall names,
// address reservations already released), which it ignores.
func expectedNotFound(e exchange) bool {
	return (e.Method == http.MethodGet || e.Method == http.MethodDelete) && e.Status == http.StatusNotFound
}
