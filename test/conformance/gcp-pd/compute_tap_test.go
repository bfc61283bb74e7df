package gcppd_test

// computeTap is the shared recording reverse proxy (harness.Tap) between the
// PD CSI driver and fauxcloud, with what is Google's own. The driver's
// compute endpoint and its metadata host both point at the tap; every request
// is forwarded unchanged and remembered with its method, path, query, request
// body, status and answer body, with Google's error envelope (reason,
// message) and a failed operation's error taken out. A failing spec is reported with the calls the driver made
// during it, precisely enough to reproduce them with curl.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"fauxcloud.test/conformance/harness"
)

type computeCall struct {
	Seq      int
	Time     time.Time
	Method   string
	Path     string
	Query    string
	ReqBody  string
	Status   int
	RespBody string // cut at maxKeptBody
	Reason   string // errors[0].reason of Google's error envelope, for status >= 400
	Message  string // error.message of the envelope
	OpStatus string // status of an Operation answer
	OpError  string // error.errors[0] of an Operation answer: code: message
	Err      string // transport error talking to fauxcloud
}

// maxKeptBody caps the answer body kept per call.
const maxKeptBody = 64 << 10

func (c computeCall) failed() bool { return c.Status >= 400 || c.Err != "" || c.OpError != "" }

func (c computeCall) isMetadata() bool { return strings.HasPrefix(c.Path, "/computeMetadata/") }

// op names the call by its method and path without the common prefix, e.g.
// "GET beta zones/us-central1-a/disks/pvc-1".
func (c computeCall) op() string {
	p := computePrefix.ReplaceAllString(c.Path, "$1 ")
	return c.Method + " " + p
}

var computePrefix = regexp.MustCompile(`^/compute/(v1|beta|alpha)/projects/[^/]+/`)

func (c computeCall) String() string {
	s := c.op()
	if c.Query != "" {
		s += "?" + c.Query
	}
	if c.ReqBody != "" {
		s += " body=" + harness.Cut(c.ReqBody, 600)
	}
	switch {
	case c.Err != "":
		s += " -> transport error: " + c.Err
	case c.Status >= 400:
		s += fmt.Sprintf(" -> HTTP %d %s: %s", c.Status, c.Reason, c.Message)
	case c.OpError != "":
		s += fmt.Sprintf(" -> HTTP %d operation %s with error %s", c.Status, c.OpStatus, c.OpError)
	case c.OpStatus != "":
		s += fmt.Sprintf(" -> HTTP %d operation %s", c.Status, c.OpStatus)
	default:
		s += fmt.Sprintf(" -> HTTP %d", c.Status)
	}
	return s
}

// detail renders the call in full: request line, body and answer.
func (c computeCall) detail() string {
	return harness.CallText{Method: c.Method, Path: c.Path, Query: c.Query, ReqBody: c.ReqBody, Status: c.Status, RespBody: c.RespBody, Err: c.Err}.Detail()
}

// computeTap decodes the calls a harness.Tap records.
type computeTap struct{ *harness.Tap }

// computeAnswer is what the tap decodes from an answer.
type computeAnswer struct {
	Reason, Message   string // Google's error envelope, for status >= 400
	OpStatus, OpError string // an Operation answer's status and first error
}

// startComputeTap starts a tap forwarding to target; caPEM, when not nil,
// is the CA an https target's certificate is checked against.
func startComputeTap(target string, caPEM []byte) (*computeTap, error) {
	tap, err := harness.StartTap(target, harness.TapOptions{RootCAs: caPEM, OnAnswer: decodeComputeAnswer})
	if err != nil {
		return nil, err
	}
	return &computeTap{tap}, nil
}

// decodeComputeAnswer keeps the answer's body (cut at maxKeptBody) and takes
// out Google's error envelope or a compute Operation's status and error.
func decodeComputeAnswer(e *harness.Exchange, body []byte) {
	e.Body = body[:min(len(body), maxKeptBody)]
	var a computeAnswer
	if e.Status >= 400 {
		var env struct {
			Error struct {
				Message string `json:"message"`
				Errors  []struct {
					Reason string `json:"reason"`
				} `json:"errors"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil {
			a.Message = env.Error.Message
			if len(env.Error.Errors) > 0 {
				a.Reason = env.Error.Errors[0].Reason
			}
		}
	} else if strings.HasPrefix(e.Path, "/compute/") {
		var op struct {
			Kind   string `json:"kind"`
			Status string `json:"status"`
			Error  *struct {
				Errors []struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"errors"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &op) == nil && op.Kind == "compute#operation" {
			a.OpStatus = op.Status
			if op.Error != nil && len(op.Error.Errors) > 0 {
				a.OpError = op.Error.Errors[0].Code + ": " + op.Error.Errors[0].Message
			}
		}
	}
	e.Info = a
}

// mark returns a position to pass to since.
func (t *computeTap) mark() int { return t.Mark() }

// since returns the calls answered among those recorded after mark (Seq
// counts from 1).
func (t *computeTap) since(mark int) []computeCall {
	var out []computeCall
	for _, e := range t.Since(mark) {
		if !e.Done {
			continue
		}
		a, _ := e.Info.(computeAnswer)
		out = append(out, computeCall{
			Seq: e.Seq + 1, Time: e.Time, Method: e.Method, Path: e.Path, Query: e.Query,
			ReqBody: string(e.ReqBody), Status: e.Status, RespBody: string(e.Body), Err: e.Err,
			Reason: a.Reason, Message: a.Message, OpStatus: a.OpStatus, OpError: a.OpError,
		})
	}
	return out
}
