package aws_test

// The real kubelet image credential provider for ECR (ecr-credential-provider
// from k8s.io/cloud-provider-aws), run exactly as kubelet runs it: an exec'd
// binary that reads a CredentialProviderRequest on stdin and writes a
// CredentialProviderResponse on stdout, with the SDK pointed at fauxcloud by
// the environment TestMain set up (AWS_ENDPOINT_URL, AWS_REGION, dummy keys,
// AWS_EC2_METADATA_DISABLED).
//
// What the plugin does at the pinned version (read from its source):
//   - host = the image reference's host; `public.ecr.aws` / `ecr-public.aws.com`
//     go to ecr-public GetAuthorizationToken in us-east-1, every other host to
//     ECR GetAuthorizationToken in the region parsed from
//     `<12 digits>.dkr.ecr.<region>.amazonaws.com` (or the SDK's default
//     region when the host does not match, with a klog warning);
//   - the token is base64("user:password"); the response has
//     cacheKeyType Registry, auth keyed by the exact image host, and
//     cacheDuration = (expiresAt - now) / 2;
//   - when the request carries serviceAccountToken and a role ARN
//     (serviceAccountAnnotations["eks.amazonaws.com/ecr-role-arn"], else
//     $AWS_ECR_ROLE_ARN), the ECR call is made with credentials from
//     STS AssumeRoleWithWebIdentity (session name "ecr-credential-provider").
//
// The binary is built from the pinned module version into
// test/conformance/.bin/ (git-ignored), once, and reused until the pin changes.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	// ecrProviderModule/ecrProviderVersion pin the plugin; change the version
	// to rebuild. (v1.37.0 and v1.37.1 have the same cmd/ecr-credential-provider.)
	ecrProviderModule  = "k8s.io/cloud-provider-aws"
	ecrProviderVersion = "v1.37.1"
	ecrProviderPkg     = "./cmd/ecr-credential-provider"

	ecrProviderAPIVersion = "credentialprovider.kubelet.k8s.io/v1"
	ecrRoleAnnotation     = "eks.amazonaws.com/ecr-role-arn"

	ecrBuildTimeout  = 10 * time.Minute
	ecrPluginTimeout = 90 * time.Second
	// Both ECR and ECR Public authorization tokens are valid for 12 hours.
	ecrTokenValidity = 12 * time.Hour
)

var (
	ecrProviderOnce sync.Once
	ecrProviderPath string
	ecrProviderErr  error
)

// ecrCredentialProvider returns the path of the plugin binary, building it the
// first time it is missing.
func ecrCredentialProvider(t *testing.T) string {
	t.Helper()
	ecrProviderOnce.Do(func() {
		ecrProviderPath, ecrProviderErr = buildECRCredentialProvider(t)
	})
	if ecrProviderErr != nil {
		t.Fatalf("ecr-credential-provider %s: %v", ecrProviderVersion, ecrProviderErr)
	}
	return ecrProviderPath
}

func buildECRCredentialProvider(t *testing.T) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	binDir := filepath.Join(wd, "..", ".bin") // test/conformance/.bin, git-ignored
	bin := filepath.Join(binDir, "ecr-credential-provider@"+ecrProviderVersion)
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		t.Logf("ecr-credential-provider %s: using cached %s", ecrProviderVersion, bin)
		return bin, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}

	ctx, cancel, timeout := harness.BuildContext(t, ecrBuildTimeout)
	defer cancel()
	start := time.Now()

	// `go install module/cmd@version` refuses modules whose go.mod has replace
	// directives, which k8s.io/cloud-provider-aws has since v1.36.2/v1.37.1
	// (github.com/google/cel-go). So fetch the module and build the command
	// inside it, with the module's own go.mod/go.sum (as upstream builds it).
	// Neither step touches this module's go.mod.
	scratch := t.TempDir() // outside any module, so `go mod download` needs no go.mod
	env := goEnv()
	dl := exec.CommandContext(ctx, "go", "mod", "download", "-json", ecrProviderModule+"@"+ecrProviderVersion)
	dl.Dir = scratch
	dl.Env = env
	var dlErr bytes.Buffer
	dl.Stderr = &dlErr
	out, err := dl.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download: %v\n%s%s", err, out, dlErr.Bytes())
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download: no module dir in %q (%v) %s", out, err, mod.Error)
	}

	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	build := exec.CommandContext(ctx, "go", "build", "-C", mod.Dir, "-mod=readonly", "-trimpath",
		"-ldflags=-s -w -X main.gitVersion="+ecrProviderVersion, "-o", tmp, ecrProviderPkg)
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp)
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (build timeout %s)", err, timeout)
		}
		return "", fmt.Errorf("go build %s in %s: %v\n%s", ecrProviderPkg, mod.Dir, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return "", err
	}
	// Drop binaries of earlier pins.
	if old, _ := filepath.Glob(filepath.Join(binDir, "ecr-credential-provider@*")); len(old) > 0 {
		for _, p := range old {
			if p != bin && !strings.Contains(filepath.Base(p), ".tmp-") {
				os.Remove(p)
			}
		}
	}
	t.Logf("ecr-credential-provider %s: built %s in %s", ecrProviderVersion, bin, time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintf(os.Stderr, "conformance: built ecr-credential-provider %s in %s\n", ecrProviderVersion, time.Since(start).Round(100*time.Millisecond))
	return bin, nil
}

