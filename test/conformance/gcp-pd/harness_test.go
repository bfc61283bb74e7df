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
	"os"
	"path/filepath"
	"strings"
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
			if err := admin().WantCloud("gcp"); err != nil {
				return err
			}
			return isolateGoogleEnv()
		},
	}))
}

// isolateGoogleEnv keeps the machine's Google configuration out of the run:
// no application-default credentials file, no gcloud configuration, no
// metadata host other than the one the tests set.
func isolateGoogleEnv() error {
	home, err := os.MkdirTemp("", "fauxcloud-conformance-gcp-pd-home-")
	if err != nil {
		return err
	}
	return harness.IsolateEnv([]string{
		"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG",
		"GCE_METADATA_HOST", "GCE_METADATA_IP", "GCE_METADATA_ROOT",
		"GOOGLE_CLOUD_UNIVERSE_DOMAIN", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
	}, map[string]string{"NO_PROXY": "127.0.0.1,localhost", "HOME": home})
}

// driverConfig is what `fauxcloud config gcp-compute-persistent-disk-csi-driver`
// renders for base (the tap in front of fauxcloud): the --cloud-config file
// (written to dir; [global] project-id and zone) and the --compute-endpoint
// flag's value.
func driverConfig(t *testing.T, dir, base string) (cloudConfig, computeEndpoint string) {
	t.Helper()
	files := admin().Must(t).ComponentConfig("gcp-compute-persistent-disk-csi-driver", harness.ConfigOptions{URL: base})
	conf := files["cloud-config"].Text
	if !strings.Contains(conf, "project-id = "+testProject+"\n") || !strings.Contains(conf, "zone = "+testZone+"\n") {
		t.Fatalf("generated cloud-config is not for project %s, zone %s:\n%s", testProject, testZone, conf)
	}
	cloudConfig = filepath.Join(dir, "cloud-config")
	if err := os.WriteFile(cloudConfig, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return cloudConfig, files["pd-csi-driver.flags"].Values()["--compute-endpoint"]
}

// resetServer restores the scenario seed.
func resetServer(t *testing.T) { t.Helper(); admin().Must(t).Reset() }

// setLifecycle sets per-resource-type lifecycle delays; an empty map restores
// instant transitions.
func setLifecycle(t *testing.T, spec map[string]any) { t.Helper(); admin().Must(t).SetLifecycle(spec) }

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
