package vspherecsi_test

// csi-sanity (github.com/kubernetes-csi/csi-test/v5/pkg/sanity) against the
// real vSphere CSI driver (driver_test.go): its vanilla controller and
// identity services in this process on a unix socket, talking vim25, CNS
// and PBM to fauxcloud's vCenter and Kubernetes to ./kubeapi. csi-sanity
// takes the node id (node-a's BIOS UUID) from NodeGetInfo, so
// ControllerPublishVolume really attaches the CNS volume to node-a
// (CnsAttachVolume) and ControllerUnpublishVolume detaches it.
//
//	cd test/conformance/vsphere-csi && go test -count=1 -v -run TestVSphereCSISanity ./...
//
// Knobs: VSPHERE_CSI_SANITY_SKIP, VSPHERE_CSI_SANITY_FOCUS,
// VSPHERE_CSI_SANITY_REPORT, VSPHERE_CSI_LOG_STDERR (the driver's log on stderr).

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"github.com/google/uuid"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// sanitySkips: specs that cannot run here, with the reason.
var sanitySkips = map[string]string{
	`Node Service (should work|should be idempotent|NodeStageVolume|NodeUnstageVolume|NodePublishVolume|NodeUnpublishVolume|NodeGetVolumeStats|NodeExpandVolume)`: "node-only: the node service formats and mounts " +
		"the attached disk's block device (found under /dev/disk/by-id by the disk UUID) on the node VM; no vCenter call decides these specs, and this process has no such device",
}

// sanityKnownFailures fail because of the driver, not fauxcloud: each runs,
// and counts as XFAIL only when its calls show the reason.
var sanityKnownFailures = []csiharness.KnownFailure[journalEntry]{
	{Spec: `(ControllerPublishVolume should fail when no (node id|volume capability|volume id) is provided|ControllerUnpublishVolume should fail when no volume id is provided|CreateSnapshot \[Controller Server\] should fail when no (name|source volume id) is provided)$`,
		Why: "the driver's request validation finds the missing field (InvalidArgument) but its handler wraps that error as codes.Internal " +
			"(\"validation for ... Request ... has failed\"); no vCenter call decides it",
		Evidence: answeredAll},
	{Spec: `ControllerPublishVolume should fail when the (node|volume) does not exist$`,
		Why: "the driver looks the node VM up first (SearchIndex.FindByUuid, which answers nothing for an unknown BIOS UUID, as vCenter does) " +
			"and reports a node VM it cannot find as codes.Internal, not NotFound",
		Evidence: answered("FindByUuid")},
	{Spec: `CreateVolume should fail when no name is provided$`,
		Why: "the driver first reads the CnsVolumeOperationRequest named after the volume from Kubernetes, and controller-runtime's client " +
			"refuses an empty name on the client side (\"resource name may not be empty\"), which the driver returns as codes.Internal",
		Evidence: answeredAll},
	{Spec: `CreateVolume should fail when no volume capabilities are provided$`,
		Why: "the driver's capability check (common.IsValidVolumeCapabilities) loops over the capabilities given and accepts an empty list; " +
			"it creates a block volume",
		Evidence: answered("CnsCreateVolume")},
	{Spec: `CreateVolume should fail when requesting to create a volume with already existing name and different capacity$`,
		Why:      "the driver finds the finished CnsVolumeOperationRequest of the name and returns its volume without comparing the size",
		Evidence: answeredAll},
	{Spec: `CreateSnapshot \[Controller Server\] should fail when requesting to create a snapshot with already existing name and different source volume ID$`,
		Why:      "the driver does not keep snapshot names (CNS snapshots have only a description): a second name on another volume is a new snapshot",
		Evidence: answered("CnsCreateSnapshots")},
	{Spec: `(CreateVolume should fail when the volume source snapshot is not found|DeleteSnapshot \[Controller Server\] should succeed when an invalid snapshot id is used|ListSnapshots \[Controller Server\] should return empty when the specified snapshot id does not exist)$`,
		Why: "csi-sanity's made-up snapshot id is not in the driver's \"<volume id>+<snapshot id>\" form, and the driver answers InvalidArgument " +
			"before it asks CNS",
		Evidence: answeredAll},
	{Spec: `ListSnapshots \[Controller Server\] should return empty when the specified source volume id does not exist$`,
		Why: "the driver queries CNS for the volume (CnsQueryAsync); CNS answers no volume for an unknown id (as vCenter does) and the driver turns " +
			"that into codes.Internal (\"not found in QueryVolumeUtil\") instead of an empty list",
		Evidence: answered("CnsQueryAsync")},
	{Spec: `ListVolumes should fail when an invalid starting_token is passed$`,
		Why: "the driver answers InvalidArgument (\"startingToken not a valid integer\"), csi-sanity wants Aborted", Evidence: answeredAll},
	{Spec: `ListVolumes check the presence of new volumes and absence of deleted ones in the volume list$`,
		Why: "the driver lists only the CNS volumes that back a PersistentVolume in Kubernetes (GetAllK8sVolumes); csi-sanity's volumes " +
			"have none, as in a real cluster where no external-provisioner made them",
		Evidence: answeredAll},
	{Spec: `ValidateVolumeCapabilities should fail when (no volume capabilities are provided|no volume id is provided|the requested volume does not exist)$`,
		Why: "the driver's ValidateVolumeCapabilities only checks the capabilities against its list (an empty list passes) and never looks " +
			"the volume up",
		Evidence: answeredAll},
	{Spec: `volume lifecycle should (work|be idempotent)$`,
		Why: "the node plugin's NodeGetInfo reports an empty, non-nil topology when csi-vsphere.conf has no topology categories, csi-sanity " +
			"passes it as the volume's accessibility requirement, and the controller rejects any requirement without topology categories " +
			"(\"topology category names not specified in the vsphere config secret\"); TestVSphereCSISanity/attach does this flow without it",
		Evidence: answeredAll},
}

