package gcp_test

// The real kubelet image credential provider for Google registries
// (auth-provider-gcp from kubernetes/cloud-provider-gcp), run exactly as
// kubelet runs it: `auth-provider-gcp get-credentials [--authFlow=…]`, a
// CredentialProviderRequest on stdin, a CredentialProviderResponse on stdout.
// It reaches the metadata server at the hard-coded
// http://metadata.google.internal./computeMetadata/v1/ through
// HTTP_PROXY=<fauxcloud>, so fauxcloud receives absolute-form request lines.
//
// What the plugin does at the pinned version (read from its source,
// cmd/auth-provider-gcp and pkg/gcpcredential):
//   - --authFlow=gcr (default): GET …/instance/service-accounts/default/token
//     (only access_token is read) then …/default/email, with
//     `Metadata-Flavor: Google` and a 10 s client timeout. It answers
//     username "_token", password = the access token, for each of
//     gcr.io, *.gcr.io, *.pkg.dev, container.cloud.google.com and for the
//     image's own host (the part before the first "/", if any). It does not
//     check that the image is a Google one: kubelet's matchImages does that.
//     Any metadata error is only logged: empty auth, exit 0.
//   - --authFlow=dockercfg: GET …/instance/attributes/google-dockercfg and
//     answers its registries (a .dockercfg map; "auth" = base64(user:pass) or
//     username/password). A non-200 there yields empty auth, exit 0, and no log
//     line above -v=2: ReadDockerConfigFileFromURL returns its named (nil)
//     error instead of the read error.
//   - --authFlow=dockercfg-url: GET …/instance/attributes/google-dockercfg-url,
//     then GET that URL (no metadata header) and answers its registries; a
//     failed metadata read is logged ("while reading 'google-dockercfg-url'
//     metadata: http status code: 404 …") with empty auth, exit 0.
//   - cacheKeyType Image and cacheDuration 0s unless KUBE_SIDECAR_CACHE_TYPE
//     (image|registry|global) and KUBE_SIDECAR_CACHE_DURATION say otherwise; an
//     unknown cache type fails the run (exit 1).
//   - The request's apiVersion is not checked.
//   - Workload Identity (--identity-provider, --project-id and the pod SA
//     annotation iam.gke.io/enable-wi-image-pull) POSTs to the hard-coded
//     https://sts.googleapis.com/v1/token: not exercised here.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
)

const (
	credentialProviderAPIVersion = "credentialprovider.kubelet.k8s.io/v1"
	pluginTimeout                = 60 * time.Second

	// The base the plugin hard-codes.
	metadataBase = "http://metadata.google.internal./computeMetadata/v1/"
)

// googleRegistries are the keys the gcr flow always answers.
var googleRegistries = []string{"gcr.io", "*.gcr.io", "*.pkg.dev", "container.cloud.google.com"}

// fauxcloud mints access tokens as ya29.c. + 120 lowercase alphanumerics.
var accessTokenRE = regexp.MustCompile(`^ya29\.c\.[a-z0-9]{120}$`)

// ---------------------------------------------------------------------------
// Running the plugin as kubelet does

// runPlugin execs `auth-provider-gcp get-credentials <args>` with a request
// for image on stdin, the test's environment without any proxy setting plus
// HTTP_PROXY=<fauxcloud> and extraEnv (kubelet passes its own environment
// plus the provider config's env).
func runPlugin(t *testing.T, image string, args []string, extraEnv ...string) harness.PluginRun {
	t.Helper()
	bin := authProviderGCP(t)
	req := harness.CredentialProviderRequest{APIVersion: credentialProviderAPIVersion, Kind: "CredentialProviderRequest", Image: image}
	r, err := harness.RunCredentialPlugin(bin, append([]string{"get-credentials"}, args...), append(pluginEnv(), extraEnv...), req, pluginTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plugin get-credentials %v, request %s\n  exit %d after %s\n  stdout: %s\n  stderr: %s", args, r.Request, r.ExitCode,
		r.Elapsed.Round(time.Millisecond), bytes.TrimSpace(r.Stdout), bytes.TrimSpace(r.Stderr))
	return r
}

func pluginEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD",
			"KUBE_SIDECAR_CACHE_TYPE", "KUBE_SIDECAR_CACHE_DURATION", "GCE_METADATA_HOST":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HTTP_PROXY="+fauxcloudURL)
}

// wantResponse parses a successful run's CredentialProviderResponse and checks
// apiVersion, kind and the cache settings.
func wantResponse(t *testing.T, r harness.PluginRun, cacheKeyType, cacheDuration string) harness.CredentialProviderResponse {
	t.Helper()
	resp := r.Response(t, credentialProviderAPIVersion)
	if resp.CacheKeyType != cacheKeyType {
		t.Errorf("cacheKeyType = %q, want %q", resp.CacheKeyType, cacheKeyType)
	}
	if resp.CacheDuration == nil || *resp.CacheDuration != cacheDuration {
		t.Errorf("cacheDuration = %v, want %q", ptrString(resp.CacheDuration), cacheDuration)
	}
	return resp
}

// wantTokenAuth checks that auth has exactly the keys want, each with username
// _token and one and the same fauxcloud access token, and returns the token.
func wantTokenAuth(t *testing.T, resp harness.CredentialProviderResponse, want []string) string {
	t.Helper()
	if got := slices.Sorted(maps.Keys(resp.Auth)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("auth keys = %q, want %q", got, slices.Sorted(slices.Values(want)))
	}
	var token string
	for host, a := range resp.Auth {
		if a.Username != "_token" {
			t.Errorf("auth[%q].username = %q, want _token", host, a.Username)
		}
		if token == "" {
			token = a.Password
		} else if a.Password != token {
			t.Errorf("auth[%q].password differs from the other entries' (%q vs %q)", host, a.Password, token)
		}
	}
	if !accessTokenRE.MatchString(token) {
		t.Errorf("password %q is not an access token as fauxcloud mints them (%s)", token, accessTokenRE)
	}
	return token
}

func ptrString(p *string) string {
	if p == nil {
		return "<missing>"
	}
	return fmt.Sprintf("%q", *p)
}

// ---------------------------------------------------------------------------
// Calling the metadata server ourselves

// metadataClient sends every request through fauxcloud as an HTTP proxy, as
// the plugin does (absolute-form request lines), and ignores the machine's
// proxy settings.
func metadataClient(t *testing.T) *http.Client {
	t.Helper()
	proxy, err := url.Parse(fauxcloudURL)
	harness.Check(t, err)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
}

// directClient talks to fauxcloud's listener itself (origin-form request
// lines), without any proxy.
func directClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
}

type metadataAnswer struct {
	status int
	header http.Header
	body   string
}

func getMetadata(t *testing.T, c *http.Client, rawURL string, header map[string]string) metadataAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	harness.Check(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	harness.Check(t, err)
	return metadataAnswer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// metadataValue reads one metadata leaf (through the proxy, with the header)
// and fails the test unless it answers 200.
func metadataValue(t *testing.T, path string, extra map[string]string) string {
	t.Helper()
	h := map[string]string{"Metadata-Flavor": "Google"}
	maps.Copy(h, extra)
	a := getMetadata(t, metadataClient(t), metadataBase+path, h)
	if a.status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", path, a.status, a.body)
	}
	return a.body
}

// ---------------------------------------------------------------------------
// Journal expectations

