package vsphere_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// vmSnapshots reads snapshot and rootSnapshot besides what vmState reads.
func vmSnapshots(t *testing.T, ctx context.Context, vm *object.VirtualMachine) mo.VirtualMachine {
	t.Helper()
	var m mo.VirtualMachine
	must(t, vm.Properties(ctx, vm.Reference(), []string{"config", "runtime", "snapshot", "rootSnapshot"}, &m))
	return m
}

// taskFault waits for a task that must fail and returns its fault.
func taskFault(t *testing.T, ctx context.Context) func(*object.Task, error) types.BaseMethodFault {
	return func(tk *object.Task, err error) types.BaseMethodFault {
		t.Helper()
		must(t, err)
		err = tk.Wait(ctx)
		var te task.Error
		if !errors.As(err, &te) {
			t.Fatalf("task ended %v, want a task fault", err)
		}
		return te.Fault()
	}
}

// govc snapshot.create / snapshot.tree / snapshot.revert / snapshot.remove, through object.VirtualMachine.
func TestVMSnapshotTreeRevertRemove(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-a")

	// A property collector wait on "snapshot" (as govc snapshot.tree -w or a controller would
	// watch it) sees the first snapshot appear.
	seen := make(chan string, 1)
	go func() {
		err := property.Wait(ctx, property.DefaultCollector(c), vm.Reference(), []string{"snapshot"}, func(changes []types.PropertyChange) bool {
			for _, ch := range changes {
				if info, ok := ch.Val.(types.VirtualMachineSnapshotInfo); ok && len(info.RootSnapshotList) > 0 {
					seen <- info.RootSnapshotList[0].Name
					return true
				}
			}
			return false
		})
		if err != nil {
			seen <- "error: " + err.Error()
		}
	}()
	tk, err := vm.CreateSnapshot(ctx, "base", "before the upgrade", false, false)
	must(t, err)
	if got := <-seen; got != "base" {
		t.Fatalf("the wait on snapshot saw %q", got)
	}
	info, err := tk.WaitForResult(ctx)
	must(t, err)
	base := info.Result.(types.ManagedObjectReference)
	if base.Type != "VirtualMachineSnapshot" {
		t.Fatalf("snapshot task result %+v", base)
	}
	// Change the VM (off: CPU and memory need no hot-add), then a memory snapshot of it running.
	tk, err = vm.PowerOff(ctx)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 8, MemoryMB: 32768})
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.PowerOn(ctx)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.CreateSnapshot(ctx, "big", "", true, true)
	must(t, err)
	must(t, tk.Wait(ctx))

	m := vmSnapshots(t, ctx, vm)
	if m.Snapshot == nil || len(m.Snapshot.RootSnapshotList) != 1 || len(m.RootSnapshot) != 1 {
		t.Fatalf("snapshot info %+v root %v", m.Snapshot, m.RootSnapshot)
	}
	root := m.Snapshot.RootSnapshotList[0]
	if root.Name != "base" || root.Description != "before the upgrade" || root.State != types.VirtualMachinePowerStatePoweredOff || len(root.ChildSnapshotList) != 1 {
		t.Fatalf("root snapshot %+v", root)
	}
	child := root.ChildSnapshotList[0]
	if child.Name != "big" || child.State != types.VirtualMachinePowerStatePoweredOn || !child.Quiesced || *m.Snapshot.CurrentSnapshot != child.Snapshot {
		t.Fatalf("child snapshot %+v, current %v", child, m.Snapshot.CurrentSnapshot)
	}
	// FindSnapshot resolves names and paths the govc way.
	ref, err := vm.FindSnapshot(ctx, "base/big")
	must(t, err)
	if *ref != child.Snapshot {
		t.Fatalf("FindSnapshot(base/big) = %v", ref)
	}

	// Revert to "base": 4 CPUs again, and off (it was taken without memory... of a running VM).
	tk, err = vm.RevertToSnapshot(ctx, "base", false)
	must(t, err)
	must(t, tk.Wait(ctx))
	m = vmSnapshots(t, ctx, vm)
	if m.Config.Hardware.NumCPU != 4 || m.Config.Hardware.MemoryMB != 16384 || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff || *m.Snapshot.CurrentSnapshot != base {
		t.Fatalf("after revert: cpu %d mem %d power %s current %v", m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB, m.Runtime.PowerState, m.Snapshot.CurrentSnapshot)
	}
	// Back to the memory snapshot: 8 CPUs, running.
	tk, err = vm.RevertToSnapshot(ctx, "big", false)
	must(t, err)
	must(t, tk.Wait(ctx))
	if m = vmSnapshots(t, ctx, vm); m.Config.Hardware.NumCPU != 8 || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("after revert to big: cpu %d power %s", m.Config.Hardware.NumCPU, m.Runtime.PowerState)
	}
	// The snapshot object's own properties.
	var snap mo.VirtualMachineSnapshot
	must(t, property.DefaultCollector(c).RetrieveOne(ctx, child.Snapshot, []string{"config", "vm", "childSnapshot"}, &snap))
	if snap.Config.Hardware.NumCPU != 8 || snap.Vm != vm.Reference() || len(snap.ChildSnapshot) != 0 {
		t.Fatalf("snapshot object: cpu %d vm %v children %v", snap.Config.Hardware.NumCPU, snap.Vm, snap.ChildSnapshot)
	}
	// Remove "base" keeping its child: "big" becomes a root.
	tk, err = vm.RemoveSnapshot(ctx, "base", false, nil)
	must(t, err)
	must(t, tk.Wait(ctx))
	if m = vmSnapshots(t, ctx, vm); len(m.Snapshot.RootSnapshotList) != 1 || m.Snapshot.RootSnapshotList[0].Name != "big" {
		t.Fatalf("after removing base: %+v", m.Snapshot)
	}
	if _, err := vm.FindSnapshot(ctx, "base"); err == nil {
		t.Fatal("a removed snapshot is still found")
	}
	tk, err = vm.RemoveAllSnapshot(ctx, nil)
	must(t, err)
	must(t, tk.Wait(ctx))
	if m = vmSnapshots(t, ctx, vm); m.Snapshot != nil || len(m.RootSnapshot) != 0 {
		t.Fatalf("after remove all: %+v %v", m.Snapshot, m.RootSnapshot)
	}
	// A chain is at most 32 snapshots deep.
	for i := 0; i < 32; i++ {
		tk, err = vm.CreateSnapshot(ctx, fmt.Sprintf("s%d", i), "", false, false)
		must(t, err)
		must(t, tk.Wait(ctx))
	}
	if tf := taskFault(t, ctx)(vm.CreateSnapshot(ctx, "one-too-many", "", false, false)); tf == nil {
		t.Fatal("a 33rd snapshot in the chain")
	} else if _, ok := tf.(*types.TooManySnapshotLevels); !ok {
		t.Fatalf("33rd snapshot: %T", tf)
	}
	tk, err = vm.RemoveAllSnapshot(ctx, nil)
	must(t, err)
	must(t, tk.Wait(ctx))
	// A running VM with an independent disk has no memory snapshots; without memory it may.
	devices, err := vm.Device(ctx)
	must(t, err)
	scsi, err := devices.FindSCSIController("")
	must(t, err)
	ds, err := find.NewFinder(c, true).Datastore(ctx, "/dc1/datastore/vsanDatastore")
	must(t, err)
	indep := devices.CreateDisk(scsi, ds.Reference(), "")
	indep.CapacityInKB = 1024 * 1024
	indep.Backing.(*types.VirtualDiskFlatVer2BackingInfo).DiskMode = string(types.VirtualDiskModeIndependent_persistent)
	must(t, vm.AddDevice(ctx, indep))
	if tf := taskFault(t, ctx)(vm.CreateSnapshot(ctx, "mem", "", true, false)); tf == nil {
		t.Fatal("a memory snapshot with an independent disk")
	} else if _, ok := tf.(*types.MemorySnapshotOnIndependentDisk); !ok {
		t.Fatalf("memory snapshot with an independent disk: %T", tf)
	}
	tk, err = vm.CreateSnapshot(ctx, "disk-only", "", false, false)
	must(t, err)
	must(t, tk.Wait(ctx))
	// A quiesced snapshot of a running VM needs its tools.
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "vms": []any{map[string]any{"name": "node-b", "guest": map[string]any{"toolsRunning": false}}}}}})
	nodeB := vmNamed(t, ctx, c, "node-b")
	if f := taskFault(t, ctx)(nodeB.CreateSnapshot(ctx, "q", "", false, true)); f == nil {
		t.Fatal("no fault")
	} else if _, ok := f.(*types.ToolsUnavailable); !ok {
		t.Fatalf("quiesced snapshot without tools: %T", f)
	}
}

