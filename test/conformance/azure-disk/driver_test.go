package azuredisk_test

// The real Azure Disk CSI driver (sigs.k8s.io/azuredisk-csi-driver v1.34.0)
// in this process: azuredisk.NewDriver with the flags' defaults (as
// pkg/azurediskplugin/main.go parses them) plus --nodeid=node-a,
// --enable-list-volumes and a unix socket endpoint, then Driver.Run. With no kubeconfig the driver reads
// azure.json from $AZURE_CREDENTIAL_FILE (harness_test.go). Identity,
// controller and node services are the driver's own; csi-sanity's node specs
// that mount are skipped (they need a host with block devices).

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"sigs.k8s.io/azuredisk-csi-driver/pkg/azuredisk"
)

type diskDriver struct {
	endpoint string
	dir      string
	log      *csiharness.Log
}

func startDiskDriver(t *testing.T) *diskDriver {
	t.Helper()
	d := &diskDriver{dir: t.TempDir()}
	d.log = csiharness.CaptureKlog(t, cmp.Or(os.Getenv("AZURE_DISK_LOG_V"), "5"), os.Getenv("AZURE_DISK_LOG_STDERR") != "")
	sock := filepath.Join(d.dir, "csi.sock")
	d.endpoint = "unix://" + sock

	var opts azuredisk.DriverOptions
	opts.AddFlags() // the flags' defaults, as main.go starts from
	opts.NodeID = nodeA
	opts.Endpoint = d.endpoint
	opts.WaitForSnapshotReady = true
	// --enable-list-volumes: ListVolumes and ListSnapshots list the resource
	// group's disks and snapshots through Resource Manager (paged).
	opts.EnableListVolumes = true
	driver := azuredisk.NewDriver(&opts)
	if driver == nil {
		t.Fatalf("azuredisk.NewDriver returned nil\n%s", d.log.Since(0))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- driver.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	})
	csiharness.WaitForSocket(t, sock, done)
	return d
}
