package vsphere_test

import (
	"context"
	"testing"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func vmNamed(t *testing.T, ctx context.Context, c *vim25.Client, name string) *object.VirtualMachine {
	t.Helper()
	vm, err := find.NewFinder(c, true).VirtualMachine(ctx, "/dc1/vm/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func powerState(t *testing.T, ctx context.Context, vm *object.VirtualMachine) types.VirtualMachinePowerState {
	t.Helper()
	s, err := vm.PowerState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// PowerOffVM_Task answers a Task whose info moves queued → running → success; task.Wait follows
// it with a property collector filter and WaitForUpdatesEx, as both vSphere components do.
func TestPowerOffTaskSucceeds(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-c")
	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != types.TaskInfoStateSuccess || info.DescriptionId != "VirtualMachine.powerOff" || info.Entity == nil || info.Entity.Value != vm.Reference().Value || info.CompleteTime == nil {
		t.Fatalf("task info = %+v", info)
	}
	if s := powerState(t, ctx, vm); s != types.VirtualMachinePowerStatePoweredOff {
		t.Fatalf("power state after PowerOff = %s", s)
	}
	// Powering off a powered-off VM is refused at once with InvalidPowerState.
	if _, err := vm.PowerOff(ctx); !fault.Is(err, &types.InvalidPowerState{}) {
		t.Fatalf("second PowerOff: %v, want InvalidPowerState", err)
	}
	task, err = vm.PowerOn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if s := powerState(t, ctx, vm); s != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("power state after PowerOn = %s", s)
	}
}

// A slow task (lifecycle delay) is seen queued or running before it succeeds; a task a `fail:`
// rule fails ends in error with the fault govmomi returns from Wait.
func TestSlowAndFailingTasks(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	admin().Must(t).SetLifecycle(map[string]any{"vsphere.task": map[string]any{"queued": map[string]any{"delay": map[string]any{"ms": 300}}, "running": map[string]any{"delay": map[string]any{"ms": 300}}}})
	defer admin().Must(t).SetLifecycle(map[string]any{"vsphere.task": map[string]any{"queued": "instant", "running": "instant"}})
	vm := vmNamed(t, ctx, c, "node-a")
	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tm mo.Task
	if err := property.DefaultCollector(c).RetrieveOne(ctx, task.Reference(), []string{"info"}, &tm); err != nil {
		t.Fatal(err)
	}
	if tm.Info.State != types.TaskInfoStateQueued && tm.Info.State != types.TaskInfoStateRunning {
		t.Fatalf("a slow task right after it started is %s", tm.Info.State)
	}
	start := time.Now()
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Fatalf("a 600 ms task finished after %v", time.Since(start))
	}

	admin().Must(t).Call("POST", "/_fauxcloud/faults", map[string]any{
		"name": "power-on-fails", "match": map[string]any{"cloud": "vsphere", "operation": "PowerOnVM_Task"},
		"fail": map[string]any{"code": "InsufficientResourcesFault", "message": "Insufficient resources."},
	})
	defer admin().Must(t).Call("DELETE", "/_fauxcloud/faults", nil)
	task, err = vm.PowerOn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = task.Wait(ctx)
	if !fault.Is(err, &types.InsufficientResourcesFault{}) {
		t.Fatalf("failing task: %v, want InsufficientResourcesFault", err)
	}
	if s := powerState(t, ctx, vm); s != types.VirtualMachinePowerStatePoweredOff {
		t.Fatalf("a failed PowerOn changed the power state to %s", s)
	}
}

// Destroy_Task removes the VM: afterwards its reference is ManagedObjectNotFound.
func TestDestroyVM(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vm := vmNamed(t, ctx, c, "node-b")
	// A powered-on VM: the task is accepted and ends in error.
	task, err := vm.Destroy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); !fault.Is(err, &types.InvalidPowerState{}) {
		t.Fatalf("destroying a powered-on VM: %v, want InvalidPowerState", err)
	}
	task, err = vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	harnessWait(t, ctx, task)
	task, err = vm.Destroy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	harnessWait(t, ctx, task)
	var gone mo.VirtualMachine
	err = vm.Properties(ctx, vm.Reference(), []string{"name"}, &gone)
	if !fault.Is(err, &types.ManagedObjectNotFound{}) {
		t.Fatalf("properties of a destroyed VM: %v, want ManagedObjectNotFound", err)
	}
}

func harnessWait(t *testing.T, ctx context.Context, task *object.Task) {
	t.Helper()
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