// wantMetadataReads checks that the gcp journal since seq holds exactly the
// metadata reads paths (under /computeMetadata/v1/), in order, with the
// given statuses, each for the default project's first instance.
func wantMetadataReads(t *testing.T, since int, instanceID string, reads ...metadataRead) []journalEntry {
	t.Helper()
	entries := gcpJournalSince(t, since)
	if len(entries) != len(reads) {
		t.Errorf("journal has %d gcp records since the plugin ran, want %d:\n  got  %v\n  want %v", len(entries), len(reads), entries, reads)
	}
	for i, want := range reads {
		if i >= len(entries) {
			break
		}
		e := entries[i]
		op := "GetMetadata"
		if strings.HasSuffix(want.path, "/token") {
			op = "GetToken"
		}
		if e.Service != "metadata" || e.Operation != op || e.Method != http.MethodGet || e.Path != "/computeMetadata/v1/"+want.path || e.Status != want.status {
			t.Errorf("journal record %d = %v, want metadata.%s GET /computeMetadata/v1/%s status %d", i, e, op, want.path, want.status)
		}
		if e.Tenant != defaultProject || e.Region != "us-central1" || !slices.Equal(e.ResourceIDs, []string{instanceID}) {
			t.Errorf("journal record %d = %v (region %s), want tenant %s, region us-central1, resource %s (node-a)", i, e, e.Region, defaultProject, instanceID)
		}
	}
	return entries
}

type metadataRead struct {
	path   string
	status int
}

func (r metadataRead) String() string { return fmt.Sprintf("GET %s → %d", r.path, r.status) }

var (
	tokenRead = metadataRead{"instance/service-accounts/default/token", 200}
	emailRead = metadataRead{"instance/service-accounts/default/email", 200}
)

// nodeAID is node-a's numeric instance id, as the metadata server tells it.
func nodeAID(t *testing.T) string {
	t.Helper()
	id := metadataValue(t, "instance/id", nil)
	if name := metadataValue(t, "instance/name", nil); name != "node-a" {
		t.Fatalf("without X-Fauxcloud-Instance the metadata server answers for %q, want node-a (the default project's first instance)", name)
	}
	return id
}

// ---------------------------------------------------------------------------
// Tests

// (a) A gcr.io image: credentials for the Google registries, username _token,
// password = the access token fauxcloud's metadata server issued for node-a,
// not cached; the journal shows the token and email reads the plugin made.
func TestAuthProviderGCPGCR(t *testing.T) {
	authProviderGCP(t)

	// Tokens are minted from the seeded generator: after a reset the first
	// token read answers the same token whoever asks. Read it ourselves, reset,
	// and let the plugin read it again.
	resetServer(t)
	issued := metadataValue(t, "instance/service-accounts/default/token", nil)
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(issued), &tok); err != nil {
		t.Fatalf("token answer %q: %v", issued, err)
	}
	resetServer(t)
	id := nodeAID(t)
	since := journalLastSeq(t)

	r := runPlugin(t, "gcr.io/my-project/app:1", nil)
	resp := wantResponse(t, r, "Image", "0s")
	token := wantTokenAuth(t, resp, googleRegistries)
	if token != tok.AccessToken {
		t.Errorf("password = %q, want the token the metadata server issues first after a reset, %q", token, tok.AccessToken)
	}
	if tok.ExpiresIn != 3599 || tok.TokenType != "Bearer" {
		t.Errorf("token answer %s: want expires_in 3599, token_type Bearer", issued)
	}

	wantMetadataReads(t, since, id, tokenRead, emailRead)
	if email := metadataValue(t, "instance/service-accounts/default/email", nil); email != projectNumber+"-compute@developer.gserviceaccount.com" {
		t.Errorf("default service account email = %q, want the project's default compute account", email)
	}

}

