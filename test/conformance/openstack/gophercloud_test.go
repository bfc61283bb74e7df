package openstack_test

// gophercloud v2 (github.com/gophercloud/gophercloud/v2 v2.16.0), the client
// every OpenStack component of Kubernetes is built on, against fauxcloud:
// version discovery and Keystone v3 password and application-credential
// authentication, endpoints from the catalog, linked pagination
// (servers_links, volumes_links), microversions, the success codes it
// insists on (attach 200, create 202), ResponseCodeIs on Nova and Cinder
// errors, and re-authentication after a 401 when the token expires on
// fauxcloud's virtual clock.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/snapshots"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/volumeattach"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/pagination"
	cpoclient "k8s.io/cloud-provider-openstack/pkg/client"
)

func passwordOpts(authURL string) gophercloud.AuthOptions {
	return gophercloud.AuthOptions{
		IdentityEndpoint: authURL, Username: osUser, Password: osPassword, DomainName: "Default",
		TenantName: osProject, AllowReauth: true,
	}
}

func provider(t *testing.T, opts gophercloud.AuthOptions) *gophercloud.ProviderClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := openstack.AuthenticatedClient(ctx, opts)
	if err != nil {
		t.Fatalf("AuthenticatedClient(%s): %v", opts.IdentityEndpoint, err)
	}
	return p
}

func eo() gophercloud.EndpointOpts { return gophercloud.EndpointOpts{Region: osRegion} }

func TestGophercloudAuthAndCatalog(t *testing.T) {
	resetServer(t)
	tap := theTap(t)
	ctx := context.Background()

	// Discovery at the identity root (no /v3): GET / answers 300 with the v3 link.
	mark := tap.mark()
	p := provider(t, passwordOpts(tap.URL+"/openstack/identity"))
	calls := tap.since(mark)
	if len(calls) < 2 || calls[0].op() != "GET /openstack/identity/" && calls[0].op() != "GET /openstack/identity" || calls[0].Status != 300 {
		t.Errorf("first call %v, want the identity root's 300 version list", calls)
	}
	if last := calls[len(calls)-1]; last.op() != "POST /openstack/identity/v3/auth/tokens" || last.Status != 201 {
		t.Errorf("token call %v, want POST /v3/auth/tokens 201", last)
	}

	for _, c := range []struct {
		name string
		new  func(*gophercloud.ProviderClient, gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error)
		want string
	}{
		{"compute", openstack.NewComputeV2, "/openstack/compute/v2.1/"},
		{"block-storage", openstack.NewBlockStorageV3, "/openstack/volume/v3/"},
		{"network", openstack.NewNetworkV2, "/openstack/network/v2.0/"},
		{"load-balancer", openstack.NewLoadBalancerV2, "/openstack/load-balancer/v2.0/"},
		{"key-manager", openstack.NewKeyManagerV1, "/openstack/key-manager/v1/"},
	} {
		sc, err := c.new(p, eo())
		if err != nil {
			t.Errorf("%s client: %v", c.name, err)
			continue
		}
		if !strings.HasPrefix(sc.ResourceBaseURL(), tap.URL) || !strings.Contains(sc.ResourceBaseURL(), c.want) {
			t.Errorf("%s resource base %s, want %s…%s", c.name, sc.ResourceBaseURL(), tap.URL, c.want)
		}
	}
	if _, err := openstack.NewComputeV2(p, gophercloud.EndpointOpts{Region: "RegionTwo"}); err == nil {
		t.Error("compute endpoint in RegionTwo: want ErrEndpointNotFound")
	}

	// Application credentials (k8s clusters' usual cloud.conf): scoped to the credential's project.
	ac := provider(t, gophercloud.AuthOptions{IdentityEndpoint: tap.URL + "/openstack/identity/v3", ApplicationCredentialName: "fauxcloud-k8s",
		ApplicationCredentialSecret: "fauxcloud-app-secret", Username: osUser, DomainName: "Default"})
	id, err := openstack.NewIdentityV3(ac, eo())
	if err != nil {
		t.Fatal(err)
	}
	project, err := tokens.Get(ctx, id, ac.Token()).ExtractProject()
	if err != nil || project == nil || project.Name != osProject {
		t.Errorf("application credential token project %+v, %v; want %s", project, err, osProject)
	}

	// A wrong password: 401, and no endless re-authentication.
	bad := passwordOpts(tap.URL + "/openstack/identity/v3")
	bad.Password = "wrong"
	if _, err := openstack.AuthenticatedClient(ctx, bad); !gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) {
		t.Errorf("wrong password: %v, want 401", err)
	}
}

