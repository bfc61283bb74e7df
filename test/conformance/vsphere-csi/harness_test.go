package vspherecsi_test

// Harness for the vSphere CSI driver suite.
//
// TestMain starts one fauxcloud through the shared harness module and gives
// the driver what a vanilla cluster gives its controller pod, nothing else:
//
//   - csi-vsphere.conf ($VSPHERE_CSI_CONFIG) as `fauxcloud config
//     vsphere-csi-driver` renders it: one VirtualCenter (fauxcloud's HTTPS
//     listener, trusted through ca-file), datacenter dc1, cluster-id;
//   - the controller container's environment in the driver's vanilla manifest;
//   - a Kubernetes API ($KUBECONFIG), served by ./controller in the driver's
//     process (./controller/kubeapi): the namespace vmware-system-csi and its
//     internal-feature-states ConfigMap (the manifest's data), and a Node and
//     a CSINode per node VM, the CSINode carrying the VM's BIOS UUID (read
//     here from vCenter) as the driver's node id, as kubelet registers it
//     from the node plugin's NodeGetInfo. The driver creates its
//     CnsVolumeOperationRequest CRD and instances there itself.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"fauxcloud.test/conformance/harness"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
)

const (
	user         = "administrator@vsphere.local"
	password     = "fauxcloud"
	csiNamespace = "vmware-system-csi"
	fssName      = "internal-feature-states.csi.vsphere.vmware.com"
	driverName   = "csi.vsphere.vmware.com"
)

// nodeVMs are the default scenario's node VMs.
var nodeVMs = []string{"node-a", "node-b", "node-c"}

var (
	fauxcloudURL string
	httpsURL     *url.URL
	caFile       string
	workDir      string
)

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "conformance/vsphere-csi",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := admin().WantCloud("vsphere"); err != nil {
				return err
			}
			u, err := url.Parse(os.Getenv("FAUXCLOUD_HTTPS_URL"))
			if err != nil || u.Host == "" {
				return fmt.Errorf("the vsphere-csi suite needs fauxcloud's HTTPS listener (FAUXCLOUD_HTTPS_URL): vCenter is HTTPS only")
			}
			httpsURL = u
			if workDir, err = os.MkdirTemp("", "fauxcloud-conformance-vsphere-csi-"); err != nil {
				return err
			}
			pem, err := admin().Call("GET", "/_fauxcloud/ca.pem", nil)
			if err != nil {
				return err
			}
			caFile = filepath.Join(workDir, "ca.pem")
			if err := os.WriteFile(caFile, pem, 0o600); err != nil {
				return err
			}
			conf, err := admin().WriteComponentFile(workDir, "vsphere-csi-driver", "csi-vsphere.conf", harness.ConfigOptions{CAFile: caFile})
			if err != nil {
				return err
			}
			// The controller container's environment in the driver's vanilla
			// manifest (NO_PROXY: the machine's proxy must not see 127.0.0.1).
			return harness.IsolateEnv([]string{"KUBECONFIG", "CLUSTER_FLAVOR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"}, map[string]string{
				"VSPHERE_CSI_CONFIG":           conf,
				"X_CSI_MODE":                   "controller",
				"X_CSI_SPEC_DISABLE_LEN_CHECK": "true",
				"CSI_NAMESPACE":                csiNamespace,
				"LOGGER_LEVEL":                 "PRODUCTION",
				"NO_PROXY":                     "*",
			})
		},
	}))
}

// govmomiClient is the test's own vSphere client, logged in.
func govmomiClient(t *testing.T, ctx context.Context) *vim25.Client {
	t.Helper()
	u := *httpsURL
	u.Path = "/sdk"
	sc := soap.NewClient(&u, false)
	harness.Check(t, sc.SetRootCAs(caFile))
	c, err := vim25.NewClient(ctx, sc)
	harness.Check(t, err)
	harness.Check(t, session.NewManager(c).Login(ctx, url.UserPassword(user, password)))
	return c
}

// nodeUUIDs reads each node VM's BIOS UUID (config.uuid) from vCenter: the
// id the driver's node plugin reports on that VM (its DMI product UUID).
func nodeUUIDs(t *testing.T, ctx context.Context, c *vim25.Client) map[string]string {
	t.Helper()
	f := find.NewFinder(c, true)
	dc, err := f.Datacenter(ctx, "dc1")
	harness.Check(t, err)
	f.SetDatacenter(dc)
	out := map[string]string{}
	for _, name := range nodeVMs {
		vm, err := f.VirtualMachine(ctx, name)
		harness.Check(t, err)
		var m mo.VirtualMachine
		harness.Check(t, vm.Properties(ctx, vm.Reference(), []string{"config.uuid"}, &m))
		out[name] = m.Config.Uuid
	}
	return out
}

type journalEntry = harness.JournalEntry

func journalLastSeq(t *testing.T) int { t.Helper(); return admin().Must(t).JournalLastSeq() }
