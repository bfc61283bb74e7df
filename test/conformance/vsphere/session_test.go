package vsphere_test

import (
	"net/url"
	"testing"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// What both vSphere components do first: service content, login (a wrong password is InvalidLogin,
// which the CSI driver retries on), the current session, logout (then NotAuthenticated, which
// govmomi's session manager turns into "no session" and the CPI answers with a new login).
func TestSessionLoginLogout(t *testing.T) {
	ctx := testContext(t)
	c := newClient(t, ctx)
	if !c.IsVC() || c.ServiceContent.About.ApiVersion == "" {
		t.Fatalf("about = %+v, want a vCenter with an API version", c.ServiceContent.About)
	}
	m := session.NewManager(c)
	err := m.Login(ctx, url.UserPassword(user, "wrong"))
	if !fault.Is(err, &types.InvalidLogin{}) {
		t.Fatalf("login with a wrong password: %v, want InvalidLogin", err)
	}
	if s, err := m.UserSession(ctx); err != nil || s != nil {
		t.Fatalf("session before login = %v, %v; want none", s, err)
	}
	if err := m.Login(ctx, url.UserPassword(user, password)); err != nil {
		t.Fatal(err)
	}
	s, err := m.UserSession(ctx)
	if err != nil || s == nil || s.UserName != user {
		t.Fatalf("session after login = %+v, %v", s, err)
	}
	if ok, err := m.SessionIsActive(ctx); err != nil || !ok {
		t.Fatalf("SessionIsActive = %v, %v", ok, err)
	}
	if _, err := methods.GetCurrentTime(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := m.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if s, err := m.UserSession(ctx); err != nil || s != nil {
		t.Fatalf("session after logout = %v, %v; want none", s, err)
	}
	_, err = methods.RetrievePropertiesEx(ctx, c, &types.RetrievePropertiesEx{This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{{
		ObjectSet: []types.ObjectSpec{{Obj: c.ServiceContent.RootFolder}},
		PropSet:   []types.PropertySpec{{Type: "Folder", PathSet: []string{"name"}}},
	}}})
	if !fault.Is(err, &types.NotAuthenticated{}) {
		t.Fatalf("a call after logout: %v, want NotAuthenticated", err)
	}
}
