package openstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

// keystone401 checks err is the 401 keystonemiddleware answers in front of every service:
// {"error": {"code": 401, "title": "Unauthorized", ...}}.
func keystone401(t *testing.T, what string, err error) {
	t.Helper()
	var unexpected gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &unexpected) || unexpected.Actual != http.StatusUnauthorized {
		t.Fatalf("%s: %v, want 401", what, err)
	}
	var body struct {
		Error struct {
			Code  int    `json:"code"`
			Title string `json:"title"`
		} `json:"error"`
	}
	if json.Unmarshal(unexpected.Body, &body) != nil || body.Error.Code != 401 || body.Error.Title != "Unauthorized" {
		t.Fatalf("%s: body %s, want keystonemiddleware's 401", what, unexpected.Body)
	}
}

// Strict auth (`--auth strict`): every service takes only a token Keystone issued, unexpired on the
// virtual clock and not revoked. A made-up X-Auth-Token gets the 401 from Nova, Cinder and Neutron;
// a real password login works; a revoked token and one expired on the virtual clock are refused
// (gophercloud without AllowReauth surfaces the 401 as is).
func TestStrictAuthKeystoneTokens(t *testing.T) {
	srv, err := harness.StartWith("openstack-strict", "--auth", "strict")
	harness.Check(t, err)
	t.Cleanup(srv.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := srv.HTTPURL + "/openstack"

	// A client carrying a token nobody issued, endpoints given directly (there is no catalog).
	bogus, err := openstack.NewClient(base + "/identity/v3")
	harness.Check(t, err)
	bogus.SetToken("gAAAAABmade-up-token")
	compute := &gophercloud.ServiceClient{ProviderClient: bogus, Endpoint: base + "/compute/v2.1/"}
	block := &gophercloud.ServiceClient{ProviderClient: bogus, Endpoint: base + "/volume/v3/"}
	network := &gophercloud.ServiceClient{ProviderClient: bogus, Endpoint: base + "/network/v2.0/", ResourceBase: base + "/network/v2.0/"}
	_, err = servers.List(compute, nil).AllPages(ctx)
	keystone401(t, "nova with a made-up token", err)
	_, err = volumes.List(block, nil).AllPages(ctx)
	keystone401(t, "cinder with a made-up token", err)
	_, err = networks.List(network, nil).AllPages(ctx)
	keystone401(t, "neutron with a made-up token", err)

	// A real login, without re-authentication so refusals surface.
	opts := passwordOpts(base + "/identity")
	opts.AllowReauth = false
	p, err := openstack.AuthenticatedClient(ctx, opts)
	harness.Check(t, err)
	nova, err := openstack.NewComputeV2(p, eo())
	harness.Check(t, err)
	if _, err := servers.List(nova, nil).AllPages(ctx); err != nil {
		t.Fatalf("nova with a Keystone token: %v", err)
	}

	// Revoked: DELETE /v3/auth/tokens, as `openstack token revoke` does.
	identity, err := openstack.NewIdentityV3(p, eo())
	harness.Check(t, err)
	other, err := openstack.AuthenticatedClient(ctx, opts)
	harness.Check(t, err)
	harness.Check(t, tokens.Revoke(ctx, identity, other.Token()).Err)
	novaOther, err := openstack.NewComputeV2(other, eo())
	harness.Check(t, err)
	_, err = servers.List(novaOther, nil).AllPages(ctx)
	keystone401(t, "nova with a revoked token", err)

	// Expired on the virtual clock: Keystone's default lifetime is an hour.
	harness.Admin{BaseURL: srv.HTTPURL}.Must(t).Call("POST", "/_fauxcloud/clock/advance", map[string]any{"ms": 3_601_000})
	_, err = servers.List(nova, nil).AllPages(ctx)
	keystone401(t, "nova with an expired token", err)
}
