package gcppd_test

// A snapshot's life through the real PD CSI controller with fauxcloud's
// lifecycle steps taking real time, as external-snapshotter drives it:
//
//	operations PENDING 200 ms, RUNNING 600 ms; disks CREATING 500 ms;
//	snapshots CREATING 1.5 s, UPLOADING 2 s
//
//	CreateVolume                   -> the driver waits on zoneOperations.wait; the disk is READY
//	CreateSnapshot                 -> the driver polls snapshots.get every second while CREATING,
//	                                  answers ready_to_use=false once it is UPLOADING
//	ListSnapshots(snapshot_id)     -> (external-snapshotter's poll) not ready, then ready when READY
//	CreateVolume from the snapshot -> disk with sourceSnapshot
//	DeleteVolume x2, DeleteSnapshot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/constants"
)

func delayMs(ms int) map[string]any { return map[string]any{"delay": map[string]any{"ms": ms}} }

var slowLifecycle = map[string]any{
	"gcp.compute.operation": map[string]any{"PENDING": delayMs(200), "RUNNING": delayMs(600)},
	"gcp.compute.disk":      map[string]any{"CREATING": delayMs(500)},
	"gcp.compute.snapshot":  map[string]any{"CREATING": delayMs(1500), "UPLOADING": delayMs(2000)},
}

