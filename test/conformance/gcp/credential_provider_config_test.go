package gcp_test

// kubelet's CredentialProviderConfig for auth-provider-gcp, as `fauxcloud
// config auth-provider-gcp` writes it: the test reads the provider entry and
// runs the plugin exactly as kubelet would from it (its args, its env added
// to kubelet's own, a request in its apiVersion, for an image its
// matchImages covers).

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
)

func TestGeneratedCredentialProviderConfig(t *testing.T) {
	files := admin().Must(t).ComponentConfig("auth-provider-gcp", harness.ConfigOptions{})
	var cfg struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Providers  []struct {
			Name                 string   `json:"name"`
			APIVersion           string   `json:"apiVersion"`
			MatchImages          []string `json:"matchImages"`
			DefaultCacheDuration string   `json:"defaultCacheDuration"`
			Args                 []string `json:"args"`
			Env                  []struct{ Name, Value string }
		} `json:"providers"`
	}
	f := files["credential-provider-config.yaml"]
	if err := json.Unmarshal(f.Value, &cfg); err != nil {
		t.Fatalf("credential-provider-config.yaml value: %v\n%s", err, f.Text)
	}
	if cfg.APIVersion != "kubelet.config.k8s.io/v1" || cfg.Kind != "CredentialProviderConfig" || len(cfg.Providers) != 1 {
		t.Fatalf("not one provider in a kubelet.config.k8s.io/v1 CredentialProviderConfig:\n%s", f.Text)
	}
	p := cfg.Providers[0]
	if p.Name != "auth-provider-gcp" || p.APIVersion != credentialProviderAPIVersion {
		t.Fatalf("provider %q in %q, want auth-provider-gcp in %s", p.Name, p.APIVersion, credentialProviderAPIVersion)
	}
	if _, err := time.ParseDuration(p.DefaultCacheDuration); err != nil {
		t.Errorf("defaultCacheDuration %q: %v", p.DefaultCacheDuration, err)
	}
	// kubelet matches the image's registry host against each pattern, a * per
	// DNS label.
	const image = "gcr.io/my-project/app:1"
	host := strings.SplitN(image, "/", 2)[0]
	if !slices.ContainsFunc(p.MatchImages, func(m string) bool {
		ok, _ := path.Match(strings.ReplaceAll(m, ".", "/"), strings.ReplaceAll(host, ".", "/"))
		return ok
	}) {
		t.Fatalf("matchImages %q do not cover %s", p.MatchImages, host)
	}

	// kubelet's environment (no proxy of the machine's) plus the provider's env.
	var env []string
	for _, kv := range pluginEnv() {
		if !strings.HasPrefix(kv, "HTTP_PROXY=") {
			env = append(env, kv)
		}
	}
	for _, e := range p.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	req := harness.CredentialProviderRequest{APIVersion: p.APIVersion, Kind: "CredentialProviderRequest", Image: image}
	r, err := harness.RunCredentialPlugin(authProviderGCP(t), p.Args, env, req, pluginTimeout)
	harness.Check(t, err)
	t.Logf("plugin %v with env %v: exit %d\n  stdout: %s\n  stderr: %s", p.Args, p.Env, r.ExitCode, r.Stdout, r.Stderr)
	wantTokenAuth(t, wantResponse(t, r, "Image", "0s"), googleRegistries)
}
