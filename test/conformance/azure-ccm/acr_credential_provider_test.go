package azureccm_test

// acr-credential-provider, built from cloud-provider-azure's
// cmd/acr-credential-provider (the version this module requires) into
// test/conformance/.bin, and run as kubelet
// runs it: `acr-credential-provider <azure.json>` with a
// CredentialProviderRequest on stdin.
//
// The client-secret configuration (useManagedIdentityExtension false): the
// plugin reads /metadata/endpoints from resourceManagerEndpoint and answers
// the service principal as registry credentials for every ACR suffix, with
// anonymous access for "*.azurecr.*". The managed-identity configuration
// exchanges an Entra ID token at https://{registry}/oauth2/exchange, which
// needs the registry's real host name: it waits for core's HTTPS proxy.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
)

const (
	acrProviderPkg        = "sigs.k8s.io/cloud-provider-azure/cmd/acr-credential-provider"
	acrProviderAPIVersion = "credentialprovider.kubelet.k8s.io/v1"
)

var (
	acrOnce sync.Once
	acrBin  string
	acrErr  error
)

func acrCredentialProvider(t *testing.T) string {
	t.Helper()
	acrOnce.Do(func() { acrBin, acrErr = buildACRCredentialProvider(t) })
	if acrErr != nil {
		t.Fatalf("acr-credential-provider: %v", acrErr)
	}
	return acrBin
}