func TestPDCSISnapshotLifecycle(t *testing.T) {
	f := startFlow(t, slowLifecycle)
	d, cs, gce, tapStart, fail := f.d, f.cs, f.gce, f.tapStart, f.fail(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mountCap := &csi.VolumeCapability{
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
	}
	zoneA := &csi.Topology{Segments: map[string]string{constants.TopologyKeyZone: nodeAZone}}
	volReq := func(name string, src *csi.VolumeContentSource) *csi.CreateVolumeRequest {
		return &csi.CreateVolumeRequest{
			Name:                      name,
			CapacityRange:             &csi.CapacityRange{RequiredBytes: 10 * gib},
			VolumeCapabilities:        []*csi.VolumeCapability{mountCap},
			Parameters:                map[string]string{"type": "pd-balanced"},
			AccessibilityRequirements: &csi.TopologyRequirement{Requisite: []*csi.Topology{zoneA}},
			VolumeContentSource:       src,
		}
	}
	suffix := randHex(8)

	t.Log("--- CreateVolume")
	vol, err := cs.CreateVolume(ctx, volReq("pvc-src-"+suffix, nil))
	if err != nil {
		fail("CreateVolume: %v", err)
	}
	srcID := vol.GetVolume().GetVolumeId()
	t.Cleanup(func() { cs.DeleteVolume(context.Background(), &csi.DeleteVolumeRequest{VolumeId: srcID}) })
	disk, err := gce.Disks.Get(testProject, nodeAZone, "pvc-src-"+suffix).Context(ctx).Do()
	if err != nil {
		fail("disks.get: %v", err)
	}
	if disk.Status != "READY" {
		t.Errorf("disk status after CreateVolume (its insert operation DONE) = %q, want READY", disk.Status)
	}

	t.Log("--- CreateSnapshot")
	snapName := "snapshot-" + suffix
	start := time.Now()
	snap, err := cs.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{SourceVolumeId: srcID, Name: snapName})
	if err != nil {
		fail("CreateSnapshot: %v", err)
	}
	t.Logf("CreateSnapshot answered after %s: id %s ready_to_use=%v", time.Since(start).Round(time.Millisecond), snap.GetSnapshot().GetSnapshotId(), snap.GetSnapshot().GetReadyToUse())
	snapID := snap.GetSnapshot().GetSnapshotId()
	t.Cleanup(func() { cs.DeleteSnapshot(context.Background(), &csi.DeleteSnapshotRequest{SnapshotId: snapID}) })
	if want := "projects/" + testProject + "/global/snapshots/" + snapName; snapID != want {
		t.Errorf("snapshot id %q, want %q", snapID, want)
	}
	if snap.GetSnapshot().GetReadyToUse() {
		t.Errorf("CreateSnapshot: ready_to_use=true while the snapshot should still be UPLOADING")
	}
	if snap.GetSnapshot().GetSourceVolumeId() != srcID || snap.GetSnapshot().GetSizeBytes() != 10*gib {
		t.Errorf("CreateSnapshot: source %q size %d, want %q and %d", snap.GetSnapshot().GetSourceVolumeId(), snap.GetSnapshot().GetSizeBytes(), srcID, 10*gib)
	}
	if states := snapshotStatesSeen(d.tap.since(tapStart), snapName); !strings.Contains(states, "CREATING") || !strings.Contains(states, "UPLOADING") {
		t.Errorf("snapshots.get answers the driver saw: %s; want CREATING, then UPLOADING", states)
	}

	t.Log("--- ListSnapshots until ready")
	notReady, deadline := 0, time.Now().Add(30*time.Second)
	for {
		ls, err := cs.ListSnapshots(ctx, &csi.ListSnapshotsRequest{SnapshotId: snapID})
		if err != nil {
			fail("ListSnapshots(%s): %v", snapID, err)
		}
		if len(ls.GetEntries()) != 1 {
			fail("ListSnapshots(%s): %d entries, want 1", snapID, len(ls.GetEntries()))
		}
		if ls.GetEntries()[0].GetSnapshot().GetReadyToUse() {
			break
		}
		notReady++
		if time.Now().After(deadline) {
			fail("snapshot %s not ready after 30 s", snapID)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("ready after %s (%d not-ready listings)", time.Since(start).Round(time.Millisecond), notReady)
	if notReady == 0 {
		t.Errorf("ListSnapshots never showed the snapshot not ready (UPLOADING)")
	}
	gs, err := gce.Snapshots.Get(testProject, snapName).Context(ctx).Do()
	if err != nil {
		fail("snapshots.get: %v", err)
	}
	if gs.Status != "READY" || gs.DiskSizeGb != 10 || !strings.HasSuffix(gs.SourceDisk, "/zones/"+nodeAZone+"/disks/pvc-src-"+suffix) {
		t.Errorf("snapshot: status %q diskSizeGb %d sourceDisk %q", gs.Status, gs.DiskSizeGb, gs.SourceDisk)
	}

	t.Log("--- CreateVolume from the snapshot")
	restored, err := cs.CreateVolume(ctx, volReq("pvc-restored-"+suffix, &csi.VolumeContentSource{
		Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: snapID}},
	}))
	if err != nil {
		fail("CreateVolume from snapshot: %v", err)
	}
	restoredID := restored.GetVolume().GetVolumeId()
	// The driver answers the disk's sourceSnapshotId, which Compute Engine
	// fills with the snapshot's numeric id.
	if got, want := restored.GetVolume().GetContentSource().GetSnapshot().GetSnapshotId(), fmt.Sprint(gs.Id); got != want {
		t.Errorf("restored volume content source %q, want the snapshot's id %q", got, want)
	}
	rd, err := gce.Disks.Get(testProject, nodeAZone, "pvc-restored-"+suffix).Context(ctx).Do()
	if err != nil {
		fail("disks.get restored: %v", err)
	}
	if !strings.HasSuffix(rd.SourceSnapshot, "/global/snapshots/"+snapName) || rd.Status != "READY" {
		t.Errorf("restored disk: sourceSnapshot %q status %q", rd.SourceSnapshot, rd.Status)
	}

	t.Log("--- DeleteVolume x2, DeleteSnapshot")
	for _, id := range []string{restoredID, srcID} {
		if _, err := cs.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id}); err != nil {
			fail("DeleteVolume %s: %v", id, err)
		}
	}
	if _, err := cs.DeleteSnapshot(ctx, &csi.DeleteSnapshotRequest{SnapshotId: snapID}); err != nil {
		fail("DeleteSnapshot: %v", err)
	}
	if _, err := gce.Snapshots.Get(testProject, snapName).Context(ctx).Do(); err == nil {
		t.Errorf("snapshots.get after DeleteSnapshot succeeded")
	}
	for _, c := range d.tap.since(tapStart) {
		if c.failed() && !(c.Status == http.StatusNotFound && c.Reason == "notFound") {
			t.Errorf("compute call failed: %s", c.detail())
		}
	}
	if t.Failed() {
		t.Logf("%s", d.callsSince(tapStart))
	}
}

// snapshotStatesSeen lists the status of every successful snapshots.get of
// the snapshot the driver made, in order.
func snapshotStatesSeen(calls []computeCall, name string) string {
	var states []string
	for _, c := range calls {
		if c.Method != http.MethodGet || c.Status != http.StatusOK || !strings.HasSuffix(c.Path, "/global/snapshots/"+name) {
			continue
		}
		var s struct {
			Status string `json:"status"`
		}
		if json.Unmarshal([]byte(c.RespBody), &s) == nil {
			states = append(states, s.Status)
		}
	}
	return strings.Join(states, " ")
}
