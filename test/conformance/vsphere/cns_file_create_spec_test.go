package vsphere_test

import (
	"testing"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	vsantypes "github.com/vmware/govmomi/vsan/vsanfs/types"
)

// A file volume with a CnsVSANFileCreateSpec (the NFS client permissions the vSphere CSI driver
// sends from its [NetPermissions] config, by default read-write for every IP) in createSpec.
func TestCnsFileVolumeWithNetPermissions(t *testing.T) {
	reset(t)
	ctx := testContext(t)
	c := login(t, ctx)
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	meta := cnstypes.CnsVolumeMetadata{ContainerCluster: cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "fauxcloud", VSphereUser: user, ClusterFlavor: "VANILLA"}}
	r := createVolume(t, cc, cnstypes.CnsVolumeCreateSpec{
		Name: "pvc-rwx-perm", VolumeType: "FILE", Metadata: meta,
		BackingObjectDetails: &cnstypes.CnsVsanFileShareBackingDetails{CnsFileBackingDetails: cnstypes.CnsFileBackingDetails{CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024}}},
		CreateSpec:           &cnstypes.CnsVSANFileCreateSpec{SoftQuotaInMb: 1024, Permission: []vsantypes.VsanFileShareNetPermission{{Ips: "*", Permissions: "READ_WRITE", AllowRoot: true}}},
	})
	if r.Fault != nil || r.VolumeId.Id == "" {
		t.Fatalf("file volume with net permissions: %+v", r)
	}
}
