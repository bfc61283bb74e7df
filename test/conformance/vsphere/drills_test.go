package vsphere_test

import (
	"net/url"
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/pbm"
	pbmmethods "github.com/vmware/govmomi/pbm/methods"
	pbmtypes "github.com/vmware/govmomi/pbm/types"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func loadScenario(t *testing.T, name string) {
	t.Helper()
	admin().Must(t).Call("PUT", "/_fauxcloud/scenario", map[string]any{"name": name})
	t.Cleanup(func() { admin().Must(t).Call("PUT", "/_fauxcloud/scenario", map[string]any{"name": "default"}) })
}

// vsphere-session-expiry: mid-flow the session is gone; govmomi sees NotAuthenticated, its session
// manager reports no session, and a new login carries on, as the CPI's Connect does.
func TestDrillSessionExpiry(t *testing.T) {
	loadScenario(t, "vsphere-session-expiry")
	ctx := testContext(t)
	c := newClient(t, ctx)
	m := session.NewManager(c)
	if err := m.Login(ctx, url.UserPassword(user, password)); err != nil {
		t.Fatal(err)
	}
	pc := property.DefaultCollector(c)
	var err error
	reads := 0
	for ; reads < 10 && err == nil; reads++ {
		var f mo.Folder
		err = pc.RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"name"}, &f)
	}
	if !fault.Is(err, &types.NotAuthenticated{}) || reads != 6 {
		t.Fatalf("after %d reads: %v, want NotAuthenticated on the sixth", reads, err)
	}
	if s, err := m.UserSession(ctx); err != nil || s != nil {
		t.Fatalf("the expired session is still there: %v, %v", s, err)
	}
	if err := m.Login(ctx, url.UserPassword(user, password)); err != nil {
		t.Fatal(err)
	}
	if _, err := find.NewFinder(c, true).VirtualMachineList(ctx, "/dc1/vm/*"); err != nil {
		t.Fatalf("after logging in again: %v", err)
	}
}

// vsphere-task-stuck: the first power-off task stays running; CancelTask ends it in error
// (RequestCanceled) and the VM keeps its power state.
func TestDrillTaskStuckRunning(t *testing.T) {
	loadScenario(t, "vsphere-task-stuck")
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-a")
	tk, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tm mo.Task
	for i := 0; i < 3; i++ {
		if err := property.DefaultCollector(c).RetrieveOne(ctx, tk.Reference(), []string{"info"}, &tm); err != nil {
			t.Fatal(err)
		}
		if tm.Info.State != types.TaskInfoStateRunning {
			t.Fatalf("the stuck task is %s", tm.Info.State)
		}
	}
	if err := tk.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	err = tk.Wait(ctx)
	if terr, ok := err.(task.Error); !ok || !fault.Is(err, &types.RequestCanceled{}) {
		t.Fatalf("cancelled task: %v (%T), want RequestCanceled", err, terr)
	}
	if s := powerState(t, ctx, vm); s != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("a cancelled power-off changed the VM to %s", s)
	}
}

