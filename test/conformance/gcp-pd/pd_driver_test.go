package gcppd_test

// The real Compute Engine Persistent Disk CSI driver
// (sigs.k8s.io/gcp-compute-persistent-disk-csi-driver), built in-process from
// its Go module the way cmd/gce-pd-csi-driver/main.go builds it with its
// default flags plus the controller's arguments in
// deploy/kubernetes/base/controller/controller.yaml
// (--supports-dynamic-iops-provisioning, --supports-dynamic-throughput-provisioning,
// --enable-data-cache) and
//
//	--cloud-config=<`fauxcloud config gcp-compute-persistent-disk-csi-driver`'s cloud-config: [global] project-id, zone>
//	--compute-endpoint=<tap in front of fauxcloud>
//
// and GCE_METADATA_HOST=<the same tap>: gce.CreateCloudProvider finds its
// credentials with google.FindDefaultCredentials (the metadata server's
// service-account token and universe domain), and points the v1, beta and
// alpha compute clients at <endpoint>/compute/{v1,beta,alpha}/.
//
// The node service (when asked for) is the driver's own GCENodeServer with
// the instance facts from the driver's metadata service (the real one, from
// fauxcloud's metadata server: node-a in us-central1-a) and, for what it
// would do on the host, the fakes the driver ships for its own sanity test:
// mountmanager.NewFakeSafeMounter (k8s.io/mount-utils' FakeMounter and a fake
// exec), deviceutils.NewFakeDeviceUtils, and a fake statter.
//
// The gRPC server is the driver's NewNonBlockingGRPCServer (what GCEDriver.Run
// starts), on a unix socket in a temp directory, stopped at the end of the
// test.

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"github.com/container-storage-interface/spec/lib/go/csi"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/constants"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/deviceutils"
	gce "sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/gce-cloud-provider/compute"
	metadataservice "sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/gce-cloud-provider/metadata"
	driver "sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/gce-pd-csi-driver"
	mountmanager "sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/mount-manager"
)

// driverVersion is the vendor version the driver reports (main.go's
// -ldflags version).
const driverVersion = "v1.28.1-fauxcloud"

var (
	tapOnce   sync.Once
	sharedTap *computeTap
	tapErr    error
)

// theTap is the recording proxy every driver in this process talks through,
// for compute and for metadata; GCE_METADATA_HOST is set to it once, because
// the metadata client and the credentials built on it are process-wide.
func theTap(t *testing.T) *computeTap {
	t.Helper()
	tapOnce.Do(func() {
		upstream, caPEM := fauxcloudURL, []byte(nil)
		if os.Getenv("PD_CSI_TAP_UPSTREAM") == "https" {
			// Diagnostic: fauxcloud is reached on its HTTPS listener, so it
			// renders selfLinks with https (the driver talks plain HTTP to
			// the tap either way).
			upstream = os.Getenv("FAUXCLOUD_HTTPS_URL")
			if upstream == "" {
				tapErr = fmt.Errorf("PD_CSI_TAP_UPSTREAM=https needs FAUXCLOUD_HTTPS_URL (set when the harness starts fauxcloud)")
				return
			}
			if caPEM, tapErr = admin().Call(http.MethodGet, "/_fauxcloud/ca.pem", nil); tapErr != nil {
				return
			}
		}
		sharedTap, tapErr = startComputeTap(upstream, caPEM)
		if tapErr == nil {
			tapErr = os.Setenv("GCE_METADATA_HOST", sharedTap.Host)
		}
	})
	if tapErr != nil {
		t.Fatalf("compute tap: %v", tapErr)
	}
	return sharedTap
}

// pdDriver is the driver running in this process.
type pdDriver struct {
	endpoint   string // unix:…/csi.sock
	dir        string
	tap        *computeTap
	log        *csiharness.Log
	cloud      *gce.CloudProvider
	nodeMeta   metadataservice.MetadataService // nil without a node service
	controller *driver.GCEControllerServer
	node       *driver.GCENodeServer
}

type driverOptions struct {
	node bool // run the node service too ("all" mode, as the DaemonSet plus Deployment would)
}