// The cache settings come from the environment kubelet's provider config
// gives the plugin.
func TestAuthProviderGCPCacheSettings(t *testing.T) {
	authProviderGCP(t)
	for _, tc := range []struct{ keyType, duration, wantType, wantDuration string }{
		{"registry", "10m", "Registry", "10m0s"},
		{"global", "1h30m", "Global", "1h30m0s"},
		{"image", "", "Image", "0s"},
	} {
		t.Run(tc.keyType, func(t *testing.T) {
			env := []string{"KUBE_SIDECAR_CACHE_TYPE=" + tc.keyType}
			if tc.duration != "" {
				env = append(env, "KUBE_SIDECAR_CACHE_DURATION="+tc.duration)
			}
			r := runPlugin(t, "eu.gcr.io/my-project/app:1", nil, env...)
			wantTokenAuth(t, wantResponse(t, r, tc.wantType, tc.wantDuration), append([]string{"eu.gcr.io"}, googleRegistries...))
		})
	}
	t.Run("unknown type", func(t *testing.T) {
		id := nodeAID(t)
		since := journalLastSeq(t)
		r := runPlugin(t, "gcr.io/my-project/app:1", nil, "KUBE_SIDECAR_CACHE_TYPE=pod")
		if r.ExitCode == 0 {
			t.Fatalf("plugin accepted KUBE_SIDECAR_CACHE_TYPE=pod: %s", r.Stdout)
		}
		if !bytes.Contains(r.Stderr, []byte(`Unknown cache key "pod"`)) {
			t.Errorf("stderr does not name the unknown cache key")
		}
		// The metadata reads happen before the cache settings are read.
		wantMetadataReads(t, since, id, tokenRead, emailRead)
	})
}

// (b) Artifact Registry and other hosts: the image's own host is added to the
// Google registries, whatever it is; an image without a host part adds none.
func TestAuthProviderGCPImageHosts(t *testing.T) {
	authProviderGCP(t)
	for _, tc := range []struct {
		image string
		extra []string
	}{
		{"us-docker.pkg.dev/p/r/i", []string{"us-docker.pkg.dev"}},
		{"europe-west4-docker.pkg.dev/my-project/repo/app@sha256:" + strings.Repeat("ab", 32), []string{"europe-west4-docker.pkg.dev"}},
		{"asia.gcr.io/my-project/app:v2", []string{"asia.gcr.io"}},
		{"container.cloud.google.com/distroless/static", nil},   // already one of the four
		{"docker.io/library/nginx:1.27", []string{"docker.io"}}, // not a Google host: the plugin answers anyway
		{"nginx", nil}, // no host part
	} {
		t.Run(tc.image, func(t *testing.T) {
			id := nodeAID(t)
			since := journalLastSeq(t)
			r := runPlugin(t, tc.image, nil)
			wantTokenAuth(t, wantResponse(t, r, "Image", "0s"), append(slices.Clone(googleRegistries), tc.extra...))
			wantMetadataReads(t, since, id, tokenRead, emailRead)
		})
	}
}

