package vsphere_test

import (
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
)

// swapUUID is the byte order a Kubernetes node's SystemUUID has on some hosts: the first three
// groups reversed (the CPI retries FindByUuid with it).
func swapUUID(u string) string {
	p := strings.Split(u, "-")
	rev := func(s string) string {
		out := ""
		for i := len(s); i >= 2; i -= 2 {
			out += s[i-2 : i]
		}
		return out
	}
	return strings.Join([]string{rev(p[0]), rev(p[1]), rev(p[2]), p[3], p[4]}, "-")
}

// The lookups the CPI's node manager and the CSI driver make to find a node's VM.
func TestSearchIndexFindsNodeVMs(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	f := find.NewFinder(c, true)
	dc, err := f.Datacenter(ctx, "dc1")
	if err != nil {
		t.Fatal(err)
	}
	si := object.NewSearchIndex(c)
	vm := vmNamed(t, ctx, c, "node-a")
	var props mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config.uuid", "config.instanceUuid"}, &props); err != nil {
		t.Fatal(err)
	}
	uuid := props.Config.Uuid

	ref, err := si.FindByUuid(ctx, dc, strings.ToUpper(uuid), true, nil)
	if err != nil || ref == nil || ref.Reference().Value != vm.Reference().Value {
		t.Fatalf("FindByUuid(%s) = %v, %v", uuid, ref, err)
	}
	if ref, err := si.FindByUuid(ctx, dc, swapUUID(uuid), true, nil); err != nil || ref != nil {
		t.Fatalf("the byte-swapped UUID found %v, %v; the CPI expects nothing and retries", ref, err)
	}
	yes := true
	if ref, err := si.FindByUuid(ctx, dc, props.Config.InstanceUuid, true, &yes); err != nil || ref == nil {
		t.Fatalf("FindByUuid(instanceUuid) = %v, %v", ref, err)
	}
	if ref, err := si.FindByInventoryPath(ctx, "/dc1/vm/node-a"); err != nil || ref == nil || ref.Reference().Value != vm.Reference().Value {
		t.Fatalf("FindByInventoryPath = %v, %v", ref, err)
	}
	if ref, err := si.FindByInventoryPath(ctx, "/dc1/vm/nope"); err != nil || ref != nil {
		t.Fatalf("FindByInventoryPath(missing) = %v, %v", ref, err)
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ref, err := si.FindChild(ctx, folders.VmFolder, "node-b"); err != nil || ref == nil {
		t.Fatalf("FindChild = %v, %v", ref, err)
	}
	refs, err := si.FindAllByDnsName(ctx, dc, "node-b", true)
	if err != nil || len(refs) != 1 {
		t.Fatalf("FindAllByDnsName = %v, %v", refs, err)
	}
	if ref, err := si.FindByIp(ctx, dc, "10.20.0.13", true); err != nil || ref == nil {
		t.Fatalf("FindByIp = %v, %v", ref, err)
	}
	// Guest data changed at run time through the admin seed call: the new IP is found, the old is not.
	seed(t, map[string]any{"datacenters": []any{map[string]any{"name": "dc1", "vms": []any{map[string]any{"name": "node-c", "guest": map[string]any{"ips": []string{"10.20.0.99"}}}}}}})
	if ref, err := si.FindByIp(ctx, dc, "10.20.0.99", true); err != nil || ref == nil {
		t.Fatalf("FindByIp(new IP) = %v, %v", ref, err)
	}
	if ref, err := si.FindByIp(ctx, dc, "10.20.0.13", true); err != nil || ref != nil {
		t.Fatalf("FindByIp(old IP) = %v, %v", ref, err)
	}
}
