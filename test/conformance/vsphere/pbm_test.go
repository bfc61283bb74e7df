package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/pbm"
	pbmmethods "github.com/vmware/govmomi/pbm/methods"
	pbmtypes "github.com/vmware/govmomi/pbm/types"
	"github.com/vmware/govmomi/vsan"
)

// What the vSphere CSI driver asks PBM: the profile id of a StorageClass's storagepolicyname
// (ProfileIDByName = QueryProfile + RetrieveContent) and the datastores that meet it
// (PbmQueryMatchingHub, PbmCheckCompatibility). The policy is honoured: vSAN Default matches the
// vSAN datastore only.
func TestPbmPoliciesAndPlacement(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	pc, err := pbm.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	id, err := pc.ProfileIDByName(ctx, "vSAN Default Storage Policy")
	if err != nil || id == "" {
		t.Fatalf("ProfileIDByName = %q, %v", id, err)
	}
	if name, err := pc.GetProfileNameByID(ctx, id); err != nil || name != "vSAN Default Storage Policy" {
		t.Fatalf("GetProfileNameByID = %q, %v", name, err)
	}
	if _, err := pc.ProfileIDByName(ctx, "no such policy"); err == nil {
		t.Fatal("an unknown policy name resolved")
	}
	dss, err := find.NewFinder(c, true).DatastoreList(ctx, "/dc1/datastore/*")
	if err != nil {
		t.Fatal(err)
	}
	var hubs []pbmtypes.PbmPlacementHub
	byID := map[string]string{}
	for _, ds := range dss {
		hubs = append(hubs, pbmtypes.PbmPlacementHub{HubType: ds.Reference().Type, HubId: ds.Reference().Value})
		byID[ds.Reference().Value] = ds.Name()
	}
	res, err := pbmmethods.PbmQueryMatchingHub(ctx, pc, &pbmtypes.PbmQueryMatchingHub{This: pc.ServiceContent.PlacementSolver, HubsToSearch: hubs, Profile: pbmtypes.PbmProfileId{UniqueId: id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Returnval) != 1 || byID[res.Returnval[0].HubId] != "vsanDatastore" {
		t.Fatalf("matching hubs for vSAN Default = %+v", res.Returnval)
	}
	vmfs, err := pc.ProfileIDByName(ctx, "fauxcloud-vmfs")
	if err != nil {
		t.Fatal(err)
	}
	compat, err := pbmmethods.PbmCheckCompatibility(ctx, pc, &pbmtypes.PbmCheckCompatibility{This: pc.ServiceContent.PlacementSolver, HubsToSearch: hubs, Profile: pbmtypes.PbmProfileId{UniqueId: vmfs}})
	if err != nil {
		t.Fatal(err)
	}
	r := pbm.PlacementCompatibilityResult(compat.Returnval)
	if ok := r.CompatibleDatastores(); len(ok) != 1 || byID[ok[0].HubId] != "datastore1" {
		t.Fatalf("compatible with fauxcloud-vmfs: %+v", ok)
	}
}

// VsanClusterGetConfig, as the CSI driver checks that vSAN file services are on.
func TestVsanClusterConfig(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	vc, err := vsan.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := find.NewFinder(c, true).ClusterComputeResource(ctx, "/dc1/host/cluster1")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := vc.VsanClusterGetConfig(ctx, cl.Reference())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled == nil || !*cfg.Enabled || cfg.FileServiceConfig == nil || !cfg.FileServiceConfig.Enabled {
		t.Fatalf("vSAN config = %+v", cfg)
	}
}
