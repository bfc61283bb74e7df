package proxy_test

// Harness for the proxy conformance module.
//
// The clients here are given no fauxcloud endpoint at all. TestMain asks the
// running fauxcloud for its proxy settings (GET /_fauxcloud/endpoints, the
// same answer `fauxcloud env proxy` prints), writes its CA to a file and puts
// exactly those variables in the environment: HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY and SSL_CERT_FILE. Go's net/http reads the proxy variables and
// crypto/x509 the CA file once, at their first use, so this happens before
// any request that could read them: the admin call below uses a transport
// that never consults the environment.

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"fauxcloud.test/conformance/harness"
)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name: "conformance/proxy",
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			return useProxySettings(baseURL)
		},
	}))
}

// useProxySettings sets the proxy variables fauxcloud answers, with its CA in
// a file, and isolates the SDKs from the machine's own configuration.
func useProxySettings(base string) error {
	dir, err := os.MkdirTemp("", "fauxcloud-proxy-")
	if err != nil {
		return err
	}
	set, err := harness.Admin{BaseURL: base}.ProxySettings(dir)
	if err != nil {
		return err
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		return err
	}
	// AWS: region and keys only; no endpoint variable of any kind.
	for k, v := range map[string]string{
		"AWS_REGION":                  "us-east-1",
		"AWS_ACCESS_KEY_ID":           "AKIDFAUXCLOUDPROXY",
		"AWS_SECRET_ACCESS_KEY":       "x",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
	} {
		set[k] = v
	}
	return harness.IsolateEnv([]string{
		"https_proxy", "http_proxy", "no_proxy", "SSL_CERT_DIR",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CA_BUNDLE",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST", "GOOGLE_API_USE_CLIENT_CERTIFICATE",
	}, set)
}

// journalFor returns the journal records for requests that named host,
// after sequence number since.
func journalFor(t *testing.T, host string, since int) []harness.JournalEntry {
	t.Helper()
	entries, _, err := admin().Journal(url.Values{"host": {host}, "since": {fmt.Sprint(since)}})
	harness.Check(t, err)
	return entries
}