func TestGophercloudComputeAndVolumes(t *testing.T) {
	resetServer(t)
	tap := theTap(t)
	ctx := context.Background()
	p := provider(t, passwordOpts(tap.URL+"/openstack/identity/v3"))
	compute, err := openstack.NewComputeV2(p, eo())
	if err != nil {
		t.Fatal(err)
	}
	block, err := openstack.NewBlockStorageV3(p, eo())
	if err != nil {
		t.Fatal(err)
	}

	// servers/detail with a name regex, one page of two at a time.
	var names []string
	pages := 0
	err = servers.List(compute, servers.ListOpts{Name: "^node-", Limit: 2}).EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
		pages++
		list, err := servers.ExtractServers(page)
		for _, s := range list {
			names = append(names, s.Name)
		}
		return true, err
	})
	if err != nil || len(names) != 3 || pages != 2 {
		t.Fatalf("servers ^node- in pages of 2: %v (%d pages), %v; want 3 servers in 2 pages", names, pages, err)
	}
	all, err := servers.List(compute, servers.ListOpts{Name: "^node-a$"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := servers.ExtractServers(all)
	if len(nodes) != 1 || nodes[0].Status != "ACTIVE" || nodes[0].AvailabilityZone != nodeAZone {
		t.Fatalf("node-a: %+v", nodes)
	}
	node := nodes[0]

	// Microversion 2.47+: the flavor is embedded; before it, its id.
	compute.Microversion = "2.60"
	s, err := servers.Get(ctx, compute, node.ID).Extract()
	if err != nil || s.Flavor["original_name"] != "m1.medium" {
		t.Errorf("server at 2.60: flavor %v, %v; want original_name m1.medium", s.Flavor, err)
	}
	compute.Microversion = ""
	s, err = servers.Get(ctx, compute, node.ID).Extract()
	if err != nil {
		t.Fatal(err)
	}
	f, err := flavors.Get(ctx, compute, s.Flavor["id"].(string)).Extract()
	if err != nil || f.Name != "m1.medium" {
		t.Errorf("flavor %v: %+v, %v", s.Flavor["id"], f, err)
	}
	if _, err := servers.Get(ctx, compute, "7d1a7b0c-0000-4000-8000-000000000000").Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("unknown server: %v, want 404", err)
	}

	// Volumes: create (202), attach through Nova (200), wait in-use, detach (202), delete.
	vol, err := volumes.Create(ctx, block, volumes.CreateOpts{Name: "gopher-1", Size: 1, AvailabilityZone: nodeAZone}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if err := volumes.WaitForStatus(ctx, block, vol.ID, "available"); err != nil {
		t.Fatal(err)
	}
	att, err := volumeattach.Create(ctx, compute, node.ID, volumeattach.CreateOpts{VolumeID: vol.ID}).Extract()
	if err != nil || att.Device != "/dev/vdb" {
		t.Fatalf("attach: %+v, %v", att, err)
	}
	if err := volumes.WaitForStatus(ctx, block, vol.ID, "in-use"); err != nil {
		t.Fatal(err)
	}
	got, err := volumes.Get(ctx, block, vol.ID).Extract()
	if err != nil || len(got.Attachments) != 1 || got.Attachments[0].ServerID != node.ID || got.Attachments[0].AttachedAt.IsZero() {
		t.Fatalf("attached volume: %+v, %v", got, err)
	}
	block.Microversion = "3.42"
	if err := volumes.ExtendSize(ctx, block, vol.ID, volumes.ExtendSizeOpts{NewSize: 2}).ExtractErr(); err != nil {
		t.Fatalf("online extend at 3.42: %v", err)
	}
	block.Microversion = ""
	if err := volumeattach.Delete(ctx, compute, node.ID, vol.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if err := volumes.WaitForStatus(ctx, block, vol.ID, "available"); err != nil {
		t.Fatal(err)
	}
	snap, err := snapshots.Create(ctx, block, snapshots.CreateOpts{VolumeID: vol.ID, Name: "gopher-snap"}).Extract()
	if err != nil || snap.Size != 2 {
		t.Fatalf("snapshot: %+v, %v", snap, err)
	}
	if err := snapshots.WaitForStatus(ctx, block, snap.ID, "available"); err != nil {
		t.Fatal(err)
	}
	if err := volumes.Delete(ctx, block, vol.ID, nil).ExtractErr(); !gophercloud.ResponseCodeIs(err, http.StatusBadRequest) {
		t.Errorf("delete a volume with a snapshot: %v, want 400", err)
	}
	if err := volumes.Delete(ctx, block, vol.ID, volumes.DeleteOpts{Cascade: true}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := volumes.Get(ctx, block, vol.ID).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("deleted volume: %v, want 404", err)
	}

	// volumes_links: five volumes in pages of two.
	for i := 0; i < 5; i++ {
		if _, err := volumes.Create(ctx, block, volumes.CreateOpts{Name: "page", Size: 1}, nil).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	count, vpages := 0, 0
	err = volumes.List(block, volumes.ListOpts{Name: "page", Limit: 2}).EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
		vpages++
		list, err := volumes.ExtractVolumes(page)
		count += len(list)
		return true, err
	})
	if err != nil || count != 5 || vpages != 3 {
		t.Errorf("volumes in pages of 2: %d in %d pages, %v; want 5 in 3", count, vpages, err)
	}
	// Quota: 413.
	if _, err := volumes.Create(ctx, block, volumes.CreateOpts{Size: 5000}, nil).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusRequestEntityTooLarge) {
		t.Errorf("over quota: %v, want 413", err)
	}
}