// (c) The metadata server refuses requests without Metadata-Flavor: Google
// (403) and serves them with it (200), both as the plugin calls it (through
// the proxy, absolute-form) and on its own listener; every answer carries
// Metadata-Flavor: Google.
func TestMetadataFlavorRequired(t *testing.T) {
	for _, c := range []struct {
		name   string
		client *http.Client
		base   string
	}{
		{"proxy absolute-form", metadataClient(t), metadataBase},
		{"direct", directClient(), fauxcloudURL + "/computeMetadata/v1/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"instance/service-accounts/default/token", "instance/service-accounts/default/email", "instance/attributes/google-dockercfg"} {
				since := journalLastSeq(t)
				without := getMetadata(t, c.client, c.base+path, nil)
				if without.status != http.StatusForbidden {
					t.Errorf("GET %s without Metadata-Flavor: HTTP %d %q, want 403", path, without.status, without.body)
				}
				if strings.Contains(without.body, "ya29.") {
					t.Errorf("GET %s without Metadata-Flavor leaked a token: %q", path, without.body)
				}
				with := getMetadata(t, c.client, c.base+path, map[string]string{"Metadata-Flavor": "Google"})
				wantStatus := http.StatusOK
				if strings.Contains(path, "attributes/") {
					wantStatus = http.StatusNotFound // node-a has no attributes in the default scenario
				}
				if with.status != wantStatus {
					t.Errorf("GET %s with Metadata-Flavor: HTTP %d %q, want %d", path, with.status, with.body, wantStatus)
				}
				for _, a := range []metadataAnswer{without, with} {
					if got := a.header.Get("Metadata-Flavor"); got != "Google" {
						t.Errorf("GET %s answered HTTP %d without the response header Metadata-Flavor: Google (got %q)", path, a.status, got)
					}
				}
				if strings.HasSuffix(path, "/token") {
					var tok struct {
						AccessToken string `json:"access_token"`
						ExpiresIn   int    `json:"expires_in"`
						TokenType   string `json:"token_type"`
					}
					if err := json.Unmarshal([]byte(with.body), &tok); err != nil || !accessTokenRE.MatchString(tok.AccessToken) || tok.ExpiresIn != 3599 || tok.TokenType != "Bearer" {
						t.Errorf("token answer %q (%v): want access_token ya29.c…, expires_in 3599, token_type Bearer", with.body, err)
					}
				}
				entries := gcpJournalSince(t, since)
				var statuses []int
				for _, e := range entries {
					statuses = append(statuses, e.Status)
					if e.Path != "/computeMetadata/v1/"+path {
						t.Errorf("journal %v: want path /computeMetadata/v1/%s", e, path)
					}
				}
				if !slices.Equal(statuses, []int{403, wantStatus}) {
					t.Errorf("journal statuses %v, want [403 %d]: %v", statuses, wantStatus, entries)
				}
			}
		})
	}

	// What the plugin's ContainerRegistryProvider.Enabled() reads (not on the
	// get-credentials path, but part of the same contract): a "default/" line
	// in the service-accounts listing, and scopes as a JSON array with a
	// devstorage or cloud-platform scope.
	t.Run("service accounts and scopes", func(t *testing.T) {
		listing := metadataValue(t, "instance/service-accounts/", nil)
		if !slices.Contains(strings.Split(listing, "\n"), "default/") {
			t.Errorf("instance/service-accounts/ = %q, want a default/ line", listing)
		}
		raw := metadataValue(t, "instance/service-accounts/default/scopes?alt=json", nil)
		var scopes []string
		if err := json.Unmarshal([]byte(raw), &scopes); err != nil {
			t.Fatalf("scopes?alt=json = %q: %v", raw, err)
		}
		if !slices.ContainsFunc(scopes, func(s string) bool {
			return strings.HasPrefix(s, "https://www.googleapis.com/auth/cloud-platform") || strings.HasPrefix(s, "https://www.googleapis.com/auth/devstorage")
		}) {
			t.Errorf("scopes %q: want cloud-platform or devstorage", scopes)
		}
	})

	// X-Fauxcloud-Instance picks the instance (the plugin cannot send it: it
	// always gets the default project's first instance, node-a).
	t.Run("X-Fauxcloud-Instance", func(t *testing.T) {
		for _, inst := range []struct{ name, zone string }{{"node-a", "us-central1-a"}, {"node-b", "us-central1-b"}, {"node-c", "us-central1-c"}} {
			h := map[string]string{"X-Fauxcloud-Instance": inst.name}
			if got := metadataValue(t, "instance/name", h); got != inst.name {
				t.Errorf("instance/name for %s = %q", inst.name, got)
			}
			if got, want := metadataValue(t, "instance/zone", h), "projects/"+projectNumber+"/zones/"+inst.zone; got != want {
				t.Errorf("instance/zone for %s = %q, want %q", inst.name, got, want)
			}
		}
		a := getMetadata(t, metadataClient(t), metadataBase+"instance/name", map[string]string{"Metadata-Flavor": "Google", "X-Fauxcloud-Instance": "no-such-node"})
		if a.status != http.StatusNotFound {
			t.Errorf("instance/name for an unknown instance: HTTP %d %q, want 404", a.status, a.body)
		}
	})
}

