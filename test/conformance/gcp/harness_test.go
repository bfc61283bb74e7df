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
	"os"
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
			return admin().WantCloud("gcp")
		},
	}))
}

// resetServer restores the scenario seed, so ids (and the access tokens the
// metadata server mints) restart from the seed.
func resetServer(t *testing.T) { t.Helper(); admin().Must(t).Reset() }

// ---------------------------------------------------------------------------
// Journal

// journalEntry is one record of fauxcloud's request journal; it prints as
// the record the server sent.
type journalEntry = harness.JournalEntry

func journalLastSeq(t *testing.T) int { t.Helper(); return admin().Must(t).JournalLastSeq() }

// gcpJournalSince returns the gcp journal records after seq, oldest first.
func gcpJournalSince(t *testing.T, since int) []journalEntry {
	t.Helper()
	return admin().Must(t).CloudJournal("gcp", since)
}