// answeredAll: every vSphere call of the spec got a successful answer.
func answeredAll(calls []journalEntry) (string, bool) {
	for _, c := range calls {
		if c.Status >= 400 {
			return "", false
		}
	}
	return "", true
}

// answered: fauxcloud answered op successfully (and everything else too).
func answered(op string) func([]journalEntry) (string, bool) {
	return func(calls []journalEntry) (string, bool) {
		seen := false
		for _, c := range calls {
			if c.Status >= 400 {
				return "", false
			}
			seen = seen || c.Operation == op
		}
		return "", seen
	}
}

func describeCalls(calls []journalEntry) string {
	failed := func(c journalEntry) bool { return c.Status >= 400 || c.ErrorCode != "" }
	return csiharness.CallList("calls answered with an error", calls, failed, func(c journalEntry) string { return c.String() }) +
		csiharness.CallList("all vSphere calls during the spec", calls, nil, func(c journalEntry) string {
			return fmt.Sprintf("#%d %s %s %s %d %s", c.Seq, c.Service, c.Operation, c.Path, c.Status, c.ErrorCode)
		})
}

// cnsIDs: CNS volume ids are UUIDs; the driver's node ids are BIOS UUIDs;
// snapshot ids are "<volume id>+<snapshot id>".
type cnsIDs struct{}

func (cnsIDs) GenerateUniqueValidVolumeID() string { return uuid.NewString() }
func (cnsIDs) GenerateInvalidVolumeID() string     { return "fake-volid" }
func (cnsIDs) GenerateUniqueValidNodeID() string   { return uuid.NewString() }
func (cnsIDs) GenerateInvalidNodeID() string       { return "fake-nodeid" }

// slowTasks: every vCenter task (CNS ones included) spends 100 ms queued
// and 400 ms running, which the driver sees through its ListView of tasks
// and WaitForUpdatesEx.
var slowTasks = map[string]any{"vsphere.task": map[string]any{
	"queued": map[string]any{"delay": map[string]any{"ms": 100}}, "running": map[string]any{"delay": map[string]any{"ms": 400}}}}

