package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"
)

// The block-volume flow the vSphere CSI controller runs through CNS: create on a datastore, attach
// to a node VM (the disk UUID comes back), query by id and by cluster with cursor paging, detach,
// delete; a second delete reports NotFound inside a successful task, as CNS does.
func TestCnsBlockVolumeFlow(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := find.NewFinder(c, true).Datastore(ctx, "/dc1/datastore/vsanDatastore")
	if err != nil {
		t.Fatal(err)
	}
	cluster := cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}
	var ids []cnstypes.CnsVolumeId
	for _, name := range []string{"pvc-1", "pvc-2", "pvc-3"} {
		spec := cnstypes.CnsVolumeCreateSpec{
			Name:       name,
			VolumeType: "BLOCK",
			Datastores: []types.ManagedObjectReference{ds.Reference()},
			Metadata:   cnstypes.CnsVolumeMetadata{ContainerCluster: cluster},
			BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{
				CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024},
			},
		}
		res := cnsResult(t, ctx)(cc.CreateVolume(ctx, []cnstypes.CnsVolumeCreateSpec{spec}))
		cr, ok := res.(*cnstypes.CnsVolumeCreateResult)
		if !ok || cr.Fault != nil || cr.VolumeId.Id == "" {
			t.Fatalf("create result %T %+v", res, res)
		}
		ids = append(ids, cr.VolumeId)
	}

	vm := vmNamed(t, ctx, c, "node-a")
	task, err := cc.AttachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: ids[0], Vm: vm.Reference()}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cns.GetTaskResult(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	ar, ok := res.(*cnstypes.CnsVolumeAttachResult)
	if !ok || ar.Fault != nil || ar.DiskUUID == "" {
		t.Fatalf("attach result %T %+v", res, res)
	}
	devices, err := vm.Device(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if disks := devices.SelectByType((*types.VirtualDisk)(nil)); len(disks) != 2 {
		t.Fatalf("node-a has %d disks after the attach, want 2", len(disks))
	}

	q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{ids[1]}})
	if err != nil || len(q.Volumes) != 1 || q.Volumes[0].Name != "pvc-2" {
		t.Fatalf("query by id = %+v, %v", q, err)
	}
	if b, ok := q.Volumes[0].BackingObjectDetails.(*cnstypes.CnsBlockBackingDetails); !ok || b.CapacityInMb != 1024 || q.Volumes[0].DatastoreUrl == "" {
		t.Fatalf("volume = %+v backing %+v", q.Volumes[0], q.Volumes[0].BackingObjectDetails)
	}
	// Cursor paging, two at a time, as the CSI syncer lists all volumes of its cluster.
	var seen []string
	cursor := cnstypes.CnsCursor{Offset: 0, Limit: 2}
	for pages := 0; pages < 5; pages++ {
		q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{ContainerClusterIds: []string{"fauxcloud"}, Cursor: &cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range q.Volumes {
			seen = append(seen, v.Name)
		}
		if q.Cursor.Offset >= q.Cursor.TotalRecords {
			break
		}
		cursor.Offset = q.Cursor.Offset
	}
	if len(seen) != 3 {
		t.Fatalf("paged query saw %v", seen)
	}

	// Deleting an attached volume fails for that volume only.
	task, err = cc.DeleteVolume(ctx, []cnstypes.CnsVolumeId{ids[0]}, true)
	if err != nil {
		t.Fatal(err)
	}
	info, err = task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := cns.GetTaskResult(ctx, info); res.GetCnsVolumeOperationResult().Fault == nil {
		t.Fatal("deleting an attached volume succeeded")
	}
	task, err = cc.DetachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: ids[0], Vm: vm.Reference()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := task.WaitForResult(ctx); err != nil {
		t.Fatal(err)
	}
	task, err = cc.DeleteVolume(ctx, ids, true)
	if err != nil {
		t.Fatal(err)
	}
	info, err = task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := cns.GetTaskResultArray(ctx, info)
	if err != nil || len(all) != 3 {
		t.Fatalf("delete results %v, %v", all, err)
	}
	for _, r := range all {
		if r.GetCnsVolumeOperationResult().Fault != nil {
			t.Fatalf("delete failed: %+v", r.GetCnsVolumeOperationResult().Fault)
		}
	}
	task, err = cc.DeleteVolume(ctx, ids[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	info, err = task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := cns.GetTaskResult(ctx, info)
	if f := r.GetCnsVolumeOperationResult().Fault; f == nil {
		t.Fatal("deleting a deleted volume reported no fault")
	} else if _, ok := f.Fault.(*types.NotFound); !ok {
		t.Fatalf("deleting a deleted volume: fault %T, want NotFound", f.Fault)
	}
}
