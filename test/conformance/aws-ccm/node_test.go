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
		c.createNode(nodeFor(c.instances[name], func(n *v1.Node) {
			n.Spec.Taints = []v1.Taint{{Key: cloudproviderapi.TaintExternalCloudProvider, Value: "true", Effect: v1.TaintEffectNoSchedule}}
		}))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.factory.Core().V1().Nodes(), c.client, c.cloud, 5*time.Second, 2, 1)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	c.start()
	go ctrl.RunWithContext(c.ctx, c.metrics)

	for _, name := range []string{"node-a", "node-b", "node-c"} {
		inst := c.instances[name]
		var node *v1.Node
		c.eventually(fmt.Sprintf("node %s (%s) to be initialised", name, inst.PrivateDNS), func() (bool, string) {
			n, err := c.getNode(inst.PrivateDNS)
			if err != nil {
				return false, err.Error()
			}
			node = n
			for _, taint := range n.Spec.Taints {
				if taint.Key == cloudproviderapi.TaintExternalCloudProvider {
					return false, fmt.Sprintf("still tainted; providerID=%q labels=%v", n.Spec.ProviderID, n.Labels)
				}
			}
			return true, ""
		})

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
		for k, want := range wantLabels {
			if got, ok := node.Labels[k]; !ok || got != want {
				t.Errorf("%s: label %s = %q (present %v), want %q", name, k, got, ok, want)
			}
		}
		addrs := map[v1.NodeAddressType][]string{}
		for _, a := range node.Status.Addresses {
			addrs[a.Type] = append(addrs[a.Type], a.Address)
		}
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
	ops := c.operations("ec2")
	t.Logf("EC2 operations: %v", ops)
	for _, op := range []string{"DescribeInstances", "DescribeAvailabilityZones"} {
		if ops[op] == 0 {
			t.Errorf("no %s in fauxcloud's journal; operations seen: %v", op, ops)
		}
	}
	if errs := errorAnswers(t, c.sinceSeq); len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("fauxcloud answered an error during node initialisation: %s", e.raw)
		}
	}
}

// TestCloudNodeLifecycleController: an instance terminated through EC2 gets its
// Node deleted; a stopped one gets the shutdown taint; a running, Ready one is
// left alone.
func TestCloudNodeLifecycleController(t *testing.T) {
	c := newCCM(t)
	a, b, cc := c.instances["node-a"], c.instances["node-b"], c.instances["node-c"]
	c.createNode(nodeFor(a, initialized(a)))
	c.createNode(nodeFor(b, initialized(b), notReady))
	c.createNode(nodeFor(cc, initialized(cc), notReady))

	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	if _, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{cc.ID}}); err != nil {
		t.Fatalf("TerminateInstances(%s): %v", cc.ID, err)
	}
	if _, err := c.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{b.ID}}); err != nil {
		t.Fatalf("StopInstances(%s): %v", b.ID, err)
	}

	ctrl, err := nodelifecycle.NewCloudNodeLifecycleController(c.factory.Core().V1().Nodes(), c.client, c.cloud, time.Second, 2)
	if err != nil {
		t.Fatalf("NewCloudNodeLifecycleController: %v", err)
	}
	c.start()
	go ctrl.Run(c.ctx, c.metrics)

	c.eventually("the terminated instance's Node to be deleted", func() (bool, string) {
		_, err := c.getNode(cc.PrivateDNS)
		if err == nil {
			return false, "node " + cc.PrivateDNS + " still exists"
		}
		return true, ""
	})
	c.eventually("the stopped instance's Node to get the shutdown taint", func() (bool, string) {
		n, err := c.getNode(b.PrivateDNS)
		if err != nil {
			return false, err.Error()
		}
		for _, taint := range n.Spec.Taints {
			if taint.Key == cloudproviderapi.TaintNodeShutdown && taint.Effect == v1.TaintEffectNoSchedule {
				return true, ""
			}
		}
		return false, fmt.Sprintf("taints = %v", n.Spec.Taints)
	})
	// Several more monitor periods: the stopped node must not be deleted, the
	// running one must stay untouched.
	time.Sleep(3 * time.Second)
	if _, err := c.getNode(b.PrivateDNS); err != nil {
		t.Errorf("the stopped instance's Node was deleted (%v); a stopped instance still exists", err)
	}
	n, err := c.getNode(a.PrivateDNS)
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
	nb, _ := c.getNode(b.PrivateDNS)
	nb.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(c.ctx, nb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update node status: %v", err)
	}
	c.eventually("the restarted instance's Node to lose the shutdown taint", func() (bool, string) {
		n, err := c.getNode(b.PrivateDNS)
		if err != nil {
			return false, err.Error()
		}
		for _, taint := range n.Spec.Taints {
			if taint.Key == cloudproviderapi.TaintNodeShutdown {
				return false, fmt.Sprintf("taints = %v", n.Spec.Taints)
			}
		}
		return true, ""
	})
	out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{b.ID}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances(%s) after start: %v %+v", b.ID, err, out)
	}
	if st := out.Reservations[0].Instances[0].State; st == nil || (st.Name != "running" && st.Name != "pending") {
		t.Errorf("instance %s after StartInstances: state %+v, want running", b.ID, st)
	}
}