var slowSpecs = regexp.MustCompile(`(CreateVolume should (create volume from an existing source snapshot|return appropriate values SingleNodeWriter WithCapacity|not fail when requesting to create a volume with already existing name and same capacity)|DeleteVolume should return appropriate values|ExpandVolume \[Controller Server\] should work|CreateSnapshot \[Controller Server\] should succeed when requesting to create a snapshot with already existing name and same source|DeleteSnapshot \[Controller Server\] should return appropriate values|ListSnapshots \[Controller Server\] check the presence of new snapshots)`)

func mustLifecycle(spec map[string]any) {
	if err := admin().SetLifecycle(spec); err != nil {
		ginkgo.Fail(err.Error())
	}
}

const wantSlowPassed = 8

// The run's figures: every spec that runs passes or is a known failure.
const wantPassed, wantXFail = 28, 23

func wantCounts(passed, xfail int) func(t *testing.T, specs []csiharness.Spec[journalEntry]) {
	return func(t *testing.T, specs []csiharness.Spec[journalEntry]) {
		p, x := 0, 0
		for _, s := range specs {
			switch {
			case s.State == types.SpecStatePassed:
				p++
			case s.Known != "":
				x++
			}
		}
		if p != passed || x != xfail {
			t.Errorf("csi-sanity: %d passed and %d XFAIL, want %d and %d (update the figures with the reason)", p, x, passed, xfail)
		}
	}
}

func TestVSphereCSISanity(t *testing.T) {
	admin().Must(t).Reset()
	t.Cleanup(func() { admin().Must(t).Reset() })

	d := startDriver(t)
	base := sanity.NewTestConfig()
	base.Address = d.endpoint
	base.TargetPath = filepath.Join(d.dir, "target")
	base.StagingPath = filepath.Join(d.dir, "staging")
	base.IDGen = cnsIDs{}
	base.IdempotentCount = 2
	base.TestVolumeSize = csiharness.GiB
	base.TestVolumeExpandSize = 2 * csiharness.GiB

	t.Run("attach", func(t *testing.T) { attachFlow(t, d, "pvc-attach-flow") })
	t.Run("file", func(t *testing.T) { fileFlow(t, d) })
	t.Run("attach-fault", func(t *testing.T) { attachFaultFlow(t, d) })
	admin().Must(t).SetLifecycle(slowTasks)
	t.Run("attach-slow-tasks", func(t *testing.T) { attachFlow(t, d, "pvc-attach-slow") })
	admin().Must(t).SetLifecycle(map[string]any{})

	csiharness.Run(t, csiharness.Suite[journalEntry]{
		Name:       "vsphere-csi-driver sanity against fauxcloud",
		PassLabel:  "pass",
		WallTime:   true,
		PendingWhy: "pending (XIt) in csi-sanity itself",
		Config:     base,
		Passes: []csiharness.Pass[journalEntry]{
			{Name: "instant", Check: wantCounts(wantPassed, wantXFail),
				// Ginkgo may run the slow pass first: put tasks back to instant.
				Enter: func() { mustLifecycle(map[string]any{}) }},
			{Name: "slow-tasks", Focus: slowSpecs,
				// csi-sanity names the volumes and snapshots of both passes alike, and the
				// driver answers a name it has a finished CnsVolumeOperationRequest for with
				// that (deleted) volume, as it would a retried PVC: the pass's names are its own.
				Config: func(cfg *sanity.TestConfig) {
					csiharness.RenameNames(cfg, func(n string) string { return "slow-" + n })
				}, FocusWhy: "the slow-tasks pass repeats only the specs whose flows wait on CNS tasks",
				Check: wantCounts(wantSlowPassed, 0),
				Enter: func() { mustLifecycle(slowTasks) }},
		},
		Skips:         sanitySkips,
		KnownFailures: sanityKnownFailures,
		Mark:          func() int { return journalLastSeq(t) },
		Since:         func(mark int) []journalEntry { return admin().Must(t).CloudJournal("vsphere", mark) },
		Log:           d.log,
		ErrLineMax:    600,
		DescribeCalls: describeCalls,
		Env:           "VSPHERE_CSI_SANITY",
		Timeout:       20 * time.Minute,
	})
}
