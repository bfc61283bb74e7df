package openstack_test

// The real cinder-csi-plugin (k8s.io/cloud-provider-openstack v1.33.0,
// pkg/csi/cinder), built as cmd/cinder-csi-plugin/main.go builds it:
// openstack.InitOpenStackProvider with a --cloud-config file whose auth-url
// is fauxcloud's Keystone (through the tap), GetOpenStackProvider (gophercloud
// authenticates, finds compute and block-storage in the catalog),
// SetupControllerService, and the node service with
//
//   - a metadata provider that reads fauxcloud's metadata service
//     (/openstack/latest/meta_data.json, the document and the fields the
//     driver's own pkg/util/metadata parses: uuid, availability_zone); the
//     driver's provider hard-codes 169.254.169.254, which a test process
//     cannot bind;
//   - a fake mounter like the one the driver's own sanity test ships
//     (tests/sanity/cinder/fakemount.go): no block devices here.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fauxcloud.test/conformance/csiharness"
	"fauxcloud.test/conformance/harness"
	"k8s.io/cloud-provider-openstack/pkg/csi/cinder"
	"k8s.io/cloud-provider-openstack/pkg/csi/cinder/openstack"
	cpomount "k8s.io/cloud-provider-openstack/pkg/util/mount"
	"k8s.io/mount-utils"
	exec "k8s.io/utils/exec/testing"
)

// fauxMetadata reads the instance's identity from fauxcloud's metadata
// service, as pkg/util/metadata reads it from 169.254.169.254.
type fauxMetadata struct {
	url    string
	server string // X-Fauxcloud-Instance; empty: the project's first server (node-a)
}

type metaDoc struct {
	UUID             string `json:"uuid"`
	Name             string `json:"name"`
	AvailabilityZone string `json:"availability_zone"`
}

func (m fauxMetadata) get() (metaDoc, error) {
	req, err := http.NewRequest(http.MethodGet, m.url+"/openstack/latest/meta_data.json", nil)
	if err != nil {
		return metaDoc{}, err
	}
	if m.server != "" {
		req.Header.Set("X-Fauxcloud-Instance", m.server)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return metaDoc{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return metaDoc{}, fmt.Errorf("unexpected status code when reading metadata from %s: %s", req.URL, resp.Status)
	}
	var d metaDoc
	if err := json.Unmarshal(body, &d); err != nil {
		return metaDoc{}, err
	}
	if d.UUID == "" {
		return metaDoc{}, fmt.Errorf("metadata has no uuid")
	}
	return d, nil
}

func (m fauxMetadata) GetInstanceID() (string, error) {
	d, err := m.get()
	return d.UUID, err
}

func (m fauxMetadata) GetAvailabilityZone() (string, error) {
	d, err := m.get()
	return d.AvailabilityZone, err
}

// fakeMount is the driver's own sanity-test mounter, rebuilt (that one lives
// in a test package): mounts are recorded, devices always found.
type fakeMount struct{ base *mount.SafeFormatAndMount }

var _ cpomount.IMount = fakeMount{}

var realMount = &cpomount.Mount{BaseMounter: &mount.SafeFormatAndMount{Interface: &mount.FakeMounter{}, Exec: &exec.FakeExec{DisableScripts: true}}}

func newFakeMount() fakeMount {
	return fakeMount{base: &mount.SafeFormatAndMount{Interface: &mount.FakeMounter{MountPoints: []mount.MountPoint{}}, Exec: &exec.FakeExec{DisableScripts: true}}}
}
func (m fakeMount) Mounter() *mount.SafeFormatAndMount   { return m.base }
func (m fakeMount) ScanForAttach(string) error           { return nil }
func (m fakeMount) GetDevicePath(string) (string, error) { return "/dev/xxx", nil }
func (m fakeMount) IsLikelyNotMountPointAttach(p string) (bool, error) {
	return realMount.IsLikelyNotMountPointAttach(p)
}
func (m fakeMount) UnmountPath(p string) error        { return realMount.UnmountPath(p) }
func (m fakeMount) MakeFile(string) error             { return nil }
func (m fakeMount) MakeDir(string) error              { return nil }
func (m fakeMount) GetMountFs(string) ([]byte, error) { return []byte("ext4"), nil }
func (m fakeMount) GetDeviceStats(string) (*cpomount.DeviceStats, error) {
	return &cpomount.DeviceStats{Block: false, TotalBytes: 1 << 30, AvailableBytes: 1 << 29, UsedBytes: 1 << 29, TotalInodes: 1000, AvailableInodes: 500, UsedInodes: 500}, nil
}

type cinderDriver struct {
	endpoint string
	dir      string
	tap      *osTap
	log      *csiharness.Log
	cloud    openstack.IOpenStack
}

var (
	driverMu sync.Mutex
	driverN  int
)

// startCinderDriver runs one cinder-csi-plugin (controller and node services)
// on a unix socket. The driver keeps its OpenStack clients in a process-wide
// map keyed by cloud name, so each driver of the process uses a name of its own.
func startCinderDriver(t *testing.T, authPath string) *cinderDriver {
	t.Helper()
	driverMu.Lock()
	driverN++
	name := fmt.Sprintf("fauxcloud-%d", driverN)
	driverMu.Unlock()
	d := &cinderDriver{dir: t.TempDir(), tap: theTap(t)}
	d.log = csiharness.CaptureKlog(t, cmp.Or(os.Getenv("CINDER_CSI_LOG_V"), "4"), os.Getenv("CINDER_CSI_LOG_STDERR") != "")

	// cloud.conf as `fauxcloud config cinder-csi-plugin` renders it for the tap
	// (auth-url at authPath), in the driver's multi-cloud form: one
	// [Global "name"] section per driver.
	files := admin().Must(t).ComponentConfig("cinder-csi-plugin", harness.ConfigOptions{
		URL: d.tap.URL,
		Set: []string{"[Global] auth-url=" + d.tap.URL + authPath, "[BlockStorage] node-volume-attach-limit=25"},
	})
	body := files["cloud.conf"].Text
	if !strings.HasPrefix(body, "[Global]\n") {
		t.Fatalf("generated cloud.conf does not start with [Global]:\n%s", body)
	}
	conf := filepath.Join(d.dir, "cloud.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[Global %q]\n", name)+strings.TrimPrefix(body, "[Global]\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	wantGlobal(t, conf, d.tap.URL+authPath)
	openstack.InitOpenStackProvider([]string{conf}, "")
	cloud, err := openstack.GetOpenStackProvider(name)
	if err != nil {
		t.Fatalf("GetOpenStackProvider: %v\n%s", err, d.log.Since(0))
	}
	d.cloud = cloud
	cfg, err := openstack.GetConfigFromFiles([]string{conf})
	if err != nil {
		t.Fatal(err)
	}

	sock := filepath.Join(d.dir, "csi.sock")
	d.endpoint = "unix://" + sock
	drv := cinder.NewDriver(&cinder.DriverOpts{Endpoint: d.endpoint, ClusterID: "kubernetes", WithTopology: true})
	drv.SetupControllerService(map[string]openstack.IOpenStack{"": cloud})
	drv.SetupNodeService(newFakeMount(), fauxMetadata{url: d.tap.URL}, cfg.BlockStorage, map[string]string{})
	runErr := make(chan error, 1)
	go func() { drv.Run(); runErr <- fmt.Errorf("driver stopped") }()
	csiharness.WaitForSocket(t, sock, runErr)
	return d
}
