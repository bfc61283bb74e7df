package aws_test

// Harness for the AWS conformance suite.
//
// TestMain starts a fauxcloud server (unless FAUXCLOUD_URL points at one that
// is already running), then configures the real aws-sdk-go-v2 the standard
// way: AWS_ENDPOINT_URL plus region and dummy credentials in the environment,
// loaded by config.LoadDefaultConfig with no custom endpoint resolver.

import (
	"context"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"fauxcloud.test/conformance/harness"
)

const testRegion = "us-east-1"

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

// admin calls fauxcloud's admin API.
func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "conformance",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			return configureSDKEnv(fauxcloudURL)
		},
	}))
}

// configureSDKEnv points the SDK at fauxcloud through the standard environment
// variables only, and isolates it from any AWS configuration on the machine.
func configureSDKEnv(endpoint string) error {
	emptyFile, err := harness.EmptyFile("fauxcloud-conformance-aws-")
	if err != nil {
		return err
	}
	return harness.IsolateEnv([]string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL_EC2",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT",
		"AWS_USE_DUALSTACK_ENDPOINT", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	}, map[string]string{
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_REGION":                  testRegion,
		"AWS_ACCESS_KEY_ID":           "AKIDFAUXCLOUD",
		"AWS_SECRET_ACCESS_KEY":       "x",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             emptyFile,
		"AWS_SHARED_CREDENTIALS_FILE": emptyFile,
	})
}

// ---------------------------------------------------------------------------
// SDK client

func newEC2(t *testing.T) *ec2.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("config.LoadDefaultConfig: %v", err)
	}
	if cfg.Region != testRegion {
		t.Fatalf("SDK region = %q, want %q", cfg.Region, testRegion)
	}
	if cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != fauxcloudURL {
		t.Fatalf("SDK BaseEndpoint = %v, want %q from AWS_ENDPOINT_URL", aws.ToString(cfg.BaseEndpoint), fauxcloudURL)
	}
	return ec2.NewFromConfig(cfg)
}

// apiError returns the smithy API error in err, failing the test when err is
// nil or not an API error.
func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an API error, got success")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("expected a smithy.APIError, got %T: %v", err, err)
	}
	return ae
}

// wantAPIError asserts err is an API error with the given code and returns it.
func wantAPIError(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	ae := apiError(t, err)
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %q (message %q), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	return ae
}

// ---------------------------------------------------------------------------
// Admin API (t.Fatal wrappers of harness.Admin)

func adminDo(t *testing.T, method, path string, body any) []byte {
	t.Helper()
	return admin().Must(t).Call(method, path, body)
}

// adminCall is adminDo for code that must not call t.Fatal (e.g. ginkgo nodes,
// which run on a goroutine of their own): it returns the error instead.
func adminCall(method, path string, body any) ([]byte, error) {
	return admin().Call(method, path, body)
}

// resetStore restores the scenario seed.
func resetStore(t *testing.T) { t.Helper(); admin().Must(t).Reset() }

// setLifecycle sets per-resource-type lifecycle delays; an empty map restores
// instant transitions.
func setLifecycle(t *testing.T, spec map[string]any) { t.Helper(); admin().Must(t).SetLifecycle(spec) }

// setClock sets fauxcloud's virtual now; the clock keeps running at its speed
// from there.
func setClock(t *testing.T, now time.Time) { t.Helper(); admin().Must(t).SetClock(now) }

// journalCount returns how many journal records match the query, e.g.
// url.Values{"operation": {"DescribeVolumes"}}.
func journalCount(t *testing.T, q url.Values) int { t.Helper(); return admin().Must(t).JournalCount(q) }

// journalLastSeq returns the sequence number of the newest journal record, to
// pass as "since" so later counts see only what came after.
func journalLastSeq(t *testing.T) int { t.Helper(); return admin().Must(t).JournalLastSeq() }

// journalRecord is one record of fauxcloud's request journal.
type journalRecord = harness.JournalEntry

// journalEntries returns the journal records matching the query, oldest first.
func journalEntries(t *testing.T, q url.Values) []journalRecord {
	t.Helper()
	return admin().Must(t).Journal(q)
}
