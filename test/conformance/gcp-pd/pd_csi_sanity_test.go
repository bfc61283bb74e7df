package gcppd_test

// csi-sanity (github.com/kubernetes-csi/csi-test/v5/pkg/sanity) against the
// real Compute Engine PD CSI driver (pd_driver_test.go), controller and node
// service in one process on a unix socket, talking Compute Engine and the
// metadata server to fauxcloud through a recording tap.
//
// The node is node-a (us-central1-a), the instance the metadata server
// answers for; csi-sanity takes the node id and topology from NodeGetInfo,
// so ControllerPublishVolume really attaches the disks to node-a in
// fauxcloud. Two passes over the same driver, each a ginkgo container and a
// subtest:
//
//   - pd-balanced: the whole suite; 10 GiB volumes (pd-balanced's minimum)
//     expanded to 20 GiB; snapshots the driver's default (standard snapshots,
//     polled with snapshots.get while CREATING);
//   - hyperdisk-balanced: only the ModifyVolume specs (disks.update with
//     paths=provisionedIops, provisionedThroughput).
//
// csi-sanity's names are lower-cased on the way to the driver (Compute
// Engine names are RFC 1035), see TestPDCSISanity.
//
// The csi-sanity run itself (passes, per-spec report, skip and XFAIL/XPASS
// accounting, klog capture) is ../csiharness; this file keeps what is the PD
// driver's own: its skips and known failures, its passes and parameters.
//
//	cd test/conformance/gcp-pd && GOFLAGS=-mod=mod go test -count=1 -v -run TestPDCSISanity ./...
//
// Environment knobs (all optional):
//
//	PD_CSI_SANITY_SKIP     extra regexp of spec texts to skip (ginkgo -ginkgo.skip works too)
//	PD_CSI_SANITY_FOCUS    regexp of spec texts to run (the others are skipped)
//	PD_CSI_SANITY_REPORT   file to write the per-spec report to
//	PD_CSI_LOG_V           klog verbosity of the driver (default 5), captured per spec
//	PD_CSI_TAP_UPSTREAM=https  the tap forwards to fauxcloud's HTTPS listener (diagnostic, see pd_driver_test.go)

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/common"
)

const gib = csiharness.GiB

// sanitySkips are csi-sanity specs that cannot run here, with the reason.
// Matched as regular expressions against the spec's full text.
var sanitySkips = map[string]string{
	// Both are node-only (no compute call) and skipped by the driver's own
	// sanity test (test/sanity/sanity_test.go) for the same reasons.
	`Node Service NodeExpandVolume should fail when volume is not found$`: "node-only: the driver finds a disk's " +
		"device under /dev/disk/by-id, and the fake DeviceUtils the driver ships reports every disk present, so the " +
		"driver goes on to resize instead of answering NotFound; needs a host with block devices, not fauxcloud",
	`Node Service NodeExpandVolume should work if node-expand is called after node-publish$`: "node-only: " +
		"NodeExpandVolume runs mount-utils' NeedResize (blockdev --getro, blkid) through the fake mounter's exec, which " +
		"answers nothing (\"failed readonly device check. Expected 1 or 0, got ''\"); needs a real block device",
}

// nameTooLong: csi-sanity's maximum-length names are 128 characters; the
// driver passes the CSI name through as the Compute Engine resource name,
// which is at most 63 characters (RFC 1035), so Compute Engine refuses the
// insert with 400 invalid. Kubernetes' own names (pvc-<uuid>,
// snapshot-<uuid>) are 40 and 45 characters.
func nameTooLong(collection string) func([]computeCall) (string, bool) {
	insert := regexp.MustCompile(`^/compute/(v1|beta)/projects/[^/]+/(zones/[^/]+|regions/[^/]+|global)/` + collection + `$`)
	long := regexp.MustCompile(`'[a-z0-9-]{64,}'`)
	return func(calls []computeCall) (string, bool) {
		for _, c := range calls {
			if c.Method == "POST" && insert.MatchString(c.Path) && c.Status == 400 && c.Reason == "invalid" &&
				strings.Contains(c.Message, "'resource.name'") && long.MatchString(c.Message) {
				return "", true
			}
		}
		return "", false
	}
}

// sanityKnownFailures are specs that fail because of the driver or the fakes
// it ships, not because fauxcloud answers differently from Compute Engine.
// They still run; the test fails only if one fails for another reason: its
// compute calls must be the evidence nameTooLong looks for.
var sanityKnownFailures = []csiharness.KnownFailure[computeCall]{
	{Spec: `CreateVolume should not fail when creating volume with maximum-length name$`,
		Why:      "a 128-character volume name is not a valid disk name (at most 63 characters): disks.insert answers 400 invalid, as Compute Engine does",
		Evidence: nameTooLong("disks")},
	{Spec: `CreateSnapshot \[Controller Server\] should succeed when creating snapshot with maximum-length name$`,
		Why:      "a 128-character snapshot name is not a valid snapshot name (at most 63 characters): snapshots.insert answers 400 invalid, as Compute Engine does",
		Evidence: nameTooLong("snapshots")},
}

