package vsphere_test

import (
	"context"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// The vSphere CSI driver's task tracking: one ListView that every task it waits for is added to,
// one filter `ListView --view--> Task.info` with reportMissingObjectsInResults, and a
// WaitForUpdatesEx loop that sees each task enter and reach success.
func TestListViewTaskTracking(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	lv, err := view.NewManager(c).CreateListView(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lv.Destroy(context.Background())
	pc, err := property.DefaultCollector(c).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy(context.Background())
	yes, no := true, false
	_, err = pc.CreateFilter(ctx, types.CreateFilter{
		Spec: types.PropertyFilterSpec{
			ObjectSet:                     []types.ObjectSpec{{Obj: lv.Reference(), Skip: &yes, SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ListView", Path: "view", Skip: &no}}}},
			PropSet:                       []types.PropertySpec{{Type: "Task", PathSet: []string{"info"}}},
			ReportMissingObjectsInResults: &yes,
		},
		PartialUpdates: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	vm := vmNamed(t, ctx, c, "node-a")
	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lv.Add(ctx, []types.ManagedObjectReference{task.Reference()}); err != nil {
		t.Fatal(err)
	}
	version := ""
	wait := int32(5)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := methods.WaitForUpdatesEx(ctx, c, &types.WaitForUpdatesEx{This: pc.Reference(), Version: version, Options: &types.WaitOptions{MaxWaitSeconds: &wait}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Returnval == nil {
			continue
		}
		version = res.Returnval.Version
		for _, fs := range res.Returnval.FilterSet {
			for _, u := range fs.ObjectSet {
				for _, ch := range u.ChangeSet {
					if info, ok := ch.Val.(types.TaskInfo); ok && u.Obj.Value == task.Reference().Value && info.State == types.TaskInfoStateSuccess {
						if _, err := lv.Remove(ctx, []types.ManagedObjectReference{task.Reference()}); err != nil {
							t.Fatal(err)
						}
						return
					}
				}
			}
		}
	}
	t.Fatal("the task never reported success through the list view filter")
}
