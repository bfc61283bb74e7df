package aws_test

// Harness for the AWS conformance suite.
//
// TestMain starts a fauxcloud server (unless FAUXCLOUD_URL points at one that
// is already running), then configures the real aws-sdk-go-v2 the standard
// way: AWS_ENDPOINT_URL plus region and dummy credentials in the environment,
// loaded by config.LoadDefaultConfig with no custom endpoint resolver.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

const (
	testRegion      = "us-east-1"
	startupTimeout  = 30 * time.Second
	shutdownTimeout = 5 * time.Second
)

// readyLine matches the line fauxcloud prints on stdout once it listens.
var readyLine = regexp.MustCompile(`^fauxcloud ready http=(\S+) https=(\S+)\s*$`)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var srv *server
	if u := os.Getenv("FAUXCLOUD_URL"); u != "" {
		fauxcloudURL = strings.TrimRight(u, "/")
		fmt.Fprintf(os.Stderr, "conformance: using already-running fauxcloud at %s\n", fauxcloudURL)
	} else {
		var err error
		srv, err = startServer()
		if err != nil {
			fmt.Fprintf(os.Stderr, "conformance: cannot start fauxcloud: %v\n", err)
			return 1
		}
		fauxcloudURL = srv.httpURL
		os.Setenv("FAUXCLOUD_URL", srv.httpURL)
		os.Setenv("FAUXCLOUD_HTTPS_URL", srv.httpsURL)
	}

	if err := configureSDKEnv(fauxcloudURL); err != nil {
		fmt.Fprintf(os.Stderr, "conformance: %v\n", err)
		srv.stop()
		return 1
	}

	code := m.Run()
	if srv != nil {
		srv.stop() // after Wait, all server output has been collected
		if code != 0 {
			srv.dumpLog()
		}
	}
	return code
}

// configureSDKEnv points the SDK at fauxcloud through the standard environment
// variables only, and isolates it from any AWS configuration on the machine.
func configureSDKEnv(endpoint string) error {
	dir, err := os.MkdirTemp("", "fauxcloud-conformance-aws-")
	if err != nil {
		return err
	}
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		return err
	}
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL_EC2",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT",
		"AWS_USE_DUALSTACK_ENDPOINT", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	} {
		os.Unsetenv(k)
	}
	env := map[string]string{
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_REGION":                  testRegion,
		"AWS_ACCESS_KEY_ID":           "AKIDFAUXCLOUD",
		"AWS_SECRET_ACCESS_KEY":       "x",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             emptyFile,
		"AWS_SHARED_CREDENTIALS_FILE": emptyFile,
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Server process

type server struct {
	cmd      *exec.Cmd
	httpURL  string
	httpsURL string
	logMu    sync.Mutex
	log      bytes.Buffer // stderr and extra stdout of the server, capped
	done     chan struct{}
}

const maxLog = 256 << 10

func (s *server) Write(p []byte) (int, error) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.log.Len()+len(p) > maxLog {
		// keep the newest output
		keep := s.log.Bytes()
		if drop := s.log.Len() + len(p) - maxLog; drop < len(keep) {
			keep = append([]byte(nil), keep[drop:]...)
		} else {
			keep = nil
		}
		s.log.Reset()
		s.log.Write(keep)
	}
	if os.Getenv("FAUXCLOUD_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	return s.log.Write(p)
}

func (s *server) dumpLog() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.log.Len() == 0 {
		return
	}
	out := s.log.Bytes()
	if len(out) > 16<<10 {
		out = out[len(out)-16<<10:]
	}
	fmt.Fprintf(os.Stderr, "---- fauxcloud server output (tail) ----\n%s\n---- end of server output ----\n", out)
}

func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.Abs(filepath.Join(wd, "..", "..", ".."))
}

func startServer() (*server, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	cli := filepath.Join(root, "dist", "core", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("%s not found (run `npm run build` in %s first, or set FAUXCLOUD_URL): %w", cli, root, err)
	}
	node := os.Getenv("NODE")
	if node == "" {
		node = "node"
	}
	s := &server{done: make(chan struct{})}
	cmd := exec.Command(node, "dist/core/cli.js", "--port", "0", "--https-port", "0", "--seed", "42")
	cmd.Dir = root
	cmd.Stderr = s
	setProcAttr(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", node, err)
	}
	s.cmd = cmd

	type urls struct{ http, https string }
	ready := make(chan urls, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found {
				if m := readyLine.FindStringSubmatch(line); m != nil {
					found = true
					ready <- urls{m[1], m[2]}
					continue
				}
			}
			fmt.Fprintln(s, line)
		}
		// drain anything left so the child never blocks on a full pipe
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		cmd.Wait()
		close(s.done)
	}()

	select {
	case u := <-ready:
		s.httpURL = strings.TrimRight(u.http, "/")
		s.httpsURL = strings.TrimRight(u.https, "/")
		if pu, err := url.Parse(s.httpURL); err != nil || pu.Host == "" {
			s.stop()
			return nil, fmt.Errorf("ready line has an unusable http URL %q", u.http)
		}
		fmt.Fprintf(os.Stderr, "conformance: fauxcloud (pid %d) ready at %s\n", cmd.Process.Pid, s.httpURL)
		return s, nil
	case <-s.done:
		s.dumpLog()
		return nil, fmt.Errorf("fauxcloud exited before printing its ready line (%v)", cmd.ProcessState)
	case <-time.After(startupTimeout):
		s.stop()
		s.dumpLog()
		return nil, fmt.Errorf("no ready line from fauxcloud within %s", startupTimeout)
	}
}