func buildACRCredentialProvider(t *testing.T) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-json", "sigs.k8s.io/cloud-provider-azure").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m sigs.k8s.io/cloud-provider-azure: %v", err)
	}
	var mod struct{ Version, Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("no module dir for cloud-provider-azure in %s (%v)", out, err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	binDir := filepath.Join(wd, "..", ".bin") // git-ignored
	bin := filepath.Join(binDir, "acr-credential-provider@"+mod.Version)
	if fi, err := os.Stat(bin); err == nil && fi.Mode()&0o111 != 0 {
		return bin, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	ctx, cancel, _ := harness.BuildContext(t, 10*time.Minute)
	defer cancel()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOFLAGS=") && !strings.HasPrefix(kv, "GOWORK=") {
			env = append(env, kv)
		}
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	start := time.Now()
	// Built in this module, whose requirements are cloud-provider-azure's own
	// (same Kubernetes and Azure SDK versions), so the build reuses the
	// packages the CCM tests compiled instead of a second dependency graph.
	build := exec.CommandContext(ctx, "go", "build", "-mod=mod", "-trimpath", "-o", tmp, acrProviderPkg)
	build.Env = append(env, "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build %s: %v\n%s", acrProviderPkg, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "conformance: built acr-credential-provider %s in %s\n", mod.Version, time.Since(start).Round(100*time.Millisecond))
	return bin, nil
}

func TestACRCredentialProviderClientSecret(t *testing.T) {
	bin := acrCredentialProvider(t)
	config := writeAzureJSON(t, "standard")
	since := journalSeq(t)
	req := harness.CredentialProviderRequest{APIVersion: acrProviderAPIVersion, Kind: "CredentialProviderRequest", Image: "fauxcloud.azurecr.io/team/app:1.0"}
	run, err := harness.RunCredentialPlugin(bin, []string{config}, os.Environ(), req, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plugin exit %d after %s\n  stdout: %s\n  stderr: %s", run.ExitCode, run.Elapsed.Round(time.Millisecond), bytes.TrimSpace(run.Stdout), bytes.TrimSpace(run.Stderr))
	resp := run.Response(t, acrProviderAPIVersion)
	if resp.CacheKeyType != "Registry" {
		t.Errorf("cacheKeyType = %q, want Registry", resp.CacheKeyType)
	}
	if got := resp.Auth["*.azurecr.io"]; got.Username != "fauxcloud-client" || got.Password != "fauxcloud-secret" {
		t.Errorf("auth[*.azurecr.io] = %+v, want the service principal from azure.json (all: %v)", got, resp.Auth)
	}
	if got, ok := resp.Auth["*.azurecr.*"]; !ok || got.Username != "" {
		t.Errorf("auth[*.azurecr.*] = %+v (present %v), want anonymous", got, ok)
	}
	// The plugin read the cloud's endpoints from fauxcloud, and nothing else.
	entries := admin().Must(t).CloudJournal("azure", since)
	var ops []string
	for _, e := range entries {
		ops = append(ops, e.Operation)
	}
	if len(ops) != 1 || ops[0] != "GetCloudEndpoints" {
		t.Errorf("plugin's calls to fauxcloud: %v, want [GetCloudEndpoints]", ops)
	}

	// An image from another registry gets no credentials.
	req.Image = "registry.k8s.io/pause:3.10"
	run, err = harness.RunCredentialPlugin(bin, []string{config}, os.Environ(), req, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp := run.Response(t, acrProviderAPIVersion); len(resp.Auth) != 0 {
		t.Errorf("auth for a non-ACR image: %v, want none", resp.Auth)
	}
}

func journalSeq(t *testing.T) int { t.Helper(); return admin().Must(t).JournalLastSeq() }

// TestACRCredentialProviderManagedIdentityThroughProxy runs the plugin as it
// runs on an AKS node: azure.json names the public cloud and the VM's
// managed identity, with no fauxcloud endpoint anywhere. With only
// HTTPS_PROXY/HTTP_PROXY and fauxcloud's CA in its environment, the plugin
// gets a token from IMDS (http://169.254.169.254), reads the registry's
// challenge at https://fauxcloud.azurecr.io/v2/ and exchanges the token at
// its /oauth2/exchange for the ACR refresh token it hands kubelet.
func TestACRCredentialProviderManagedIdentityThroughProxy(t *testing.T) {
	bin := acrCredentialProvider(t)
	proxyEnv, err := admin().ProxySettings(t.TempDir())
	harness.Check(t, err)
	config := writeAzureJSON(t, "standard", map[string]any{
		"useManagedIdentityExtension": true,
		"aadClientId":                 "",
		"aadClientSecret":             "",
		"resourceManagerEndpoint":     "",
		"tenantId":                    "72f988bf-86f1-41af-91ab-2d7cd011db47", // the default scenario's directory
	})
	since := journalSeq(t)
	req := harness.CredentialProviderRequest{APIVersion: acrProviderAPIVersion, Kind: "CredentialProviderRequest", Image: "fauxcloud.azurecr.io/team/app:1.0"}
	run, err := harness.RunCredentialPlugin(bin, []string{config}, harness.EnvWith(proxyEnv), req, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plugin exit %d after %s\n  stdout: %s\n  stderr: %s", run.ExitCode, run.Elapsed.Round(time.Millisecond), bytes.TrimSpace(run.Stdout), bytes.TrimSpace(run.Stderr))
	resp := run.Response(t, acrProviderAPIVersion)
	got, ok := resp.Auth["fauxcloud.azurecr.io"]
	if !ok || got.Username != "00000000-0000-0000-0000-000000000000" || strings.Count(got.Password, ".") != 2 {
		t.Fatalf("auth[fauxcloud.azurecr.io] = %+v (present %v), want the token-exchange user and an ACR refresh token (all: %v)", got, ok, resp.Auth)
	}
	claims := jwtClaims(t, got.Password)
	if claims["aud"] != "fauxcloud.azurecr.io" || claims["grant_type"] != "refresh_token" {
		t.Errorf("refresh token claims %v, want aud fauxcloud.azurecr.io and grant_type refresh_token", claims)
	}

	// Every call came through the proxy under the real host names.
	entries := admin().Must(t).CloudJournal("azure", since)
	var calls []string
	for _, e := range entries {
		calls = append(calls, fmt.Sprintf("%s %s %s %d", hostOf(e), e.Service, e.Operation, e.Status))
	}
	want := []string{
		"169.254.169.254 imds GetToken 200",
		"fauxcloud.azurecr.io acr GetV2 401",
		"fauxcloud.azurecr.io acr ExchangeToken 200",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("the plugin's calls:\n  %s\nwant:\n  %s", strings.Join(calls, "\n  "), strings.Join(want, "\n  "))
	}
}

// hostOf is the host a journal record names (the proxied request's own host).
func hostOf(e harness.JournalEntry) string {
	var raw struct {
		Host string `json:"host"`
	}
	_ = json.Unmarshal([]byte(e.Raw), &raw)
	return raw.Host
}

// jwtClaims decodes a JWT's payload without checking it.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	harness.Check(t, err)
	var claims map[string]any
	harness.Check(t, json.Unmarshal(b, &claims))
	return claims
}
