package vsphere_test

import (
	"sort"
	"testing"
	"time"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vslm"
	vslmtypes "github.com/vmware/govmomi/vslm/types"
)

// The global VSLM endpoint (/vslm/sdk) through govmomi's vslm.Client, GlobalObjectManager and
// vslm.Task: disks by id alone, listed by query spec with paging, attached, relocated.
func TestVslmGlobalObjectManager(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vc, err := vslm.NewClient(ctx, c)
	must(t, err)
	if vc.ServiceContent.VStorageObjectManager.Type != "VslmVStorageObjectManager" {
		t.Fatalf("service content %+v", vc.ServiceContent)
	}
	m := vslm.NewGlobalObjectManager(vc)
	f := find.NewFinder(c, true)
	vmfs, err := f.Datastore(ctx, "/dc1/datastore/datastore1")
	must(t, err)
	vsan, err := f.Datastore(ctx, "/dc1/datastore/vsanDatastore")
	must(t, err)

	var ids []string
	for _, name := range []string{"alpha", "beta", "gamma"} {
		tk, err := m.CreateDisk(ctx, types.VslmCreateSpec{Name: name, CapacityInMB: 512, KeepAfterDeleteVm: types.NewBool(true),
			BackingSpec: &types.VslmCreateSpecDiskFileBackingSpec{VslmCreateSpecBackingSpec: types.VslmCreateSpecBackingSpec{Datastore: vmfs.Reference()}}})
		must(t, err)
		res, err := tk.Wait(ctx, 30*time.Second)
		must(t, err)
		obj := res.(types.VStorageObject)
		if obj.Config.Name != name {
			t.Fatalf("created %+v", obj.Config)
		}
		ids = append(ids, obj.Config.Id.Id)
	}
	sort.Strings(ids)
	// A CNS volume is an FCD too.
	cc, err := cns.NewClient(ctx, c)
	must(t, err)
	vol := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{Name: "pvc-fcd", VolumeType: "BLOCK", Datastores: []types.ManagedObjectReference{vsan.Reference()},
		Metadata:             cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}},
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}}})
	obj, err := m.Retrieve(ctx, types.ID{Id: vol.VolumeId.Id})
	must(t, err)
	if obj.Config.CapacityInMB != 1024 || obj.Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo).Datastore != vsan.Reference() {
		t.Fatalf("the CNS volume as an FCD: %+v", obj.Config)
	}

	// List pages by id (DefaultMaxResults 2 makes List loop with "id greaterThan last").
	old := vslm.DefaultMaxResults
	vslm.DefaultMaxResults = 2
	defer func() { vslm.DefaultMaxResults = old }()
	all, err := m.List(ctx)
	must(t, err)
	if len(all.Id) != 4 || !all.AllRecordsReturned {
		t.Fatalf("List = %d ids, all %v", len(all.Id), all.AllRecordsReturned)
	}
	onVmfs, err := m.List(ctx, vslmtypes.VslmVsoVStorageObjectQuerySpec{QueryField: string(vslmtypes.VslmVsoVStorageObjectQuerySpecQueryFieldEnumDatastoreMoId), QueryOperator: string(vslmtypes.VslmVsoVStorageObjectQuerySpecQueryOperatorEnumEquals), QueryValue: []string{vmfs.Reference().Value}})
	must(t, err)
	if len(onVmfs.Id) != 3 || onVmfs.Id[0].Id != ids[0] || onVmfs.QueryResults[0].CapacityInMB != 512 {
		t.Fatalf("on datastore1: %+v", onVmfs)
	}
	named, err := m.List(ctx, vslmtypes.VslmVsoVStorageObjectQuerySpec{QueryField: "name", QueryOperator: "startsWith", QueryValue: []string{"gam"}})
	must(t, err)
	if len(named.Id) != 1 || named.QueryResults[0].Name != "gamma" {
		t.Fatalf("name startsWith gam: %+v", named)
	}
	if _, err := m.ListObjectsForSpec(ctx, []vslmtypes.VslmVsoVStorageObjectQuerySpec{{QueryField: "color", QueryOperator: "equals", QueryValue: []string{"x"}}}, 10); !fault.Is(err, &types.InvalidArgument{}) {
		t.Fatalf("an unknown query field: %v", err)
	}
	res, err := m.RetrieveObjects(ctx, []types.ID{{Id: ids[0]}, {Id: "missing"}})
	must(t, err)
	if len(res) != 2 || res[0].Error != nil || res[1].Error == nil || res[1].CapacityInMB != -1 {
		t.Fatalf("RetrieveObjects: %+v", res)
	}

	// Extend, snapshot, attach, relocate while attached, through vslm.Task.
	id := types.ID{Id: ids[0]}
	tk, err := m.ExtendDisk(ctx, id, 1024)
	must(t, err)
	_, err = tk.Wait(ctx, 30*time.Second)
	must(t, err)
	tk, err = m.CreateSnapshot(ctx, id, "nightly")
	must(t, err)
	sres, err := tk.Wait(ctx, 30*time.Second)
	must(t, err)
	info, err := m.RetrieveSnapshotInfo(ctx, id)
	must(t, err)
	if len(info) != 1 || info[0].Id.Id != sres.(types.ID).Id {
		t.Fatalf("snapshots %+v (created %v)", info, sres)
	}
	vm := vmNamed(t, ctx, c, "node-b")
	tk, err = m.AttachDisk(ctx, id, vm, 0, nil)
	must(t, err)
	_, err = tk.Wait(ctx, 30*time.Second)
	must(t, err)
	if obj, err = m.Retrieve(ctx, id); err != nil || len(obj.Config.ConsumerId) != 1 {
		t.Fatalf("attached: %+v %v", obj, err)
	}
	tk, err = m.Relocate(ctx, id, types.VslmRelocateSpec{VslmMigrateSpec: types.VslmMigrateSpec{BackingSpec: &types.VslmCreateSpecDiskFileBackingSpec{VslmCreateSpecBackingSpec: types.VslmCreateSpecBackingSpec{Datastore: vsan.Reference()}}}})
	must(t, err)
	moved, err := tk.Wait(ctx, 30*time.Second)
	must(t, err)
	if moved.(types.VStorageObject).Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo).Datastore != vsan.Reference() {
		t.Fatalf("relocated %+v", moved)
	}
	// Deleting an attached disk fails in the task; the task's fault reaches Wait.
	tk, err = m.Delete(ctx, id)
	must(t, err)
	if _, err := tk.Wait(ctx, 30*time.Second); !fault.Is(err, &types.InvalidState{}) {
		t.Fatalf("delete of an attached disk: %v", err)
	}
	tk, err = m.Delete(ctx, types.ID{Id: ids[1]})
	must(t, err)
	_, err = tk.Wait(ctx, 30*time.Second)
	must(t, err)
	if _, err := m.Retrieve(ctx, types.ID{Id: ids[1]}); !fault.Is(err, &types.NotFound{}) {
		t.Fatalf("retrieve of a deleted disk: %v", err)
	}
}
