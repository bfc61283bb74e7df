package gcp_test

// Building the real auth-provider-gcp (kubernetes/cloud-provider-gcp,
// cmd/auth-provider-gcp) without touching this module's go.mod.
//
// The command lives in the repository's root module, k8s.io/cloud-provider-gcp
// (the repository also has providers/, metis/, metis/tools/ and test/e2e/
// modules). Its releases are tagged auth-provider-gcp/vX.Y.Z, which are not Go
// module versions, and the Go module proxy reachable here refuses the module
// outright (403 "This module version is not available" for @v/list, @latest and
// pseudo-versions alike). So the source comes, in this order, from:
//
//  1. $AUTH_PROVIDER_GCP_BIN: a binary built elsewhere, used as it is;
//  2. the Go module proxy: `go mod download -json` of the pinned pseudo-version
//     (tried once per build; works wherever the proxy serves the module);
//  3. $AUTH_PROVIDER_GCP_SRC: a git clone (work tree or bare) of
//     kubernetes/cloud-provider-gcp that has the pinned commit;
//  4. $AUTH_PROVIDER_GCP_TREE, else ../shared/upstream/cloud-provider-gcp beside
//     the repository (where the project's shared folder keeps exactly those
//     files, unchanged, at the pinned commit): a plain source tree, used only
//     as a fallback after the proxy, and the log says so;
//
// and without any of them the tests that need the binary skip, saying why.
//
// From 2, 3 or 4 the test copies what the command needs at the pinned commit
// (go.mod, go.sum, cmd/auth-provider-gcp, pkg/credentialconfig,
// pkg/gcpcredential) into a scratch directory and runs `go build` there with
// the module's own go.mod/go.sum (GOWORK=off, -mod=readonly; the upstream
// vendor/ directory is not used). The root go.mod replaces
// k8s.io/cloud-provider-gcp/providers with ./providers, which the command does
// not import: a go.mod naming that module stands in for it. The binary goes to
// test/conformance/.bin/ (git-ignored) and is rebuilt only when missing.

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	// The plugin pin: tag auth-provider-gcp/v36.3.3 of kubernetes/cloud-provider-gcp
	// (the newest auth-provider-gcp tag; cmd/auth-provider-gcp and
	// pkg/gcpcredential are unchanged from it up to 4e24531, 2026-08-19, except
	// a dependency bump). Change all three together.
	authProviderGCPVersion = "v36.3.3"
	authProviderGCPCommit  = "58f0fc389b2249afbe5d72a0b679fcf7e93af91d"
	// The Go pseudo-version of that commit (committer time in UTC).
	authProviderGCPPseudo = "v0.0.0-20260819003712-58f0fc389b22"

	authProviderGCPModule = "k8s.io/cloud-provider-gcp"
	authProviderGCPPkg    = "./cmd/auth-provider-gcp"

	authProviderGCPBuildTimeout = 10 * time.Minute
)

// authProviderGCPPaths are the parts of the repository the command is built
// from.
var authProviderGCPPaths = []string{"go.mod", "go.sum", "cmd/auth-provider-gcp", "pkg/credentialconfig", "pkg/gcpcredential"}

var (
	authProviderGCPOnce sync.Once
	authProviderGCPPath string
	authProviderGCPSkip string // non-empty: no way to get the binary, and why
	authProviderGCPErr  error
)

// authProviderGCP returns the path of the plugin binary, building it the first
// time it is missing, and skips the test when there is no source to build it
// from.
func authProviderGCP(t *testing.T) string {
	t.Helper()
	authProviderGCPOnce.Do(func() {
		authProviderGCPPath, authProviderGCPSkip, authProviderGCPErr = findOrBuildAuthProviderGCP(t)
	})
	if authProviderGCPErr != nil {
		t.Fatalf("auth-provider-gcp %s: %v", authProviderGCPVersion, authProviderGCPErr)
	}
	if authProviderGCPSkip != "" {
		t.Skipf("auth-provider-gcp %s is not available: %s", authProviderGCPVersion, authProviderGCPSkip)
	}
	return authProviderGCPPath
}

