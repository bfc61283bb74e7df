package ccmharness

import (
	"flag"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"k8s.io/klog/v2"
)

// klogSink sends klog output (the provider's and the controllers' logs) to
// the running test's log, so a failing test shows what the real components
// did.
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

// CaptureKlog sends klog output to t's log until the test ends. Goroutines
// the controllers leave behind log to stderr only with FAUXCLOUD_VERBOSE.
func CaptureKlog(t testing.TB) {
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

// SetupKlog routes klog into CaptureKlog's sink, at the verbosity the
// environment variable verbosityEnv names (default 2). Call it once, from
// TestMain.
func SetupKlog(verbosityEnv string) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := os.Getenv(verbosityEnv)
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
