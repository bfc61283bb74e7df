package gceccm_test

// Harness for the GCE cloud-controller-manager conformance suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one),
// isolates Google's client libraries from the machine's configuration (no
// ADC file, no gcloud config) and points the metadata client at fauxcloud
// with GCE_METADATA_HOST, the documented way to run against a metadata
// server that is not 169.254.169.254. klog (the provider's and the
// controllers' logs) goes into the running test's log.

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/klog/v2"

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
	setupKlog()
	os.Exit(harness.Main(m, harness.Options{
		Name: "gcp-ccm",
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := wantGCPCloud(); err != nil {
				return err
			}
			return isolateGoogleEnv(baseURL)
		},
	}))
}

// wantGCPCloud stops the run early, with a clear reason, when the server does
// not serve Google Cloud at all.
func wantGCPCloud() error {
	out, err := admin().Call(http.MethodGet, "/_fauxcloud/health", nil)
	if err != nil {
		return err
	}
	var h struct {
		Clouds []string `json:"clouds"`
	}
	if err := json.Unmarshal(out, &h); err != nil {
		return fmt.Errorf("health: %v: %s", err, out)
	}
	if !slices.Contains(h.Clouds, "gcp") {
		return fmt.Errorf("fauxcloud at %s does not serve gcp (clouds %v)", fauxcloudURL, h.Clouds)
	}
	return nil
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
	for _, k := range []string{
		"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT",
		"GOOGLE_API_GO_EXPERIMENTAL_DISABLE_NEW_AUTH_LIB", "GOOGLE_CLOUD_UNIVERSE_DOMAIN",
		"GOOGLE_API_USE_CLIENT_CERTIFICATE", "GOOGLE_API_USE_MTLS_ENDPOINT",
		"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
	} {
		os.Unsetenv(k)
	}
	for k, v := range map[string]string{
		"GCE_METADATA_HOST": u.Host,
		// gcloud's well-known ADC file is looked up under CLOUDSDK_CONFIG.
		"CLOUDSDK_CONFIG": dir,
		"NO_PROXY":        "*",
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
	v := os.Getenv("GCP_CCM_KLOG_V")
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

func resetStore(t testing.TB) {
	t.Helper()
	harness.Check(t, admin().Reset())
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
