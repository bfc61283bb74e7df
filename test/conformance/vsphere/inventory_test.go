package vsphere_test

import (
	"sort"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func names[T interface{ Name() string }](objs []T) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Name()
	}
	sort.Strings(out)
	return out
}

func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The finder walks the inventory with traversal specs, as the CPI (datacenters, "*/*" hosts)
// and the CSI driver (datastores, VMs) do.
func TestFinderListsTheDefaultInventory(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	f := find.NewFinder(c, true)
	dcs, err := f.DatacenterList(ctx, "*")
	if err != nil || !same(names(dcs), []string{"dc1"}) {
		t.Fatalf("datacenters = %v, %v", names(dcs), err)
	}
	f.SetDatacenter(dcs[0])
	vms, err := f.VirtualMachineList(ctx, "*")
	if err != nil || !same(names(vms), []string{"node-a", "node-b", "node-c"}) {
		t.Fatalf("VMs = %v, %v", names(vms), err)
	}
	hosts, err := f.HostSystemList(ctx, "*/*")
	if err != nil || len(hosts) != 3 {
		t.Fatalf("hosts = %v, %v", names(hosts), err)
	}
	clusters, err := f.ClusterComputeResourceList(ctx, "*")
	if err != nil || !same(names(clusters), []string{"cluster1"}) {
		t.Fatalf("clusters = %v, %v", names(clusters), err)
	}
	nets, err := f.NetworkList(ctx, "*")
	if err != nil || len(nets) != 1 {
		t.Fatalf("networks = %v, %v", nets, err)
	}
	dss, err := f.DatastoreList(ctx, "*")
	if err != nil || !same(names(dss), []string{"datastore1", "vsanDatastore"}) {
		t.Fatalf("datastores = %v, %v", names(dss), err)
	}
	// Datastore.info is polymorphic: its xsi:type must pick the Go type.
	var ds []mo.Datastore
	refs := []types.ManagedObjectReference{dss[0].Reference(), dss[1].Reference()}
	if err := property.DefaultCollector(c).Retrieve(ctx, refs, []string{"info", "summary"}, &ds); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		switch info := d.Info.(type) {
		case *types.VsanDatastoreInfo:
			if d.Summary.Type != "vsan" || info.Url == "" {
				t.Errorf("vSAN datastore summary %+v info %+v", d.Summary, info)
			}
		case *types.VmfsDatastoreInfo:
			if d.Summary.Type != "VMFS" || info.Vmfs == nil || info.Url != d.Summary.Url {
				t.Errorf("VMFS datastore summary %+v info %+v", d.Summary, info)
			}
		default:
			t.Errorf("datastore %s info is %T", d.Summary.Name, d.Info)
		}
	}
	// An NFS datastore added at run time: NasDatastoreInfo with its remote host and path.
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "datastores": []any{map[string]any{"name": "nfs1", "type": "NFS", "remoteHost": "filer.fauxcloud.local", "remotePath": "/exports/k8s"}}}}})
	nfs, err := f.Datastore(ctx, "nfs1")
	if err != nil {
		t.Fatal(err)
	}
	var nfsMo mo.Datastore
	if err := nfs.Properties(ctx, nfs.Reference(), []string{"info", "summary"}, &nfsMo); err != nil {
		t.Fatal(err)
	}
	if info, ok := nfsMo.Info.(*types.NasDatastoreInfo); !ok || info.Nas == nil || info.Nas.RemoteHost != "filer.fauxcloud.local" || info.Url == "" || nfsMo.Summary.Type != "NFS" {
		t.Fatalf("NFS datastore info %T %+v summary %+v", nfsMo.Info, nfsMo.Info, nfsMo.Summary)
	}
	// VM → host → cluster → datacenter, as the CPI's zone lookup walks it.
	vm, err := f.VirtualMachine(ctx, "node-b")
	if err != nil {
		t.Fatal(err)
	}
	host, err := vm.HostSystem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	anc, err := mo.Ancestors(ctx, c, c.ServiceContent.PropertyCollector, host.Reference())
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, a := range anc {
		path = append(path, a.Name)
	}
	if len(path) != 5 || path[1] != "dc1" || path[3] != "cluster1" || path[4] != "esxi-2.fauxcloud.local" {
		t.Fatalf("ancestors of node-b's host = %v", path)
	}
	if _, err := object.NewSearchIndex(c).FindByInventoryPath(ctx, "/dc1/host/cluster1/esxi-2.fauxcloud.local"); err != nil {
		t.Fatal(err)
	}
}