func findOrBuildAuthProviderGCP(t *testing.T) (bin, skip string, err error) {
	if p := os.Getenv("AUTH_PROVIDER_GCP_BIN"); p != "" {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
			return "", "", fmt.Errorf("AUTH_PROVIDER_GCP_BIN=%s is not an executable file (%v)", p, err)
		}
		t.Logf("auth-provider-gcp: using AUTH_PROVIDER_GCP_BIN=%s", p)
		return p, "", nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	binDir := filepath.Join(wd, "..", ".bin") // test/conformance/.bin, git-ignored
	bin = filepath.Join(binDir, "auth-provider-gcp@"+authProviderGCPVersion)
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		t.Logf("auth-provider-gcp %s: using cached %s", authProviderGCPVersion, bin)
		return bin, "", nil
	}

	ctx, cancel, timeout := harness.BuildContext(t, authProviderGCPBuildTimeout)
	defer cancel()
	start := time.Now()

	scratch, err := os.MkdirTemp("", "fauxcloud-auth-provider-gcp-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(scratch)
	src := filepath.Join(scratch, "src")

	var from string
	proxyErr := copyFromModuleProxy(ctx, scratch, src)
	switch {
	case proxyErr == nil:
		from = "the Go module proxy (" + authProviderGCPModule + "@" + authProviderGCPPseudo + ")"
	case os.Getenv("AUTH_PROVIDER_GCP_SRC") != "":
		repo := os.Getenv("AUTH_PROVIDER_GCP_SRC")
		t.Logf("auth-provider-gcp: not from the Go module proxy (%v); using AUTH_PROVIDER_GCP_SRC=%s", proxyErr, repo)
		if err := copyFromGit(ctx, repo, src); err != nil {
			return "", "", fmt.Errorf("AUTH_PROVIDER_GCP_SRC=%s: %w", repo, err)
		}
		from = repo + " at " + authProviderGCPCommit[:12]
	case sourceTree() != "":
		tree := sourceTree()
		t.Logf("auth-provider-gcp: not from the Go module proxy (%v); falling back to the plain source tree %s "+
			"(upstream files at commit %s)", proxyErr, tree, authProviderGCPCommit[:12])
		fmt.Fprintf(os.Stderr, "conformance: auth-provider-gcp: the Go module proxy refused %s (%v); "+
			"building from the source tree %s instead\n", authProviderGCPModule, proxyErr, tree)
		for _, p := range authProviderGCPPaths {
			if err := copyTree(filepath.Join(tree, p), filepath.Join(src, p)); err != nil {
				return "", "", fmt.Errorf("source tree %s: %w", tree, err)
			}
		}
		from = "the source tree " + tree
	default:
		return "", fmt.Sprintf("the Go module proxy does not serve %s@%s (%v), neither AUTH_PROVIDER_GCP_SRC "+
			"(a git clone of kubernetes/cloud-provider-gcp with commit %s, tag auth-provider-gcp/%s) nor "+
			"AUTH_PROVIDER_GCP_TREE (a plain source tree of that commit) nor AUTH_PROVIDER_GCP_BIN (a built binary) "+
			"is set, and there is no ../shared/upstream/cloud-provider-gcp beside the repository",
			authProviderGCPModule, authProviderGCPPseudo, proxyErr, authProviderGCPCommit, authProviderGCPVersion), nil
	}
	// The stand-in for the ./providers replacement (see the file comment).
	if err := os.MkdirAll(filepath.Join(src, "providers"), 0o755); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(src, "providers", "go.mod"), []byte("module k8s.io/cloud-provider-gcp/providers\n"), 0o644); err != nil {
		return "", "", err
	}

	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", "", err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	build := exec.CommandContext(ctx, "go", "build", "-C", src, "-mod=readonly", "-trimpath", "-ldflags=-s -w", "-o", tmp, authProviderGCPPkg)
	build.Env = goEnv()
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp)
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (build timeout %s)", err, timeout)
		}
		return "", "", fmt.Errorf("go build %s from %s: %v\n%s", authProviderGCPPkg, from, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return "", "", err
	}
	// Drop binaries of earlier pins.
	if old, _ := filepath.Glob(filepath.Join(binDir, "auth-provider-gcp@*")); len(old) > 0 {
		for _, p := range old {
			if p != bin && !strings.Contains(filepath.Base(p), ".tmp-") {
				os.Remove(p)
			}
		}
	}
	took := time.Since(start).Round(100 * time.Millisecond)
	t.Logf("auth-provider-gcp %s: built %s from %s in %s", authProviderGCPVersion, bin, from, took)
	fmt.Fprintf(os.Stderr, "conformance: built auth-provider-gcp %s from %s in %s\n", authProviderGCPVersion, from, took)
	return bin, "", nil
}

