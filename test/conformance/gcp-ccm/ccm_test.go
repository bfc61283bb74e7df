package gceccm_test

// The cloud-controller-manager wiring: the real GCE provider built by name
// from a --cloud-config file (gce.conf, as the CCM's cloud initialisation
// does), a fake clientset for the Kubernetes API, and helpers to create Nodes
// and wait on what the controllers write.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	cloudprovider "k8s.io/cloud-provider"
	"k8s.io/cloud-provider-gcp/providers/gce"
	controllersmetrics "k8s.io/component-base/metrics/prometheus/controllers"

	// The cloud controller manager's feature gates (the service controller
	// asks for StableLoadBalancerNodeSet).
	_ "k8s.io/controller-manager/pkg/features/register"
)

const (
	// waitTimeout bounds every wait on a controller; generous for a loaded
	// 2-core CI machine, far below go test's own timeout.
	waitTimeout = 60 * time.Second
	pollEvery   = 200 * time.Millisecond
)

// instance is a seeded GCE instance as the compute API describes it.
type instance struct {
	Name, Zone, MachineType, InternalIP, ExternalIP string
}

// providerID is the provider ID the GCE provider gives an instance.
func (i instance) providerID() string {
	return "gce://" + projectID + "/" + i.Zone + "/" + i.Name
}

// ccm is one cloud-controller-manager process' worth of state for a test.
type ccm struct {
	t         *testing.T
	ctx       context.Context
	cloud     cloudprovider.Interface
	gce       *gce.Cloud
	client    *fake.Clientset
	factory   informers.SharedInformerFactory
	compute   *compute.Service // the test's own client, straight to fauxcloud
	rec       *recorder        // the provider's compute traffic
	metrics   *controllersmetrics.ControllerManagerMetrics
	instances map[string]instance // node-a, node-b, node-c
	sinceSeq  int
	config    string
}

// newCCM resets fauxcloud, writes gce.conf and builds the provider through
// cloudprovider.InitCloudProvider("gce", path), exactly as the CCM does, then
// Initialize and SetInformers.
func newCCM(t *testing.T) *ccm {
	t.Helper()
	captureKlog(t)
	resetStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	c := &ccm{t: t, ctx: ctx, sinceSeq: journalLastSeq(t)}
	c.rec = startRecorder(t, fauxcloudURL)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("FAUXCLOUD_VERBOSE") != "" {
			c.rec.logExchanges(t, os.Getenv("FAUXCLOUD_VERBOSE") != "")
			logErrorAnswers(t, c.sinceSeq)
		}
	})
	c.compute = computeClient(t)
	c.instances = seededInstances(t, c.compute)

	c.config = writeGCEConf(t, c.rec.URL()+"/compute/v1/")

	start := time.Now()
	cloud, err := cloudprovider.InitCloudProvider(gce.ProviderName, c.config)
	if err != nil {
		cfg, _ := os.ReadFile(c.config)
		t.Fatalf("InitCloudProvider(gce, %s): %v\ngce.conf:\n%s", c.config, err, cfg)
	}
	if cloud == nil {
		t.Fatalf("InitCloudProvider(gce) returned no provider")
	}
	t.Logf("provider built in %s", time.Since(start).Round(time.Millisecond))
	c.cloud = cloud
	g, ok := cloud.(*gce.Cloud)
	if !ok {
		t.Fatalf("InitCloudProvider(gce) returned %T, not *gce.Cloud", cloud)
	}
	c.gce = g
	c.client = fake.NewSimpleClientset()
	deleteWhenFinalized(c.client)
	pc, err := newProviderClient(c.client)
	if err != nil {
		t.Fatal(err)
	}
	c.factory = informers.NewSharedInformerFactory(c.client, 0)
	// The CCM's order: Initialize, then hand the informers to an InformerUser.
	cloud.Initialize(clientBuilder{pc}, ctx.Done())
	if iu, ok := cloud.(cloudprovider.InformerUser); ok {
		iu.SetInformers(c.factory)
	} else {
		t.Fatalf("the GCE provider is no cloudprovider.InformerUser")
	}
	c.metrics = controllersmetrics.NewControllerManagerMetrics("gcp-ccm-conformance")
	return c
}

