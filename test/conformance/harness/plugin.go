package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// PluginRun is what one run of a kubelet credential provider gave back.
type PluginRun struct {
	Request  []byte
	Stdout   []byte
	Stderr   []byte
	ExitCode int
	Elapsed  time.Duration
}

// RunCredentialPlugin runs a kubelet credential provider the way kubelet execs
// it: the request marshalled to JSON on stdin, the response read from stdout,
// with exactly the environment given. A non-zero exit is a result, not an
// error; failing to start the binary or exceeding timeout is an error.
func RunCredentialPlugin(bin string, args, env []string, request any, timeout time.Duration) (PluginRun, error) {
	in, err := json.Marshal(request)
	if err != nil {
		return PluginRun{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := PluginRun{Request: in, Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Elapsed: time.Since(start)}
	if ctx.Err() != nil {
		return r, fmt.Errorf("plugin did not finish within %s; stderr:\n%s", timeout, stderr.Bytes())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		return r, fmt.Errorf("run %s: %v (stderr: %s)", bin, err, stderr.Bytes())
	}
	return r, nil
}

// BuildContext is a context for a slow step (building an upstream binary): at most max, and
// ending 30 s before the test's own deadline so the test can still report why it stopped.
// It also returns the timeout it chose, for error messages.
func BuildContext(t interface{ Deadline() (time.Time, bool) }, max time.Duration) (context.Context, context.CancelFunc, time.Duration) {
	timeout := max
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 30*time.Second; left < timeout {
			timeout = left
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	return ctx, cancel, timeout
}
