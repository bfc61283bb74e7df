package awsccm_test

// Harness for the AWS cloud-controller-manager conformance suite.
//
// TestMain starts one fauxcloud (unless FAUXCLOUD_URL names a running one),
// isolates the AWS SDK from the machine's configuration, and routes klog (the
// provider's and the controllers' logs) into the running test's log, so a
// failing test shows what the real components did.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
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

	"k8s.io/klog/v2"
)

const (
	testRegion      = "us-east-1"
	clusterID       = "fauxcloud"
	startupTimeout  = 30 * time.Second
	shutdownTimeout = 5 * time.Second
)

var readyLine = regexp.MustCompile(`^fauxcloud ready http=(\S+) https=(\S+)\s*$`)

// fauxcloudURL is the base URL of the server's plain-HTTP listener.
var fauxcloudURL string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	setupKlog()
	var srv *server
	if u := os.Getenv("FAUXCLOUD_URL"); u != "" {
		fauxcloudURL = strings.TrimRight(u, "/")
		fmt.Fprintf(os.Stderr, "aws-ccm: using already-running fauxcloud at %s\n", fauxcloudURL)
	} else {
		var err error
		srv, err = startServer()
		if err != nil {
			fmt.Fprintf(os.Stderr, "aws-ccm: cannot start fauxcloud: %v\n", err)
			return 1
		}
		fauxcloudURL = srv.httpURL
	}
	if err := isolateSDKEnv(); err != nil {
		fmt.Fprintf(os.Stderr, "aws-ccm: %v\n", err)
		srv.stop()
		return 1
	}
	code := m.Run()
	if srv != nil {
		srv.stop()
		if code != 0 {
			srv.dumpLog()
		}
	}
	return code
}

// isolateSDKEnv gives the SDK dummy keys and hides any AWS configuration of the
// machine. It deliberately sets no endpoint and no region: the provider must
// reach fauxcloud only through the cloud-config [ServiceOverride] sections, and
// learn its region from the IMDS identity document.
func isolateSDKEnv() error {
	dir, err := os.MkdirTemp("", "fauxcloud-aws-ccm-")
	if err != nil {
		return err
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		return err
	}
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
		"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "AWS_ENDPOINT_URL_STS",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_EC2_METADATA_V1_DISABLED",
	} {
		os.Unsetenv(k)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDFAUXCLOUDCCM",
		"AWS_SECRET_ACCESS_KEY":       "x",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
	} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// klog → the current test's log

type klogSink struct {
	mu sync.Mutex
	t  testing.TB
}

var logSink = &klogSink{}

func (s *klogSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		s.t.Log(strings.TrimRight(string(p), "\n"))
	} else if os.Getenv("FAUXCLOUD_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	return len(p), nil
}

// captureKlog sends klog output to t's log until the test ends. Goroutines
// the controllers leave behind log to stderr only with FAUXCLOUD_VERBOSE.
func captureKlog(t testing.TB) {
	logSink.mu.Lock()
	logSink.t = t
	logSink.mu.Unlock()
	t.Cleanup(func() {
		klog.Flush()
		logSink.mu.Lock()
		logSink.t = nil
		logSink.mu.Unlock()
	})
}

func setupKlog() {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := os.Getenv("AWS_CCM_KLOG_V")
	if v == "" {
		v = "2"
	}
	_ = fs.Set("v", v)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	// Every line once: klog copies a line to the outputs of its severity and
	// all lower ones, so only INFO's output (which sees them all) is kept.
	klog.SetOutput(io.Discard)
	klog.SetOutputBySeverity("INFO", logSink)
}

// ---------------------------------------------------------------------------
// Server process

type server struct {
	cmd      *exec.Cmd
	httpURL  string
	httpsURL string
	logMu    sync.Mutex
	log      bytes.Buffer
	done     chan struct{}
}

const maxLog = 256 << 10

func (s *server) Write(p []byte) (int, error) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if os.Getenv("FAUXCLOUD_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	if s.log.Len()+len(p) > maxLog {
		keep := append([]byte(nil), s.log.Bytes()[min(s.log.Len(), s.log.Len()+len(p)-maxLog):]...)
		s.log.Reset()
		s.log.Write(keep)
	}
	return s.log.Write(p)
}

