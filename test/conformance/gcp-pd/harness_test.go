package gcppd_test

// Harness for the Compute Engine Persistent Disk CSI driver suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one)
// through the shared harness module and checks that it serves the gcp cloud.
// The driver then reaches fauxcloud the way a deployment outside Google
// reaches a compute endpoint of its choice:
//
//   - Compute Engine: the driver's --compute-endpoint, here the URL of a
//     recording tap (compute_tap_test.go) in front of fauxcloud; the driver
//     itself replaces the path with compute/{v1,beta,alpha}/;
//   - the metadata server (credentials, universe domain, and the node
//     service's instance): GCE_METADATA_HOST=<fauxcloud host:port>, through
//     the same tap; with no header the metadata server answers for node-a,
//     the instance in us-central1-a;
//   - project and zone of the controller: a cloud-config file
//     ([global] project-id, zone), as the driver's --cloud-config.
//
// No Google credentials of the machine are used: GOOGLE_APPLICATION_CREDENTIALS
// is unset and HOME points at an empty directory, so the driver's
// google.FindDefaultCredentials falls through to the metadata server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fauxcloud.test/conformance/harness"
)

const (
	testProject = "fauxcloud-project"
	testRegion  = "us-central1"
	testZone    = "us-central1-a" // the controller's cloud-config zone and node-a's zone
	// The seeded instances: node-a in us-central1-a (the metadata server's
	// default), node-b in us-central1-b, node-c in us-central1-c.
	nodeA, nodeAZone = "node-a", "us-central1-a"
	nodeB, nodeBZone = "node-b", "us-central1-b"
)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

// admin calls fauxcloud's admin API.
func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "conformance/gcp-pd",
		ExportEnv: true, // FAUXCLOUD_HTTPS_URL, for PD_CSI_TAP_UPSTREAM=https
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := wantGCPCloud(); err != nil {
				return err
			}
			return isolateGoogleEnv()
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

// isolateGoogleEnv keeps the machine's Google configuration out of the run:
// no application-default credentials file, no gcloud configuration, no
// metadata host other than the one the tests set.
func isolateGoogleEnv() error {
	home, err := os.MkdirTemp("", "fauxcloud-conformance-gcp-pd-home-")
	if err != nil {
		return err
	}
	for _, k := range []string{
		"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG",
		"GCE_METADATA_HOST", "GCE_METADATA_IP", "GCE_METADATA_ROOT",
		"GOOGLE_CLOUD_UNIVERSE_DOMAIN", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
	} {
		os.Unsetenv(k)
	}
	os.Setenv("NO_PROXY", "127.0.0.1,localhost")
	return os.Setenv("HOME", home)
}

// writeCloudConfig writes the driver's --cloud-config file (gcfg) and returns
// its path.
func writeCloudConfig(t *testing.T, project, zone string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cloud-config")
	body := fmt.Sprintf("[global]\nproject-id = %s\nzone = %s\n", project, zone)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// resetServer restores the scenario seed.
func resetServer(t *testing.T) {
	t.Helper()
	harness.Check(t, admin().Reset())
}

// setLifecycle sets per-resource-type lifecycle delays; an empty map restores
// instant transitions.
func setLifecycle(t *testing.T, spec map[string]any) {
	t.Helper()
	harness.Check(t, admin().SetLifecycle(spec))
}

// ---------------------------------------------------------------------------
// Journal

// journalEntry is one gcp record of fauxcloud's request journal.
type journalEntry struct {
	Seq          int      `json:"seq"`
	Cloud        string   `json:"cloud"`
	Service      string   `json:"service"`
	Operation    string   `json:"operation"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	Status       int      `json:"status"`
	ErrorCode    string   `json:"errorCode"`
	ErrorMessage string   `json:"errorMessage"`
	ResourceIDs  []string `json:"resourceIds"`
}

func (e journalEntry) String() string {
	s := fmt.Sprintf("#%d %s.%s %s %s status=%d", e.Seq, e.Service, e.Operation, e.Method, e.Path, e.Status)
	if e.ErrorCode != "" {
		s += " error=" + e.ErrorCode
	}
	return s
}

func journalLastSeq(t *testing.T) int {
	t.Helper()
	n, err := admin().JournalLastSeq()
	harness.Check(t, err)
	return n
}

// gcpJournalSince returns the gcp journal records after seq, oldest first.
func gcpJournalSince(t *testing.T, since int) []journalEntry {
	t.Helper()
	q := url.Values{"cloud": {"gcp"}, "since": {fmt.Sprint(since)}}
	out, err := admin().Call(http.MethodGet, "/_fauxcloud/journal?"+q.Encode(), nil)
	harness.Check(t, err)
	var r struct {
		Entries []journalEntry `json:"entries"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("journal: %v: %s", err, out)
	}
	return r.Entries
}