// (d) The dockercfg flows against the default scenario, where node-a has no
// instance attributes: the metadata server answers 404 and the plugin answers
// empty credentials (exit 0).
func TestAuthProviderGCPDockercfgAbsent(t *testing.T) {
	authProviderGCP(t)
	id := nodeAID(t)

	t.Run("dockercfg", func(t *testing.T) {
		since := journalLastSeq(t)
		r := runPlugin(t, "registry.example.com/team/app:1", []string{"--authFlow=dockercfg"})
		resp := wantResponse(t, r, "Image", "0s")
		if len(resp.Auth) != 0 {
			t.Errorf("auth = %v, want none when google-dockercfg is not set", resp.Auth)
		}
		wantMetadataReads(t, since, id, metadataRead{"instance/attributes/google-dockercfg", 404})
	})
	t.Run("dockercfg-url", func(t *testing.T) {
		since := journalLastSeq(t)
		r := runPlugin(t, "registry.example.com/team/app:1", []string{"--authFlow=dockercfg-url"})
		resp := wantResponse(t, r, "Image", "0s")
		if len(resp.Auth) != 0 {
			t.Errorf("auth = %v, want none when google-dockercfg-url is not set", resp.Auth)
		}
		if !bytes.Contains(r.Stderr, []byte("while reading 'google-dockercfg-url' metadata: http status code: 404")) {
			t.Errorf("stderr does not log the 404 of google-dockercfg-url")
		}
		wantMetadataReads(t, since, id, metadataRead{"instance/attributes/google-dockercfg-url", 404})
	})
	t.Run("unknown flow", func(t *testing.T) {
		since := journalLastSeq(t)
		r := runPlugin(t, "gcr.io/my-project/app:1", []string{"--authFlow=ecr"})
		if r.ExitCode == 0 {
			t.Fatalf("plugin accepted --authFlow=ecr: %s", r.Stdout)
		}
		if !bytes.Contains(r.Stderr, []byte(`invalid value "ecr" for authFlow`)) {
			t.Errorf("stderr does not reject the flow")
		}
		if n := len(gcpJournalSince(t, since)); n != 0 {
			t.Errorf("plugin made %d metadata calls for a rejected flow", n)
		}
	})
}

