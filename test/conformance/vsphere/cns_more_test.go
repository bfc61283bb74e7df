package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"
)

func createVolume(t *testing.T, cc *cns.Client, spec cnstypes.CnsVolumeCreateSpec) *cnstypes.CnsVolumeCreateResult {
	t.Helper()
	ctx := testContext(t)
	return cnsResult(t, ctx)(cc.CreateVolume(ctx, []cnstypes.CnsVolumeCreateSpec{spec})).(*cnstypes.CnsVolumeCreateResult)
}

// createSnapshot takes one CNS snapshot of a volume and returns its result (fault included).
func createSnapshot(t *testing.T, cc *cns.Client, volume cnstypes.CnsVolumeId, description string) *cnstypes.CnsSnapshotCreateResult {
	t.Helper()
	ctx := testContext(t)
	res := cnsResult(t, ctx)(cc.CreateSnapshots(ctx, []cnstypes.CnsSnapshotCreateSpec{{VolumeId: volume, Description: description}}))
	snap, ok := res.(*cnstypes.CnsSnapshotCreateResult)
	if !ok {
		t.Fatalf("snapshot result %T %+v", res, res)
	}
	return snap
}

// RWX file volumes on the vSAN file service (what vcsim cannot do), CNS snapshots and volume info.
func TestCnsFileVolumesSnapshotsAndInfo(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	f := find.NewFinder(c, true)
	vsanDS, err := f.Datastore(ctx, "/dc1/datastore/vsanDatastore")
	if err != nil {
		t.Fatal(err)
	}
	vmfsDS, err := f.Datastore(ctx, "/dc1/datastore/datastore1")
	if err != nil {
		t.Fatal(err)
	}
	meta := cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}}

	// A file volume lands on the vSAN datastore whose cluster runs the file service.
	file := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-rwx", VolumeType: "FILE", Datastores: []types.ManagedObjectReference{vsanDS.Reference()}, Metadata: meta,
		BackingObjectDetails: &cnstypes.CnsVsanFileShareBackingDetails{CnsFileBackingDetails: cnstypes.CnsFileBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 5120}}},
	})
	if file.Fault != nil {
		t.Fatalf("file volume: %+v", file.Fault)
	}
	q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{file.VolumeId}})
	if err != nil || len(q.Volumes) != 1 {
		t.Fatalf("query = %+v, %v", q, err)
	}
	share, ok := q.Volumes[0].BackingObjectDetails.(*cnstypes.CnsVsanFileShareBackingDetails)
	if !ok || len(share.AccessPoints) == 0 || q.Volumes[0].VolumeType != "FILE" {
		t.Fatalf("file volume backing %T %+v", q.Volumes[0].BackingObjectDetails, q.Volumes[0].BackingObjectDetails)
	}
	// Not on a VMFS datastore: a per-volume fault.
	if r := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-rwx-vmfs", VolumeType: "FILE", Datastores: []types.ManagedObjectReference{vmfsDS.Reference()}, Metadata: meta,
		BackingObjectDetails: &cnstypes.CnsVsanFileShareBackingDetails{CnsFileBackingDetails: cnstypes.CnsFileBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}}},
	}); r.Fault == nil {
		t.Fatal("a file volume was placed on a VMFS datastore")
	}

	block := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-snap", VolumeType: "BLOCK", Datastores: []types.ManagedObjectReference{vmfsDS.Reference()}, Metadata: meta,
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 2048}},
	})
	snap := createSnapshot(t, cc, block.VolumeId, "snap-1")
	if snap.Fault != nil || snap.Snapshot.SnapshotId.Id == "" {
		t.Fatalf("snapshot result %+v", snap)
	}
	task, err := cc.QuerySnapshots(ctx, cnstypes.CnsSnapshotQueryFilter{SnapshotQuerySpecs: []cnstypes.CnsSnapshotQuerySpec{{VolumeId: block.VolumeId}}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := cns.GetQuerySnapshotsTaskResult(ctx, info)
	if err != nil || len(qs.Entries) != 1 || qs.Entries[0].Snapshot.Description != "snap-1" {
		t.Fatalf("snapshots = %+v, %v", qs, err)
	}
	task, err = cc.DeleteSnapshots(ctx, []cnstypes.CnsSnapshotDeleteSpec{{VolumeId: block.VolumeId, SnapshotId: snap.Snapshot.SnapshotId}})
	if err != nil {
		t.Fatal(err)
	}
	info, err = task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := cns.GetTaskResult(ctx, info); err != nil || r.GetCnsVolumeOperationResult().Fault != nil {
		t.Fatalf("snapshot delete %+v, %v", r, err)
	}

	// The async query (a task whose result carries the CnsQueryResult), and a policy change.
	task, err = cc.QueryVolumeAsync(ctx, cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{block.VolumeId}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err = task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ar, err := cns.GetTaskResult(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if aq, ok := ar.(*cnstypes.CnsAsyncQueryResult); !ok || len(aq.QueryResult.Volumes) != 1 || aq.QueryResult.Volumes[0].Name != "pvc-snap" {
		t.Fatalf("async query %T %+v", ar, ar)
	}
	task, err = cc.ReconfigVolumePolicy(ctx, []cnstypes.CnsVolumePolicyReconfigSpec{{VolumeId: block.VolumeId, Profile: []types.BaseVirtualMachineProfileSpec{&types.VirtualMachineDefinedProfileSpec{ProfileId: "policy-42"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := task.WaitForResult(ctx); err != nil {
		t.Fatal(err)
	}
	if q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{StoragePolicyId: "policy-42"}); err != nil || len(q.Volumes) != 1 {
		t.Fatalf("volumes with the new policy: %+v, %v", q, err)
	}

	task, err = cc.QueryVolumeInfo(ctx, []cnstypes.CnsVolumeId{block.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	info, err = task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vi, err := cns.GetTaskResult(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	bi, ok := vi.(*cnstypes.CnsQueryVolumeInfoResult).VolumeInfo.(*cnstypes.CnsBlockVolumeInfo)
	if !ok || bi.VStorageObject.Config.CapacityInMB != 2048 || bi.VStorageObject.Config.Name != "pvc-snap" {
		t.Fatalf("volume info %+v", vi)
	}
}
