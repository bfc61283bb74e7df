package proxy_test

// The Go GCE compute client (google.golang.org/api/compute/v1) with its
// default endpoint, https://compute.googleapis.com/compute/v1/, and a
// service-account key with Google's default token_uri: the token comes from
// fauxcloud at oauth2.googleapis.com and the zones from fauxcloud at
// compute.googleapis.com, both through the proxy.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	"fauxcloud.test/conformance/harness"
)

const project = "fauxcloud-project"

// serviceAccountKey is a key file as the console downloads it, with a fresh
// RSA key and no endpoint of fauxcloud's anywhere.
func serviceAccountKey(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	harness.Check(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	harness.Check(t, err)
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     project,
		"private_key_id": "fauxcloud-proxy-test",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "proxy-test@" + project + ".iam.gserviceaccount.com",
		"client_id":      "100000000000000000001",
		"token_uri":      "https://oauth2.googleapis.com/token",
	})
	harness.Check(t, err)
	return b
}

func TestComputeThroughProxyWithNoEndpoint(t *testing.T) {
	since, err := admin().JournalLastSeq()
	harness.Check(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds, err := google.CredentialsFromJSON(ctx, serviceAccountKey(t), compute.ComputeScope)
	harness.Check(t, err)
	svc, err := compute.NewService(ctx, option.WithTokenSource(creds.TokenSource))
	harness.Check(t, err)
	if !strings.HasPrefix(svc.BasePath, "https://compute.googleapis.com/") {
		t.Fatalf("client base path %q, want Google's own", svc.BasePath)
	}

	zones, err := svc.Zones.List(project).Context(ctx).Do()
	harness.Check(t, err)
	var names []string
	for _, z := range zones.Items {
		names = append(names, z.Name)
		if !strings.HasPrefix(z.SelfLink, "https://compute.googleapis.com/compute/v1/projects/"+project+"/zones/") {
			t.Errorf("zone %s selfLink %q: links must name the host the client used", z.Name, z.SelfLink)
		}
	}
	if strings.Join(names, ",") != "us-central1-a,us-central1-b,us-central1-c" {
		t.Fatalf("zones through the proxy: %v", names)
	}
	// The link the answer gives is fetchable as it is, through the proxy too.
	zone, err := svc.Zones.Get(project, "us-central1-b").Context(ctx).Do()
	harness.Check(t, err)
	if zone.Region != "https://compute.googleapis.com/compute/v1/projects/"+project+"/regions/us-central1" {
		t.Errorf("zone region %q", zone.Region)
	}

	token := journalFor(t, "oauth2.googleapis.com", since)
	if len(token) != 1 || token[0].Cloud != "gcp" || token[0].Operation != "Token" || token[0].Status != 200 {
		t.Errorf("journal for oauth2.googleapis.com: %v, want one Token call", token)
	}
	calls := journalFor(t, "compute.googleapis.com", since)
	if len(calls) != 2 || calls[0].Operation != "zones.list" || calls[1].Operation != "zones.get" {
		t.Errorf("journal for compute.googleapis.com: %v, want zones.list then zones.get", calls)
	}
}

// A host fauxcloud does not emulate answers at once with an error naming it
// (net/http's default client: the proxy from the environment, the CA from
// SSL_CERT_FILE).
func TestUnknownHostThroughProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://www.example.com/index.html", nil)
	harness.Check(t, err)
	resp, err := http.DefaultClient.Do(req)
	harness.Check(t, err)
	defer resp.Body.Close()
	var body struct{ Error, Host, Message string }
	harness.Check(t, json.NewDecoder(resp.Body).Decode(&body))
	if resp.StatusCode != http.StatusBadGateway || body.Error != "UnknownHost" || body.Host != "www.example.com" {
		t.Fatalf("unknown host: HTTP %d %+v", resp.StatusCode, body)
	}
}
