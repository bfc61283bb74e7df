package openstack_test

// csi-sanity (github.com/kubernetes-csi/csi-test/v5/pkg/sanity) against the
// real cinder-csi-plugin (cinder_driver_test.go), controller and node service
// in one process on a unix socket, talking Keystone, Nova and Cinder to
// fauxcloud through the recording tap.
//
// The node is node-a (zone nova), the server fauxcloud's metadata service
// answers for; csi-sanity takes the node id (the Nova server id) and the
// topology from NodeGetInfo, so ControllerPublishVolume really attaches the
// volumes to node-a through Nova's os-volume_attachments.
//
//	cd test/conformance/openstack && GOFLAGS=-mod=mod go test -count=1 -v -run TestCinderCSISanity ./...
//
// Environment knobs (all optional):
//
//	CINDER_CSI_SANITY_SKIP     extra regexp of spec texts to skip
//	CINDER_CSI_SANITY_FOCUS    regexp of spec texts to run
//	CINDER_CSI_SANITY_REPORT   file to write the per-spec report to
//	CINDER_CSI_LOG_V           klog verbosity of the driver (default 4), captured per spec

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
)

// sanitySkips are csi-sanity specs that cannot run here, with the reason.
var sanitySkips = map[string]string{}

// sanityKnownFailures are specs that fail because of the driver, not
// because fauxcloud answers differently from OpenStack.
var sanityKnownFailures = []csiharness.KnownFailure[osCall]{
	{Spec: `ListVolumes should fail when an invalid starting_token is passed$`,
		Why: "csi-sanity sends max_entries 0 with the token; the driver's ListVolumes then lists every volume with no " +
			"limit and no marker (openstack_volumes.go: `if limit == 0 { volumes.List(..., nil) }`), so the token never reaches " +
			"Cinder, which would answer an unknown marker with 404",
		Evidence: func(calls []osCall) (string, bool) {
			for _, c := range calls {
				if c.Method == "GET" && strings.HasSuffix(c.Path, "/volumes/detail") && c.Query == "" && c.Status == 200 {
					return "", true
				}
			}
			return "", false
		}},
}

func describeCalls(calls []osCall) string {
	return csiharness.CallList("calls answered with an error", calls, osCall.failed,
		func(c osCall) string { return fmt.Sprintf("#%d %s", c.Seq, c.detail()) }) +
		csiharness.CallList("all OpenStack calls during the spec", calls, nil, func(c osCall) string { return fmt.Sprintf("#%d %s", c.Seq, c) })
}

func uuid4() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// cinderIDs: Cinder volume and Nova server ids are UUIDs; "valid but unknown"
// ones reach fauxcloud's 404 paths as they would reach OpenStack's.
type cinderIDs struct{}

func (cinderIDs) GenerateUniqueValidVolumeID() string { return uuid4() }
func (cinderIDs) GenerateInvalidVolumeID() string     { return "fake-vol-id" }
func (cinderIDs) GenerateUniqueValidNodeID() string   { return uuid4() }
func (cinderIDs) GenerateInvalidNodeID() string       { return "fake-node-id" }

// realDelays are transition times of the order a small devstack shows
// (LVM attach/detach through os-brick, snapshot copy, online resize). Volume
// creation and deletion stay instant: the driver does not wait for a new
// volume to be available, so csi-sanity's publish right after create would
// get Nova's 400 for a volume still "creating" (external-attacher retries
// that in a cluster; csi-sanity does not), and a volume still "deleting"
// cannot be deleted again.
var realDelays = map[string]any{
	"openstack.volume": map[string]any{
		"attaching":          map[string]any{"delay": map[string]any{"ms": 1500, "jitter": 500}},
		"detaching":          map[string]any{"delay": map[string]any{"ms": 1500, "jitter": 500}},
		"extending":          map[string]any{"delay": map[string]any{"ms": 1000}},
		"extending-attached": map[string]any{"delay": map[string]any{"ms": 1000}},
	},
	"openstack.snapshot": map[string]any{"creating": map[string]any{"delay": map[string]any{"ms": 2000, "jitter": 500}}},
}

func volumeSizes(cfg *sanity.TestConfig) {
	cfg.TestVolumeSize = 1 << 30
	cfg.TestVolumeExpandSize = 2 << 30
}

var sanityPasses = []csiharness.Pass[osCall]{
	{Name: "instant", Config: volumeSizes},
	{
		// VolumeSnapshotClass parameter type: backup: CreateSnapshot makes a
		// Cinder snapshot, backs it up (POST /backups at 3.51), waits for the
		// backup, deletes the snapshot; the CSI snapshot is the backup.
		Name: "backups",
		Config: func(cfg *sanity.TestConfig) {
			volumeSizes(cfg)
			cfg.TestSnapshotParameters = map[string]string{"type": "backup"}
		},
		Focus: regexp.MustCompile(`(CreateSnapshot \[Controller Server\] should succeed when requesting to create a snapshot with already existing name and same source volume ID|` +
			`DeleteSnapshot \[Controller Server\] should return appropriate values \(no optional values added\)|CreateVolume should create volume from an existing source snapshot)$`),
		FocusWhy: "the backups pass runs three specs (create twice, delete, restore from a backup): the driver polls a backup every 7 s " +
			"(openstack_backups.go backupReadyCheckIntervalSeconds), and its ListSnapshots lists Cinder snapshots only, never backups",
	},
	{
		Name:   "real-delays",
		Config: volumeSizes,
		// Only specs that attach, detach, snapshot or expand: the rest makes no call a delay affects.
		Focus:    regexp.MustCompile(`ControllerPublishVolume|ControllerUnpublishVolume|Node Service|CreateSnapshot|DeleteSnapshot|ListSnapshots|ExpandVolume|from an existing source snapshot`),
		FocusWhy: "the real-delays pass runs the specs whose calls wait on attach, detach, snapshot or resize",
		Enter: func() {
			if err := admin().SetLifecycle(realDelays); err != nil {
				panic(err)
			}
		},
	},
}

func TestCinderCSISanity(t *testing.T) {
	resetServer(t)
	t.Cleanup(func() { resetServer(t) })

	d := startCinderDriver(t, "/openstack/identity")
	base := sanity.NewTestConfig()
	base.Address = d.endpoint
	base.TargetPath = filepath.Join(d.dir, "target")
	base.StagingPath = filepath.Join(d.dir, "staging")
	base.IDGen = cinderIDs{}
	base.IdempotentCount = 3

	csiharness.Run(t, csiharness.Suite[osCall]{
		Name:          "cinder-csi-plugin sanity against fauxcloud",
		PassLabel:     "pass",
		PendingWhy:    "pending (XIt) in csi-sanity itself",
		Config:        base,
		Passes:        sanityPasses,
		Skips:         sanitySkips,
		KnownFailures: sanityKnownFailures,
		Mark:          d.tap.mark,
		Since:         d.tap.since,
		Log:           d.log, ErrLineMax: 800,
		DescribeCalls: describeCalls,
		Env:           "CINDER_CSI_SANITY",
		Timeout:       20 * time.Minute,
	})
}
