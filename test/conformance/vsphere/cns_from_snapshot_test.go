package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"
)

// A block volume created from a CNS snapshot (CnsVolumeCreateSpec.volumeSource, as the CSI
// driver sends it for a PVC whose dataSource is a VolumeSnapshot): it lands on the snapshot's
// datastore; a missing snapshot, or a size below the source's, is a fault inside the task.
func TestCnsVolumeFromSnapshot(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	vmfsDS, err := find.NewFinder(c, true).Datastore(ctx, "/dc1/datastore/datastore1")
	if err != nil {
		t.Fatal(err)
	}
	meta := cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}}
	blockSpec := func(name string, mb int64, source cnstypes.BaseCnsVolumeSource) cnstypes.CnsVolumeCreateSpec {
		return cnstypes.CnsVolumeCreateSpec{Name: name, VolumeType: "BLOCK", Metadata: meta, VolumeSource: source,
			BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: mb}}}
	}
	src := blockSpec("pvc-source", 2048, nil)
	src.Datastores = []types.ManagedObjectReference{vmfsDS.Reference()}
	source := createVolume(t, cc, src)
	snap := createSnapshot(t, cc, source.VolumeId, "snap-1").Snapshot.SnapshotId

	restored := createVolume(t, cc, blockSpec("pvc-restored", 2048, &cnstypes.CnsSnapshotVolumeSource{VolumeId: source.VolumeId, SnapshotId: snap}))
	if restored.Fault != nil || restored.VolumeId.Id == "" || restored.VolumeId.Id == source.VolumeId.Id {
		t.Fatalf("volume from snapshot: %+v", restored)
	}
	q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{restored.VolumeId}})
	if err != nil || len(q.Volumes) != 1 || q.Volumes[0].DatastoreUrl == "" {
		t.Fatalf("query = %+v, %v", q, err)
	}
	qs, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{source.VolumeId}})
	if err != nil || len(qs.Volumes) != 1 || qs.Volumes[0].DatastoreUrl != q.Volumes[0].DatastoreUrl {
		t.Fatalf("the restored volume is not on the snapshot's datastore: %+v vs %+v", q.Volumes, qs.Volumes)
	}

	missing := createVolume(t, cc, blockSpec("pvc-no-snap", 2048, &cnstypes.CnsSnapshotVolumeSource{VolumeId: source.VolumeId, SnapshotId: cnstypes.CnsSnapshotId{Id: "00000000-0000-0000-0000-000000000000"}}))
	if missing.Fault == nil {
		t.Fatal("a volume was created from a snapshot that does not exist")
	}
	if _, ok := missing.Fault.Fault.(*cnstypes.CnsSnapshotNotFoundFault); !ok {
		t.Fatalf("missing snapshot fault = %T %+v", missing.Fault.Fault, missing.Fault)
	}
	small := createVolume(t, cc, blockSpec("pvc-too-small", 1024, &cnstypes.CnsSnapshotVolumeSource{VolumeId: source.VolumeId, SnapshotId: snap}))
	if small.Fault == nil {
		t.Fatal("a volume smaller than the snapshot's source was created")
	}
}
