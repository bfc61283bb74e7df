package vspherecsi_test

// The real vSphere CSI driver (sigs.k8s.io/vsphere-csi-driver/v3 v3.3.1):
// ./controller, its own Go module, is the driver's controller started as
// cmd/vsphere-csi/main.go starts it, with its Kubernetes API (./controller/kubeapi)
// in the same process. It is a separate process because the driver compiles
// only against CSI spec v1.9.0 and csi-sanity v5.6.0 only against v1.13.0
// (see controller/main.go); the test builds it with `go build` (cached after
// the first, cold build) and talks to it over its unix socket.
//
// Its identity and controller services are the driver's; of the node
// service csi-sanity needs only NodeGetInfo (the rest are skipped), which
// answers what the node plugin answers on node-a: node-a's BIOS UUID.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"fauxcloud.test/conformance/harness"
)

type csiDriver struct {
	endpoint string
	dir      string
	kubeURL  string
	log      *csiharness.Log
	uuids    map[string]string
}

// buildController builds ./controller once per process.
var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildOut  []byte
)

func buildController(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildBin = filepath.Join(workDir, "vsphere-csi-controller")
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", buildBin, ".")
		cmd.Dir = "controller"
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		buildOut, buildErr = cmd.CombinedOutput()
		t.Logf("go build ./controller: %s", time.Since(start).Round(time.Second))
	})
	if buildErr != nil {
		t.Fatalf("go build ./controller: %v\n%s", buildErr, buildOut)
	}
	return buildBin
}

func startDriver(t *testing.T) *csiDriver {
	t.Helper()
	ctx := context.Background()
	bin := buildController(t)
	d := &csiDriver{dir: t.TempDir(), log: &csiharness.Log{}}
	d.uuids = nodeUUIDs(t, ctx, govmomiClient(t, ctx))
	sock := filepath.Join(d.dir, "csi.sock")
	d.endpoint = "unix://" + sock
	args := []string{"-socket", sock, "-dir", d.dir}
	for _, name := range nodeVMs {
		args = append(args, "-node", name+"="+d.uuids[name])
	}
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	harness.Check(t, err)
	stderr, err := cmd.StderrPipe()
	harness.Check(t, err)
	harness.Check(t, cmd.Start())
	logDone := make(chan struct{})
	go func() { defer close(logDone); copyZap(d.log, stderr, os.Getenv("VSPHERE_CSI_LOG_STDERR") != "") }()
	exited := make(chan error, 1)
	go func() { <-logDone; exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "kubeapi "); ok {
				ready <- url
			}
		}
	}()
	select {
	case d.kubeURL = <-ready:
	case err := <-exited:
		t.Fatalf("the driver's controller exited: %v\n%s", err, d.log.Since(0))
	case <-time.After(3 * time.Minute):
		t.Fatalf("the driver's controller did not serve within 3 minutes\n%s", d.log.Since(0))
	}
	csiharness.WaitForSocket(t, sock, nil)
	return d
}

// copyZap keeps the driver's log (zap JSON lines at the manifest's
// PRODUCTION level, and client-go's klog lines) in a Log, each zap error
// also as a klog-style "E0000" line so csiharness reports it with the
// failed spec.
func copyZap(l *csiharness.Log, r io.Reader, stream bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		raw := sc.Bytes()
		if stream {
			os.Stderr.Write(append(bytes.Clone(raw), '\n'))
		}
		var rec struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal(raw, &rec) == nil && rec.Level == "error" {
			l.Write([]byte("E0000 " + strings.ReplaceAll(rec.Msg, "\n", " ") + "\n"))
			continue
		}
		l.Write(append(bytes.Clone(raw), '\n'))
	}
}
