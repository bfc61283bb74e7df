package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// The privilege check the vSphere CSI driver makes on datastores before it uses them.
func TestAuthorizationPrivilegesOnDatastores(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	dss, err := find.NewFinder(c, true).DatastoreList(ctx, "/dc1/datastore/*")
	if err != nil {
		t.Fatal(err)
	}
	var refs []types.ManagedObjectReference
	for _, d := range dss {
		refs = append(refs, d.Reference())
	}
	am := object.NewAuthorizationManager(c)
	privs := []string{"Datastore.FileManagement", "System.Read"}
	res, err := am.HasUserPrivilegeOnEntities(ctx, refs, user, privs)
	if err != nil || len(res) != len(refs) {
		t.Fatalf("HasUserPrivilegeOnEntities = %+v, %v", res, err)
	}
	for _, r := range res {
		if len(r.PrivAvailability) != 2 || !r.PrivAvailability[0].IsGranted || !r.PrivAvailability[1].IsGranted {
			t.Fatalf("privileges on %v = %+v", r.Entity, r.PrivAvailability)
		}
	}
	res, err = am.HasUserPrivilegeOnEntities(ctx, refs[:1], "nobody@vsphere.local", privs)
	if err != nil || res[0].PrivAvailability[0].IsGranted {
		t.Fatalf("an unknown user's privileges = %+v, %v", res, err)
	}
}
