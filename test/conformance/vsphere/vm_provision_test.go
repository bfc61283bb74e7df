package vsphere_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// createVM is govc vm.create: a paravirtual SCSI controller, a new thin disk, a vmxnet3 NIC on
// "VM Network", placed in the cluster's pool with its home on a datastore.
func createVM(t *testing.T, ctx context.Context, c *vim25.Client, name string, diskKB int64) *object.VirtualMachine {
	t.Helper()
	f := find.NewFinder(c, true)
	dc, err := f.Datacenter(ctx, "dc1")
	must(t, err)
	f.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	must(t, err)
	pool, err := f.ResourcePool(ctx, "/dc1/host/cluster1/Resources")
	must(t, err)
	ds, err := f.Datastore(ctx, "datastore1")
	must(t, err)
	net, err := f.Network(ctx, "VM Network")
	must(t, err)

	var devices object.VirtualDeviceList
	scsi, err := devices.CreateSCSIController("pvscsi")
	must(t, err)
	devices = append(devices, scsi)
	disk := devices.CreateDisk(scsi.(types.BaseVirtualController), ds.Reference(), "")
	disk.CapacityInKB = diskKB
	devices = append(devices, disk)
	backing, err := net.EthernetCardBackingInfo(ctx)
	must(t, err)
	nic, err := object.EthernetCardTypes().CreateEthernetCard("vmxnet3", backing)
	must(t, err)
	devices = append(devices, nic)
	deviceChange, err := devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	must(t, err)
	spec := types.VirtualMachineConfigSpec{
		Name:         name,
		GuestId:      string(types.VirtualMachineGuestOsIdentifierUbuntu64Guest),
		NumCPUs:      2,
		MemoryMB:     2048,
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[datastore1]"},
		DeviceChange: deviceChange,
	}
	task, err := folders.VmFolder.CreateVM(ctx, spec, pool, nil)
	must(t, err)
	info, err := task.WaitForResult(ctx)
	must(t, err)
	return object.NewVirtualMachine(c, info.Result.(types.ManagedObjectReference))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func vmState(t *testing.T, ctx context.Context, vm *object.VirtualMachine) mo.VirtualMachine {
	t.Helper()
	var m mo.VirtualMachine
	must(t, vm.Properties(ctx, vm.Reference(), []string{"name", "config", "summary", "runtime", "datastore", "network"}, &m))
	return m
}

func disks(t *testing.T, ctx context.Context, vm *object.VirtualMachine) []*types.VirtualDisk {
	t.Helper()
	devices, err := vm.Device(ctx)
	must(t, err)
	var out []*types.VirtualDisk
	for _, d := range devices.SelectByType((*types.VirtualDisk)(nil)) {
		out = append(out, d.(*types.VirtualDisk))
	}
	return out
}

// Create, reconfigure (CPU, memory, extraConfig; a disk added, grown, refused to shrink, removed;
// the NIC swapped), power on and off, destroy: govc vm.create, vm.change, vm.disk.*, vm.network.*.
func TestVMCreateReconfigureDestroy(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := createVM(t, ctx, c, "web-1", 10*1024*1024)

	m := vmState(t, ctx, vm)
	if m.Name != "web-1" || m.Config.Hardware.NumCPU != 2 || m.Config.Hardware.MemoryMB != 2048 || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
		t.Fatalf("created VM: name %q cpu %d mem %d power %s", m.Name, m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB, m.Runtime.PowerState)
	}
	if m.Config.Uuid == "" || m.Config.GuestId != "ubuntu64Guest" || m.Summary.Config.VmPathName != "[datastore1] web-1/web-1.vmx" || len(m.Datastore) != 1 || len(m.Network) != 1 {
		t.Fatalf("created VM: uuid %q guest %q path %q datastores %v networks %v", m.Config.Uuid, m.Config.GuestId, m.Summary.Config.VmPathName, m.Datastore, m.Network)
	}
	d := disks(t, ctx, vm)
	if len(d) != 1 || d[0].CapacityInKB != 10*1024*1024 || d[0].Backing.(*types.VirtualDiskFlatVer2BackingInfo).FileName != "[datastore1] web-1/web-1.vmdk" {
		t.Fatalf("disks after create: %+v", d)
	}
	devices, err := vm.Device(ctx)
	must(t, err)
	nics := devices.SelectByType((*types.VirtualEthernetCard)(nil))
	if len(nics) != 1 || nics[0].GetVirtualDevice().UnitNumber == nil || nics[0].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard().MacAddress == "" {
		t.Fatalf("NICs after create: %+v", nics)
	}
	// vm.change: CPU, memory, extraConfig (an empty value removes a key).
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 4, MemoryMB: 8192, ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: "disk.EnableUUID", Value: "TRUE"}, &types.OptionValue{Key: "guestinfo.role", Value: "web"},
	}})
	must(t, err)
	must(t, task.Wait(ctx))
	task, err = vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{&types.OptionValue{Key: "guestinfo.role", Value: ""}}})
	must(t, err)
	must(t, task.Wait(ctx))
	m = vmState(t, ctx, vm)
	extra := map[string]string{}
	for _, o := range m.Config.ExtraConfig {
		extra[o.GetOptionValue().Key] = o.GetOptionValue().Value.(string)
	}
	if m.Config.Hardware.NumCPU != 4 || m.Config.Hardware.MemoryMB != 8192 || extra["disk.EnableUUID"] != "TRUE" || extra["guestinfo.role"] != "" || m.Config.Flags.DiskUuidEnabled == nil || !*m.Config.Flags.DiskUuidEnabled {
		t.Fatalf("after vm.change: cpu %d mem %d extraConfig %v", m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB, extra)
	}
	// A CPU count that is not a multiple of the cores per socket fails the task.
	task, err = vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 3, NumCoresPerSocket: 2})
	must(t, err)
	if err := task.Wait(ctx); err == nil || !strings.Contains(err.Error(), "cores per socket") {
		t.Fatalf("3 CPUs at 2 cores per socket: %v", err)
	}

	// vm.disk.create: a second disk on the same controller, a unit of its own.
	devices, err = vm.Device(ctx)
	must(t, err)
	ctrl, err := devices.FindDiskController("scsi")
	must(t, err)
	disk := devices.CreateDisk(ctrl, types.ManagedObjectReference{}, "")
	disk.CapacityInKB = 1024 * 1024
	must(t, vm.AddDevice(ctx, disk))
	d = disks(t, ctx, vm)
	if len(d) != 2 || *d[1].UnitNumber == *d[0].UnitNumber || d[1].Backing.(*types.VirtualDiskFlatVer2BackingInfo).FileName != "[datastore1] web-1/web-1_1.vmdk" {
		t.Fatalf("disks after vm.disk.create: %d, second %+v", len(d), d[len(d)-1].Backing)
	}
	// vm.disk.change: grow; shrinking is refused.
	grown := *d[1]
	grown.CapacityInKB = 2 * 1024 * 1024
	grown.CapacityInBytes = 0
	must(t, vm.EditDevice(ctx, &grown))
	if d = disks(t, ctx, vm); d[1].CapacityInKB != 2*1024*1024 || d[1].CapacityInBytes != 2*1024*1024*1024 {
		t.Fatalf("grown disk: %d KB, %d bytes", d[1].CapacityInKB, d[1].CapacityInBytes)
	}
	shrunk := *d[1]
	shrunk.CapacityInKB = 1024
	shrunk.CapacityInBytes = 0
	if err := vm.EditDevice(ctx, &shrunk); err == nil {
		t.Fatal("shrinking a disk succeeded")
	}
	// device.remove -keep: the second disk goes.
	must(t, vm.RemoveDevice(ctx, true, d[1]))
	if d = disks(t, ctx, vm); len(d) != 1 {
		t.Fatalf("%d disks after the remove", len(d))
	}
	// vm.network.change: swap the vmxnet3 for an e1000.
	devices, err = vm.Device(ctx)
	must(t, err)
	old := devices.SelectByType((*types.VirtualEthernetCard)(nil))
	must(t, vm.RemoveDevice(ctx, false, old...))
	net, err := find.NewFinder(c, true).Network(ctx, "/dc1/network/VM Network")
	must(t, err)
	backing, err := net.EthernetCardBackingInfo(ctx)
	must(t, err)
	e1000, err := object.EthernetCardTypes().CreateEthernetCard("e1000", backing)
	must(t, err)
	must(t, vm.AddDevice(ctx, e1000))
	devices, err = vm.Device(ctx)
	must(t, err)
	if nics := devices.SelectByType((*types.VirtualEthernetCard)(nil)); len(nics) != 1 || devices.TypeName(nics[0]) != "VirtualE1000" {
		t.Fatalf("NICs after the swap: %v", devices.TypeName(nics[0]))
	}

	// Power on, find it by its UUID, destroy refused while on, off, destroy.
	task, err = vm.PowerOn(ctx)
	must(t, err)
	must(t, task.Wait(ctx))
	m = vmState(t, ctx, vm)
	found, err := object.NewSearchIndex(c).FindByUuid(ctx, nil, m.Config.Uuid, true, nil)
	if err != nil || found == nil || found.Reference() != vm.Reference() {
		t.Fatalf("FindByUuid(%s) = %v, %v", m.Config.Uuid, found, err)
	}
	task, err = vm.Destroy(ctx)
	must(t, err)
	if err := task.Wait(ctx); err == nil {
		t.Fatal("destroying a powered-on VM succeeded")
	}
	task, err = vm.PowerOff(ctx)
	must(t, err)
	must(t, task.Wait(ctx))
	task, err = vm.Destroy(ctx)
	must(t, err)
	must(t, task.Wait(ctx))
	if _, err := find.NewFinder(c, true).VirtualMachine(ctx, "/dc1/vm/web-1"); err == nil {
		t.Fatal("web-1 is still found after Destroy")
	}
}

