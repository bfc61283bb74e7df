package gceccm_test

// The shared recording reverse proxy (harness.Tap) between the provider and
// fauxcloud's compute API, and how this suite reads its exchanges.
//
// gce.conf's api-endpoint names this proxy (http://127.0.0.1:<port>/compute/v1/),
// so the provider's compute traffic is exactly what it sends to Google, and the
// test can show every request and answer (method, path, query, bodies) when it
// fails. The proxy forwards unchanged, Host header included, so fauxcloud
// builds its selfLinks from the address the provider used.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"fauxcloud.test/conformance/harness"
)

const maxRecordedBody = 4 << 10

// exchange is one request the provider sent and fauxcloud's answer.
type exchange struct {
	Method, Path, Query string
	ReqBody             string
	Status              int
	RespBody            string
}

func (e exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	if e.Query != "" {
		fmt.Fprintf(&b, "?%s", e.Query)
	}
	if e.ReqBody != "" {
		fmt.Fprintf(&b, "\n    request body: %s", e.ReqBody)
	}
	fmt.Fprintf(&b, "\n    → %d %s", e.Status, e.RespBody)
	return b.String()
}

// recorder reads the provider's exchanges back from a harness.Tap.
type recorder struct{ tap *harness.Tap }

// startRecorder starts the proxy to target (fauxcloud's base URL) and stops it
// when the test ends.
func startRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	tap, err := harness.StartTap(target, harness.TapOptions{OnAnswer: func(e *harness.Exchange, body []byte) {
		e.Body = []byte(clip(body))
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tap.Close)
	return &recorder{tap}
}

// URL is the proxy's base URL, e.g. http://127.0.0.1:40123.
func (r *recorder) URL() string { return r.tap.URL }

// all returns the exchanges answered so far (or that never reached
// fauxcloud: Status 0).
func (r *recorder) all() []exchange {
	var out []exchange
	for _, e := range r.tap.Since(0) {
		if !e.Done {
			continue
		}
		x := exchange{Method: e.Method, Path: e.Path, Query: e.Query, ReqBody: clip(e.ReqBody), Status: e.Status, RespBody: string(e.Body)}
		if e.Err != "" {
			x.RespBody = "proxy error: " + e.Err
		}
		out = append(out, x)
	}
	return out
}

// errors returns the exchanges fauxcloud answered with a status ≥ 400 (or
// that never reached it).
func (r *recorder) errors() []exchange {
	var out []exchange
	for _, e := range r.all() {
		if e.Status >= 400 || e.Status == 0 {
			out = append(out, e)
		}
	}
	return out
}

// calls counts the requests per "METHOD resource-path-template", with names
// replaced by the resource kind, e.g. "POST regions/*/targetPools/*/addInstance".
func (r *recorder) calls() map[string]int {
	m := map[string]int{}
	for _, e := range r.all() {
		m[e.Method+" "+template(e.Path)]++
	}
	return m
}

// sent returns the exchanges whose method and templated path match.
func (r *recorder) sent(method, tmpl string) []exchange {
	var out []exchange
	for _, e := range r.all() {
		if e.Method == method && template(e.Path) == tmpl {
			out = append(out, e)
		}
	}
	return out
}

// template turns /compute/v1/projects/p/regions/r/targetPools/x/addInstance
// into "v1 regions/*/targetPools/*/addInstance".
func template(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 4 || parts[0] != "compute" || parts[2] != "projects" {
		return path
	}
	version := parts[1]
	rest := parts[4:]
	prefix := ""
	if len(rest) > 0 && (rest[0] == "global" || rest[0] == "aggregated") {
		prefix, rest = rest[0]+"/", rest[1:]
	}
	for i := range rest {
		// collection names sit at even positions: zones/Z/instances/I/…
		if i%2 == 1 && !isVerb(rest[i]) {
			rest[i] = "*"
		}
	}
	if len(rest) == 0 {
		return version + " project"
	}
	return version + " " + prefix + strings.Join(rest, "/")
}

func isVerb(s string) bool {
	switch s {
	case "addInstance", "removeInstance", "addInstances", "removeInstances", "listInstances",
		"setNamedPorts", "getHealth", "wait", "setTags", "setLabels":
		return true
	}
	return false
}

// logExchanges writes the recorded traffic into the test log: everything
// with FAUXCLOUD_VERBOSE, else the mutations and the error answers.
func (r *recorder) logExchanges(t testing.TB, verbose bool) {
	t.Helper()
	for _, e := range r.all() {
		if verbose || e.Method != http.MethodGet || e.Status >= 400 || e.Status == 0 {
			if e.Method == http.MethodPost && strings.HasSuffix(e.Path, "/wait") && e.Status < 400 && !verbose {
				continue
			}
			t.Logf("compute: %s", e)
		}
	}
}

func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > maxRecordedBody {
		s = s[:maxRecordedBody] + "…"
	}
	return s
}