// goEnv is the environment for the go commands that build the plugin: this
// module's GOFLAGS (-mod=mod) and any go.work must not leak into them.
func goEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "GOWORK=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOWORK=off", "GOFLAGS=-buildvcs=false")
}

// ---------------------------------------------------------------------------
// Running the plugin as kubelet does

// runECRPlugin execs the plugin with the request on stdin, the test process's
// environment plus extraEnv (as kubelet passes its own environment plus the
// provider config's env), and no arguments.
func runECRPlugin(t *testing.T, req harness.CredentialProviderRequest, extraEnv ...string) harness.PluginRun {
	t.Helper()
	bin := ecrCredentialProvider(t)
	if req.APIVersion == "" {
		req.APIVersion = ecrProviderAPIVersion
	}
	if req.Kind == "" {
		req.Kind = "CredentialProviderRequest"
	}
	r, err := harness.RunCredentialPlugin(bin, nil, append(os.Environ(), extraEnv...), req, ecrPluginTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plugin request %s\n  exit %d after %s\n  stdout: %s\n  stderr: %s", r.Request, r.ExitCode, r.Elapsed.Round(time.Millisecond),
		bytes.TrimSpace(r.Stdout), bytes.TrimSpace(r.Stderr))
	return r
}

// wantCredentials asserts a successful run whose response gives registry
// credentials for exactly host, and returns the parsed response.
func wantCredentials(t *testing.T, r harness.PluginRun, host string) harness.CredentialProviderResponse {
	t.Helper()
	resp := r.Response(t, ecrProviderAPIVersion)
	if resp.CacheKeyType != "Registry" {
		t.Errorf("cacheKeyType = %q, want Registry", resp.CacheKeyType)
	}
	if len(resp.Auth) != 1 {
		t.Fatalf("auth has %d entries, want exactly one for %q: %v", len(resp.Auth), host, resp.Auth)
	}
	a, ok := resp.Auth[host]
	if !ok {
		t.Fatalf("auth is keyed %v, want the image host %q", keys(resp.Auth), host)
	}
	if a.Username != "AWS" {
		t.Errorf("username = %q, want AWS", a.Username)
	}
	if a.Password == "" {
		t.Errorf("password is empty")
	}
	return resp
}

// wantCacheDuration checks the plugin's cacheDuration: half the time left
// until the token's expiresAt, measured on the wall clock. fauxcloud stamps
// expiresAt on its virtual clock, so its lead over the wall clock (another
// test may have advanced it) is allowed for.
func wantCacheDuration(t *testing.T, resp harness.CredentialProviderResponse, virtualLead time.Duration) {
	t.Helper()
	if resp.CacheDuration == nil {
		t.Errorf("cacheDuration is missing: the plugin omits it when expiresAt is not in the future (wall clock)")
		return
	}
	d, err := time.ParseDuration(*resp.CacheDuration)
	if err != nil {
		t.Errorf("cacheDuration %q: %v", *resp.CacheDuration, err)
		return
	}
	want := (ecrTokenValidity + virtualLead) / 2
	if diff := d - want; diff < -2*time.Minute || diff > 2*time.Minute {
		t.Errorf("cacheDuration = %s, want ≈ %s (a %s token, virtual clock %s ahead of the wall clock, halved)", d, want.Round(time.Second), ecrTokenValidity, virtualLead.Round(time.Second))
	}
}

// clockLead is how far fauxcloud's virtual clock is ahead of the wall clock.
func clockLead(t *testing.T) time.Duration {
	t.Helper()
	var c struct {
		NowMs float64 `json:"nowMs"`
	}
	out := adminDo(t, http.MethodGet, "/_fauxcloud/clock", nil)
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("clock: %v: %s", err, out)
	}
	return time.Duration(c.NowMs)*time.Millisecond - time.Duration(time.Now().UnixNano())
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// ---------------------------------------------------------------------------
// Journal

