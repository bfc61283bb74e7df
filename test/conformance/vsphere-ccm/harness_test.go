package vsphereccm_test

// Harness for the vSphere cloud-controller-manager suite: the real vSphere cloud provider
// (k8s.io/cloud-provider-vsphere) built by name from a YAML vsphere.conf that points at
// fauxcloud's HTTPS port with its CA (caFile), on ../ccmharness's fake clientset and informers.
// A govmomi client of the test's own changes the cloud (power off, destroy) as an operator would.

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/cloud-provider-vsphere/pkg/cloudprovider/vsphere"
	controllersmetrics "k8s.io/component-base/metrics/prometheus/controllers"
)

const (
	user     = "administrator@vsphere.local"
	password = "fauxcloud"
)

var (
	fauxcloudURL string
	httpsURL     *url.URL
	caFile       string
)

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	ccmharness.SetupKlog("VSPHERE_CCM_KLOG_V")
	os.Exit(harness.Main(m, harness.Options{
		Name:      "vsphere-ccm",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := admin().WantCloud("vsphere"); err != nil {
				return err
			}
			u, err := url.Parse(os.Getenv("FAUXCLOUD_HTTPS_URL"))
			if err != nil {
				return err
			}
			httpsURL = u
			pem, err := admin().Call("GET", "/_fauxcloud/ca.pem", nil)
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "fauxcloud-vsphere-ccm-")
			if err != nil {
				return err
			}
			caFile = filepath.Join(dir, "ca.pem")
			if err := os.WriteFile(caFile, pem, 0o600); err != nil {
				return err
			}
			// The provider reads VSPHERE_* over its config file; keep the machine's out.
			var clear []string
			for _, kv := range os.Environ() {
				if strings.HasPrefix(kv, "VSPHERE_") {
					clear = append(clear, strings.SplitN(kv, "=", 2)[0])
				}
			}
			return harness.IsolateEnv(clear, map[string]string{"NO_PROXY": "*"})
		},
	}))
}

// writeConf is the provider's YAML cloud-config as `fauxcloud config
// vsphere-cloud-controller-manager` renders it: one vCenter (fauxcloud's HTTPS
// listener, trusted through caFile), datacenter dc1, zones and regions from the
// k8s-zone / k8s-region tag categories; the provider's own API server is turned
// off (it would bind a fixed port).
func writeConf(t *testing.T) string {
	t.Helper()
	path := admin().Must(t).WriteComponentFile("vsphere-cloud-controller-manager", "vsphere.conf", harness.ConfigOptions{
		CAFile: caFile,
		Set:    []string{"global.apiDisable=true"},
	})
	conf, err := os.ReadFile(path)
	harness.Check(t, err)
	for _, want := range []string{"port: " + httpsURL.Port(), "caFile: " + caFile, "server: " + httpsURL.Hostname(), "user: " + user, "password: " + password, "- dc1", "zone: k8s-zone"} {
		if !strings.Contains(string(conf), want+"\n") {
			t.Fatalf("generated vsphere.conf lacks %q:\n%s", want, conf)
		}
	}
	return path
}

// ccm is the provider and the CCM plumbing for one test.
type ccm struct {
	*ccmharness.CCM
	vc *vim25.Client
}

func newCCM(t *testing.T) *ccm {
	t.Helper()
	c := &ccm{CCM: ccmharness.Begin(t, "vsphere-ccm", admin())}
	c.InitProvider(vsphere.ProviderName, writeConf(t))
	// ccmharness.Connect, less SetInformers: the vSphere provider is no InformerUser (it starts
	// informers of its own in Initialize from the client it is given).
	c.Factory = informers.NewSharedInformerFactory(c.Client, 0)
	c.Cloud.Initialize(ccmharness.ClientBuilder{C: c.Client}, c.Ctx.Done())
	c.Metrics = controllersmetrics.NewControllerManagerMetrics("vsphere-ccm-conformance")
	c.vc = govmomiClient(t)
	return c
}

// govmomiClient is the test's own vSphere client.
func govmomiClient(t *testing.T) *vim25.Client {
	t.Helper()
	ctx := context.Background()
	sc := soap.NewClient(httpsURL.JoinPath("/sdk"), false)
	harness.Check(t, sc.SetRootCAs(caFile))
	c, err := vim25.NewClient(ctx, sc)
	harness.Check(t, err)
	m := session.NewManager(c)
	harness.Check(t, m.Login(ctx, url.UserPassword(user, password)))
	t.Cleanup(func() { _ = m.Logout(context.Background()) })
	return c
}

// vm is a seeded node VM as the provider should see it.
type vm struct {
	name, uuid, ip, zone string
}

var nodes = []vm{
	{"node-a", "4237c5a4-1d5e-8c1b-5f0e-0a1b2c3d4e01", "10.20.0.11", "zone-a"},
	{"node-b", "4237c5a4-1d5e-8c1b-5f0e-0a1b2c3d4e02", "10.20.0.12", "zone-b"},
	{"node-c", "4237c5a4-1d5e-8c1b-5f0e-0a1b2c3d4e03", "10.20.0.13", "zone-c"},
}

// k8sUUID is the SystemUUID a kubelet reports for a VM: the first three groups byte-swapped
// relative to config.uuid (the provider converts it back).
func k8sUUID(u string) string {
	p := strings.Split(u, "-")
	rev := func(s string) string {
		out := ""
		for i := len(s); i >= 2; i -= 2 {
			out += s[i-2 : i]
		}
		return out
	}
	return strings.Join([]string{rev(p[0]), rev(p[1]), rev(p[2]), p[3], p[4]}, "-")
}

// nodeFor is the Node a kubelet on the VM registers.
func nodeFor(v vm, mutate ...func(*v1.Node)) *v1.Node {
	withUUID := func(n *v1.Node) { n.Status.NodeInfo.SystemUUID = strings.ToUpper(k8sUUID(v.uuid)) }
	return ccmharness.ReadyNode(v.name, types.UID("uid-"+v.name), []v1.NodeAddress{{Type: v1.NodeHostName, Address: v.name}}, append([]func(*v1.Node){withUUID}, mutate...)...)
}

func providerID(v vm) string { return "vsphere://" + v.uuid }

func initialized(v vm) func(*v1.Node) {
	return func(n *v1.Node) { n.Spec.ProviderID = providerID(v) }
}
