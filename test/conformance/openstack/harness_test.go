package openstack_test

// Harness for the OpenStack suites.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one)
// through the shared harness module and checks that it serves the openstack
// cloud. Components reach fauxcloud the way they reach any OpenStack: the
// Keystone URL in a cloud.conf (or gophercloud's AuthOptions), every other
// endpoint from the token's catalog, which fauxcloud renders on the host the
// caller used; here that host is a recording tap (tap_test.go), so every
// call a component makes is on record. The default scenario's project
// "fauxcloud", user "fauxcloud" and servers node-a (zone nova), node-b
// (az-2) and node-c (az-3) are what the tests use.

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"fauxcloud.test/conformance/harness"
)

const (
	osUser     = "fauxcloud"
	osPassword = "fauxcloud-password"
	osProject  = "fauxcloud"
	osRegion   = "RegionOne"
	nodeA      = "node-a"
	nodeAZone  = "nova"
)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "conformance/openstack",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if err := admin().WantCloud("openstack"); err != nil {
				return err
			}
			// No OS_* of the machine may leak into gophercloud's clientconfig.
			var unset []string
			for _, kv := range os.Environ() {
				if len(kv) > 3 && kv[:3] == "OS_" {
					for i := range kv {
						if kv[i] == '=' {
							unset = append(unset, kv[:i])
							break
						}
					}
				}
			}
			return harness.IsolateEnv(append(unset, "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"), map[string]string{"NO_PROXY": "127.0.0.1,localhost"})
		},
	}))
}

// wantGlobal checks that a generated cloud.conf's [Global] section names
// authURL and the scenario's user, project and region, so the test proves
// the file fauxcloud writes, not a different one.
func wantGlobal(t *testing.T, path, authURL string) {
	t.Helper()
	b, err := os.ReadFile(path)
	harness.Check(t, err)
	for _, want := range []string{"auth-url = " + authURL, "username = " + osUser, "password = " + osPassword, "tenant-name = " + osProject, "region = " + osRegion} {
		if !strings.Contains(string(b), "\n"+want+"\n") {
			t.Fatalf("generated cloud.conf lacks %q:\n%s", want, b)
		}
	}
}

// resetServer restores the scenario seed and instant lifecycle transitions
// (a test that set delays must not leave them to the next).
func resetServer(t *testing.T) {
	t.Helper()
	admin().Must(t).Reset()
	admin().Must(t).SetLifecycle(map[string]any{})
}

// setLifecycle sets per-resource-type lifecycle delays; an empty map restores
// instant transitions.
func setLifecycle(t *testing.T, spec map[string]any) { t.Helper(); admin().Must(t).SetLifecycle(spec) }

// addFaults installs fault rules through the admin API.
func addFaults(t *testing.T, rules ...map[string]any) {
	t.Helper()
	admin().Must(t).Call("POST", "/_fauxcloud/faults", rules)
}

func clearFaults(t *testing.T) { t.Helper(); admin().Must(t).Call("DELETE", "/_fauxcloud/faults", nil) }

// advanceClock moves fauxcloud's virtual clock.
func advanceClock(t *testing.T, ms int64) {
	t.Helper()
	admin().Must(t).Call("POST", "/_fauxcloud/clock/advance", map[string]any{"ms": ms})
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