func startPDDriver(t *testing.T, o driverOptions) *pdDriver {
	t.Helper()
	d := &pdDriver{dir: t.TempDir(), tap: theTap(t)}
	// klog at PD_CSI_LOG_V (default 5: the driver's cloud-provider calls);
	// PD_CSI_LOG_STDERR=1 streams it instead of keeping it per spec.
	d.log = csiharness.CaptureKlog(t, cmp.Or(os.Getenv("PD_CSI_LOG_V"), "5"), os.Getenv("PD_CSI_LOG_STDERR") != "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// main.go's --compute-endpoint: url.ParseRequestURI of the flag value;
	// getComputeVersion then sets its Path to compute/{v1,beta,alpha}/.
	cloudConfig, computeEndpoint := driverConfig(t, d.dir, d.tap.URL)
	endpoint, err := url.ParseRequestURI(computeEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	cloud, err := gce.CreateCloudProvider(ctx, driverVersion, cloudConfig, endpoint, gce.EnvironmentProduction,
		gce.WaitForAttachConfig{}, gce.ListInstancesConfig{}, false /* multitenancy */, true /* fail-close-on-auth-error */)
	if err != nil {
		t.Fatalf("gce.CreateCloudProvider: %v\n%s", err, d.log.Since(0))
	}
	d.cloud = cloud

	// main.go's flag defaults.
	gce.AttachDiskBackoff.Duration = 5 * time.Second
	gce.AttachDiskBackoff.Steps = 24
	gce.WaitForOpBackoff.Duration = 2 * time.Minute
	gce.WaitForOpBackoff.Steps = 3

	gceDriver := driver.GetGCEDriver()
	identity := driver.NewIdentityServer(gceDriver)
	d.controller = driver.NewControllerServer(gceDriver, cloud,
		// --backoff-initial-duration-ms=0 (main.go: 200), as the driver's own
		// sanity test: after a failed ControllerPublishVolume the driver
		// refuses publish/unpublish of that volume on that node for the
		// backoff, which external-attacher rides out by retrying and
		// csi-sanity's immediate cleanup does not.
		0, 5*time.Minute,
		nil,   // --fallback-requisite-zones
		false, // --enable-storage-pools
		true,  // --enable-data-cache (deploy/kubernetes/base/controller)
		driver.MultiZoneVolumeHandleConfig{},
		driver.ListVolumesConfig{},
		// --supports-dynamic-{iops,throughput}-provisioning as
		// deploy/kubernetes/base/controller/controller.yaml sets them.
		driver.ProvisionableDisksConfig{
			SupportsIopsChange:       []string{"hyperdisk-balanced", "hyperdisk-extreme"},
			SupportsThroughputChange: []string{"hyperdisk-balanced", "hyperdisk-throughput", "hyperdisk-ml"},
		},
		false, // --allow-hdha-provisioning
		&driver.GCEControllerServerArgs{})

	if o.node {
		meta, err := metadataservice.NewMetadataService(ctx)
		if err != nil {
			t.Fatalf("driver metadata service (GCE_METADATA_HOST=%s): %v", d.tap.Host, err)
		}
		d.nodeMeta = meta
		mounter := mountmanager.NewFakeSafeMounter()
		d.node = driver.NewNodeServer(gceDriver, mounter, deviceutils.NewFakeDeviceUtils(true /* skip resize: no block device to resize */), meta,
			mountmanager.NewFakeStatterWithOptions(mounter, mountmanager.FakeStatterOptions{IsBlock: false}),
			&driver.NodeServerArgs{
				EnableDeviceInUseCheck: true, // main.go's default
				DeviceInUseTimeout:     30 * time.Second,
				SysfsPath:              "/sys",
			})
	}
	var ns *driver.GCENodeServer
	if o.node {
		ns = d.node
	}
	if err := gceDriver.SetupGCEDriver(constants.DriverName, driverVersion, nil, nil, identity, d.controller, ns); err != nil {
		t.Fatalf("SetupGCEDriver: %v", err)
	}

	sock := filepath.Join(d.dir, "csi.sock")
	d.endpoint = "unix:" + sock
	srv := driver.NewNonBlockingGRPCServer(false, nil)
	var nodeServer csi.NodeServer // a nil *GCENodeServer must not be registered
	if o.node {
		nodeServer = d.node
	}
	srv.Start(d.endpoint, identity, d.controller, nodeServer)
	csiharness.WaitForSocket(t, sock, nil)
	t.Cleanup(srv.ForceStop)
	return d
}
