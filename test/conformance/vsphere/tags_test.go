package vsphere_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
)

// vAPI tagging as the CPI's zone lookup uses it (login, list-attached-tags on each ancestor of a
// VM's host, get tag, get category) and as a cluster admin sets it up (create, attach).
func TestTaggingZonesAndRegions(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	rc := rest.NewClient(c)
	if err := rc.Login(ctx, url.UserPassword(user, "wrong")); !rest.IsStatusError(err, http.StatusUnauthorized) {
		t.Fatalf("vAPI login with a wrong password: %v, want 401", err)
	}
	if err := rc.Login(ctx, url.UserPassword(user, password)); err != nil {
		t.Fatal(err)
	}
	defer rc.Logout(ctx)
	if s, err := rc.Session(ctx); err != nil || s == nil || s.User != user {
		t.Fatalf("vAPI session = %+v, %v", s, err)
	}
	m := tags.NewManager(rc)
	cats, err := m.GetCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var catNames []string
	for _, cat := range cats {
		if !strings.HasPrefix(cat.ID, "urn:vmomi:InventoryServiceCategory:") {
			t.Fatalf("category id %q", cat.ID)
		}
		catNames = append(catNames, cat.Name)
	}
	sort.Strings(catNames)
	if !same(catNames, []string{"k8s-region", "k8s-zone"}) {
		t.Fatalf("categories = %v", catNames)
	}

	// The CPI's LookupZoneByMoref: ancestors of the VM's host, their attached tags by category.
	vm := vmNamed(t, ctx, c, "node-c")
	host, err := vm.HostSystem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	anc, err := mo.Ancestors(ctx, c, c.ServiceContent.PropertyCollector, host.Reference())
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, a := range anc {
		ids, err := m.ListAttachedTags(ctx, a.Self)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			tag, err := m.GetTag(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			cat, err := m.GetCategory(ctx, tag.CategoryID)
			if err != nil {
				t.Fatal(err)
			}
			found[cat.Name] = tag.Name
		}
	}
	if found["k8s-zone"] != "zone-c" || found["k8s-region"] != "region-1" {
		t.Fatalf("zone and region of node-c = %v", found)
	}

	// Setting tags up: a category for VMs, a tag, attached to a VM; listed back every way.
	catID, err := m.CreateCategory(ctx, &tags.Category{Name: "team", Cardinality: "MULTIPLE", AssociableTypes: []string{"VirtualMachine"}})
	if err != nil {
		t.Fatal(err)
	}
	tagID, err := m.CreateTag(ctx, &tags.Tag{Name: "storage", CategoryID: catID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateTag(ctx, &tags.Tag{Name: "storage", CategoryID: catID}); err == nil {
		t.Fatal("a duplicate tag was created")
	}
	if err := m.AttachTag(ctx, tagID, vm.Reference()); err != nil {
		t.Fatal(err)
	}
	objs, err := m.ListAttachedObjects(ctx, tagID)
	if err != nil || len(objs) != 1 || objs[0].Reference().Value != vm.Reference().Value {
		t.Fatalf("attached objects = %v, %v", objs, err)
	}
	forCat, err := m.ListTagsForCategory(ctx, catID)
	if err != nil || len(forCat) != 1 {
		t.Fatalf("tags for category = %v, %v", forCat, err)
	}
	onTags, err := m.GetAttachedObjectsOnTags(ctx, []string{tagID})
	if err != nil || len(onTags) != 1 || len(onTags[0].ObjectIDs) != 1 {
		t.Fatalf("objects on tags = %+v, %v", onTags, err)
	}
	if err := m.DetachTag(ctx, tagID, vm.Reference()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetTag(ctx, "urn:vmomi:InventoryServiceTag:00000000-0000-0000-0000-000000000000:GLOBAL"); !rest.IsStatusError(err, http.StatusNotFound) {
		t.Fatalf("a missing tag: %v, want 404", err)
	}
	// A datacenter-wide host list, as WhichVCandDCByZone does.
	if hosts, err := find.NewFinder(c, true).HostSystemList(ctx, "/dc1/host/*/*"); err != nil || len(hosts) != 3 {
		t.Fatalf("hosts = %v, %v", hosts, err)
	}
}
