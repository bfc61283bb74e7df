package gcppd_test

// One volume's life through the real PD CSI controller, as external-provisioner,
// external-attacher and external-resizer drive it, checked against what
// fauxcloud's Compute Engine API says afterwards (read with the official Go
// client, google.golang.org/api/compute/v1) and against fauxcloud's journal:
//
//	CreateVolume (pd-balanced, 10 GiB, zone us-central1-b) -> disk READY, 10 GB, no users
//	CreateVolume again (same name)                          -> same volume, no second disks.insert
//	ControllerPublishVolume to node-b                       -> disk.users has node-b; node-b.disks has the disk, READ_WRITE
//	ControllerUnpublishVolume                               -> neither any more
//	ControllerExpandVolume to 20 GiB                        -> disk 20 GB
//	DeleteVolume                                            -> disks.get 404 notFound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/common"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/constants"
)

// computeClient is the official Compute Engine client pointed at fauxcloud
// (not through the tap), without credentials.
func computeClient(t *testing.T) *compute.Service {
	t.Helper()
	svc, err := compute.NewService(context.Background(),
		option.WithEndpoint(fauxcloudURL+"/compute/v1/"),
		option.WithoutAuthentication(),
		option.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatalf("compute.NewService: %v", err)
	}
	return svc
}

func csiController(t *testing.T, endpoint string) csi.ControllerClient {
	t.Helper()
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient(%s): %v", endpoint, err)
	}
	t.Cleanup(func() { conn.Close() })
	return csi.NewControllerClient(conn)
}

// flowRun is what a flow test starts with: the driver, a CSI controller
// client to it, the test's own compute client, and where the tap stood.
type flowRun struct {
	d        *pdDriver
	cs       csi.ControllerClient
	gce      *compute.Service
	tapStart int
}

// startFlow resets fauxcloud with lifecycle delays (restored when the test
// ends) and starts a driver.
func startFlow(t *testing.T, lifecycle map[string]any) flowRun {
	t.Helper()
	resetServer(t)
	setLifecycle(t, lifecycle)
	t.Cleanup(func() {
		setLifecycle(t, map[string]any{})
		resetServer(t)
	})
	d := startPDDriver(t, driverOptions{})
	return flowRun{d: d, cs: csiController(t, d.endpoint), gce: computeClient(t), tapStart: d.tap.mark()}
}

// fail ends the test with the calls the driver made since the flow began.
func (f flowRun) fail(t *testing.T) func(format string, args ...any) {
	return func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n%s", append(args, f.d.callsSince(f.tapStart))...)
	}
}

