package vsphere_test

// Harness for the govmomi flows against fauxcloud's vSphere cloud.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL and FAUXCLOUD_HTTPS_URL name a running
// one). Clients connect to the HTTPS listener's /sdk as the vSphere cloud provider and CSI driver
// do (soap.ParseURL defaults to https), trusting fauxcloud's CA from /_fauxcloud/ca.pem through
// SetRootCAs, the ca-file setting of vsphere.conf.

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
)

const (
	user     = "administrator@vsphere.local"
	password = "fauxcloud"
)

var (
	fauxcloudURL string
	sdkURL       *url.URL
	caFile       string
)

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "vsphere",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := admin().WantCloud("vsphere"); err != nil {
				return err
			}
			u, err := url.Parse(os.Getenv("FAUXCLOUD_HTTPS_URL") + "/sdk")
			if err != nil {
				return err
			}
			sdkURL = u
			pem, err := admin().Call("GET", "/_fauxcloud/ca.pem", nil)
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "fauxcloud-vsphere-")
			if err != nil {
				return err
			}
			caFile = filepath.Join(dir, "ca.pem")
			return os.WriteFile(caFile, pem, 0o600)
		},
	}))
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newClient is a vim25 client over HTTPS trusting fauxcloud's CA, not logged in.
func newClient(t *testing.T, ctx context.Context) *vim25.Client {
	t.Helper()
	sc := soap.NewClient(sdkURL, false)
	harness.Check(t, sc.SetRootCAs(caFile))
	c, err := vim25.NewClient(ctx, sc)
	harness.Check(t, err)
	return c
}

// login is a logged-in client, logged out when the test ends.
func login(t *testing.T, ctx context.Context) *vim25.Client {
	t.Helper()
	c := newClient(t, ctx)
	m := session.NewManager(c)
	harness.Check(t, m.Login(ctx, url.UserPassword(user, password)))
	t.Cleanup(func() { _ = m.Logout(context.Background()) })
	return c
}

// reset puts the default scenario back.
func reset(t *testing.T) { admin().Must(t).Reset() }

// seed applies a seed.vsphere section through the admin API (it updates what exists by name).
func seed(t *testing.T, section map[string]any) {
	admin().Must(t).Call("POST", "/_fauxcloud/seed", map[string]any{"resources": map[string]any{"vsphere": section}})
}