// A VM snapshot holding a CNS disk locks it to its node: CNS cannot detach or extend it.
func TestVMSnapshotLocksCnsVolume(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-c")
	id := attachNewVolume(t, ctx, c, vm, "pvc-locked")
	tk, err := vm.CreateSnapshot(ctx, "with-pv", "", false, false)
	must(t, err)
	must(t, tk.Wait(ctx))

	cc, err := cns.NewClient(ctx, c)
	must(t, err)
	res := cnsResult(t, ctx)(cc.DetachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: cnstypes.CnsVolumeId{Id: id}, Vm: vm.Reference()}}))
	f := res.GetCnsVolumeOperationResult().Fault
	if f == nil {
		t.Fatal("detached a volume a snapshot holds")
	}
	if cf, ok := f.Fault.(*cnstypes.CnsFault); !ok || cf.FaultCause == nil {
		t.Fatalf("detach fault %T %+v", f.Fault, f.Fault)
	} else if _, ok := cf.FaultCause.Fault.(*types.InvalidDeviceSpec); !ok {
		t.Fatalf("detach fault cause %T", cf.FaultCause.Fault)
	}
	res = cnsResult(t, ctx)(cc.ExtendVolume(ctx, []cnstypes.CnsVolumeExtendSpec{{VolumeId: cnstypes.CnsVolumeId{Id: id}, CapacityInMb: 2048}}))
	if res.GetCnsVolumeOperationResult().Fault == nil {
		t.Fatal("extended a volume a snapshot holds")
	}
	tk, err = vm.RemoveAllSnapshot(ctx, nil)
	must(t, err)
	must(t, tk.Wait(ctx))
	res = cnsResult(t, ctx)(cc.DetachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: cnstypes.CnsVolumeId{Id: id}, Vm: vm.Reference()}}))
	if f := res.GetCnsVolumeOperationResult().Fault; f != nil {
		t.Fatalf("detach after the snapshots went: %s", f.LocalizedMessage)
	}
}

