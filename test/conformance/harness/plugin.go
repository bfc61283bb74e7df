package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"testing"
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

// CredentialProviderRequest is kubelet's request to a credential provider
// (credentialprovider.kubelet.k8s.io), as it goes on the plugin's stdin.
type CredentialProviderRequest struct {
	APIVersion                string            `json:"apiVersion"`
	Kind                      string            `json:"kind"`
	Image                     string            `json:"image"`
	ServiceAccountToken       string            `json:"serviceAccountToken,omitempty"`
	ServiceAccountAnnotations map[string]string `json:"serviceAccountAnnotations,omitempty"`
}

// AuthConfig is one registry's credentials in a CredentialProviderResponse.
type AuthConfig struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// CredentialProviderResponse is what a credential provider writes on stdout.
type CredentialProviderResponse struct {
	APIVersion    string                `json:"apiVersion"`
	Kind          string                `json:"kind"`
	CacheKeyType  string                `json:"cacheKeyType"`
	CacheDuration *string               `json:"cacheDuration"`
	Auth          map[string]AuthConfig `json:"auth"`
}

// Response asserts the run succeeded with a CredentialProviderResponse of
// apiVersion on stdout, and returns it.
func (r PluginRun) Response(t testing.TB, apiVersion string) CredentialProviderResponse {
	t.Helper()
	if r.ExitCode != 0 {
		t.Fatalf("plugin exited %d; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	var resp CredentialProviderResponse
	if err := json.Unmarshal(r.Stdout, &resp); err != nil {
		t.Fatalf("plugin stdout is not a CredentialProviderResponse: %v\n%s", err, r.Stdout)
	}
	if resp.APIVersion != apiVersion || resp.Kind != "CredentialProviderResponse" {
		t.Errorf("response apiVersion/kind = %q/%q, want %q/CredentialProviderResponse", resp.APIVersion, resp.Kind, apiVersion)
	}
	return resp
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
