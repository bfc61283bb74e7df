package openstack_test

// osTap is the shared recording reverse proxy (harness.Tap) between the
// components and fauxcloud, with what is OpenStack's own: every request is
// forwarded unchanged (Host included, so the Keystone catalog points back at
// the tap) and remembered with its method, path, query, request body,
// status and the error message of whichever service answered (Keystone
// "error", Nova/Cinder fault names, NeutronError, Octavia faultstring). A
// failing spec is reported with the calls the driver made during it.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fauxcloud.test/conformance/harness"
)

type osCall struct {
	Seq      int
	Time     time.Time
	Method   string
	Path     string
	Query    string
	ReqBody  string
	Status   int
	RespBody string
	Fault    string // Nova/Cinder fault name, NeutronError type, "error" for Keystone
	Message  string
	Err      string
}

const maxKeptBody = 64 << 10

func (c osCall) failed() bool { return c.Status >= 400 || c.Err != "" }

var projectPath = regexp.MustCompile(`^/openstack/volume/v3/[0-9a-f]{32}/`)

// op names the call by method and path without the project segment.
func (c osCall) op() string {
	return c.Method + " " + projectPath.ReplaceAllString(c.Path, "/openstack/volume/v3/{project}/")
}

func (c osCall) String() string {
	s := c.op()
	if c.Query != "" {
		s += "?" + c.Query
	}
	if c.ReqBody != "" && !strings.Contains(c.Path, "/auth/tokens") {
		s += " body=" + harness.Cut(c.ReqBody, 600)
	}
	switch {
	case c.Err != "":
		s += " -> transport error: " + c.Err
	case c.Status >= 400:
		s += fmt.Sprintf(" -> HTTP %d %s: %s", c.Status, c.Fault, c.Message)
	default:
		s += fmt.Sprintf(" -> HTTP %d", c.Status)
	}
	return s
}

func (c osCall) detail() string {
	reqBody := c.ReqBody
	if strings.Contains(c.Path, "/auth/tokens") {
		reqBody = "" // passwords and secrets stay out of test logs
	}
	return harness.CallText{Method: c.Method, Path: c.Path, Query: c.Query, ReqBody: reqBody, Status: c.Status, RespBody: c.RespBody, Err: c.Err}.Detail()
}

type osTap struct{ *harness.Tap }

type osAnswer struct{ Fault, Message string }

func decodeOSAnswer(e *harness.Exchange, body []byte) {
	e.Body = body[:min(len(body), maxKeptBody)]
	var a osAnswer
	if e.Status >= 400 {
		var env map[string]json.RawMessage
		if json.Unmarshal(body, &env) == nil {
			if fs, ok := env["faultstring"]; ok {
				a.Fault = "faultstring"
				_ = json.Unmarshal(fs, &a.Message)
			} else {
				for k, v := range env {
					var inner struct {
						Message string `json:"message"`
						Type    string `json:"type"`
					}
					if json.Unmarshal(v, &inner) == nil {
						a.Fault, a.Message = k, inner.Message
						if inner.Type != "" {
							a.Fault = k + "/" + inner.Type
						}
					}
				}
			}
		}
	}
	e.Info = a
}

var (
	tapOnce   sync.Once
	sharedTap *osTap
	tapErr    error
)

// theTap is the recording proxy every component in this process talks through.
func theTap(t *testing.T) *osTap {
	t.Helper()
	tapOnce.Do(func() {
		var tap *harness.Tap
		tap, tapErr = harness.StartTap(fauxcloudURL, harness.TapOptions{OnAnswer: decodeOSAnswer})
		if tapErr == nil {
			sharedTap = &osTap{tap}
		}
	})
	if tapErr != nil {
		t.Fatalf("openstack tap: %v", tapErr)
	}
	return sharedTap
}

func (t *osTap) mark() int { return t.Mark() }

func (t *osTap) since(mark int) []osCall {
	var out []osCall
	for _, e := range t.Since(mark) {
		if !e.Done {
			continue
		}
		a, _ := e.Info.(osAnswer)
		out = append(out, osCall{
			Seq: e.Seq + 1, Time: e.Time, Method: e.Method, Path: e.Path, Query: e.Query,
			ReqBody: string(e.ReqBody), Status: e.Status, RespBody: string(e.Body), Err: e.Err,
			Fault: a.Fault, Message: a.Message,
		})
	}
	return out
}
