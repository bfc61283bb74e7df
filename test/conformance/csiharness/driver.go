package csiharness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"k8s.io/klog/v2"
)

// GiB is a gibibyte, the unit of the volume sizes the passes ask for.
const GiB = int64(1) << 30

// Log is the driver's klog output, kept whole so that each spec's slice of
// it can be taken by position (Mark, then Since).
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Mark is the position of the log's end.
func (l *Log) Mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

// Since is what was logged after the position m.
func (l *Log) Since(m int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m > l.buf.Len() {
		return ""
	}
	return string(l.buf.Bytes()[m:])
}

// CaptureKlog sends klog, at verbosity v, to a Log until the end of the
// test, with headers (the error lines a spec is reported with are found by
// theirs) and one line per message; stream sends it to stderr instead, for
// watching a run. klog is process-wide, as the driver's logging is.
func CaptureKlog(t testing.TB, v string, stream bool) *Log {
	t.Helper()
	l := &Log{}
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for k, val := range map[string]string{
		"v": v, "logtostderr": "false", "alsologtostderr": "false",
		"stderrthreshold": "FATAL", "one_output": "true", "skip_headers": "false",
	} {
		if err := fs.Set(k, val); err != nil {
			t.Fatalf("klog flag %s: %v", k, err)
		}
	}
	if stream {
		fs.Set("logtostderr", "true")
	} else {
		klog.SetOutput(l)
	}
	t.Cleanup(func() {
		klog.Flush()
		klog.SetOutput(os.Stderr)
		fs.Set("logtostderr", "true")
	})
	return l
}

// WaitForSocket waits up to 10 s for the driver's unix socket to appear,
// failing at once if runErr (may be nil) says the server stopped.
func WaitForSocket(t testing.TB, path string, runErr <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			// The socket appears when Listen returns; Serve runs just after.
			time.Sleep(20 * time.Millisecond)
			return
		}
		select {
		case err := <-runErr:
			t.Fatalf("driver.Run: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("driver socket %s did not appear", path)
}

// RenameNames makes cfg's connections send CreateVolume and CreateSnapshot
// with the names rename makes of csi-sanity's: the cloud may refuse its names
// (upper case for Compute Engine), or a second pass in the same process would
// reuse the first pass's names (and the idempotency tokens hashed from them).
// The dial options are copied, so a pass's copy of a config can be renamed
// alone.
func RenameNames(cfg *sanity.TestConfig, rename func(name string) string) {
	ic := grpc.WithChainUnaryInterceptor(renameInterceptor(rename))
	cfg.DialOptions = append(slices.Clone(cfg.DialOptions), ic)
	cfg.ControllerDialOptions = append(slices.Clone(cfg.ControllerDialOptions), ic)
}

func renameInterceptor(rename func(string) string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		switch r := req.(type) {
		case *csi.CreateVolumeRequest:
			if n := rename(r.GetName()); n != r.GetName() {
				c := proto.Clone(r).(*csi.CreateVolumeRequest)
				c.Name = n
				req = c
			}
		case *csi.CreateSnapshotRequest:
			if n := rename(r.GetName()); n != r.GetName() {
				c := proto.Clone(r).(*csi.CreateSnapshotRequest)
				c.Name = n
				req = c
			}
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// RandHex is n random hex digits, for names and ids no resource has.
func RandHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)[:n]
}
