package ccmharness

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	cloudproviderapi "k8s.io/cloud-provider/api"
)

func TestNodeHelpers(t *testing.T) {
	n := ReadyNode("n1", "uid-1", []v1.NodeAddress{{Type: v1.NodeHostName, Address: "n1"}}, Uninitialized, PodCIDR("10.244.0.0/24"), NotReady)
	if n.Name != "n1" || n.UID != "uid-1" || n.Spec.PodCIDR != "10.244.0.0/24" || len(n.Spec.PodCIDRs) != 1 {
		t.Errorf("node = %+v", n)
	}
	if len(n.Status.Conditions) != 1 || n.Status.Conditions[0].Status != v1.ConditionFalse {
		t.Errorf("conditions = %+v, want NotReady", n.Status.Conditions)
	}
	if !HasTaint(n, cloudproviderapi.TaintExternalCloudProvider, "") || !HasTaint(n, cloudproviderapi.TaintExternalCloudProvider, v1.TaintEffectNoSchedule) ||
		HasTaint(n, cloudproviderapi.TaintExternalCloudProvider, v1.TaintEffectNoExecute) {
		t.Errorf("taints = %v", n.Spec.Taints)
	}
	if got := Addresses(n)[v1.NodeHostName]; len(got) != 1 || got[0] != "n1" {
		t.Errorf("addresses = %v", got)
	}
}

func TestServiceHelpers(t *testing.T) {
	if got := LBName("6a1c2e84-3b7f-4d2a-9c1e-0f3e5d7a9b11"); got != "a6a1c2e843b7f4d2a9c1e0f3e5d7a9b1" {
		t.Errorf("LBName = %q", got)
	}
	svc := LBService("u", nil, TCPPort("http", 80, 30080))
	if svc.Spec.Type != v1.ServiceTypeLoadBalancer || svc.Spec.Ports[0].TargetPort.IntValue() != 8080 || svc.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("service = %+v", svc.Spec)
	}
}