// describeCalls is a failed spec's calls in its report: those answered with
// an error in full, then every compute call (metadata reads only if they
// failed).
func describeCalls(calls []computeCall) string {
	return csiharness.CallList("calls answered with an error", calls, computeCall.failed,
		func(c computeCall) string { return fmt.Sprintf("#%d %s", c.Seq, c.detail()) }) +
		csiharness.CallList("all compute calls during the spec", calls, nil, func(c computeCall) string {
			if c.isMetadata() && !c.failed() {
				return ""
			}
			return fmt.Sprintf("#%d %s", c.Seq, c)
		})
}

// pdIDs makes ids of the driver's shape that no resource has, so "valid but
// unknown" ids reach fauxcloud's notFound paths as they would reach Compute
// Engine's. The invalid ids are malformed: the driver rejects them itself.
type pdIDs struct{}

func randHex(n int) string { return csiharness.RandHex(n) }

func (pdIDs) GenerateUniqueValidVolumeID() string {
	return common.CreateZonalVolumeID(testProject, testZone, "sanity-unknown-"+randHex(10))
}
func (pdIDs) GenerateInvalidVolumeID() string { return "fake-volid" }
func (pdIDs) GenerateUniqueValidNodeID() string {
	return common.CreateNodeID(testProject, testZone, "sanity-unknown-"+randHex(10))
}
func (pdIDs) GenerateInvalidNodeID() string { return "fake-nodeid" }

// sanityPasses are the runs of the csi-sanity suite over the same driver,
// each with a volume configuration of its own: a ginkgo container "[name]"
// around the whole suite, reported as the subtest TestPDCSISanity/name.
var sanityPasses = []csiharness.Pass[computeCall]{
	{
		Name: "pd-balanced",
		Config: func(cfg *sanity.TestConfig) {
			cfg.TestVolumeSize = 10 * gib // pd-balanced's minimum
			cfg.TestVolumeExpandSize = 20 * gib
			cfg.TestVolumeParameters = map[string]string{"type": "pd-balanced"}
		},
		Skips: map[string]string{
			`ModifyVolume \[Controller Server\] should modify a volume created with(out)? a volume attribute class$`: "Persistent Disk types have no mutable parameters " +
				"(the driver refuses ControllerModifyVolume for pd-* with InvalidArgument before any compute call); run in the hyperdisk-balanced pass",
		},
	},
	{
		// ControllerModifyVolume -> disks.update(paths=provisionedIops,provisionedThroughput)
		// on a Hyperdisk. Only specs that create and modify volumes: the
		// scenario's e2-standard-4 nodes cannot attach a Hyperdisk in
		// Compute Engine.
		Name: "hyperdisk-balanced",
		Config: func(cfg *sanity.TestConfig) {
			cfg.TestVolumeSize = 10 * gib
			cfg.TestVolumeParameters = map[string]string{
				"type":                             "hyperdisk-balanced",
				"provisioned-iops-on-create":       "3000",
				"provisioned-throughput-on-create": "140Mi",
			}
			// The driver reads throughput as a quantity in bytes per second
			// rounded up to MiB/s: "151" would be 1 MiB/s.
			cfg.TestVolumeMutableParameters = map[string]string{"iops": "3013", "throughput": "151Mi"}
		},
		Focus:    regexp.MustCompile(`^(ModifyVolume \[Controller Server\]|Controller Service \[Controller Server\] CreateVolume should create volume with a volume attribute class$)`),
		FocusWhy: "the hyperdisk-balanced pass runs only the volume-modification specs",
	},
}

func TestPDCSISanity(t *testing.T) {
	resetServer(t)
	setLifecycle(t, map[string]any{})
	t.Cleanup(func() { resetServer(t) })

	d := startPDDriver(t, driverOptions{node: true})
	if got := d.nodeMeta.GetName() + "/" + d.nodeMeta.GetZone() + "/" + d.nodeMeta.GetProject(); got != nodeA+"/"+nodeAZone+"/"+testProject {
		t.Errorf("driver metadata service: instance/zone/project %s, want %s/%s/%s", got, nodeA, nodeAZone, testProject)
	}

	base := sanity.NewTestConfig()
	base.Address = d.endpoint
	base.TargetPath = filepath.Join(d.dir, "target")
	base.StagingPath = filepath.Join(d.dir, "staging")
	base.IDGen = pdIDs{}
	base.IdempotentCount = 3
	// Compute Engine names are lower case (RFC 1035): it refuses upper case
	// in a resource name (400 invalid, "Must be a match of regex
	// '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'"), and the driver passes the
	// CSI name through as the disk or snapshot name. csi-sanity's names end
	// in an upper-case pseudo-UUID; external-provisioner's and
	// external-snapshotter's (pvc-<uuid>, snapshot-<uuid>) are lower case.
	csiharness.RenameNames(&base, strings.ToLower)

	csiharness.Run(t, csiharness.Suite[computeCall]{
		Name:          "gcp-compute-persistent-disk-csi-driver sanity against fauxcloud",
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
		Env:           "PD_CSI_SANITY",
		Timeout:       20 * time.Minute,
	})
}
