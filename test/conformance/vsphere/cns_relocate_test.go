package vsphere_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vslm"
)

func freeSpace(t *testing.T, ctx context.Context, ds *object.Datastore) int64 {
	t.Helper()
	var m mo.Datastore
	must(t, ds.Properties(ctx, ds.Reference(), []string{"summary"}, &m))
	return m.Summary.FreeSpace
}

// localDatastore seeds a VMFS datastore only esxi-3 mounts.
func localDatastore(t *testing.T) {
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1",
		"clusters":   []any{map[string]any{"name": "cluster1", "hosts": []any{map[string]any{"name": "esxi-3.fauxcloud.local"}}}},
		"datastores": []any{map[string]any{"name": "local-3", "type": "VMFS", "capacityGB": 100, "hosts": []any{"esxi-3.fauxcloud.local"}}}}}})
}

// CnsRelocateVolume, CnsSyncVolume and CnsUnregisterVolume as govmomi's cns.Client calls them.
func TestCnsRelocateSyncUnregister(t *testing.T) {
	reset(t)
	localDatastore(t)
	ctx := testContext(t)
	c := login(t, ctx)
	cc, err := cns.NewClient(ctx, c)
	must(t, err)
	f := find.NewFinder(c, true)
	vmfs, err := f.Datastore(ctx, "/dc1/datastore/datastore1")
	must(t, err)
	vsan, err := f.Datastore(ctx, "/dc1/datastore/vsanDatastore")
	must(t, err)
	local, err := f.Datastore(ctx, "/dc1/datastore/local-3")
	must(t, err)
	meta := cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}}
	vol := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-move", VolumeType: "BLOCK", Datastores: []types.ManagedObjectReference{vmfs.Reference()}, Metadata: meta,
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 2048}},
	})
	id := vol.VolumeId
	vmfsFree, vsanFree := freeSpace(t, ctx, vmfs), freeSpace(t, ctx, vsan)

	relocate := func(id string, ds *object.Datastore) *types.LocalizedMethodFault {
		t.Helper()
		return cnsResult(t, ctx)(cc.RelocateVolume(ctx, cnstypes.NewCnsBlockVolumeRelocateSpec(id, ds.Reference()))).GetCnsVolumeOperationResult().Fault
	}
	if f := relocate(id.Id, vsan); f != nil {
		t.Fatalf("relocate: %s", f.LocalizedMessage)
	}
	q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{id}})
	must(t, err)
	var dsm mo.Datastore
	must(t, vsan.Properties(ctx, vsan.Reference(), []string{"summary"}, &dsm))
	if len(q.Volumes) != 1 || q.Volumes[0].DatastoreUrl != dsm.Summary.Url {
		t.Fatalf("after relocate: %+v (want %s)", q.Volumes, dsm.Summary.Url)
	}
	if got := freeSpace(t, ctx, vmfs) - vmfsFree; got != 2048<<20 {
		t.Fatalf("datastore1 freed %d bytes", got)
	}
	if got := vsanFree - freeSpace(t, ctx, vsan); got != 2048<<20 {
		t.Fatalf("vsanDatastore took %d bytes", got)
	}
	// Attached to node-a on esxi-1, it cannot move where esxi-1 does not see.
	nodeA := vmNamed(t, ctx, c, "node-a")
	res := cnsResult(t, ctx)(cc.AttachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: id, Vm: nodeA.Reference()}}))
	if f := res.GetCnsVolumeOperationResult().Fault; f != nil {
		t.Fatal(f.LocalizedMessage)
	}
	f1 := relocate(id.Id, local)
	if f1 == nil {
		t.Fatal("relocated an attached volume to a datastore its VM's host does not mount")
	}
	if _, ok := f1.Fault.(*types.DatastoreNotWritableOnHost); !ok {
		t.Fatalf("relocate fault %T", f1.Fault)
	}
	if f := relocate("00000000-0000-0000-0000-000000000000", vmfs); f == nil {
		t.Fatal("relocated a volume that does not exist")
	} else if _, ok := f.Fault.(*types.NotFound); !ok {
		t.Fatalf("missing volume fault %T", f.Fault)
	}

	// The syncer's space-usage sync.
	vsanRef := vsan.Reference()
	sync := cnsResult(t, ctx)(cc.SyncVolume(ctx, []cnstypes.CnsSyncVolumeSpec{{VolumeId: id, Datastore: &vsanRef, SyncMode: []string{string(cnstypes.CnsSyncVolumeModeSPACE_USAGE)}}}))
	if f := sync.GetCnsVolumeOperationResult().Fault; f != nil {
		t.Fatalf("sync: %s", f.LocalizedMessage)
	}
	sync = cnsResult(t, ctx)(cc.SyncVolume(ctx, []cnstypes.CnsSyncVolumeSpec{{VolumeId: cnstypes.CnsVolumeId{Id: "nope"}}}))
	if sync.GetCnsVolumeOperationResult().Fault == nil {
		t.Fatal("synced a volume that does not exist")
	}

	// CnsDebugManager's datastore sync: a known URL syncs, an unknown one is NotFound.
	tk, err := cc.SyncDatastore(ctx, dsm.Summary.Url, true)
	must(t, err)
	must(t, tk.Wait(ctx))
	if tf := taskFault(t, ctx)(cc.SyncDatastore(ctx, "ds:///vmfs/volumes/nope/", false)); tf == nil {
		t.Fatal("synced a datastore that does not exist")
	} else if _, ok := tf.(*types.NotFound); !ok {
		t.Fatalf("sync of an unknown datastore: %T", tf)
	}

	// Unregister: refused while attached; then the volume is a bare FCD CNS no longer lists.
	unregister := func() *types.LocalizedMethodFault {
		return cnsResult(t, ctx)(cc.UnregisterVolume(ctx, []cnstypes.CnsUnregisterVolumeSpec{{VolumeId: id, TargetVolumeType: string(cnstypes.CnsUnregisterTargetVolumeTypeFCD)}})).GetCnsVolumeOperationResult().Fault
	}
	if f := unregister(); f == nil {
		t.Fatal("unregistered an attached volume")
	} else if _, ok := f.Fault.(*types.ResourceInUse); !ok {
		t.Fatalf("unregister fault %T", f.Fault)
	}
	res = cnsResult(t, ctx)(cc.DetachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: id, Vm: nodeA.Reference()}}))
	if f := res.GetCnsVolumeOperationResult().Fault; f != nil {
		t.Fatal(f.LocalizedMessage)
	}
	if f := unregister(); f != nil {
		t.Fatalf("unregister: %s", f.LocalizedMessage)
	}
	if q, err = cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{id}}); err != nil || len(q.Volumes) != 0 {
		t.Fatalf("an unregistered volume is still listed: %+v %v", q, err)
	}
	obj, err := vslm.NewObjectManager(c).Retrieve(ctx, vsan, id.Id)
	must(t, err)
	if obj.Config.CapacityInMB != 2048 {
		t.Fatalf("the FCD left behind: %+v", obj.Config)
	}
	// Static provisioning registers the FCD again under the same id.
	again := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-static", VolumeType: "BLOCK", Metadata: meta,
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 2048}, BackingDiskId: id.Id},
	})
	if again.Fault != nil || again.VolumeId != id {
		t.Fatalf("static registration: %+v", again)
	}
	if q, err = cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{id}}); err != nil || len(q.Volumes) != 1 || q.Volumes[0].Name != "pvc-static" {
		t.Fatalf("registered again: %+v %v", q, err)
	}
}