func (s *server) dumpLog() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := s.log.Bytes()
	if len(out) == 0 {
		return
	}
	if len(out) > 16<<10 {
		out = out[len(out)-16<<10:]
	}
	fmt.Fprintf(os.Stderr, "---- fauxcloud server output (tail) ----\n%s\n---- end ----\n", out)
}

func startServer() (*server, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root := filepath.Join(wd, "..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "dist", "core", "cli.js")); err != nil {
		return nil, fmt.Errorf("dist/core/cli.js not found under %s (run `npm run build`, or set FAUXCLOUD_URL): %w", root, err)
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
	ready := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); !found && m != nil {
				found = true
				ready <- [2]string{m[1], m[2]}
				continue
			}
			fmt.Fprintln(s, sc.Text())
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	select {
	case u := <-ready:
		s.httpURL = strings.TrimRight(u[0], "/")
		s.httpsURL = strings.TrimRight(u[1], "/")
		if pu, err := url.Parse(s.httpURL); err != nil || pu.Host == "" {
			s.stop()
			return nil, fmt.Errorf("ready line has an unusable http URL %q", u[0])
		}
		fmt.Fprintf(os.Stderr, "aws-ccm: fauxcloud (pid %d) ready at %s\n", cmd.Process.Pid, s.httpURL)
		return s, nil
	case <-s.done:
		s.dumpLog()
		return nil, fmt.Errorf("fauxcloud exited before its ready line (%v)", cmd.ProcessState)
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
// Admin API

func adminDo(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("marshal admin body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, fauxcloudURL+path, rd)
	if err != nil {
		t.Fatalf("admin request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("admin %s %s: HTTP %d: %s", method, path, resp.StatusCode, out)
	}
	return out
}

func resetStore(t testing.TB) {
	t.Helper()
	adminDo(t, http.MethodPost, "/_fauxcloud/reset", map[string]any{})
}

// openIMDS opens an IMDS port pinned to one instance and closes it when the
// test ends.
func openIMDS(t testing.TB, instanceID string) string {
	t.Helper()
	out := adminDo(t, http.MethodPost, "/_fauxcloud/aws/imds", map[string]any{"instanceId": instanceID})
	var r struct {
		Port     int    `json:"port"`
		Endpoint string `json:"endpoint"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Endpoint == "" || r.Port == 0 {
		t.Fatalf("POST /_fauxcloud/aws/imds: bad answer %q: %v", out, err)
	}
	t.Cleanup(func() { adminDo(t, http.MethodDelete, fmt.Sprintf("/_fauxcloud/aws/imds/%d", r.Port), nil) })
	return r.Endpoint
}

type journalEntry struct {
	Seq          int    `json:"seq"`
	Service      string `json:"service"`
	Operation    string `json:"operation"`
	Status       int    `json:"status"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	raw          string
}

// journal returns the journal records matching q (service, operation,
// status, since, ...).
func journal(t testing.TB, q url.Values) ([]journalEntry, int) {
	t.Helper()
	if q.Get("limit") == "" {
		q.Set("limit", "2000")
	}
	out := adminDo(t, http.MethodGet, "/_fauxcloud/journal?"+q.Encode(), nil)
	var r struct {
		Entries []json.RawMessage `json:"entries"`
		LastSeq int               `json:"lastSeq"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("journal: bad body %q: %v", out, err)
	}
	entries := make([]journalEntry, 0, len(r.Entries))
	for _, raw := range r.Entries {
		var e journalEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("journal entry %s: %v", raw, err)
		}
		e.raw = string(raw)
		entries = append(entries, e)
	}
	return entries, r.LastSeq
}

func journalLastSeq(t testing.TB) int {
	t.Helper()
	_, last := journal(t, url.Values{"limit": {"1"}})
	return last
}

// errorAnswers lists the error answers fauxcloud journaled after seq.
func errorAnswers(t testing.TB, since int) []journalEntry {
	t.Helper()
	entries, _ := journal(t, url.Values{"since": {fmt.Sprint(since)}})
	var errs []journalEntry
	for _, e := range entries {
		if e.Status >= 400 {
			errs = append(errs, e)
		}
	}
	return errs
}

// logErrorAnswers writes every error answer fauxcloud journaled after seq
// into the test log, so a failure names the requests that went wrong.
func logErrorAnswers(t testing.TB, since int) {
	t.Helper()
	for _, e := range errorAnswers(t, since) {
		t.Logf("fauxcloud error answer: %s", e.raw)
	}
}