func TestGophercloudReauthAfterTokenExpiry(t *testing.T) {
	resetServer(t)
	tap := theTap(t)
	ctx := context.Background()
	p := provider(t, passwordOpts(tap.URL+"/openstack/identity/v3"))
	compute, err := openstack.NewComputeV2(p, eo())
	if err != nil {
		t.Fatal(err)
	}
	first := p.Token()
	if _, err := servers.List(compute, nil).AllPages(ctx); err != nil {
		t.Fatal(err)
	}
	// An hour and a second of virtual time: Keystone's token has expired.
	advanceClock(t, 3601_000)
	mark := tap.mark()
	if _, err := servers.List(compute, nil).AllPages(ctx); err != nil {
		t.Fatalf("list after expiry: %v (gophercloud should re-authenticate once)", err)
	}
	var ops []string
	for _, c := range tap.since(mark) {
		ops = append(ops, c.op()+" "+http.StatusText(c.Status))
	}
	want := []string{"GET /openstack/compute/v2.1/servers/detail Unauthorized", "POST /openstack/identity/v3/auth/tokens Created", "GET /openstack/compute/v2.1/servers/detail OK"}
	if strings.Join(ops, "|") != strings.Join(want, "|") && strings.Join(ops, "|") != strings.ReplaceAll(strings.Join(want, "|"), "servers/detail", "servers") {
		t.Errorf("calls after expiry:\n  %s\nwant\n  %s", strings.Join(ops, "\n  "), strings.Join(want, "\n  "))
	}
	if p.Token() == first {
		t.Error("token unchanged after re-authentication")
	}
}