// govc vm.clone: a copy on another datastore, powered on, with its own identity; the same name
// again is DuplicateName; a template clones only with a pool and never powers on.
func TestVMCloneAndTemplate(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	src := createVM(t, ctx, c, "golden", 4*1024*1024)
	task, err := src.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{&types.OptionValue{Key: "guestinfo.image", Value: "golden"}}})
	must(t, err)
	must(t, task.Wait(ctx))

	f := find.NewFinder(c, true)
	dc, err := f.Datacenter(ctx, "dc1")
	must(t, err)
	folders, err := dc.Folders(ctx)
	must(t, err)
	vsan, err := f.Datastore(ctx, "/dc1/datastore/vsanDatastore")
	must(t, err)
	pool, err := f.ResourcePool(ctx, "/dc1/host/cluster1/Resources")
	must(t, err)
	ds := vsan.Reference()
	task, err = src.Clone(ctx, folders.VmFolder, "web-2", types.VirtualMachineCloneSpec{Location: types.VirtualMachineRelocateSpec{Datastore: &ds}, PowerOn: true, Config: &types.VirtualMachineConfigSpec{NumCPUs: 8}})
	must(t, err)
	info, err := task.WaitForResult(ctx)
	must(t, err)
	clone := object.NewVirtualMachine(c, info.Result.(types.ManagedObjectReference))
	s, cl := vmState(t, ctx, src), vmState(t, ctx, clone)
	if cl.Name != "web-2" || cl.Config.Uuid == s.Config.Uuid || cl.Config.InstanceUuid == s.Config.InstanceUuid || cl.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || cl.Config.Hardware.NumCPU != 8 || cl.Config.Hardware.MemoryMB != 2048 {
		t.Fatalf("clone: name %q uuid %q (source %q) power %s cpu %d mem %d", cl.Name, cl.Config.Uuid, s.Config.Uuid, cl.Runtime.PowerState, cl.Config.Hardware.NumCPU, cl.Config.Hardware.MemoryMB)
	}
	if cl.Summary.Config.VmPathName != "[vsanDatastore] web-2/web-2.vmx" || len(cl.Datastore) != 1 || cl.Datastore[0] != ds {
		t.Fatalf("clone home %q datastores %v", cl.Summary.Config.VmPathName, cl.Datastore)
	}
	d := disks(t, ctx, clone)
	if len(d) != 1 || d[0].CapacityInKB != 4*1024*1024 || d[0].Backing.(*types.VirtualDiskFlatVer2BackingInfo).FileName != "[vsanDatastore] web-2/web-2.vmdk" || d[0].Backing.(*types.VirtualDiskFlatVer2BackingInfo).Uuid == disks(t, ctx, src)[0].Backing.(*types.VirtualDiskFlatVer2BackingInfo).Uuid {
		t.Fatalf("clone disks: %+v", d[0].Backing)
	}
	extra := map[string]string{}
	for _, o := range cl.Config.ExtraConfig {
		extra[o.GetOptionValue().Key] = o.GetOptionValue().Value.(string)
	}
	if extra["guestinfo.image"] != "golden" {
		t.Fatalf("clone extraConfig %v", extra)
	}
	srcDev, _ := src.Device(ctx)
	cloneDev, _ := clone.Device(ctx)
	sm := srcDev.SelectByType((*types.VirtualEthernetCard)(nil))[0].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard().MacAddress
	cm := cloneDev.SelectByType((*types.VirtualEthernetCard)(nil))[0].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard().MacAddress
	if sm == cm || cm == "" {
		t.Fatalf("clone MAC %q, source %q", cm, sm)
	}

	task, err = src.Clone(ctx, folders.VmFolder, "web-2", types.VirtualMachineCloneSpec{})
	must(t, err)
	if _, err := task.WaitForResult(ctx); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a clone named like an existing VM: %v", err)
	}

	must(t, src.MarkAsTemplate(ctx))
	task, err = src.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err == nil {
		t.Fatal("a template powered on")
	}
	task, err = src.Clone(ctx, folders.VmFolder, "web-3", types.VirtualMachineCloneSpec{PowerOn: true})
	must(t, err)
	if _, err := task.WaitForResult(ctx); err == nil {
		t.Fatal("a template cloned without a pool")
	}
	pr := pool.Reference()
	task, err = src.Clone(ctx, folders.VmFolder, "web-3", types.VirtualMachineCloneSpec{Location: types.VirtualMachineRelocateSpec{Pool: &pr}})
	must(t, err)
	info, err = task.WaitForResult(ctx)
	must(t, err)
	web3 := vmState(t, ctx, object.NewVirtualMachine(c, info.Result.(types.ManagedObjectReference)))
	if web3.Config.Template || web3.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff || web3.Summary.Config.VmPathName != "[datastore1] web-3/web-3.vmx" {
		t.Fatalf("clone of the template: template %v power %s path %q", web3.Config.Template, web3.Runtime.PowerState, web3.Summary.Config.VmPathName)
	}
}