// What the CPI reads of a node VM (vm.Properties(guest, summary, config)) and the paging govmomi
// follows with ContinueRetrievePropertiesEx.
func TestRetrieveVMPropertiesWithPaging(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	f := find.NewFinder(c, true)
	vms, err := f.VirtualMachineList(ctx, "/dc1/vm/*")
	if err != nil {
		t.Fatal(err)
	}
	var vm mo.VirtualMachine
	if err := vms[0].Properties(ctx, vms[0].Reference(), []string{"guest", "summary", "config"}, &vm); err != nil {
		t.Fatal(err)
	}
	if vm.Summary.Config.Uuid == "" || vm.Config.Uuid != vm.Summary.Config.Uuid || vm.Summary.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("summary = %+v", vm.Summary)
	}
	if vm.Guest == nil || vm.Guest.HostName == "" || len(vm.Guest.Net) != 1 || len(vm.Guest.Net[0].IpAddress) != 1 {
		t.Fatalf("guest = %+v", vm.Guest)
	}
	found := false
	for _, o := range vm.Config.ExtraConfig {
		if ov := o.GetOptionValue(); ov.Key == "disk.EnableUUID" && ov.Value == "TRUE" {
			found = true
		}
	}
	if !found || len(vm.Config.Hardware.Device) == 0 {
		t.Fatalf("extraConfig %v, %d devices", vm.Config.ExtraConfig, len(vm.Config.Hardware.Device))
	}

	// One object per page: a token per page until the last.
	pc := property.DefaultCollector(c)
	req := types.RetrievePropertiesEx{
		This: pc.Reference(),
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{Obj: vms[0].Reference()}, {Obj: vms[1].Reference()}, {Obj: vms[2].Reference()}},
			PropSet:   []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name", "summary.runtime.powerState", "config.uuid"}}},
		}},
		Options: types.RetrieveOptions{MaxObjects: 1},
	}
	res, err := methods.RetrievePropertiesEx(ctx, c, &req)
	if err != nil {
		t.Fatal(err)
	}
	pages := 1
	for page := res.Returnval; page.Token != ""; pages++ {
		if len(page.Objects) != 1 {
			t.Fatalf("page %d has %d objects", pages, len(page.Objects))
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{This: pc.Reference(), Token: page.Token})
		if err != nil {
			t.Fatal(err)
		}
		page = &next.Returnval
	}
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	// govmomi's Retrieve follows the tokens itself.
	var all []mo.VirtualMachine
	if err := pc.Retrieve(ctx, []types.ManagedObjectReference{vms[0].Reference(), vms[1].Reference(), vms[2].Reference()}, []string{"name", "summary.runtime.powerState"}, &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("retrieved %d VMs", len(all))
	}
	// Every property at once (PropertySpec.all), for each type the finder lists.
	var full mo.VirtualMachine
	if err := pc.RetrieveOne(ctx, vms[0].Reference(), nil, &full); err != nil || full.Config == nil || full.Name == "" {
		t.Fatalf("all properties of a VM: %v", err)
	}
	var fullHost mo.HostSystem
	host, err := vms[0].HostSystem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.RetrieveOne(ctx, host.Reference(), nil, &fullHost); err != nil || fullHost.Summary.Config.Name == "" {
		t.Fatalf("all properties of a host: %v", err)
	}
	// A property the type does not have is InvalidProperty.
	var bad mo.VirtualMachine
	if err := vms[0].Properties(ctx, vms[0].Reference(), []string{"summary.nope"}, &bad); err == nil {
		t.Fatal("an unknown property path was accepted")
	}
}
