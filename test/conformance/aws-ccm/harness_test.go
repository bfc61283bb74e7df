package awsccm_test

// Harness for the AWS cloud-controller-manager conformance suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one),
// isolates the AWS SDK from the machine's configuration, and routes klog (the
// provider's and the controllers' logs) into the running test's log
// (ccmharness.CaptureKlog), so a failing test shows what the real components
// did.

import (
	"os"
	"testing"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

const (
	testRegion = "us-east-1"
	clusterID  = "fauxcloud"
)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

// admin calls fauxcloud's admin API.
func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	ccmharness.SetupKlog("AWS_CCM_KLOG_V")
	os.Exit(harness.Main(m, harness.Options{
		Name: "aws-ccm",
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			return isolateSDKEnv()
		},
	}))
}

// isolateSDKEnv gives the SDK dummy keys and hides any AWS configuration of the
// machine. It deliberately sets no endpoint and no region: the provider must
// reach fauxcloud only through the cloud-config [ServiceOverride] sections, and
// learn its region from the IMDS identity document.
func isolateSDKEnv() error {
	empty, err := harness.EmptyFile("fauxcloud-aws-ccm-")
	if err != nil {
		return err
	}
	return harness.IsolateEnv([]string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
		"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "AWS_ENDPOINT_URL_STS",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_EC2_METADATA_V1_DISABLED",
	}, map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDFAUXCLOUDCCM",
		"AWS_SECRET_ACCESS_KEY":       "x",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
	})
}

// openIMDS opens an IMDS port pinned to one instance and closes it when the
// test ends.
func openIMDS(t testing.TB, instanceID string) string {
	t.Helper()
	endpoint, port, err := admin().OpenIMDS(instanceID)
	harness.Check(t, err)
	t.Cleanup(func() { harness.Check(t, admin().CloseIMDS(port)) })
	return endpoint
}