// A seeded node VM keeps its boot disk and CNS disks when reconfigured: a disk added by
// ReconfigVM_Task and a CNS volume attached afterwards get different SCSI units.
func TestReconfigureSeededVMKeepsUnitsApart(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-c")
	devices, err := vm.Device(ctx)
	must(t, err)
	ctrl, err := devices.FindDiskController("scsi")
	must(t, err)
	disk := devices.CreateDisk(ctrl, types.ManagedObjectReference{}, "")
	disk.CapacityInKB = 1024 * 1024
	must(t, vm.AddDevice(ctx, disk))
	vol := attachNewVolume(t, ctx, c, vm, "pvc-units")
	d := disks(t, ctx, vm)
	units := map[int32]bool{}
	for _, x := range d {
		units[*x.UnitNumber] = true
	}
	if len(d) != 3 || len(units) != 3 {
		t.Fatalf("node-c disks %d on units %v (CNS volume %s)", len(d), units, vol)
	}
}

// attachNewVolume creates a 1 GiB CNS block volume on vsanDatastore and attaches it to vm.
func attachNewVolume(t *testing.T, ctx context.Context, c *vim25.Client, vm *object.VirtualMachine, name string) string {
	t.Helper()
	cc, err := cns.NewClient(ctx, c)
	must(t, err)
	ds, err := find.NewFinder(c, true).Datastore(ctx, "/dc1/datastore/vsanDatastore")
	must(t, err)
	res := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name:                 name,
		VolumeType:           "BLOCK",
		Datastores:           []types.ManagedObjectReference{ds.Reference()},
		Metadata:             cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}},
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}},
	})
	task, err := cc.AttachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: res.VolumeId, Vm: vm.Reference()}})
	must(t, err)
	info, err := task.WaitForResult(ctx)
	must(t, err)
	r, err := cns.GetTaskResult(ctx, info)
	must(t, err)
	if f := r.GetCnsVolumeOperationResult().Fault; f != nil {
		t.Fatalf("attach %s: %s", name, f.LocalizedMessage)
	}
	return res.VolumeId.Id
}
