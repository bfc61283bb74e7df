package gceccm_test

// A world built purely through the compute API: a scenario that seeds only
// the project, its zones and its network; the instances are inserted by the
// test (one standalone per zone, one through a managed instance group made
// from an instance template), as a provider's e2e suite sets up its cluster.
// Then the real cloud node and node lifecycle controllers run against them.

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/compute/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	nodecontroller "k8s.io/cloud-provider/controllers/node"
	nodelifecycle "k8s.io/cloud-provider/controllers/nodelifecycle"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

// emptyWorld is the default scenario's project without a single instance.
const emptyWorld = `name: gce-empty-world
seed:
  gcp:
    projects:
      fauxcloud-project:
        number: "123456789012"
        zones: [us-central1-a, us-central1-b, us-central1-c]
        networks:
          - name: default
            subnetworks:
              - { name: default, region: us-central1, cidr: 10.128.0.0/20 }
`

// newAPIWorldCCM loads the empty world, builds it through the compute API and
// then starts the provider exactly as newCCM does. The first instance made is
// the one the metadata server speaks for (the CCM's own host).
func newAPIWorldCCM(t *testing.T) *ccm {
	t.Helper()
	c := &ccm{CCM: ccmharness.Begin(t, "gcp-ccm", admin())}
	_, err := admin().Call("PUT", "/_fauxcloud/scenario", map[string]any{"yaml": emptyWorld})
	harness.Check(t, err)
	t.Cleanup(func() {
		_, err := admin().Call("PUT", "/_fauxcloud/scenario", map[string]any{"name": "default"})
		harness.Check(t, err)
	})
	c.rec = startRecorder(t, fauxcloudURL)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("FAUXCLOUD_VERBOSE") != "" {
			c.rec.logExchanges(t, os.Getenv("FAUXCLOUD_VERBOSE") != "")
		}
	})
	c.compute = computeClient(t)
	if list, err := c.compute.Instances.AggregatedList(projectID).Do(); err != nil || countInstances(list) != 0 {
		t.Fatalf("the empty world has instances (%v)", err)
	}
	buildWorld(t, c.compute)
	c.instances = listInstances(t, c.compute)
	c.initProvider(t)
	return c
}

func countInstances(l *compute.InstanceAggregatedList) int {
	n := 0
	for _, s := range l.Items {
		n += len(s.Instances)
	}
	return n
}

func image(family string) *compute.AttachedDiskInitializeParams {
	return &compute.AttachedDiskInitializeParams{SourceImage: "projects/cos-cloud/global/images/family/" + family, DiskSizeGb: 100}
}

