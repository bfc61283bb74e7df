package azuredisk_test

// csi-sanity (github.com/kubernetes-csi/csi-test/v5/pkg/sanity) against the
// real Azure Disk CSI driver (driver_test.go), its controller and identity
// services in this process on a unix socket, talking Resource Manager,
// Entra ID and IMDS to fauxcloud. csi-sanity takes the node id (node-a) and
// topology (eastus-1, from fauxcloud's IMDS) from NodeGetInfo, so
// ControllerPublishVolume really attaches the disks to node-a through a
// partial PUT of the VM, and ControllerUnpublishVolume detaches them with
// toBeDetached.
//
// Passes, each a ginkgo container and a subtest:
//
//   - instant: the whole suite with fauxcloud's operations instant (every
//     mutation still answers with Azure-AsyncOperation, which the SDK polls);
//   - delayed: the controller specs again with every ARM operation taking
//     0.5 s of real time (the driver's pollers wait on Retry-After).
//
//	cd test/conformance/azure-disk && GOFLAGS=-mod=mod go test -count=1 -v -run TestAzureDiskCSISanity ./...
//
// Knobs: AZURE_DISK_SANITY_SKIP, AZURE_DISK_SANITY_FOCUS, AZURE_DISK_SANITY_REPORT,
// AZURE_DISK_LOG_V (klog verbosity, default 5), AZURE_DISK_LOG_STDERR.

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
)

const gib = csiharness.GiB

// sanitySkips: specs that cannot run here, with the reason.
var sanitySkips = map[string]string{
	`Node Service (should work|should be idempotent|NodeStageVolume|NodeUnstageVolume|NodePublishVolume|NodeUnpublishVolume|NodeGetVolumeStats|NodeExpandVolume)`: "node-only: the node service formats and mounts the attached disk's " +
		"block device (found under /dev/disk/azure by LUN) on the host; no fauxcloud call decides these specs, and this process has no such device",
}

// sanityKnownFailures fail because of the driver, not fauxcloud: each runs,
// and counts as XFAIL only when its calls show the reason.
var sanityKnownFailures = []csiharness.KnownFailure[journalEntry]{
	{Spec: `CreateVolume should fail when requesting to create a volume with already existing name and different capacity$`,
		Why: "the driver PUTs the disk again with the new size and does not compare it with the existing disk's; a PUT to an " +
			"existing, unattached managed disk is Azure's create-or-update and grows it (200/202), so CreateVolume succeeds",
		Evidence: secondDiskPutAccepted},
}

// secondDiskPutAccepted finds two accepted PUTs of the same disk.
func secondDiskPutAccepted(calls []journalEntry) (string, bool) {
	seen := map[string]bool{}
	for _, c := range calls {
		if c.Method == "PUT" && c.Operation == "Disks_CreateOrUpdate" && c.Status < 300 {
			if seen[c.Path] {
				return "", true
			}
			seen[c.Path] = true
		}
	}
	return "", false
}

func describeCalls(calls []journalEntry) string {
	failed := func(c journalEntry) bool { return c.Status >= 400 }
	return csiharness.CallList("calls answered with an error", calls, failed, func(c journalEntry) string { return c.String() }) +
		csiharness.CallList("all Azure calls during the spec", calls, nil, func(c journalEntry) string {
			return fmt.Sprintf("#%d %s %s %d %s", c.Seq, c.Method, c.Path, c.Status, c.ErrorCode)
		})
}

type diskIDs struct{}

func diskURI(name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/disks/%s", subscription, resourceGroup, name)
}

func (diskIDs) GenerateUniqueValidVolumeID() string {
	return diskURI("sanity-unknown-" + csiharness.RandHex(10))
}
func (diskIDs) GenerateInvalidVolumeID() string   { return "fake-volid" }
func (diskIDs) GenerateUniqueValidNodeID() string { return "sanity-unknown-" + csiharness.RandHex(10) }
func (diskIDs) GenerateInvalidNodeID() string     { return "fake-nodeid" }

// delayedSpecs are the specs whose flows wait on operations: create (empty,
// from a snapshot, from a volume), publish and unpublish (VM updates),
// expand, modify, snapshot and delete.
var delayedSpecs = regexp.MustCompile(`(volume lifecycle should work|CreateVolume should create volume from an existing source (snapshot|volume)|CreateVolume should return appropriate values SingleNodeWriter WithCapacity|ExpandVolume \[Controller Server\] should work|ModifyVolume \[Controller Server\] should modify a volume created without|CreateSnapshot \[Controller Server\] should succeed when requesting to create a snapshot with already existing name and same source|DeleteSnapshot \[Controller Server\] should return appropriate values)`)

var sanityPasses = []csiharness.Pass[journalEntry]{
	{
		Name: "instant",
		Config: func(cfg *sanity.TestConfig) {
			cfg.TestVolumeParameters = map[string]string{"skuName": "Premium_LRS"}
		},
		// Ginkgo may run the delayed pass first: put operations back to instant, or this pass
		// runs every spec with the delayed pass's 500 ms operations.
		Enter: func() {
			if err := admin().SetLifecycle(map[string]any{}); err != nil {
				panic(err)
			}
		},
	},
	{
		Name: "delayed",
		Config: func(cfg *sanity.TestConfig) {
			cfg.TestVolumeParameters = map[string]string{"skuName": "Premium_LRS"}
		},
		Focus:    delayedSpecs,
		FocusWhy: "the delayed pass repeats only the specs whose flows wait on long-running operations",
		Enter: func() {
			spec := map[string]any{"azure.operation": map[string]any{"InProgress": map[string]any{"delay": map[string]any{"ms": 500}}}}
			if err := admin().SetLifecycle(spec); err != nil {
				panic(err)
			}
		},
	},
}

func TestAzureDiskCSISanity(t *testing.T) {
	resetServer(t)
	setLifecycle(t, map[string]any{})
	t.Cleanup(func() { setLifecycle(t, map[string]any{}); resetServer(t) })

	d := startDiskDriver(t)
	base := sanity.NewTestConfig()
	base.Address = d.endpoint
	base.TargetPath = filepath.Join(d.dir, "target")
	base.StagingPath = filepath.Join(d.dir, "staging")
	base.IDGen = diskIDs{}
	base.IdempotentCount = 3
	base.TestVolumeSize = 10 * gib
	base.TestVolumeExpandSize = 20 * gib
	// Managed disk names are at most 80 characters; csi-sanity's names are
	// unique per spec already, lower case keeps them readable in the journal.
	csiharness.RenameNames(&base, strings.ToLower)

	csiharness.Run(t, csiharness.Suite[journalEntry]{
		Name:          "azuredisk-csi-driver sanity against fauxcloud",
		PassLabel:     "pass",
		WallTime:      true,
		PendingWhy:    "pending (XIt) in csi-sanity itself",
		Config:        base,
		Passes:        sanityPasses,
		Skips:         sanitySkips,
		KnownFailures: sanityKnownFailures,
		Mark:          func() int { return journalLastSeq(t) },
		Since:         func(mark int) []journalEntry { return admin().Must(t).CloudJournal("azure", mark) },
		Log:           d.log, ErrLineMax: 800,
		DescribeCalls: describeCalls,
		Env:           "AZURE_DISK_SANITY",
		Timeout:       25 * time.Minute,
	})
}
