package vspherecsi_test

// The flow external-provisioner and external-attacher drive for a block PVC
// on node-a, through the driver's CSI socket: create, publish (CNS attach
// to node-a's VM, the disk UUID in the publish context), unpublish (detach),
// delete. Also what the driver keeps in Kubernetes meanwhile: its
// CnsVolumeOperationRequest per operation, in its namespace.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func attachFlow(t *testing.T, d *csiDriver, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, cerr := grpc.NewClient(d.endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	harness.Check(t, cerr)
	defer conn.Close()
	ctrl := csi.NewControllerClient(conn)
	mark := journalLastSeq(t)
	var err error

	mount := &csi.VolumeCapability{AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{FsType: "ext4"}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER}}
	// The driver registers the node VMs from the CSINode informer after it
	// starts (a FindByUuid each); until then it has no node VMs to pick
	// shared datastores from, and external-provisioner would retry.
	var vol *csi.CreateVolumeResponse
	for {
		vol, err = ctrl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: name, CapacityRange: &csi.CapacityRange{RequiredBytes: 1 << 30},
			VolumeCapabilities: []*csi.VolumeCapability{mount}})
		if err == nil || !strings.Contains(err.Error(), "empty List of Node VMs") || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Second)
	}
	harness.Check(t, err)
	id := vol.GetVolume().GetVolumeId()
	if vol.GetVolume().GetCapacityBytes() != 1<<30 || vol.GetVolume().GetVolumeContext()["type"] != "vSphere CNS Block Volume" {
		t.Fatalf("CreateVolume = %+v", vol.GetVolume())
	}
	pub, err := ctrl.ControllerPublishVolume(ctx, &csi.ControllerPublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"], VolumeCapability: mount})
	harness.Check(t, err)
	if pub.GetPublishContext()["diskUUID"] == "" || pub.GetPublishContext()["type"] != "vSphere CNS Block Volume" {
		t.Fatalf("publish context = %v", pub.GetPublishContext())
	}
	// Publishing again is idempotent (the volume is already attached there).
	again, err := ctrl.ControllerPublishVolume(ctx, &csi.ControllerPublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"], VolumeCapability: mount})
	harness.Check(t, err)
	if again.GetPublishContext()["diskUUID"] != pub.GetPublishContext()["diskUUID"] {
		t.Fatalf("second publish: disk UUID %q, first %q", again.GetPublishContext()["diskUUID"], pub.GetPublishContext()["diskUUID"])
	}
	_, err = ctrl.ControllerUnpublishVolume(ctx, &csi.ControllerUnpublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"]})
	harness.Check(t, err)
	_, err = ctrl.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: id, CapacityRange: &csi.CapacityRange{RequiredBytes: 2 << 30}, VolumeCapability: mount})
	harness.Check(t, err)
	_, err = ctrl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id})
	harness.Check(t, err)

	ops := map[string]int{}
	for _, c := range admin().Must(t).CloudJournal("vsphere", mark) {
		// The driver looks for its preferred-datastores tag category now
		// and then; a vCenter without one answers not_found, as here.
		if c.Status >= 400 && !strings.HasSuffix(c.Path, "/category/id:cns.vmware.topology-preferred-datastores") {
			t.Errorf("vSphere call answered with an error: %s", c)
		}
		ops[c.Operation]++
	}
	for _, op := range []string{"CnsCreateVolume", "CnsAttachVolume", "CnsDetachVolume", "CnsExtendVolume", "CnsDeleteVolume"} {
		if ops[op] == 0 {
			t.Errorf("the flow made no %s call (calls: %v)", op, ops)
		}
	}

	// The driver's operation records, as kubectl would list them.
	resp, err := http.Get(d.kubeURL + "/apis/cns.vmware.com/v1alpha1/namespaces/" + csiNamespace + "/cnsvolumeoperationrequests")
	harness.Check(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Spec     struct{ Name string }
			Status   struct {
				VolumeID               string
				LatestOperationDetails []struct{ TaskStatus string } `json:"latestOperationDetails"`
			}
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("CnsVolumeOperationRequests: %v: %s", err, body)
	}
	found := false
	for _, it := range list.Items {
		if it.Metadata.Name == name {
			found = true
			if n := len(it.Status.LatestOperationDetails); n == 0 || it.Status.LatestOperationDetails[n-1].TaskStatus != "Success" {
				t.Errorf("CnsVolumeOperationRequest %s: %s", name, body)
			}
		}
	}
	if !found {
		t.Errorf("no CnsVolumeOperationRequest for the volume's creation: %s", body)
	}
}

