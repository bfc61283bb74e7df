package vsphere_test

import (
	"context"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Container views over the root folder, as the CSI driver lists VMs and hosts.
func TestContainerAndListViews(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	m := view.NewManager(c)
	cv, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer cv.Destroy(ctx)
	var vms []mo.VirtualMachine
	if err := cv.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "summary.config.uuid"}, &vms); err != nil {
		t.Fatal(err)
	}
	if len(vms) != 3 {
		t.Fatalf("container view has %d VMs", len(vms))
	}
	hv, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"HostSystem"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer hv.Destroy(ctx)
	hosts, err := hv.Find(ctx, []string{"HostSystem"}, nil)
	if err != nil || len(hosts) != 3 {
		t.Fatalf("hosts = %v, %v", hosts, err)
	}
	// A list view the CSI driver fills with task references.
	lv, err := m.CreateListView(ctx, []types.ManagedObjectReference{vms[0].Self})
	if err != nil {
		t.Fatal(err)
	}
	defer lv.Destroy(ctx)
	bogus := types.ManagedObjectReference{Type: "Task", Value: "task-999999"}
	unresolved, err := lv.Add(ctx, []types.ManagedObjectReference{vms[1].Self, bogus})
	if err != nil || len(unresolved) != 1 || unresolved[0].Value != bogus.Value {
		t.Fatalf("ModifyListView add = %v, %v", unresolved, err)
	}
	if _, err := lv.Remove(ctx, []types.ManagedObjectReference{vms[0].Self}); err != nil {
		t.Fatal(err)
	}
	var lvm mo.ListView
	if err := property.DefaultCollector(c).RetrieveOne(ctx, lv.Reference(), []string{"view"}, &lvm); err != nil {
		t.Fatal(err)
	}
	if len(lvm.View) != 1 || lvm.View[0].Value != vms[1].Self.Value {
		t.Fatalf("list view holds %v", lvm.View)
	}
}

// WaitForUpdatesEx reports the initial state, then blocks until a property changes: a power-off
// through the API, and guest IPs changed through fauxcloud's admin seed call.
func TestWaitForUpdatesSeesChanges(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-b")
	pc, err := property.DefaultCollector(c).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy(context.Background())

	type seen struct {
		power string
		ip    string
	}
	updates := make(chan seen, 16)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	filter := new(property.WaitFilter).Add(vm.Reference(), "VirtualMachine", []string{"runtime.powerState", "guest.ipAddress"})
	done := make(chan error, 1)
	go func() {
		var cur seen
		done <- property.WaitForUpdatesEx(wctx, pc, filter, func(us []types.ObjectUpdate) bool {
			for _, u := range us {
				for _, ch := range u.ChangeSet {
					switch ch.Name {
					case "runtime.powerState":
						cur.power = string(ch.Val.(types.VirtualMachinePowerState))
					case "guest.ipAddress":
						if ch.Val == nil {
							cur.ip = ""
						} else {
							cur.ip = ch.Val.(string)
						}
					}
				}
			}
			updates <- cur
			return false
		})
	}()
	next := func(what string) seen {
		select {
		case s := <-updates:
			return s
		case <-time.After(10 * time.Second):
			t.Fatalf("no update for %s", what)
		}
		return seen{}
	}
	if s := next("initial state"); s.power != "poweredOn" || s.ip != "10.20.0.12" {
		t.Fatalf("initial = %+v", s)
	}
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "vms": []any{map[string]any{"name": "node-b", "guest": map[string]any{"ips": []string{"10.20.0.42"}}}}}}})
	if s := next("guest IP change"); s.ip != "10.20.0.42" {
		t.Fatalf("after the IP change = %+v", s)
	}
	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	harnessWait(t, ctx, task)
	for {
		s := next("power off")
		if s.power == "poweredOff" {
			break
		}
	}
	stop()
	<-done
}