type journalEntry struct {
	Seq       int    `json:"seq"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Tenant    string `json:"tenant"`
	Region    string `json:"region"`
	Status    int    `json:"status"`
	ErrorCode string `json:"errorCode"`
	Path      string `json:"path"`
}

func journalSince(t *testing.T, since int) []journalEntry {
	t.Helper()
	out := adminDo(t, http.MethodGet, "/_fauxcloud/journal?"+url.Values{"since": {fmt.Sprint(since)}}.Encode(), nil)
	var r struct {
		Entries []journalEntry `json:"entries"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("journal: %v: %s", err, out)
	}
	return r.Entries
}

func (e journalEntry) String() string {
	s := fmt.Sprintf("#%d %s.%s tenant=%s region=%s status=%d", e.Seq, e.Service, e.Operation, e.Tenant, e.Region, e.Status)
	if e.ErrorCode != "" {
		s += " error=" + e.ErrorCode
	}
	return s
}

// wantJournalCall finds the one successful call of operation on service since
// seq and checks its region and tenant ("" = don't care).
func wantJournalCall(t *testing.T, entries []journalEntry, service, operation, region, tenant string) journalEntry {
	t.Helper()
	var hits []journalEntry
	for _, e := range entries {
		if e.Operation == operation && e.Service == service {
			hits = append(hits, e)
		}
	}
	if len(hits) == 0 {
		t.Fatalf("journal has no %s %s since the plugin ran; it has: %v", service, operation, entries)
	}
	e := hits[len(hits)-1]
	if e.Status != 200 {
		t.Errorf("journal %v: want status 200", e)
	}
	if region != "" && e.Region != region {
		t.Errorf("journal %v: want region %s", e, region)
	}
	if tenant != "" && e.Tenant != tenant {
		t.Errorf("journal %v: want tenant %s", e, tenant)
	}
	return e
}

// fakeServiceAccountToken is shaped like the projected token kubelet hands the
// plugin (a JWT for the service account); fauxcloud does not verify it.
func fakeServiceAccountToken() string {
	enc := base64.RawURLEncoding.EncodeToString
	now := time.Now().Unix()
	header := `{"alg":"RS256","kid":"fauxcloud"}`
	claims := fmt.Sprintf(`{"aud":["sts.amazonaws.com"],"exp":%d,"iat":%d,"iss":"https://oidc.fauxcloud.test","sub":"system:serviceaccount:default:puller"}`, now+3600, now)
	return enc([]byte(header)) + "." + enc([]byte(claims)) + "." + enc([]byte("not-a-signature"))
}

// ---------------------------------------------------------------------------
// Tests

// The default credentials (AKIDFAUXCLOUD) map to account 000000000000.
const defaultAccount = "000000000000"

func TestECRCredentialProviderPrivateRegistry(t *testing.T) {
	const host = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
	ecrCredentialProvider(t)
	since := journalLastSeq(t)
	lead := clockLead(t)

	r := runECRPlugin(t, harness.CredentialProviderRequest{Image: host + "/app:1"})
	resp := wantCredentials(t, r, host)
	wantCacheDuration(t, resp, lead)

	entries := journalSince(t, since)
	wantJournalCall(t, entries, "ecr", "GetAuthorizationToken", "us-west-2", defaultAccount)
	for _, e := range entries {
		if e.Service == "sts" {
			t.Errorf("no STS call expected without a service account token: %v", e)
		}
	}
}

func TestECRCredentialProviderPublicRegistry(t *testing.T) {
	const host = "public.ecr.aws"
	ecrCredentialProvider(t)
	since := journalLastSeq(t)
	lead := clockLead(t)

	r := runECRPlugin(t, harness.CredentialProviderRequest{Image: host + "/nginx/nginx:latest"})
	resp := wantCredentials(t, r, host)
	wantCacheDuration(t, resp, lead)

	entries := journalSince(t, since)
	wantJournalCall(t, entries, "ecr-public", "GetAuthorizationToken", "us-east-1", defaultAccount)
	for _, e := range entries {
		if e.Service == "ecr" {
			t.Errorf("a public.ecr.aws image must not call private ECR: %v", e)
		}
	}
}