// start starts the informers; call after the controllers are constructed.
func (c *ccm) start() {
	c.factory.Start(c.ctx.Done())
	for typ, ok := range c.factory.WaitForCacheSync(c.ctx.Done()) {
		if !ok {
			c.t.Fatalf("informer for %v did not sync", typ)
		}
	}
}

// writeGCEConf writes the provider's gcfg file. Project and zone are given, so
// the provider reads neither from the metadata server at start-up; multizone
// makes it list the region's zones (zones.list) and manage all three. The
// compute clients authenticate with Application Default Credentials
// (token-url = nil), which find the metadata server through GCE_METADATA_HOST.
func writeGCEConf(t *testing.T, apiEndpoint string) string {
	t.Helper()
	if strings.Count(apiEndpoint, "v1") != 1 {
		// The provider derives the beta and alpha endpoints by replacing
		// every "v1" in it.
		t.Fatalf("api-endpoint %q must contain \"v1\" exactly once", apiEndpoint)
	}
	conf := fmt.Sprintf(`[global]
project-id = %s
local-zone = %s
network-name = %s
subnetwork-name = %s
node-tags = %s
node-instance-prefix = node-
multizone = true
api-endpoint = %s
token-url = nil
`, projectID, localZone, networkName, subnetworkName, nodeTag, apiEndpoint)
	path := filepath.Join(t.TempDir(), "gce.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
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
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: i.Name, UID: types.UID(nodeUIDs[i.Name])},
		Status: v1.NodeStatus{
			Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, LastHeartbeatTime: metav1.Now()}},
			Addresses:  []v1.NodeAddress{{Type: v1.NodeHostName, Address: i.Name}},
		},
	}
	for _, m := range mutate {
		m(n)
	}
	return n
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

func notReady(n *v1.Node) {
	n.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionFalse, Reason: "KubeletStopped", LastHeartbeatTime: metav1.Now()}}
}

func (c *ccm) createNode(n *v1.Node) {
	c.t.Helper()
	if _, err := c.client.CoreV1().Nodes().Create(c.ctx, n, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("create node %s: %v", n.Name, err)
	}
}

// eventually polls cond until it returns true, failing the test with the last
// description after waitTimeout.
func (c *ccm) eventually(what string, cond func() (bool, string)) {
	c.t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(c.ctx, pollEvery, waitTimeout, true, func(context.Context) (bool, error) {
		ok, desc := cond()
		last = desc
		return ok, nil
	})
	if err != nil {
		c.t.Fatalf("timed out after %s waiting for %s; last state: %s", waitTimeout, what, last)
	}
}

func (c *ccm) getNode(name string) (*v1.Node, error) {
	return c.client.CoreV1().Nodes().Get(c.ctx, name, metav1.GetOptions{})
}

// deleteInstance deletes an instance through fauxcloud's compute API and
// waits for the zone operation, as gcloud does.
func (c *ccm) deleteInstance(i instance) {
	c.t.Helper()
	op, err := c.compute.Instances.Delete(projectID, i.Zone, i.Name).Do()
	if err != nil {
		c.t.Fatalf("instances.delete %s/%s: %v", i.Zone, i.Name, err)
	}
	if op.Status != "DONE" {
		if op, err = c.compute.ZoneOperations.Wait(projectID, i.Zone, op.Name).Do(); err != nil {
			c.t.Fatalf("zoneOperations.wait %s: %v", op.Name, err)
		}
	}
	if op.Error != nil && len(op.Error.Errors) > 0 {
		c.t.Fatalf("instances.delete %s: operation error %+v", i.Name, op.Error.Errors[0])
	}
	c.eventually("instance "+i.Name+" to be gone from the compute API", func() (bool, string) {
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
	c.t.Helper()
	for _, e := range c.rec.errors() {
		if allowed != nil && allowed(e) {
			continue
		}
		c.t.Errorf("fauxcloud answered an error during %s: %s", what, e)
	}
}

// expectedNotFound allows the 404s of "does it exist yet?" lookups (GETs)
// and of deletes the provider makes just in case (legacy firewall names,
// address reservations already released), which it ignores.
func expectedNotFound(e exchange) bool {
	return (e.Method == http.MethodGet || e.Method == http.MethodDelete) && e.Status == http.StatusNotFound
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
