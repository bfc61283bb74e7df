package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vslm"
)

// First-class disks through vim25's VcenterVStorageObjectManager, as govmomi's vslm.ObjectManager
// (govc disk.*) drives it, attached with VirtualMachine.AttachDisk_Task.
func TestVslmFirstClassDisks(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	m := vslm.NewObjectManager(c)
	f := find.NewFinder(c, true)
	ds, err := f.Datastore(ctx, "/dc1/datastore/datastore1")
	must(t, err)
	before := freeSpace(t, ctx, ds)

	create := func(name string, keep bool) types.VStorageObject {
		t.Helper()
		tk, err := m.CreateDisk(ctx, types.VslmCreateSpec{Name: name, CapacityInMB: 1024, KeepAfterDeleteVm: types.NewBool(keep),
			BackingSpec: &types.VslmCreateSpecDiskFileBackingSpec{VslmCreateSpecBackingSpec: types.VslmCreateSpecBackingSpec{Datastore: ds.Reference()}, ProvisioningType: "thin"}})
		must(t, err)
		info, err := tk.WaitForResult(ctx)
		must(t, err)
		return info.Result.(types.VStorageObject)
	}
	obj := create("fcd-1", true)
	id := obj.Config.Id.Id
	if obj.Config.Name != "fcd-1" || obj.Config.CapacityInMB != 1024 || obj.Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo).Datastore != ds.Reference() {
		t.Fatalf("created %+v", obj.Config)
	}
	if got := before - freeSpace(t, ctx, ds); got != 1024<<20 {
		t.Fatalf("the disk took %d bytes", got)
	}
	ids, err := m.List(ctx, ds)
	must(t, err)
	if len(ids) != 1 || ids[0].Id != id {
		t.Fatalf("List = %v", ids)
	}
	// An FCD is not a CNS volume until CnsCreateVolume registers it.
	cc, err := cns.NewClient(ctx, c)
	must(t, err)
	if q, err := cc.QueryVolume(ctx, &cnstypes.CnsQueryFilter{VolumeIds: []cnstypes.CnsVolumeId{{Id: id}}}); err != nil || len(q.Volumes) != 0 {
		t.Fatalf("CNS lists a bare FCD: %+v %v", q, err)
	}
	must(t, m.Rename(ctx, ds, id, "fcd-renamed"))
	tk, err := m.ExtendDisk(ctx, ds, id, 2048)
	must(t, err)
	must(t, tk.Wait(ctx))
	if tf := taskFault(t, ctx)(m.ExtendDisk(ctx, ds, id, 512)); tf == nil {
		t.Fatal("shrank a disk")
	} else if _, ok := tf.(*types.InvalidArgument); !ok {
		t.Fatalf("shrink fault %T", tf)
	}
	obj2, err := m.Retrieve(ctx, ds, id)
	must(t, err)
	if obj2.Config.Name != "fcd-renamed" || obj2.Config.CapacityInMB != 2048 || !*obj2.Config.KeepAfterDeleteVm {
		t.Fatalf("retrieved %+v", obj2.Config)
	}
	// Snapshots of the disk.
	tk, err = m.CreateSnapshot(ctx, ds, id, "daily")
	must(t, err)
	info, err := tk.WaitForResult(ctx)
	must(t, err)
	sid := info.Result.(types.ID)
	snaps, err := m.RetrieveSnapshotInfo(ctx, ds, id)
	must(t, err)
	if len(snaps.Snapshots) != 1 || snaps.Snapshots[0].Id.Id != sid.Id || snaps.Snapshots[0].Description != "daily" {
		t.Fatalf("snapshots %+v", snaps.Snapshots)
	}
	tk, err = m.DeleteSnapshot(ctx, ds, id, sid.Id)
	must(t, err)
	must(t, tk.Wait(ctx))

	// Control flags.
	_, err = methods.SetVStorageObjectControlFlags(ctx, c, &types.SetVStorageObjectControlFlags{This: m.Reference(), Id: types.ID{Id: id}, Datastore: ds.Reference(), ControlFlags: []string{"disableRelocation"}})
	must(t, err)
	if obj2, err = m.Retrieve(ctx, ds, id); err != nil || !*obj2.Config.RelocationDisabled {
		t.Fatalf("control flags: %+v %v", obj2, err)
	}

	// Attach to a new VM: a disk on its SCSI controller; the disk is in use while attached.
	vm := createVM(t, ctx, c, "fcd-host", 1024*1024)
	must(t, vm.AttachDisk(ctx, id, ds, 0, nil))
	if d := disks(t, ctx, vm); len(d) != 2 {
		t.Fatalf("%d disks after AttachDisk", len(d))
	}
	if obj2, err = m.Retrieve(ctx, ds, id); err != nil || len(obj2.Config.ConsumerId) != 1 {
		t.Fatalf("consumer of an attached disk: %+v %v", obj2, err)
	}
	if tf := taskFault(t, ctx)(m.Delete(ctx, ds, id)); tf == nil {
		t.Fatal("deleted an attached disk")
	} else if _, ok := tf.(*types.InvalidState); !ok {
		t.Fatalf("delete attached fault %T", tf)
	}
	// A second disk without keepAfterDeleteVm goes with the VM; the first is detached and kept.
	gone := create("fcd-2", false)
	must(t, vm.AttachDisk(ctx, gone.Config.Id.Id, ds, 0, nil))
	tk, err = vm.Destroy(ctx)
	must(t, err)
	must(t, tk.Wait(ctx))
	if obj2, err = m.Retrieve(ctx, ds, id); err != nil || len(obj2.Config.ConsumerId) != 0 {
		t.Fatalf("kept disk after the VM went: %+v %v", obj2, err)
	}
	if _, err := m.Retrieve(ctx, ds, gone.Config.Id.Id); err == nil {
		t.Fatal("a disk without keepAfterDeleteVm survived its VM")
	} else if !fault.Is(err, &types.NotFound{}) {
		t.Fatalf("retrieve of a deleted disk: %v", err)
	}
	tk, err = m.Delete(ctx, ds, id)
	must(t, err)
	must(t, tk.Wait(ctx))
	// Static provisioning: CnsCreateVolume with backingDiskId makes a bare FCD a CNS volume, which
	// CNS keeps after its VM.
	bare := create("fcd-3", false)
	reg := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{Name: "pvc-imported", VolumeType: "BLOCK",
		Metadata:             cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}},
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}, BackingDiskId: bare.Config.Id.Id}})
	if reg.Fault != nil || reg.VolumeId.Id != bare.Config.Id.Id {
		t.Fatalf("register: %+v", reg)
	}
	if obj2, err = m.Retrieve(ctx, ds, bare.Config.Id.Id); err != nil || !*obj2.Config.KeepAfterDeleteVm {
		t.Fatalf("a registered FCD: %+v %v", obj2, err)
	}
	tk, err = m.Delete(ctx, ds, bare.Config.Id.Id)
	must(t, err)
	must(t, tk.Wait(ctx))
	if got := before - freeSpace(t, ctx, ds); got != 0 {
		t.Fatalf("%d bytes still taken after the disks went", got)
	}
}