// TestGophercloudTokenExpiryStorm: under the keystone-token-expiry-storm
// drill (30% of service calls answer 401 for two minutes) every call either
// succeeds after gophercloud's one re-authentication or fails with
// ErrErrorAfterReauthentication; nothing else.
func TestGophercloudTokenExpiryStorm(t *testing.T) {
	resetServer(t)
	admin().Must(t).Call("PUT", "/_fauxcloud/scenario", map[string]any{"name": "keystone-token-expiry-storm"})
	t.Cleanup(func() { admin().Must(t).Call("PUT", "/_fauxcloud/scenario", map[string]any{"name": "default"}) })
	tap := theTap(t)
	ctx := context.Background()
	p := provider(t, passwordOpts(tap.URL+"/openstack/identity/v3"))
	compute, err := openstack.NewComputeV2(p, eo())
	if err != nil {
		t.Fatal(err)
	}
	mark := tap.mark()
	ok, twice := 0, 0
	for i := 0; i < 40; i++ {
		_, err := servers.List(compute, nil).AllPages(ctx)
		var after *gophercloud.ErrErrorAfterReauthentication
		switch {
		case err == nil:
			ok++
		case errors.As(err, &after):
			twice++
		default:
			t.Fatalf("call %d: %v, want success or ErrErrorAfterReauthentication", i, err)
		}
	}
	reauth := 0
	for _, c := range tap.since(mark) {
		if c.op() == "POST /openstack/identity/v3/auth/tokens" && c.Status == 201 {
			reauth++
		}
	}
	if ok < 20 || reauth == 0 {
		t.Errorf("%d calls succeeded, %d failed twice, %d re-authentications; want most to succeed after re-authenticating", ok, twice, reauth)
	}
	t.Logf("40 calls: %d succeeded, %d failed after re-authentication, %d re-authentications", ok, twice, reauth)
}

// TestCPOTrustAuth: cloud-provider-openstack's own client (pkg/client, what
// the OCCM and cinder-csi build from cloud.conf) with trust-id set
// authenticates the trustee with the OS-TRUST:trust scope (AuthenticateV3,
// no discovery) and gets a token in the trust's project.
func TestCPOTrustAuth(t *testing.T) {
	resetServer(t)
	tap := theTap(t)
	// The trustee by id, as a trust's cloud.conf names it (trustee-id, trustee-password).
	pw := provider(t, passwordOpts(tap.URL+"/openstack/identity/v3"))
	pwID, err := openstack.NewIdentityV3(pw, eo())
	if err != nil {
		t.Fatal(err)
	}
	user, err := tokens.Get(context.Background(), pwID, pw.Token()).ExtractUser()
	if err != nil {
		t.Fatal(err)
	}
	p, err := cpoclient.NewOpenStackClient(&cpoclient.AuthOpts{
		AuthURL: tap.URL + "/openstack/identity/v3", TrusteeID: user.ID, TrusteePassword: osPassword,
		TrustID: "7f1e2d3c4b5a69788796a5b4c3d2e1f0",
	}, "fauxcloud-conformance")
	if err != nil {
		t.Fatalf("NewOpenStackClient with trust-id: %v", err)
	}
	id, err := openstack.NewIdentityV3(p, eo())
	if err != nil {
		t.Fatal(err)
	}
	project, err := tokens.Get(context.Background(), id, p.Token()).ExtractProject()
	if err != nil || project == nil || project.Name != osProject {
		t.Errorf("trust-scoped token's project: %+v, %v; want %s", project, err, osProject)
	}
	if _, err := openstack.NewComputeV2(p, eo()); err != nil {
		t.Errorf("compute endpoint from the trust-scoped catalog: %v", err)
	}
}
