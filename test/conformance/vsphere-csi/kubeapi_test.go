package vspherecsi_test

import (
	"os"
	"os/exec"
	"testing"
)

// TestKubeAPI runs ./controller/kubeapi's own tests (client-go's typed,
// dynamic, discovery and informer clients against it), which live in the
// controller's module, so that `go test ./...` here (and run.mjs) covers
// them too.
func TestKubeAPI(t *testing.T) {
	cmd := exec.Command("go", "test", "-count=1", "./kubeapi/")
	cmd.Dir = "controller"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test ./kubeapi/ in ./controller: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