// buildWorld: ccm-host (us-central1-a), api-node-b (us-central1-b, with an
// external address, n2-standard-2) and one node of the pool-c group
// (us-central1-c, from a template).
func buildWorld(t *testing.T, svc *compute.Service) {
	t.Helper()
	insert := func(zone, name, machineType string, external bool) {
		nic := &compute.NetworkInterface{Network: "global/networks/" + networkName, Subnetwork: "regions/" + testRegion + "/subnetworks/" + subnetworkName}
		if external {
			nic.AccessConfigs = []*compute.AccessConfig{{Type: "ONE_TO_ONE_NAT", Name: "External NAT"}}
		}
		op, err := svc.Instances.Insert(projectID, zone, &compute.Instance{
			Name: name, MachineType: "zones/" + zone + "/machineTypes/" + machineType,
			Disks:             []*compute.AttachedDisk{{Boot: true, AutoDelete: true, InitializeParams: image("cos-117-lts")}},
			NetworkInterfaces: []*compute.NetworkInterface{nic},
			ServiceAccounts:   []*compute.ServiceAccount{{Email: "default", Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"}}},
			Tags:              &compute.Tags{Items: []string{nodeTag}},
		}).Do()
		waitZoneOp(t, svc, zone, op, err)
	}
	insert("us-central1-a", "ccm-host", "e2-standard-4", false)
	insert("us-central1-b", "api-node-b", "n2-standard-2", true)

	op, err := svc.InstanceTemplates.Insert(projectID, &compute.InstanceTemplate{Name: "pool-c", Properties: &compute.InstanceProperties{
		MachineType:       "e2-standard-8",
		Disks:             []*compute.AttachedDisk{{Boot: true, AutoDelete: true, InitializeParams: image("cos-117-lts")}},
		NetworkInterfaces: []*compute.NetworkInterface{{Network: "global/networks/" + networkName}},
		Tags:              &compute.Tags{Items: []string{nodeTag}},
	}}).Do()
	if err == nil && op.Status != "DONE" {
		op, err = svc.GlobalOperations.Wait(projectID, op.Name).Do()
	}
	if err != nil || op.Error != nil {
		t.Fatalf("instanceTemplates.insert: %v %+v", err, op)
	}
	op, err = svc.InstanceGroupManagers.Insert(projectID, "us-central1-c", &compute.InstanceGroupManager{Name: "pool-c", BaseInstanceName: "pool-c", InstanceTemplate: "global/instanceTemplates/pool-c", TargetSize: 1}).Do()
	waitZoneOp(t, svc, "us-central1-c", op, err)
}

func waitZoneOp(t *testing.T, svc *compute.Service, zone string, op *compute.Operation, err error) {
	t.Helper()
	for i := 0; err == nil && op.Status != "DONE" && i < 20; i++ {
		op, err = svc.ZoneOperations.Wait(projectID, zone, op.Name).Do()
	}
	if err != nil || op.Status != "DONE" || op.Error != nil {
		t.Fatalf("operation in %s: %v %+v", zone, err, op)
	}
}

// listInstances reads every instance back as the provider will see it.
func listInstances(t *testing.T, svc *compute.Service) map[string]instance {
	t.Helper()
	m := map[string]instance{}
	list, err := svc.Instances.AggregatedList(projectID).Do()
	if err != nil {
		t.Fatalf("instances.aggregatedList: %v", err)
	}
	for _, scope := range list.Items {
		for _, i := range scope.Instances {
			inst := instance{Name: i.Name, Zone: lastComponent(i.Zone), MachineType: lastComponent(i.MachineType), InternalIP: i.NetworkInterfaces[0].NetworkIP}
			for _, ac := range i.NetworkInterfaces[0].AccessConfigs {
				inst.ExternalIP = ac.NatIP
			}
			m[i.Name] = inst
		}
	}
	if len(m) != 3 || m["api-node-b"].ExternalIP == "" {
		t.Fatalf("the API-built world: %+v", m)
	}
	return m
}

func apiNode(i instance, mutate ...func(*v1.Node)) *v1.Node {
	return ccmharness.ReadyNode(i.Name, types.UID("uid-"+i.Name), []v1.NodeAddress{{Type: v1.NodeHostName, Address: i.Name}}, mutate...)
}

// TestNodeControllerOnAPIBuiltWorld: Nodes for the inserted instances are
// initialised from what the provider reads of them: provider ID, zone and
// instance type labels, the subnetwork address and the ephemeral external one.
func TestNodeControllerOnAPIBuiltWorld(t *testing.T) {
	c := newAPIWorldCCM(t)
	for _, i := range c.instances {
		c.CreateNode(apiNode(i, ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx.Done(), c.Metrics)

	for name, inst := range c.instances {
		node := c.WaitInitialized(fmt.Sprintf("node %s to be initialised", name), name, func(n *v1.Node) (bool, string) {
			return len(ccmharness.Addresses(n)[v1.NodeInternalIP]) > 0, fmt.Sprintf("no InternalIP yet: %v", n.Status.Addresses)
		})
		if got, want := node.Spec.ProviderID, inst.providerID(); got != want {
			t.Errorf("%s: providerID = %q, want %q", name, got, want)
		}
		c.CheckLabels(name, node, map[string]string{v1.LabelTopologyRegion: testRegion, v1.LabelTopologyZone: inst.Zone, v1.LabelInstanceTypeStable: inst.MachineType})
		addrs := ccmharness.Addresses(node)
		if got := addrs[v1.NodeInternalIP]; len(got) != 1 || got[0] != inst.InternalIP || !strings.HasPrefix(got[0], "10.128.") {
			t.Errorf("%s: InternalIP = %v, want [%s]", name, got, inst.InternalIP)
		}
		if got := addrs[v1.NodeExternalIP]; (inst.ExternalIP == "" && len(got) != 0) || (inst.ExternalIP != "" && (len(got) != 1 || got[0] != inst.ExternalIP)) {
			t.Errorf("%s: ExternalIP = %v, want %q", name, got, inst.ExternalIP)
		}
	}
	if got := c.instances["api-node-b"].MachineType; got != "n2-standard-2" {
		t.Errorf("api-node-b machine type %q", got)
	}
	c.checkNoComputeErrors("node initialisation on an API-built world", func(e exchange) bool {
		return expectedNotFound(e) && strings.Contains(e.Path, "/instances/")
	})
}

// TestNodeLifecycleOnAPIBuiltWorld: the pool shrinks to zero (the group
// deletes its instance) and the node lifecycle controller deletes the
// NotReady Node; a stopped instance's NotReady Node stays (it still exists).
func TestNodeLifecycleOnAPIBuiltWorld(t *testing.T) {
	c := newAPIWorldCCM(t)
	var pool instance
	for _, i := range c.instances {
		mutate := []func(*v1.Node){initialized(i)}
		if i.Name != "ccm-host" {
			mutate = append(mutate, ccmharness.NotReady)
		}
		if strings.HasPrefix(i.Name, "pool-c-") {
			pool = i
		}
		c.CreateNode(apiNode(i, mutate...))
	}
	op, err := c.compute.Instances.Stop(projectID, "us-central1-b", "api-node-b").Do()
	waitZoneOp(t, c.compute, "us-central1-b", op, err)
	op, err = c.compute.InstanceGroupManagers.Resize(projectID, "us-central1-c", "pool-c", 0).Do()
	waitZoneOp(t, c.compute, "us-central1-c", op, err)
	c.Eventually("the pool's instance to be gone", func() (bool, string) {
		_, err := c.compute.Instances.Get(projectID, pool.Zone, pool.Name).Do()
		return isNotFound(err), fmt.Sprintf("instances.get: %v", err)
	})

	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, time.Second)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, c.Metrics)
	c.WaitNodeDeleted("the removed pool node's Node to be deleted", pool.Name)
	time.Sleep(3 * time.Second)
	if _, err := c.GetNode("api-node-b"); err != nil {
		t.Errorf("the stopped instance's Node was deleted (%v)", err)
	}
	if got, err := c.compute.Instances.Get(projectID, "us-central1-b", "api-node-b").Do(); err != nil || got.Status != "TERMINATED" {
		t.Errorf("api-node-b: %v %v", got, err)
	}
	c.checkNoComputeErrors("node lifecycle on an API-built world", func(e exchange) bool {
		return expectedNotFound(e) && strings.HasSuffix(e.Path, "/instances/"+pool.Name)
	})
}
