package awsccm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	cloudproviderapi "k8s.io/cloud-provider/api"
	nodecontroller "k8s.io/cloud-provider/controllers/node"
	nodelifecycle "k8s.io/cloud-provider/controllers/nodelifecycle"

	"fauxcloud.test/conformance/ccmharness"
)

const labelZoneID = "topology.k8s.aws/zone-id"

var seededZoneIDs = map[string]string{"us-east-1a": "use1-az1", "us-east-1b": "use1-az2", "us-east-1c": "use1-az4"}

// TestCloudNodeController: three Nodes registered by kubelets with
// --cloud-provider=external (named by private DNS name, tainted uninitialized)
// are initialised by the real cloud node controller from what the real AWS
// provider reads from fauxcloud.
func TestCloudNodeController(t *testing.T) {
	c := newCCM(t)
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		c.CreateNode(nodeFor(c.instances[name], ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2, 1)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.Start()
	go ctrl.RunWithContext(c.Ctx, c.Metrics)

	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		node := c.WaitInitialized(fmt.Sprintf("node %s (%s) to be initialised", name, inst.PrivateDNS), inst.PrivateDNS, nil)

		if got, want := node.Spec.ProviderID, "aws:///"+inst.Zone+"/"+inst.ID; got != want {
			t.Errorf("%s: spec.providerID = %q, want %q", name, got, want)
		}
		wantLabels := map[string]string{
			v1.LabelTopologyRegion:          testRegion,
			v1.LabelTopologyZone:            inst.Zone,
			v1.LabelInstanceTypeStable:      "m5.large",
			v1.LabelFailureDomainBetaRegion: testRegion,
			v1.LabelFailureDomainBetaZone:   inst.Zone,
			v1.LabelInstanceType:            "m5.large",
			labelZoneID:                     seededZoneIDs[inst.Zone],
		}
		c.CheckLabels(name, node, wantLabels)
		addrs := ccmharness.Addresses(node)
		if got := addrs[v1.NodeInternalIP]; len(got) != 1 || got[0] != inst.PrivateIP {
			t.Errorf("%s: InternalIP addresses = %v, want [%s] (all: %v)", name, got, inst.PrivateIP, node.Status.Addresses)
		}
		if got := addrs[v1.NodeInternalDNS]; len(got) != 1 || got[0] != inst.PrivateDNS {
			t.Errorf("%s: InternalDNS addresses = %v, want [%s]", name, got, inst.PrivateDNS)
		}
		if got := addrs[v1.NodeHostName]; len(got) != 1 || got[0] != inst.PrivateDNS {
			t.Errorf("%s: Hostname addresses = %v, want [%s]", name, got, inst.PrivateDNS)
		}
	}

	// The provider found node-b and node-c by private-dns-name (node-a is the
	// instance it runs on, known from IMDS), and asked for the zone ids.
	ops := c.Operations("ec2")
	t.Logf("EC2 operations: %v", ops)
	for _, op := range []string{"DescribeInstances", "DescribeAvailabilityZones"} {
		if ops[op] == 0 {
			t.Errorf("no %s in fauxcloud's journal; operations seen: %v", op, ops)
		}
	}
	if errs := c.ErrorAnswers(); len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("fauxcloud answered an error during node initialisation: %s", e)
		}
	}
}

// TestCloudNodeLifecycleController: an instance terminated through EC2 gets its
// Node deleted; a stopped one gets the shutdown taint; a running, Ready one is
// left alone.
func TestCloudNodeLifecycleController(t *testing.T) {
	c := newCCM(t)
	a, b, cc := c.instances["node-a"], c.instances["node-b"], c.instances["node-c"]
	c.CreateNode(nodeFor(a, initialized(a)))
	c.CreateNode(nodeFor(b, initialized(b), ccmharness.NotReady))
	c.CreateNode(nodeFor(cc, initialized(cc), ccmharness.NotReady))

	ctx, cancel := context.WithTimeout(c.Ctx, 20*time.Second)
	defer cancel()
	if _, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{cc.ID}}); err != nil {
		t.Fatalf("TerminateInstances(%s): %v", cc.ID, err)
	}
	if _, err := c.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{b.ID}}); err != nil {
		t.Fatalf("StopInstances(%s): %v", b.ID, err)
	}

	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, c.Metrics)

	c.WaitNodeDeleted("the terminated instance's Node to be deleted", cc.PrivateDNS)
	c.WaitNodeTaint("the stopped instance's Node to get the shutdown taint", b.PrivateDNS, cloudproviderapi.TaintNodeShutdown, v1.TaintEffectNoSchedule, true)
	// Several more monitor periods: the stopped node must not be deleted, the
	// running one must stay untouched.
	time.Sleep(3 * time.Second)
	if _, err := c.GetNode(b.PrivateDNS); err != nil {
		t.Errorf("the stopped instance's Node was deleted (%v); a stopped instance still exists", err)
	}
	n, err := c.GetNode(a.PrivateDNS)
	if err != nil {
		t.Fatalf("the running instance's Node: %v", err)
	}
	if len(n.Spec.Taints) != 0 {
		t.Errorf("the running instance's Node got taints %v", n.Spec.Taints)
	}

	// The instance comes back: the kubelet reports Ready, the taint goes.
	if _, err := c.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{b.ID}}); err != nil {
		t.Fatalf("StartInstances(%s): %v", b.ID, err)
	}
	nb, _ := c.GetNode(b.PrivateDNS)
	nb.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := c.Client.CoreV1().Nodes().UpdateStatus(c.Ctx, nb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update node status: %v", err)
	}
	c.WaitNodeTaint("the restarted instance's Node to lose the shutdown taint", b.PrivateDNS, cloudproviderapi.TaintNodeShutdown, "", false)
	out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{b.ID}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances(%s) after start: %v %+v", b.ID, err, out)
	}
	if st := out.Reservations[0].Instances[0].State; st == nil || (st.Name != "running" && st.Name != "pending") {
		t.Errorf("instance %s after StartInstances: state %+v, want running", b.ID, st)
	}
}