// sourceTree is the plain source tree to fall back on: $AUTH_PROVIDER_GCP_TREE,
// else the project's shared upstream copy beside the repository, when it holds
// the command; "" when there is none.
func sourceTree() string {
	tree := os.Getenv("AUTH_PROVIDER_GCP_TREE")
	if tree == "" {
		wd, err := os.Getwd() // test/conformance/gcp
		if err != nil {
			return ""
		}
		tree = filepath.Join(wd, "..", "..", "..", "..", "shared", "upstream", "cloud-provider-gcp")
	}
	if fi, err := os.Stat(filepath.Join(tree, "cmd", "auth-provider-gcp", "main.go")); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	abs, err := filepath.Abs(tree)
	if err != nil {
		return tree
	}
	return abs
}

// copyFromModuleProxy downloads the pinned module version and copies the
// command's parts into dst.
func copyFromModuleProxy(ctx context.Context, scratch, dst string) error {
	dl := exec.CommandContext(ctx, "go", "mod", "download", "-json", authProviderGCPModule+"@"+authProviderGCPPseudo)
	dl.Dir = scratch // outside any module, so `go mod download` needs no go.mod
	dl.Env = goEnv()
	var stderr bytes.Buffer
	dl.Stderr = &stderr
	out, err := dl.Output()
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &mod); jerr == nil && mod.Error != "" {
		return errors.New(firstLine(mod.Error))
	}
	if err != nil {
		return fmt.Errorf("go mod download: %v %s", err, firstLine(stderr.String()))
	}
	if mod.Dir == "" {
		return fmt.Errorf("go mod download: no module dir in %q", out)
	}
	for _, p := range authProviderGCPPaths {
		if err := copyTree(filepath.Join(mod.Dir, p), filepath.Join(dst, p)); err != nil {
			return err
		}
	}
	return nil
}

// copyFromGit extracts the command's parts at the pinned commit from a git
// repository (git archive, so neither the repository nor a work tree of it is
// changed).
func copyFromGit(ctx context.Context, repo, dst string) error {
	if err := exec.CommandContext(ctx, "git", "-C", repo, "cat-file", "-e", authProviderGCPCommit+"^{commit}").Run(); err != nil {
		return fmt.Errorf("no commit %s in it (git cat-file: %v)", authProviderGCPCommit, err)
	}
	archive := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", authProviderGCPCommit, "--")
	archive.Args = append(archive.Args, authProviderGCPPaths...)
	var stderr bytes.Buffer
	archive.Stderr = &stderr
	out, err := archive.Output()
	if err != nil {
		return fmt.Errorf("git archive: %v: %s", err, stderr.Bytes())
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("git archive output: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		p := filepath.Join(dst, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, dst+string(filepath.Separator)) {
			return fmt.Errorf("git archive: unexpected path %q", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
}

// copyTree copies a file, or a directory's regular files, from src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
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

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
