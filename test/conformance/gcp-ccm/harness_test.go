package gceccm_test

// Harness for the GCE cloud-controller-manager conformance suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one),
// isolates Google's client libraries from the machine's configuration (no
// ADC file, no gcloud config) and points the metadata client at fauxcloud
// with GCE_METADATA_HOST, the documented way to run against a metadata
// server that is not 169.254.169.254. klog (the provider's and the
// controllers' logs) goes into the running test's log (ccmharness.CaptureKlog).

import (
	"net/url"
	"os"
	"testing"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

const (
	// The default scenario's project, region and zones.
	projectID  = "fauxcloud-project"
	testRegion = "us-central1"
	localZone  = "us-central1-a"
	// The default scenario's network and its subnetwork in us-central1.
	networkName    = "default"
	subnetworkName = "default"
	subnetCIDR     = "10.128.0.0/20"
	// clusterName is what kube-controller-manager's --cluster-name gives the
	// route and service controllers.
	clusterName = "fauxcloud"
	// nodeTag is the network tag the LB firewalls target (gce.conf node-tags).
	nodeTag = "fauxcloud-node"
)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

// admin calls fauxcloud's admin API.
func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	ccmharness.SetupKlog("GCP_CCM_KLOG_V")
	os.Exit(harness.Main(m, harness.Options{
		Name: "gcp-ccm",
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := admin().WantCloud("gcp"); err != nil {
				return err
			}
			return isolateGoogleEnv(baseURL)
		},
	}))
}

// isolateGoogleEnv hides any Google configuration of the machine and sets
// GCE_METADATA_HOST to fauxcloud: the metadata client then reads
// http://$GCE_METADATA_HOST/computeMetadata/v1/…, and Application Default
// Credentials (used by the provider's compute clients with token-url = nil,
// and by its TPU client always) find "GCE" and take the metadata server's
// service-account token. No compute endpoint is set here: the provider gets
// it only from gce.conf (api-endpoint).
func isolateGoogleEnv(baseURL string) error {
	u, err := url.Parse(baseURL)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fauxcloud-gcp-ccm-")
	if err != nil {
		return err
	}
	return harness.IsolateEnv([]string{
		"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT",
		"GOOGLE_API_GO_EXPERIMENTAL_DISABLE_NEW_AUTH_LIB", "GOOGLE_CLOUD_UNIVERSE_DOMAIN",
		"GOOGLE_API_USE_CLIENT_CERTIFICATE", "GOOGLE_API_USE_MTLS_ENDPOINT",
		"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
	}, map[string]string{
		"GCE_METADATA_HOST": u.Host,
		// gcloud's well-known ADC file is looked up under CLOUDSDK_CONFIG.
		"CLOUDSDK_CONFIG": dir,
		"NO_PROXY":        "*",
	})
}
