// Package harness is the code the fauxcloud conformance modules share: it
// starts the built server (`node dist/core/cli.js --port 0 --https-port 0
// --seed 42` from the repository root, three levels above the module
// directory the tests run in), waits for its ready line, captures its output
// to print when tests fail, stops it afterwards, and calls its admin API.
//
// The helpers return errors; each module wraps them for its tests with
// t.Fatal (see Check).
package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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
)

const (
	// StartupTimeout is how long Start waits for the ready line.
	StartupTimeout = 30 * time.Second
	// ShutdownTimeout is how long Stop waits after SIGTERM before it kills.
	ShutdownTimeout = 5 * time.Second

	maxLog  = 256 << 10 // server output kept, newest first
	dumpLog = 16 << 10  // tail printed by DumpLog
)

// readyLine matches the line fauxcloud prints on stdout once it listens.
var readyLine = regexp.MustCompile(`^fauxcloud ready http=(\S+) https=(\S+)\s*$`)

// ParseReadyLine returns the listener URLs of a `fauxcloud ready http=…
// https=…` line, and false for any other line.
func ParseReadyLine(line string) (httpURL, httpsURL string, ok bool) {
	m := readyLine.FindStringSubmatch(line)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Options configure Main.
type Options struct {
	// Name prefixes the harness's own messages on stderr.
	Name string
	// ExportEnv sets FAUXCLOUD_URL and FAUXCLOUD_HTTPS_URL to the started
	// server's URLs (nothing is set for a server named by FAUXCLOUD_URL).
	ExportEnv bool
	// Setup runs with the server's HTTP base URL before the tests; an error
	// stops the run.
	Setup func(baseURL string) error
}

// Main runs a module's tests (m is the *testing.M of its TestMain) against a
// fauxcloud it starts, or the one FAUXCLOUD_URL names, and returns the exit
// code. The server is stopped afterwards and its output printed when the
// tests failed.
func Main(m interface{ Run() int }, o Options) int {
	var srv *Server
	var base string
	if u := os.Getenv("FAUXCLOUD_URL"); u != "" {
		base = strings.TrimRight(u, "/")
		fmt.Fprintf(os.Stderr, "%s: using already-running fauxcloud at %s\n", o.Name, base)
	} else {
		var err error
		srv, err = Start(o.Name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: cannot start fauxcloud: %v\n", o.Name, err)
			return 1
		}
		base = srv.HTTPURL
		if o.ExportEnv {
			os.Setenv("FAUXCLOUD_URL", srv.HTTPURL)
			os.Setenv("FAUXCLOUD_HTTPS_URL", srv.HTTPSURL)
		}
	}
	if o.Setup != nil {
		if err := o.Setup(base); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", o.Name, err)
			srv.Stop()
			return 1
		}
	}
	code := m.Run()
	if srv != nil {
		srv.Stop() // after Wait, all server output has been collected
		if code != 0 {
			srv.DumpLog()
		}
	}
	return code
}

// Check fails the test with err unless it is nil.
func Check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Server is a fauxcloud process started by Start.
type Server struct {
	HTTPURL  string // plain-HTTP listener, without a trailing slash
	HTTPSURL string // HTTPS listener, without a trailing slash

	cmd  *exec.Cmd
	log  logBuffer
	done chan struct{}
}

// logBuffer keeps the newest maxLog bytes written to it (the server's stderr
// and the stdout lines other than the ready line), and streams them to stderr
// with FAUXCLOUD_VERBOSE.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len()+len(p) > maxLog {
		// keep the newest output
		keep := l.buf.Bytes()
		if drop := l.buf.Len() + len(p) - maxLog; drop < len(keep) {
			keep = append([]byte(nil), keep[drop:]...)
		} else {
			keep = nil
		}
		l.buf.Reset()
		l.buf.Write(keep)
	}
	if os.Getenv("FAUXCLOUD_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	return l.buf.Write(p)
}

// tail returns the last n bytes kept.
func (l *logBuffer) tail(n int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.buf.Bytes()
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return append([]byte(nil), out...)
}

// DumpLog prints the tail of the server's output to stderr.
func (s *Server) DumpLog() {
	out := s.log.tail(dumpLog)
	if len(out) == 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "---- fauxcloud server output (tail) ----\n%s\n---- end of server output ----\n", out)
}

// RepoRoot is the repository root seen from a conformance module's directory
// (the working directory of its tests): three levels up.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.Abs(filepath.Join(wd, "..", "..", ".."))
}

// Start runs `node dist/core/cli.js --port 0 --https-port 0 --seed 42` in the
// repository root ($NODE names another node) and waits up to StartupTimeout
// for its ready line. name prefixes the message that says it is ready.
func Start(name string) (*Server, error) { return StartWith(name) }

// StartWith is Start with more command-line flags (a test's own server, e.g.
// `--auth strict`), stopped by the caller.
func StartWith(name string, flags ...string) (*Server, error) {
	root, err := RepoRoot()
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
	s := &Server{done: make(chan struct{})}
	args := append([]string{"dist/core/cli.js", "--port", "0", "--https-port", "0", "--seed", "42"}, flags...)
	cmd := exec.Command(node, args...)
	cmd.Dir = root
	cmd.Stderr = &s.log
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
			line := sc.Text()
			if !found {
				if h, hs, ok := ParseReadyLine(line); ok {
					found = true
					ready <- [2]string{h, hs}
					continue
				}
			}
			fmt.Fprintln(&s.log, line)
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
		s.HTTPURL = strings.TrimRight(u[0], "/")
		s.HTTPSURL = strings.TrimRight(u[1], "/")
		if pu, err := url.Parse(s.HTTPURL); err != nil || pu.Host == "" {
			s.Stop()
			return nil, fmt.Errorf("ready line has an unusable http URL %q", u[0])
		}
		fmt.Fprintf(os.Stderr, "%s: fauxcloud (pid %d) ready at %s\n", name, cmd.Process.Pid, s.HTTPURL)
		return s, nil
	case <-s.done:
		s.DumpLog()
		return nil, fmt.Errorf("fauxcloud exited before printing its ready line (%v)", cmd.ProcessState)
	case <-time.After(StartupTimeout):
		s.Stop()
		s.DumpLog()
		return nil, fmt.Errorf("no ready line from fauxcloud within %s", StartupTimeout)
	}
}

// Stop sends SIGTERM and waits up to ShutdownTimeout, then kills. It is a
// no-op on a nil or already exited server.
func (s *Server) Stop() {
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
	case <-time.After(ShutdownTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