func cnsResult(t *testing.T, ctx context.Context) func(*object.Task, error) cnstypes.BaseCnsVolumeOperationResult {
	return func(tk *object.Task, err error) cnstypes.BaseCnsVolumeOperationResult {
		t.Helper()
		must(t, err)
		info, err := tk.WaitForResult(ctx)
		must(t, err)
		r, err := cns.GetTaskResult(ctx, info)
		must(t, err)
		return r
	}
}

// ReconfigVM_Task on a running VM: CPU and memory only as far as hot-add allows.
func TestReconfigureHotAddChecks(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-a")
	f := taskFault(t, ctx)(vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 8}))
	if _, ok := f.(*types.CpuHotPlugNotSupported); !ok {
		t.Fatalf("more CPUs while on: %T", f)
	}
	f = taskFault(t, ctx)(vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{MemoryMB: 32768}))
	if _, ok := f.(*types.MemoryHotPlugNotSupported); !ok {
		t.Fatalf("more memory while on: %T", f)
	}
	f = taskFault(t, ctx)(vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{CpuHotAddEnabled: types.NewBool(true)}))
	if _, ok := f.(*types.InvalidPowerState); !ok {
		t.Fatalf("switching hot-add on while on: %T", f)
	}
	// Off: enable hot-add; on again: CPUs and memory grow, memory still cannot shrink.
	tk, err := vm.PowerOff(ctx)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{CpuHotAddEnabled: types.NewBool(true), MemoryHotAddEnabled: types.NewBool(true)})
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.PowerOn(ctx)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 8, MemoryMB: 32768})
	must(t, err)
	must(t, tk.Wait(ctx))
	if m := vmState(t, ctx, vm); m.Config.Hardware.NumCPU != 8 || m.Config.Hardware.MemoryMB != 32768 || !*m.Config.CpuHotAddEnabled {
		t.Fatalf("hot-added: cpu %d mem %d", m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB)
	}
	f = taskFault(t, ctx)(vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{MemoryMB: 16384}))
	if _, ok := f.(*types.MemoryHotPlugNotSupported); !ok {
		t.Fatalf("less memory while on: %T", f)
	}
}