func (s *server) stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(shutdownTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// ---------------------------------------------------------------------------
// SDK client

func newEC2(t *testing.T) *ec2.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("config.LoadDefaultConfig: %v", err)
	}
	if cfg.Region != testRegion {
		t.Fatalf("SDK region = %q, want %q", cfg.Region, testRegion)
	}
	if cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != fauxcloudURL {
		t.Fatalf("SDK BaseEndpoint = %v, want %q from AWS_ENDPOINT_URL", aws.ToString(cfg.BaseEndpoint), fauxcloudURL)
	}
	return ec2.NewFromConfig(cfg)
}

// apiError returns the smithy API error in err, failing the test when err is
// nil or not an API error.
func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an API error, got success")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("expected a smithy.APIError, got %T: %v", err, err)
	}
	return ae
}

// wantAPIError asserts err is an API error with the given code and returns it.
func wantAPIError(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	ae := apiError(t, err)
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %q (message %q), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	return ae
}

// ---------------------------------------------------------------------------
// Admin API

func adminDo(t *testing.T, method, path string, body any) []byte {
	t.Helper()
	out, err := adminCall(method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// adminCall is adminDo for code that must not call t.Fatal (e.g. ginkgo nodes,
// which run on a goroutine of their own): it returns the error instead.
func adminCall(method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("marshal admin body: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, fauxcloudURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("admin request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("admin %s %s: HTTP %d: %s", method, path, resp.StatusCode, out)
	}
	return out, nil
}

// resetStore restores the scenario seed.
func resetStore(t *testing.T) {
	t.Helper()
	adminDo(t, http.MethodPost, "/_fauxcloud/reset", map[string]any{})
}

// setLifecycle sets per-resource-type lifecycle delays; an empty map restores
// instant transitions.
func setLifecycle(t *testing.T, spec map[string]any) {
	t.Helper()
	adminDo(t, http.MethodPut, "/_fauxcloud/lifecycle", spec)
}

// journalCount returns how many journal records match the query, e.g.
// url.Values{"operation": {"DescribeVolumes"}}.
func journalCount(t *testing.T, q url.Values) int {
	t.Helper()
	out := adminDo(t, http.MethodGet, "/_fauxcloud/journal/count?"+q.Encode(), nil)
	var r struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Count == nil {
		t.Fatalf("journal count: bad body %q: %v", out, err)
	}
	return *r.Count
}

// journalLastSeq returns the sequence number of the newest journal record, to
// pass as "since" so later counts see only what came after.
func journalLastSeq(t *testing.T) int {
	t.Helper()
	out := adminDo(t, http.MethodGet, "/_fauxcloud/journal?limit=1", nil)
	var r struct {
		LastSeq *int `json:"lastSeq"`
		Entries []struct {
			Seq int `json:"seq"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("journal: bad body %q: %v", out, err)
	}
	if r.LastSeq != nil {
		return *r.LastSeq
	}
	last := 0
	for _, e := range r.Entries {
		last = max(last, e.Seq)
	}
	return last
}

// journalRecord is one record of fauxcloud's request journal.
type journalRecord struct {
	Seq         int      `json:"seq"`
	Time        string   `json:"time"`
	Operation   string   `json:"operation"`
	Status      int      `json:"status"`
	ErrorCode   string   `json:"errorCode"`
	ResourceIDs []string `json:"resourceIds"`
	Rule        string   `json:"rule"`
}

// journalEntries returns the journal records matching the query, oldest first.
func journalEntries(t *testing.T, q url.Values) []journalRecord {
	t.Helper()
	out := adminDo(t, http.MethodGet, "/_fauxcloud/journal?"+q.Encode(), nil)
	var r struct {
		Entries []journalRecord `json:"entries"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("journal: bad body %q: %v", out, err)
	}
	return r.Entries
}

// setClock sets fauxcloud's virtual now (epoch milliseconds); the clock keeps
// running at its speed from there.
func setClock(t *testing.T, now time.Time) {
	t.Helper()
	adminDo(t, http.MethodPut, "/_fauxcloud/clock", map[string]any{"now": now.UnixMilli()})
}