// The service-account-token path: kubelet passes the pod's service account
// token and annotations; the plugin assumes the role named by the annotation
// (or $AWS_ECR_ROLE_ARN) and calls ECR with the role's credentials, which
// fauxcloud attributes to the role's account.
func TestECRCredentialProviderWebIdentity(t *testing.T) {
	ecrCredentialProvider(t)

	t.Run("annotation/private", func(t *testing.T) {
		const host = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
		const roleAccount = "444455556666"
		since := journalLastSeq(t)
		r := runECRPlugin(t, harness.CredentialProviderRequest{
			Image:                     host + "/app:1",
			ServiceAccountToken:       fakeServiceAccountToken(),
			ServiceAccountAnnotations: map[string]string{ecrRoleAnnotation: "arn:aws:iam::" + roleAccount + ":role/ecr-pull"},
		})
		wantCredentials(t, r, host)
		entries := journalSince(t, since)
		assume := wantJournalCall(t, entries, "sts", "AssumeRoleWithWebIdentity", "", "")
		ecr := wantJournalCall(t, entries, "ecr", "GetAuthorizationToken", "us-west-2", roleAccount)
		if ecr.Seq < assume.Seq {
			t.Errorf("ECR call %v came before AssumeRoleWithWebIdentity %v", ecr, assume)
		}
		t.Logf("STS call as journaled: %v", assume)
	})

	t.Run("env/public", func(t *testing.T) {
		const host = "public.ecr.aws"
		const roleAccount = "777788889999"
		since := journalLastSeq(t)
		r := runECRPlugin(t, harness.CredentialProviderRequest{
			Image:               host + "/nginx/nginx:latest",
			ServiceAccountToken: fakeServiceAccountToken(),
		}, "AWS_ECR_ROLE_ARN=arn:aws:iam::"+roleAccount+":role/ecr-public-pull")
		wantCredentials(t, r, host)
		entries := journalSince(t, since)
		wantJournalCall(t, entries, "sts", "AssumeRoleWithWebIdentity", "", "")
		wantJournalCall(t, entries, "ecr-public", "GetAuthorizationToken", "us-east-1", roleAccount)
	})

	// A token without any role ARN: the plugin logs that it cannot assume a
	// role and falls back to its own (default) credentials.
	t.Run("token without role", func(t *testing.T) {
		const host = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
		since := journalLastSeq(t)
		r := runECRPlugin(t, harness.CredentialProviderRequest{Image: host + "/app:1", ServiceAccountToken: fakeServiceAccountToken()})
		wantCredentials(t, r, host)
		if !bytes.Contains(r.Stderr, []byte("no arn provided")) {
			t.Errorf("expected the plugin's \"no arn provided\" log line on stderr")
		}
		entries := journalSince(t, since)
		wantJournalCall(t, entries, "ecr", "GetAuthorizationToken", "us-west-2", defaultAccount)
		for _, e := range entries {
			if e.Service == "sts" {
				t.Errorf("no STS call expected without a role ARN: %v", e)
			}
		}
	})
}

// The plugin does not check that the image is an ECR one (kubelet's
// matchImages does that): a non-ECR host gets an ECR token from the SDK's
// default region, keyed by that host, with a warning about the region.
func TestECRCredentialProviderNonECRImage(t *testing.T) {
	ecrCredentialProvider(t)
	since := journalLastSeq(t)
	r := runECRPlugin(t, harness.CredentialProviderRequest{Image: "docker.io/library/nginx"})
	wantCredentials(t, r, "docker.io")
	if !bytes.Contains(r.Stderr, []byte("No region found in the image reference")) {
		t.Errorf("expected the plugin's no-region warning on stderr")
	}
	wantJournalCall(t, journalSince(t, since), "ecr", "GetAuthorizationToken", testRegion, defaultAccount)
}

// Requests in another apiVersion are refused before any cloud call.
func TestECRCredentialProviderRejectsOtherAPIVersion(t *testing.T) {
	ecrCredentialProvider(t)
	since := journalLastSeq(t)
	r := runECRPlugin(t, harness.CredentialProviderRequest{APIVersion: "credentialprovider.kubelet.k8s.io/v1alpha1", Image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/app:1"})
	if r.ExitCode == 0 {
		t.Fatalf("plugin accepted a v1alpha1 request: %s", r.Stdout)
	}
	if !bytes.Contains(r.Stderr, []byte("not supported")) {
		t.Errorf("stderr does not say the group version is not supported")
	}
	if n := len(journalSince(t, since)); n != 0 {
		t.Errorf("plugin made %d cloud calls for a rejected request", n)
	}
}