func TestPDCSIVolumeFlow(t *testing.T) {
	f := startFlow(t, map[string]any{})
	d, cs, gce, tapStart, fail := f.d, f.cs, f.gce, f.tapStart, f.fail(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	seqStart := journalLastSeq(t)
	step := func(name string) { t.Logf("--- %s", name) }

	name := "pvc-flow-" + randHex(8)
	wantID := common.CreateZonalVolumeID(testProject, nodeBZone, name)
	mountCap := &csi.VolumeCapability{
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{FsType: "ext4"}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
	}
	zoneB := &csi.Topology{Segments: map[string]string{constants.TopologyKeyZone: nodeBZone}}
	createReq := &csi.CreateVolumeRequest{
		Name:               name,
		CapacityRange:      &csi.CapacityRange{RequiredBytes: 10 * gib},
		VolumeCapabilities: []*csi.VolumeCapability{mountCap},
		// What external-provisioner --extra-create-metadata adds.
		Parameters: map[string]string{
			"type":                             "pd-balanced",
			"csi.storage.k8s.io/pv/name":       name,
			"csi.storage.k8s.io/pvc/name":      "data",
			"csi.storage.k8s.io/pvc/namespace": "default",
		},
		AccessibilityRequirements: &csi.TopologyRequirement{Requisite: []*csi.Topology{zoneB}, Preferred: []*csi.Topology{zoneB}},
	}

	step("CreateVolume")
	cv, err := cs.CreateVolume(ctx, createReq)
	if err != nil {
		fail("CreateVolume: %v", err)
	}
	v := cv.GetVolume()
	if v.GetVolumeId() != wantID || v.GetCapacityBytes() != 10*gib {
		t.Errorf("CreateVolume: id %q capacity %d, want %q and %d", v.GetVolumeId(), v.GetCapacityBytes(), wantID, 10*gib)
	}
	if len(v.GetAccessibleTopology()) != 1 || v.GetAccessibleTopology()[0].GetSegments()[constants.TopologyKeyZone] != nodeBZone {
		t.Errorf("CreateVolume: accessible topology %v, want zone %s", v.GetAccessibleTopology(), nodeBZone)
	}
	disk, err := gce.Disks.Get(testProject, nodeBZone, name).Context(ctx).Do()
	if err != nil {
		fail("disks.get after CreateVolume: %v", err)
	}
	if disk.Status != "READY" || disk.SizeGb != 10 || !strings.HasSuffix(disk.Type, "/zones/"+nodeBZone+"/diskTypes/pd-balanced") || len(disk.Users) != 0 {
		t.Errorf("disk after CreateVolume: status %q sizeGb %d type %q users %v, want READY, 10, …/zones/%s/diskTypes/pd-balanced, none",
			disk.Status, disk.SizeGb, disk.Type, disk.Users, nodeBZone)
	}
	// The driver writes the claim and volume names into the description.
	for _, kv := range []string{`"kubernetes.io/created-for/pv/name":"` + name + `"`, `"kubernetes.io/created-for/pvc/name":"data"`, `"kubernetes.io/created-for/pvc/namespace":"default"`} {
		if !strings.Contains(disk.Description, kv) {
			t.Errorf("disk description %q lacks %s", disk.Description, kv)
		}
	}

	step("CreateVolume again (idempotent)")
	cv2, err := cs.CreateVolume(ctx, createReq)
	if err != nil {
		fail("second CreateVolume: %v", err)
	}
	if cv2.GetVolume().GetVolumeId() != wantID {
		t.Errorf("second CreateVolume: id %q, want %q", cv2.GetVolume().GetVolumeId(), wantID)
	}

	step("ControllerPublishVolume to node-b")
	nodeID := common.CreateNodeID(testProject, nodeBZone, nodeB)
	if _, err := cs.ControllerPublishVolume(ctx, &csi.ControllerPublishVolumeRequest{
		VolumeId: wantID, NodeId: nodeID, VolumeCapability: mountCap,
	}); err != nil {
		fail("ControllerPublishVolume: %v", err)
	}
	disk, err = gce.Disks.Get(testProject, nodeBZone, name).Context(ctx).Do()
	if err != nil {
		fail("disks.get after publish: %v", err)
	}
	if len(disk.Users) != 1 || !strings.HasSuffix(disk.Users[0], "/projects/"+testProject+"/zones/"+nodeBZone+"/instances/"+nodeB) {
		t.Errorf("disk.users after publish = %v, want [%s]", disk.Users, "…/projects/"+testProject+"/zones/"+nodeBZone+"/instances/"+nodeB)
	}
	inst, err := gce.Instances.Get(testProject, nodeBZone, nodeB).Context(ctx).Do()
	if err != nil {
		fail("instances.get node-b: %v", err)
	}
	att := attachedDisk(inst, name)
	if att == nil {
		t.Errorf("node-b.disks after publish has no device %q: %s", name, describeDisks(inst))
	} else if att.Mode != "READ_WRITE" || !strings.HasSuffix(att.Source, "/zones/"+nodeBZone+"/disks/"+name) || att.Type != "PERSISTENT" {
		t.Errorf("node-b attached disk %q: mode %q source %q type %q, want READ_WRITE, …/disks/%s, PERSISTENT", name, att.Mode, att.Source, att.Type, name)
	}

	step("ControllerPublishVolume again (idempotent)")
	if _, err := cs.ControllerPublishVolume(ctx, &csi.ControllerPublishVolumeRequest{
		VolumeId: wantID, NodeId: nodeID, VolumeCapability: mountCap,
	}); err != nil {
		fail("second ControllerPublishVolume: %v", err)
	}

	step("ControllerUnpublishVolume")
	if _, err := cs.ControllerUnpublishVolume(ctx, &csi.ControllerUnpublishVolumeRequest{VolumeId: wantID, NodeId: nodeID}); err != nil {
		fail("ControllerUnpublishVolume: %v", err)
	}
	if inst, err = gce.Instances.Get(testProject, nodeBZone, nodeB).Context(ctx).Do(); err != nil {
		fail("instances.get node-b: %v", err)
	}
	if attachedDisk(inst, name) != nil {
		t.Errorf("node-b still has %q after unpublish: %s", name, describeDisks(inst))
	}
	if disk, err = gce.Disks.Get(testProject, nodeBZone, name).Context(ctx).Do(); err != nil {
		fail("disks.get after unpublish: %v", err)
	}
	if len(disk.Users) != 0 {
		t.Errorf("disk.users after unpublish = %v, want none", disk.Users)
	}

	step("ControllerExpandVolume to 20 GiB")
	ex, err := cs.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{
		VolumeId: wantID, CapacityRange: &csi.CapacityRange{RequiredBytes: 20 * gib}, VolumeCapability: mountCap,
	})
	if err != nil {
		fail("ControllerExpandVolume: %v", err)
	}
	if ex.GetCapacityBytes() != 20*gib || !ex.GetNodeExpansionRequired() {
		t.Errorf("ControllerExpandVolume: capacity %d node expansion %v, want %d and true", ex.GetCapacityBytes(), ex.GetNodeExpansionRequired(), 20*gib)
	}
	if disk, err = gce.Disks.Get(testProject, nodeBZone, name).Context(ctx).Do(); err != nil {
		fail("disks.get after expand: %v", err)
	}
	if disk.SizeGb != 20 {
		t.Errorf("disk sizeGb after expand = %d, want 20", disk.SizeGb)
	}

	step("DeleteVolume")
	if _, err := cs.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: wantID}); err != nil {
		fail("DeleteVolume: %v", err)
	}
	_, err = gce.Disks.Get(testProject, nodeBZone, name).Context(ctx).Do()
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != http.StatusNotFound || len(gerr.Errors) == 0 || gerr.Errors[0].Reason != "notFound" {
		t.Errorf("disks.get after DeleteVolume: %v, want HTTP 404 with reason notFound", err)
	}

	step("DeleteVolume again (idempotent)")
	if _, err := cs.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: wantID}); err != nil {
		fail("second DeleteVolume: %v", err)
	}

	// The driver's mutating calls, in order, as the tap saw them and as
	// fauxcloud journaled them.
	calls := d.tap.since(tapStart)
	var mutating []string
	for _, c := range calls {
		if c.Method != http.MethodGet && !strings.HasSuffix(c.Path, "/wait") && !c.isMetadata() {
			mutating = append(mutating, c.Method+" "+computePrefix.ReplaceAllString(c.Path, "$1 "))
		}
	}
	diskPath := "zones/" + nodeBZone + "/disks"
	instPath := "zones/" + nodeBZone + "/instances/" + nodeB
	want := []string{
		"POST beta " + diskPath,
		"POST v1 " + instPath + "/attachDisk",
		"POST v1 " + instPath + "/detachDisk",
		"POST v1 " + diskPath + "/" + name + "/resize",
		"DELETE v1 " + diskPath + "/" + name,
		"DELETE v1 " + diskPath + "/" + name, // the second DeleteVolume: 404 notFound, which the driver takes as done
	}
	if strings.Join(mutating, "\n") != strings.Join(want, "\n") {
		t.Errorf("the driver's mutating compute calls:\n  %s\nwant:\n  %s", strings.Join(mutating, "\n  "), strings.Join(want, "\n  "))
	}
	for _, c := range calls {
		// disks.get of the disk before it exists and after it is gone, and
		// the second disks.delete, answer 404 notFound by design.
		if c.failed() && !(c.Status == http.StatusNotFound && c.Reason == "notFound") {
			t.Errorf("compute call failed: %s", c.detail())
		}
	}
	// Every request the driver sent reached fauxcloud's journal with the
	// status the tap saw.
	journal := gcpJournalSince(t, seqStart)
	byPath := map[string][]int{}
	for _, e := range journal {
		byPath[e.Method+" "+e.Path] = append(byPath[e.Method+" "+e.Path], e.Status)
	}
	for _, c := range calls {
		k := c.Method + " " + c.Path
		if len(byPath[k]) == 0 {
			t.Errorf("journal has no record of %s %s (status %d)", c.Method, c.Path, c.Status)
			continue
		}
		if byPath[k][0] != c.Status {
			t.Errorf("journal records %s with status %d, the driver saw %d", k, byPath[k][0], c.Status)
		}
		byPath[k] = byPath[k][1:]
	}
	if t.Failed() {
		t.Logf("%s", d.callsSince(tapStart))
		for _, e := range journal {
			t.Logf("journal %s", e)
		}
	}
}

func attachedDisk(inst *compute.Instance, deviceName string) *compute.AttachedDisk {
	for _, d := range inst.Disks {
		if d.DeviceName == deviceName {
			return d
		}
	}
	return nil
}

func describeDisks(inst *compute.Instance) string {
	var parts []string
	for _, d := range inst.Disks {
		parts = append(parts, fmt.Sprintf("%s(%s %s boot=%v)", d.DeviceName, d.Mode, d.Source, d.Boot))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// callsSince renders the calls the driver made since mark.
func (d *pdDriver) callsSince(mark int) string {
	var b strings.Builder
	b.WriteString("compute calls of the driver:\n")
	for _, c := range d.tap.since(mark) {
		if c.isMetadata() && !c.failed() {
			continue
		}
		fmt.Fprintf(&b, "  #%d %s\n", c.Seq, c)
	}
	return b.String()
}