// govc vm.migrate: vMotion to another host, storage vMotion, and the refusals.
func TestRelocateVM(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	// A datastore only esxi-3 mounts.
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "clusters": []any{map[string]any{"name": "cluster1", "hosts": []any{map[string]any{"name": "esxi-3.fauxcloud.local"}}}}, "datastores": []any{map[string]any{"name": "local-3", "type": "VMFS", "capacityGB": 100, "hosts": []any{"esxi-3.fauxcloud.local"}}}}}})
	f := find.NewFinder(c, true)
	vm := vmNamed(t, ctx, c, "node-a")
	host3, err := f.HostSystem(ctx, "/dc1/host/cluster1/esxi-3.fauxcloud.local")
	must(t, err)
	local, err := f.Datastore(ctx, "/dc1/datastore/local-3")
	must(t, err)
	vmfs, err := f.Datastore(ctx, "/dc1/datastore/datastore1")
	must(t, err)
	hostRef, localRef, vmfsRef := host3.Reference(), local.Reference(), vmfs.Reference()

	// esxi-1 does not mount local-3.
	fault := taskFault(t, ctx)(vm.Relocate(ctx, types.VirtualMachineRelocateSpec{Datastore: &localRef}, types.VirtualMachineMovePriorityDefaultPriority))
	if _, ok := fault.(*types.DatastoreNotWritableOnHost); !ok {
		t.Fatalf("storage vMotion to an unmounted datastore: %T", fault)
	}
	// Storage vMotion to datastore1: the home and the disk move (a snapshot's disks too: reverting
	// to one taken before the move keeps them on datastore1).
	tk, err := vm.CreateSnapshot(ctx, "pre-move", "", true, false)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.Relocate(ctx, types.VirtualMachineRelocateSpec{Datastore: &vmfsRef}, types.VirtualMachineMovePriorityDefaultPriority)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.RevertToSnapshot(ctx, "pre-move", false)
	must(t, err)
	must(t, tk.Wait(ctx))
	tk, err = vm.RemoveAllSnapshot(ctx, nil)
	must(t, err)
	must(t, tk.Wait(ctx))
	m := vmState(t, ctx, vm)
	if len(m.Datastore) != 1 || m.Datastore[0] != vmfsRef || m.Config.Files.VmPathName != "[datastore1] node-a/node-a.vmx" {
		t.Fatalf("after storage vMotion: %v %s", m.Datastore, m.Config.Files.VmPathName)
	}
	for _, d := range disks(t, ctx, vm) {
		if b := d.Backing.(*types.VirtualDiskFlatVer2BackingInfo); b.Datastore == nil || *b.Datastore != vmfsRef {
			t.Fatalf("disk left on %v (%s)", b.Datastore, b.FileName)
		}
	}
	// vMotion and storage vMotion at once, running: onto esxi-3 and local-3.
	tk, err = vm.Relocate(ctx, types.VirtualMachineRelocateSpec{Host: &hostRef, Datastore: &localRef}, types.VirtualMachineMovePriorityHighPriority)
	must(t, err)
	must(t, tk.Wait(ctx))
	if m = vmState(t, ctx, vm); *m.Runtime.Host != hostRef || m.Datastore[0] != localRef || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("after vMotion: host %v ds %v power %s", m.Runtime.Host, m.Datastore, m.Runtime.PowerState)
	}
	// Back to esxi-1 without moving storage: esxi-1 cannot see local-3.
	host1, err := f.HostSystem(ctx, "/dc1/host/cluster1/esxi-1.fauxcloud.local")
	must(t, err)
	h1 := host1.Reference()
	fault = taskFault(t, ctx)(vm.Relocate(ctx, types.VirtualMachineRelocateSpec{Host: &h1}, types.VirtualMachineMovePriorityDefaultPriority))
	if _, ok := fault.(*types.DatastoreNotWritableOnHost); !ok {
		t.Fatalf("vMotion to a host without the datastore: %T", fault)
	}
	// A CNS disk counts too: node-c (on esxi-3) with a volume on local-3 cannot leave esxi-3.
	cc, err := cns.NewClient(ctx, c)
	must(t, err)
	nodeC := vmNamed(t, ctx, c, "node-c")
	vol := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{Name: "pvc-local", VolumeType: "BLOCK", Datastores: []types.ManagedObjectReference{localRef},
		Metadata:             cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}},
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}}})
	if r := cnsResult(t, ctx)(cc.AttachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: vol.VolumeId, Vm: nodeC.Reference()}})); r.GetCnsVolumeOperationResult().Fault != nil {
		t.Fatal(r.GetCnsVolumeOperationResult().Fault.LocalizedMessage)
	}
	fault = taskFault(t, ctx)(nodeC.Relocate(ctx, types.VirtualMachineRelocateSpec{Host: &h1}, types.VirtualMachineMovePriorityDefaultPriority))
	if f, ok := fault.(*types.DatastoreNotWritableOnHost); !ok || f.Name != "local-3" {
		t.Fatalf("vMotion away from a CNS disk's datastore: %T %+v", fault, fault)
	}
	// A host in maintenance mode takes no VMs.
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "clusters": []any{map[string]any{"name": "cluster1", "hosts": []any{map[string]any{"name": "esxi-2.fauxcloud.local", "inMaintenanceMode": true}}}}}}})
	host2, err := f.HostSystem(ctx, "/dc1/host/cluster1/esxi-2.fauxcloud.local")
	must(t, err)
	h2 := host2.Reference()
	nodeB := vmNamed(t, ctx, c, "node-c")
	fault = taskFault(t, ctx)(nodeB.Relocate(ctx, types.VirtualMachineRelocateSpec{Host: &h2}, types.VirtualMachineMovePriorityDefaultPriority))
	if _, ok := fault.(*types.InvalidHostState); !ok {
		t.Fatalf("vMotion to a host in maintenance: %T", fault)
	}
}
