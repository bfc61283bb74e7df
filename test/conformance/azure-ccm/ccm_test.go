package azureccm_test

// The cloud-controller-manager wiring that is Azure's own: the real provider
// built from an azure.json as cloud-provider-azure's controller manager
// builds it (provider.NewCloudFromConfigFile(ctx, clientBuilder, path,
// true)), on the shared plumbing of ../ccmharness (fake clientset,
// informers, waits). The azure.json points at fauxcloud only through
// resourceManagerEndpoint (the provider reads /metadata/endpoints there and
// takes Resource Manager and the Entra ID login endpoint from it) and
// tenantId "adfs" (MSAL then skips instance discovery at
// login.microsoftonline.com).

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	// The cloud controller manager's feature gates.
	_ "k8s.io/controller-manager/pkg/features/register"

	"sigs.k8s.io/cloud-provider-azure/pkg/provider"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

type ccm struct {
	*ccmharness.CCM
	config string
}

// vms are the seeded VMs: name → zone and private IP (from their NICs).
var vms = map[string]struct{ Zone, IP string }{
	"node-a": {"eastus-1", "10.224.0.4"},
	"node-b": {"eastus-2", "10.224.0.5"},
	"node-c": {"eastus-3", "10.224.0.6"},
}

func vmID(name string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup + "/providers/Microsoft.Compute/virtualMachines/" + name
}

func newCCM(t *testing.T, vmType string, extra ...map[string]any) *ccm {
	t.Helper()
	c := &ccm{CCM: ccmharness.Begin(t, "azure-ccm", admin())}
	c.config = writeAzureJSON(t, vmType, extra...)
	start := time.Now()
	cloud, err := provider.NewCloudFromConfigFile(c.Ctx, nil, c.config, true)
	if err != nil {
		cfg, _ := os.ReadFile(c.config)
		t.Fatalf("provider.NewCloudFromConfigFile: %v\n%s", err, cfg)
	}
	t.Logf("provider built in %s", time.Since(start).Round(time.Millisecond))
	c.Cloud = cloud
	c.Client = fake.NewSimpleClientset()
	c.Connect(c.Client)
	return c
}

// writeAzureJSON writes the azure.json `fauxcloud config cloud-provider-azure`
// renders, with the test's vmType, the scale set the vmss tests use, the
// provider's own backoff and rate limiter off (the tests inject their own
// throttles) and extra keys.
func writeAzureJSON(t *testing.T, vmType string, extra ...map[string]any) string {
	t.Helper()
	set := []string{"vmType=" + vmType, "primaryScaleSetName=fauxcloud-vmss", "cloudProviderBackoff=false", "cloudProviderRateLimit=false"}
	wantEndpoint := fauxcloudURL + "/"
	for _, e := range extra {
		for k, v := range e {
			set = append(set, fmt.Sprintf("%s=%v", k, v))
			if k == "resourceManagerEndpoint" {
				wantEndpoint = fmt.Sprint(v) // a test that reaches Azure's own host names sets none
			}
		}
	}
	p := admin().Must(t).WriteComponentFile("cloud-provider-azure", "azure.json", harness.ConfigOptions{Set: set})
	var got struct{ SubscriptionID, ResourceGroup, Location, ResourceManagerEndpoint string }
	b, err := os.ReadFile(p)
	harness.Check(t, err)
	harness.Check(t, json.Unmarshal(b, &got))
	if got.SubscriptionID != subscription || got.ResourceGroup != resourceGroup || got.Location != location || got.ResourceManagerEndpoint != wantEndpoint {
		t.Fatalf("generated azure.json is not for this scenario and server:\n%s", b)
	}
	return p
}

// nodeFor is the Node a kubelet with --cloud-provider=external registers for a VM.
func nodeFor(name string, mutate ...func(*v1.Node)) *v1.Node {
	return ccmharness.ReadyNode(name, types.UID("uid-"+name), []v1.NodeAddress{{Type: v1.NodeHostName, Address: name}}, mutate...)
}

// initialized is what the node controller leaves on a Node it has initialised.
func initialized(name string) func(*v1.Node) {
	return func(n *v1.Node) {
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Spec.ProviderID = "azure://" + vmID(name)
		n.Labels[v1.LabelTopologyRegion] = location
		n.Labels[v1.LabelTopologyZone] = vms[name].Zone
		n.Labels[v1.LabelInstanceTypeStable] = vmSize
		n.Status.Addresses = append(n.Status.Addresses, v1.NodeAddress{Type: v1.NodeInternalIP, Address: vms[name].IP})
	}
}
