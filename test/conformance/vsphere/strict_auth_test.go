package vsphere_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"fauxcloud.test/conformance/harness"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// strictServer is a fauxcloud of the test's own with `--auth strict` and a data directory, and a
// vim25 client factory for it (CA fetched from that server).
type strictServer struct {
	srv    *harness.Server
	sdk    *url.URL
	caFile string
}

func startStrict(t *testing.T, dataDir string) *strictServer {
	t.Helper()
	srv, err := harness.StartWith("vsphere-strict", "--auth", "strict", "--data-dir", dataDir)
	harness.Check(t, err)
	t.Cleanup(srv.Stop)
	sdk, err := url.Parse(srv.HTTPSURL + "/sdk")
	harness.Check(t, err)
	pem, err := harness.Admin{BaseURL: srv.HTTPURL}.Call("GET", "/_fauxcloud/ca.pem", nil)
	harness.Check(t, err)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	harness.Check(t, os.WriteFile(ca, pem, 0o600))
	return &strictServer{srv: srv, sdk: sdk, caFile: ca}
}

// client is a vim25 client, carrying the given session cookie when it is not empty.
func (s *strictServer) client(t *testing.T, ctx context.Context, cookie string) *vim25.Client {
	t.Helper()
	sc := soap.NewClient(s.sdk, false)
	harness.Check(t, sc.SetRootCAs(s.caFile))
	if cookie != "" {
		sc.Jar.SetCookies(s.sdk, []*http.Cookie{{Name: "vmware_soap_session", Value: cookie, Path: "/"}})
	}
	c, err := vim25.NewClient(ctx, sc)
	harness.Check(t, err)
	return c
}

func currentTimeFault(ctx context.Context, c *vim25.Client) error {
	_, err := methods.RetrievePropertiesEx(ctx, c, &types.RetrievePropertiesEx{This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{{
		ObjectSet: []types.ObjectSpec{{Obj: c.ServiceContent.RootFolder}},
		PropSet:   []types.PropertySpec{{Type: "Folder", PathSet: []string{"name"}}},
	}}})
	return err
}

// Strict auth: a made-up session cookie is NotAuthenticated and a made-up vAPI session id is 401;
// a real login works on both APIs. The session lives in the state document, so after the server
// is stopped and started again on the same --data-dir the same cookie is still a live session.
func TestStrictAuthSessionsSurviveRestart(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	s := startStrict(t, dir)

	bogus := s.client(t, ctx, "52a0b1c2-0000-0000-0000-000000000000")
	if err := currentTimeFault(ctx, bogus); !fault.Is(err, &types.NotAuthenticated{}) {
		t.Fatalf("a made-up session cookie: %v, want NotAuthenticated", err)
	}
	rc := rest.NewClient(bogus)
	rc.SessionID("0123456789abcdef0123456789abcdef")
	// Session() answers nil, nil for vAPI's 401.
	if sess, err := rc.Session(ctx); err != nil || sess != nil {
		t.Fatalf("a made-up vAPI session id: %+v, %v; want the 401 (no session)", sess, err)
	}

	c := s.client(t, ctx, "")
	m := session.NewManager(c)
	harness.Check(t, m.Login(ctx, url.UserPassword(user, password)))
	us, err := m.UserSession(ctx)
	if err != nil || us == nil {
		t.Fatalf("session after login = %+v, %v", us, err)
	}
	if err := currentTimeFault(ctx, c); err != nil {
		t.Fatalf("a call on a real session: %v", err)
	}
	vapi := rest.NewClient(c)
	harness.Check(t, vapi.Login(ctx, url.UserPassword(user, password)))
	vapiID := vapi.SessionID()

	// Stop (SIGTERM writes the state), start again on the same data directory.
	s.srv.Stop()
	s2 := startStrict(t, dir)
	again := s2.client(t, ctx, us.Key)
	if err := currentTimeFault(ctx, again); err != nil {
		t.Fatalf("the session cookie after a restart: %v, want the same live session", err)
	}
	if us2, err := session.NewManager(again).UserSession(ctx); err != nil || us2 == nil || us2.Key != us.Key {
		t.Fatalf("session after restart = %+v, %v; want key %s", us2, err, us.Key)
	}
	vapi2 := rest.NewClient(again)
	vapi2.SessionID(vapiID)
	if sess, err := vapi2.Session(ctx); err != nil || sess == nil || sess.User != user {
		t.Fatalf("the vAPI session after a restart = %+v, %v", sess, err)
	}
	if err := session.NewManager(again).Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if err := currentTimeFault(ctx, again); !fault.Is(err, &types.NotAuthenticated{}) {
		t.Fatalf("a call after logout: %v, want NotAuthenticated", err)
	}
}
