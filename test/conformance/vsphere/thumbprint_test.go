package vsphere_test

// A vsphere.conf / csi-vsphere.conf may pin the vCenter leaf by `thumbprint =` instead of naming a
// CA file. govmomi then trusts no CA at all and checks the presented leaf against the pin, so the
// thumbprint fauxcloud publishes in GET /_fauxcloud/endpoints must be the one its HTTPS port shows.

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"fauxcloud.test/conformance/harness"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
)

type published struct {
	TLS struct {
		Certificate struct {
			SHA1   string `json:"sha1"`
			SHA256 string `json:"sha256"`
		} `json:"certificate"`
	} `json:"tls"`
}

func TestThumbprintPinnedLogin(t *testing.T) {
	ctx := testContext(t)
	raw := admin().Must(t).Call("GET", "/_fauxcloud/endpoints/vsphere", nil)
	var p published
	harness.Check(t, json.Unmarshal(raw, &p))
	if p.TLS.Certificate.SHA1 == "" || p.TLS.Certificate.SHA256 == "" {
		t.Fatalf("endpoints publish no leaf thumbprints: %s", raw)
	}

	// Both forms vsphere.conf accepts: SHA-1 and SHA-256, colon-separated upper-case hex.
	for name, pin := range map[string]string{"sha1": p.TLS.Certificate.SHA1, "sha256": p.TLS.Certificate.SHA256} {
		t.Run(name, func(t *testing.T) {
			sc := soap.NewClient(sdkURL, false)
			sc.SetThumbprint(sdkURL.Host, pin)
			c, err := vim25.NewClient(ctx, sc)
			harness.Check(t, err)
			m := session.NewManager(c)
			harness.Check(t, m.Login(ctx, url.UserPassword(user, password)))
			_ = m.Logout(ctx)
		})
	}

	// A wrong pin is refused by govmomi's own check before any SOAP is spoken.
	wrong := strings.Repeat("AB:", 19) + "AB"
	sc := soap.NewClient(sdkURL, false)
	sc.SetThumbprint(sdkURL.Host, wrong)
	if _, err := vim25.NewClient(ctx, sc); err == nil || !strings.Contains(err.Error(), "thumbprint") {
		t.Fatalf("a wrong thumbprint connected or failed for another reason: %v", err)
	}
}
