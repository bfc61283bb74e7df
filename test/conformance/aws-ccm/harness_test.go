package awsccm_test

// Harness for the AWS cloud-controller-manager conformance suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one),
// isolates the AWS SDK from the machine's configuration, and routes klog (the
// provider's and the controllers' logs) into the running test's log, so a
// failing test shows what the real components did.

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/klog/v2"

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
	setupKlog()
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
	dir, err := os.MkdirTemp("", "fauxcloud-aws-ccm-")
	if err != nil {
		return err
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		return err
	}
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
		"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "AWS_ENDPOINT_URL_STS",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_EC2_METADATA_V1_DISABLED",
	} {
		os.Unsetenv(k)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDFAUXCLOUDCCM",
		"AWS_SECRET_ACCESS_KEY":       "x",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
	} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// klog → the current test's log

type klogSink struct {
	mu sync.Mutex
	t  testing.TB
}

var logSink = &klogSink{}

func (s *klogSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		s.t.Log(strings.TrimRight(string(p), "\n"))
	} else if os.Getenv("FAUXCLOUD_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	return len(p), nil
}

// captureKlog sends klog output to t's log until the test ends. Goroutines
// the controllers leave behind log to stderr only with FAUXCLOUD_VERBOSE.
func captureKlog(t testing.TB) {
	logSink.mu.Lock()
	logSink.t = t
	logSink.mu.Unlock()
	t.Cleanup(func() {
		klog.Flush()
		logSink.mu.Lock()
		logSink.t = nil
		logSink.mu.Unlock()
	})
}

func setupKlog() {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := os.Getenv("AWS_CCM_KLOG_V")
	if v == "" {
		v = "2"
	}
	_ = fs.Set("v", v)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	// Every line once: klog copies a line to the outputs of its severity and
	// all lower ones, so only INFO's output (which sees them all) is kept.
	klog.SetOutput(io.Discard)
	klog.SetOutputBySeverity("INFO", logSink)
}

// ---------------------------------------------------------------------------
// Admin API (t.Fatal wrappers of harness.Admin)

func adminDo(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	out, err := admin().Call(method, path, body)
	harness.Check(t, err)
	return out
}

func resetStore(t testing.TB) {
	t.Helper()
	harness.Check(t, admin().Reset())
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

// journalEntry is a journal record and its JSON text, which failing tests
// print.
type journalEntry struct {
	harness.JournalEntry
	raw string
}

// journal returns the journal records matching q (service, operation,
// status, since, ...).
func journal(t testing.TB, q url.Values) ([]journalEntry, int) {
	t.Helper()
	if q.Get("limit") == "" {
		q.Set("limit", "2000")
	}
	records, last, err := admin().Journal(q)
	harness.Check(t, err)
	entries := make([]journalEntry, 0, len(records))
	for _, e := range records {
		entries = append(entries, journalEntry{JournalEntry: e, raw: e.Raw})
	}
	return entries, last
}

func journalLastSeq(t testing.TB) int {
	t.Helper()
	_, last := journal(t, url.Values{"limit": {"1"}})
	return last
}

// errorAnswers lists the error answers fauxcloud journaled after seq.
func errorAnswers(t testing.TB, since int) []journalEntry {
	t.Helper()
	entries, _ := journal(t, url.Values{"since": {fmt.Sprint(since)}})
	var errs []journalEntry
	for _, e := range entries {
		if e.Status >= 400 {
			errs = append(errs, e)
		}
	}
	return errs
}

// logErrorAnswers writes every error answer fauxcloud journaled after seq
// into the test log, so a failure names the requests that went wrong.
func logErrorAnswers(t testing.TB, since int) {
	t.Helper()
	for _, e := range errorAnswers(t, since) {
		t.Logf("fauxcloud error answer: %s", e.raw)
	}
}