// (d) The dockercfg flows with node-a's instance attributes set through a
// scenario: google-dockercfg holds a .dockercfg, google-dockercfg-url the URL
// of one (served here by the test; the plugin fetches it directly, loopback
// is never proxied).
func TestAuthProviderGCPDockercfgFromAttributes(t *testing.T) {
	authProviderGCP(t)

	var urlHits struct {
		sync.Mutex
		headers []http.Header
	}
	cfgServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		urlHits.Lock()
		urlHits.headers = append(urlHits.headers, r.Header.Clone())
		urlHits.Unlock()
		if r.URL.Path != "/dockercfg.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"url-registry.example.com":{"username":"url-user","password":"url-pass"}}`)
	}))
	defer cfgServer.Close()

	basic := func(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
	dockercfg, err := json.Marshal(map[string]map[string]string{
		"registry.example.com":    {"auth": basic("robot", "s3cret:with-colon"), "email": "robot@example.com"},
		"mirror.example.com:5000": {"username": "mirror", "password": "m1rr0r"},
	})
	harness.Check(t, err)
	loadScenario(t, map[string]string{
		"google-dockercfg":     string(dockercfg),
		"google-dockercfg-url": cfgServer.URL + "/dockercfg.json",
	})
	id := nodeAID(t)

	t.Run("dockercfg", func(t *testing.T) {
		since := journalLastSeq(t)
		r := runPlugin(t, "registry.example.com/team/app:1", []string{"--authFlow=dockercfg"})
		resp := wantResponse(t, r, "Image", "0s")
		want := map[string]harness.AuthConfig{
			"registry.example.com":    {Username: "robot", Password: "s3cret:with-colon"},
			"mirror.example.com:5000": {Username: "mirror", Password: "m1rr0r"},
		}
		if !maps.Equal(resp.Auth, want) {
			t.Errorf("auth = %v, want %v", resp.Auth, want)
		}
		wantMetadataReads(t, since, id, metadataRead{"instance/attributes/google-dockercfg", 200})
	})
	t.Run("dockercfg-url", func(t *testing.T) {
		since := journalLastSeq(t)
		r := runPlugin(t, "url-registry.example.com/team/app:1", []string{"--authFlow=dockercfg-url"})
		resp := wantResponse(t, r, "Image", "0s")
		want := map[string]harness.AuthConfig{"url-registry.example.com": {Username: "url-user", Password: "url-pass"}}
		if !maps.Equal(resp.Auth, want) {
			t.Errorf("auth = %v, want %v", resp.Auth, want)
		}
		wantMetadataReads(t, since, id, metadataRead{"instance/attributes/google-dockercfg-url", 200})
		urlHits.Lock()
		defer urlHits.Unlock()
		if len(urlHits.headers) != 1 {
			t.Fatalf("the dockercfg URL was fetched %d times, want once", len(urlHits.headers))
		}
		if h := urlHits.headers[0].Get("Metadata-Flavor"); h != "" {
			t.Errorf("the plugin sent Metadata-Flavor %q to the dockercfg URL; it sends no metadata header there", h)
		}
	})
	t.Run("gcr still works", func(t *testing.T) {
		wantTokenAuth(t, wantResponse(t, runPlugin(t, "gcr.io/my-project/app:1", nil), "Image", "0s"), googleRegistries)
	})
}

// loadScenario loads a scenario whose only seed is the default scenario's
// Google Cloud project with node-a carrying attributes, and restores the
// default scenario when the test ends. (A scenario is YAML, and JSON is YAML.)
func loadScenario(t *testing.T, nodeAAttributes map[string]string) {
	t.Helper()
	instances := []map[string]any{
		{"name": "node-a", "zone": "us-central1-a", "machineType": "e2-standard-4", "labels": map[string]string{"cluster": "fauxcloud"}, "attributes": nodeAAttributes},
		{"name": "node-b", "zone": "us-central1-b", "machineType": "e2-standard-4", "labels": map[string]string{"cluster": "fauxcloud"}},
		{"name": "node-c", "zone": "us-central1-c", "machineType": "e2-standard-4", "labels": map[string]string{"cluster": "fauxcloud"}},
	}
	scenario := map[string]any{
		"name":        "gcp-node-attributes",
		"description": "the default scenario's Google Cloud project, node-a with instance attributes",
		"seed": map[string]any{"gcp": map[string]any{"projects": map[string]any{defaultProject: map[string]any{
			"number":    projectNumber,
			"zones":     []string{"us-central1-a", "us-central1-b", "us-central1-c"},
			"networks":  []any{map[string]any{"name": "default", "subnetworks": []any{map[string]string{"name": "default", "region": "us-central1", "cidr": "10.128.0.0/20"}}}},
			"instances": instances,
		}}}},
	}
	doc, err := json.Marshal(scenario)
	harness.Check(t, err)
	t.Cleanup(func() {
		if _, err := admin().Call(http.MethodPut, "/_fauxcloud/scenario", map[string]any{"name": "default"}); err != nil {
			t.Errorf("restore the default scenario: %v", err)
		}
	})
	if _, err := admin().Call(http.MethodPut, "/_fauxcloud/scenario", map[string]any{"yaml": string(doc)}); err != nil {
		t.Fatalf("load scenario: %v", err)
	}
	for k, v := range nodeAAttributes {
		if got := metadataValue(t, "instance/attributes/"+k, nil); got != v {
			t.Fatalf("instance/attributes/%s = %q after loading the scenario, want %q", k, got, v)
		}
	}
}