// A datastore that becomes inaccessible (the admin seed call flips it, as a storage outage would):
// its summary says so, PBM stops matching it, and CNS refuses to place a volume on it with a
// per-volume fault inside a successful task.
func TestDrillDatastoreBecomesInaccessible(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	ds, err := find.NewFinder(c, true).Datastore(ctx, "/dc1/datastore/vsanDatastore")
	if err != nil {
		t.Fatal(err)
	}
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "datastores": []any{map[string]any{"name": "vsanDatastore", "accessible": false}}}}})
	var m mo.Datastore
	if err := ds.Properties(ctx, ds.Reference(), []string{"summary"}, &m); err != nil {
		t.Fatal(err)
	}
	if m.Summary.Accessible {
		t.Fatal("the datastore is still accessible")
	}
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := cc.CreateVolume(ctx, []cnstypes.CnsVolumeCreateSpec{{
		Name: "pvc-x", VolumeType: "BLOCK", Datastores: []types.ManagedObjectReference{ds.Reference()},
		Metadata:             cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud"}},
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := tk.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cns.GetTaskResult(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if res.GetCnsVolumeOperationResult().Fault == nil {
		t.Fatal("a volume was placed on an inaccessible datastore")
	}
	pc, err := pbm.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	id, err := pc.ProfileIDByName(ctx, "vSAN Default Storage Policy")
	if err != nil {
		t.Fatal(err)
	}
	hub := []pbmtypes.PbmPlacementHub{{HubType: "Datastore", HubId: ds.Reference().Value}}
	r, err := pbmmethods.PbmQueryMatchingHub(ctx, pc, &pbmtypes.PbmQueryMatchingHub{This: pc.ServiceContent.PlacementSolver, HubsToSearch: hub, Profile: pbmtypes.PbmProfileId{UniqueId: id}})
	if err != nil || len(r.Returnval) != 0 {
		t.Fatalf("PBM still matches the inaccessible datastore: %+v, %v", r, err)
	}
}

// Faults as data, by method and object (vcsim's FaultInjectionRule as a fauxcloud rule): power
// operations on node-b answer InvalidState twice; node-a is untouched; the third call works.
func TestFaultRuleByMethodAndObject(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	admin().Must(t).Call("POST", "/_fauxcloud/faults", map[string]any{
		"name":  "node-b-power-refused",
		"match": map[string]any{"cloud": "vsphere", "operation": "PowerO*VM_Task", "resource": map[string]any{"tags": map[string]any{"type": "VirtualMachine", "name": "node-b"}}, "times": 2},
		"error": map[string]any{"code": "InvalidState", "message": "The operation is not allowed in the current state."},
	})
	defer admin().Must(t).Call("DELETE", "/_fauxcloud/faults", nil)
	b := vmNamed(t, ctx, c, "node-b")
	for i := 0; i < 2; i++ {
		if _, err := b.PowerOff(ctx); !fault.Is(err, &types.InvalidState{}) {
			t.Fatalf("call %d on node-b: %v, want InvalidState", i+1, err)
		}
	}
	a := vmNamed(t, ctx, c, "node-a")
	tk, err := a.PowerOff(ctx)
	if err != nil {
		t.Fatalf("node-a: %v", err)
	}
	harnessWait(t, ctx, tk)
	tk, err = b.PowerOff(ctx)
	if err != nil {
		t.Fatalf("third call on node-b: %v", err)
	}
	harnessWait(t, ctx, tk)
}

// A scenario rule on vim25 methods govmomi calls with no object of the caller's (CurrentTime on
// ServiceInstance, RetrievePropertiesEx on the default property collector) fires: govmomi gets
// the SystemError fault, the journal names the rule, and once spent the calls succeed again.
func TestFaultRuleOnCurrentTimeAndPropertyCollector(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	admin().Must(t).Call("POST", "/_fauxcloud/faults", map[string]any{
		"name":  "vc-busy",
		"match": map[string]any{"cloud": "vsphere", "operation": "{CurrentTime,RetrievePropertiesEx}", "times": 2},
		"error": "SystemError",
	})
	defer admin().Must(t).Call("DELETE", "/_fauxcloud/faults", nil)
	if _, err := methods.GetCurrentTime(ctx, c); !fault.Is(err, &types.SystemError{}) {
		t.Fatalf("CurrentTime: %v, want SystemError", err)
	}
	var root mo.Folder
	pc := property.DefaultCollector(c)
	if err := pc.RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"name"}, &root); !fault.Is(err, &types.SystemError{}) {
		t.Fatalf("RetrievePropertiesEx: %v, want SystemError", err)
	}
	if _, err := methods.GetCurrentTime(ctx, c); err != nil {
		t.Fatalf("CurrentTime after the rule is spent: %v", err)
	}
	if err := pc.RetrieveOne(ctx, c.ServiceContent.RootFolder, []string{"name"}, &root); err != nil || root.Name == "" {
		t.Fatalf("RetrievePropertiesEx after the rule is spent: %v %q", err, root.Name)
	}
}

// vsphere-cns-attach-stuck: the first CNS attach task stays running; the VM gains no disk until
// it finishes, and a cancelled one leaves the volume detached so a retry attaches it.
func TestDrillCnsAttachStuck(t *testing.T) {
	loadScenario(t, "vsphere-cns-attach-stuck")
	ctx := testContext(t)
	c := login(t, ctx)
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	vol := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-stuck", VolumeType: "BLOCK",
		Metadata:             cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud"}},
		BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}},
	})
	vm := vmNamed(t, ctx, c, "node-a")
	attach := func() *object.Task {
		tk, err := cc.AttachVolume(ctx, []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: vol.VolumeId, Vm: vm.Reference()}})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	disks := func() int {
		devs, err := vm.Device(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(devs.SelectByType((*types.VirtualDisk)(nil)))
	}
	stuck := attach()
	var tm mo.Task
	if err := property.DefaultCollector(c).RetrieveOne(ctx, stuck.Reference(), []string{"info"}, &tm); err != nil || tm.Info.State != types.TaskInfoStateRunning {
		t.Fatalf("the attach task is %s (%v), want running", tm.Info.State, err)
	}
	if n := disks(); n != 1 {
		t.Fatalf("node-a has %d disks while the attach is stuck", n)
	}
	if err := stuck.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stuck.Wait(ctx); !fault.Is(err, &types.RequestCanceled{}) {
		t.Fatalf("cancelled attach: %v", err)
	}
	info, err := attach().WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cns.GetTaskResult(ctx, info)
	if err != nil || res.(*cnstypes.CnsVolumeAttachResult).DiskUUID == "" {
		t.Fatalf("retried attach: %+v, %v", res, err)
	}
	if n := disks(); n != 2 {
		t.Fatalf("node-a has %d disks after the retry", n)
	}
}
