package gcp_test

// Harness for the Google Cloud conformance suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one)
// through the shared harness module and checks that it serves the gcp cloud.
// The real components reach fauxcloud the way they reach Google: the kubelet
// credential provider through HTTP_PROXY (it hard-codes
// http://metadata.google.internal./computeMetadata/v1/), so nothing here sets
// GCE_METADATA_HOST or any other Google environment globally.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"fauxcloud.test/conformance/harness"
)

const (
	// The default scenario's project and its instances (node-a is the first,
	// so the one the metadata server answers for without X-Fauxcloud-Instance).
	defaultProject = "fauxcloud-project"
	projectNumber  = "123456789012"
)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

// admin calls fauxcloud's admin API.
func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name: "conformance/gcp",
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			return wantGCPCloud()
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

// resetServer restores the scenario seed, so ids (and the access tokens the
// metadata server mints) restart from the seed.
func resetServer(t *testing.T) {
	t.Helper()
	harness.Check(t, admin().Reset())
}

// ---------------------------------------------------------------------------
// Journal

type journalEntry struct {
	Seq       int    `json:"seq"`
	Cloud     string `json:"cloud"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Tenant    string `json:"tenant"`
	Region    string `json:"region"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	ErrorCode string `json:"errorCode"`
	// ResourceIDs holds the numeric id of the instance a metadata call spoke for.
	ResourceIDs []string `json:"resourceIds"`
}

func (e journalEntry) String() string {
	s := fmt.Sprintf("#%d %s %s.%s %s %s status=%d tenant=%s", e.Seq, e.Cloud, e.Service, e.Operation, e.Method, e.Path, e.Status, e.Tenant)
	if len(e.ResourceIDs) > 0 {
		s += " resources=" + strings.Join(e.ResourceIDs, ",")
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
	out, err := admin().Call(http.MethodGet, fmt.Sprintf("/_fauxcloud/journal?cloud=gcp&since=%d", since), nil)
	harness.Check(t, err)
	var r struct {
		Entries []journalEntry `json:"entries"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("journal: %v: %s", err, out)
	}
	return r.Entries
}