// fileFlow: a ReadWriteMany PVC, which the driver creates as a CNS file
// volume on the vSAN file service, published to node-a (the NFS access
// point in the publish context) and deleted.
func fileFlow(t *testing.T, d *csiDriver) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := grpc.NewClient(d.endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	harness.Check(t, err)
	defer conn.Close()
	ctrl := csi.NewControllerClient(conn)
	mark := journalLastSeq(t)
	rwx := &csi.VolumeCapability{AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{FsType: "nfs4"}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER}}
	vol, err := ctrl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pvc-rwx-flow", CapacityRange: &csi.CapacityRange{RequiredBytes: 1 << 30},
		VolumeCapabilities: []*csi.VolumeCapability{rwx}})
	if err != nil {
		t.Fatalf("CreateVolume (RWX): %v\n%s", err, callsSince(t, mark))
	}
	id := vol.GetVolume().GetVolumeId()
	if vol.GetVolume().GetVolumeContext()["type"] != "vSphere CNS File Volume" {
		t.Fatalf("CreateVolume (RWX) = %+v", vol.GetVolume())
	}
	pub, err := ctrl.ControllerPublishVolume(ctx, &csi.ControllerPublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"], VolumeCapability: rwx})
	if err != nil {
		t.Fatalf("ControllerPublishVolume (RWX): %v\n%s", err, callsSince(t, mark))
	}
	// The node plugin mounts this NFSv4.1 export of the vSAN file service.
	if !strings.Contains(pub.GetPublishContext()["Nfsv4AccessPoint"], ":/") {
		t.Fatalf("publish context = %v", pub.GetPublishContext())
	}
	_, err = ctrl.ControllerUnpublishVolume(ctx, &csi.ControllerUnpublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"]})
	harness.Check(t, err)
	_, err = ctrl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id})
	harness.Check(t, err)
	for _, c := range admin().Must(t).CloudJournal("vsphere", mark) {
		if c.Status >= 400 && !strings.HasSuffix(c.Path, "/category/id:cns.vmware.topology-preferred-datastores") {
			t.Errorf("vSphere call answered with an error: %s", c)
		}
	}
}

func callsSince(t *testing.T, mark int) string {
	var b strings.Builder
	for _, c := range admin().Must(t).CloudJournal("vsphere", mark) {
		b.WriteString(c.String() + "\n")
	}
	return b.String()
}

// attachFaultFlow: vCenter refuses the first CnsAttachVolume (a fault rule,
// InvalidState); ControllerPublishVolume fails with it, and the retry that
// external-attacher makes attaches the volume.
func attachFaultFlow(t *testing.T, d *csiDriver) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := grpc.NewClient(d.endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	harness.Check(t, err)
	defer conn.Close()
	ctrl := csi.NewControllerClient(conn)
	mount := &csi.VolumeCapability{AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{FsType: "ext4"}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER}}
	vol, err := ctrl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pvc-attach-fault", CapacityRange: &csi.CapacityRange{RequiredBytes: 1 << 30},
		VolumeCapabilities: []*csi.VolumeCapability{mount}})
	harness.Check(t, err)
	id := vol.GetVolume().GetVolumeId()

	admin().Must(t).Call("POST", "/_fauxcloud/faults", map[string]any{
		"name":  "cns-attach-refused",
		"match": map[string]any{"cloud": "vsphere", "operation": "CnsAttachVolume", "times": 1},
		"error": map[string]any{"code": "InvalidState", "message": "The operation is not allowed in the current state."},
	})
	defer admin().Must(t).Call("DELETE", "/_fauxcloud/faults", nil)
	publish := &csi.ControllerPublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"], VolumeCapability: mount}
	if _, err := ctrl.ControllerPublishVolume(ctx, publish); err == nil || !strings.Contains(err.Error(), "InvalidState") && !strings.Contains(err.Error(), "not allowed in the current state") {
		t.Fatalf("ControllerPublishVolume under the fault: %v, want vCenter's InvalidState", err)
	}
	pub, err := ctrl.ControllerPublishVolume(ctx, publish)
	harness.Check(t, err)
	if pub.GetPublishContext()["diskUUID"] == "" {
		t.Fatalf("publish context after the retry = %v", pub.GetPublishContext())
	}
	_, err = ctrl.ControllerUnpublishVolume(ctx, &csi.ControllerUnpublishVolumeRequest{VolumeId: id, NodeId: d.uuids["node-a"]})
	harness.Check(t, err)
	_, err = ctrl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id})
	harness.Check(t, err)
}
