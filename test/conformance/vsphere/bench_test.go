package vsphere_test

// Side by side with vcsim (govmomi's simulator, same module version, in-process over HTTPS):
// the calls a vSphere CCM makes most, on the same client.
//
//	go test -run '^$' -bench . -benchtime 200x ./...

import (
	"context"
	"net/url"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
)

var vmProps = []string{"name", "config", "summary", "guest", "runtime"}

// retrieveAllVMs is one RetrievePropertiesEx over a container view of every VM.
func retrieveAllVMs(b *testing.B, ctx context.Context, c *vim25.Client, want int) {
	m := view.NewManager(c)
	v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Destroy(ctx)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var vms []mo.VirtualMachine
		if err := v.Retrieve(ctx, []string{"VirtualMachine"}, vmProps, &vms); err != nil {
			b.Fatal(err)
		}
		if len(vms) != want {
			b.Fatalf("%d VMs, want %d", len(vms), want)
		}
	}
}

// findVM is the finder lookup plus one property read the CPI does per node.
func findVM(b *testing.B, ctx context.Context, c *vim25.Client, path string) {
	f := find.NewFinder(c, true)
	pc := property.DefaultCollector(c)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm, err := f.VirtualMachine(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		var m mo.VirtualMachine
		if err := pc.RetrieveOne(ctx, vm.Reference(), []string{"summary.runtime.powerState", "guest.net"}, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func fauxcloudClient(b *testing.B, ctx context.Context) *vim25.Client {
	sc := soap.NewClient(sdkURL, false)
	if err := sc.SetRootCAs(caFile); err != nil {
		b.Fatal(err)
	}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		b.Fatal(err)
	}
	if err := session.NewManager(c).Login(ctx, url.UserPassword(user, password)); err != nil {
		b.Fatal(err)
	}
	return c
}

// vcsimRun runs f against a vcsim with the default scenario's shape: 1 datacenter, 1 cluster of
// 3 hosts, 3 VMs (placed on the cluster's pool).
func vcsimRun(b *testing.B, f func(ctx context.Context, c *vim25.Client)) {
	model := simulator.VPX()
	model.Datacenter, model.Cluster, model.ClusterHost, model.Host, model.Machine = 1, 1, 3, 0, 3
	defer model.Remove()
	if err := model.Run(func(ctx context.Context, c *vim25.Client) error {
		f(ctx, c)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkRetrieveAllVMs(b *testing.B) {
	b.Run("fauxcloud", func(b *testing.B) {
		admin().Must(b).Reset()
		ctx := context.Background()
		retrieveAllVMs(b, ctx, fauxcloudClient(b, ctx), 3)
	})
	b.Run("vcsim", func(b *testing.B) {
		vcsimRun(b, func(ctx context.Context, c *vim25.Client) { retrieveAllVMs(b, ctx, c, 3) })
	})
}

func BenchmarkFindNodeVM(b *testing.B) {
	b.Run("fauxcloud", func(b *testing.B) {
		admin().Must(b).Reset()
		ctx := context.Background()
		findVM(b, ctx, fauxcloudClient(b, ctx), "/dc1/vm/node-b")
	})
	b.Run("vcsim", func(b *testing.B) {
		vcsimRun(b, func(ctx context.Context, c *vim25.Client) { findVM(b, ctx, c, "/DC0/vm/DC0_C0_RP0_VM1") })
	})
}
