package aws_test

// ec2Tap is the shared recording reverse proxy (harness.Tap) between a
// component under test and fauxcloud, with what is EC2's own: the component
// is pointed at the tap instead of at fauxcloud (for the EBS CSI driver:
// AWS_EC2_ENDPOINT), every request is forwarded byte for byte, and each EC2
// Query call is read back with its form parameters and, for error answers,
// the EC2 error code and message.
//
// It exists so that a failing upstream test can say exactly which EC2 call
// failed and what the component sent, which fauxcloud's journal (operation,
// status, error code) does not carry. On request (keepBodies) it also keeps
// the body of successful answers to chosen actions, so a test can see which
// states a component was shown (e.g. every DescribeVolumes answer while an
// attachment was "attaching").

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"fauxcloud.test/conformance/harness"
)

type ec2Call struct {
	Seq     int
	Time    time.Time
	Action  string
	Params  url.Values // form parameters without Action and Version
	Status  int
	Code    string // EC2 error code, for status >= 400
	Message string // EC2 error message, for status >= 400
	Err     string // transport error talking to fauxcloud, if any
	Body    []byte // the answer's body, for successful actions chosen with keepBodies
}

func (c ec2Call) failed() bool { return c.Status >= 400 || c.Err != "" }

// paramString renders the parameters as sorted k=v pairs, long values cut.
func (c ec2Call) paramString() string {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range c.Params[k] {
			if len(v) > 80 {
				v = v[:77] + "..."
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%s", k, v)
		}
	}
	return b.String()
}

func (c ec2Call) String() string {
	s := fmt.Sprintf("%s [%s]", c.Action, c.paramString())
	switch {
	case c.Err != "":
		s += " -> transport error: " + c.Err
	case c.Status >= 400:
		s += fmt.Sprintf(" -> HTTP %d %s: %s", c.Status, c.Code, c.Message)
	default:
		s += fmt.Sprintf(" -> HTTP %d", c.Status)
	}
	return s
}

// ec2Tap decodes the EC2 Query calls a harness.Tap records.
type ec2Tap struct {
	*harness.Tap
	mu       sync.Mutex
	keepBody func(action string) bool
}

// maxKeptBody caps a kept answer body.
const maxKeptBody = 1 << 20

// keepBodies makes the tap keep the body of every successful answer to an
// action keep accepts (nil: none).
func (t *ec2Tap) keepBodies(keep func(action string) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keepBody = keep
}

func (t *ec2Tap) wantsBody(action string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.keepBody != nil && t.keepBody(action)
}

// ec2Error is what the tap decodes from an error answer.
type ec2Error struct{ Code, Message string }

var (
	ec2ErrCode = regexp.MustCompile(`<Code>([^<]*)</Code>`)
	ec2ErrMsg  = regexp.MustCompile(`<Message>([^<]*)</Message>`)
)

// startEC2Tap listens on a free loopback port and forwards to target.
func startEC2Tap(target string) (*ec2Tap, error) {
	tap := &ec2Tap{}
	var err error
	tap.Tap, err = harness.StartTap(target, harness.TapOptions{OnAnswer: func(e *harness.Exchange, body []byte) {
		switch {
		case e.Status/100 == 2:
			if _, action := ec2Params(*e); tap.wantsBody(action) && len(body) <= maxKeptBody {
				e.Body = body
			}
		case e.Status >= 400:
			var ee ec2Error
			if m := ec2ErrCode.FindSubmatch(body); m != nil {
				ee.Code = string(m[1])
			}
			if m := ec2ErrMsg.FindSubmatch(body); m != nil {
				ee.Message = xmlUnescape(string(m[1]))
			}
			e.Info = ee
		}
	}})
	if err != nil {
		return nil, err
	}
	return tap, nil
}

// ec2Params returns the form and query parameters of a recorded request
// without Action and Version, and the Action.
func ec2Params(e harness.Exchange) (url.Values, string) {
	params, _ := url.ParseQuery(string(e.ReqBody))
	if q, err := url.ParseQuery(e.Query); err == nil {
		for k, v := range q {
			params[k] = append(params[k], v...)
		}
	}
	action := params.Get("Action")
	params.Del("Action")
	params.Del("Version")
	return params, action
}

func toEC2Call(e harness.Exchange) ec2Call {
	params, action := ec2Params(e)
	c := ec2Call{Seq: e.Seq, Time: e.Time, Action: action, Params: params, Status: e.Status, Err: e.Err, Body: e.Body}
	if ee, ok := e.Info.(ec2Error); ok {
		c.Code, c.Message = ee.Code, ee.Message
	}
	if e.Err != "" {
		c.Status = http.StatusBadGateway
	}
	return c
}

// mark returns a position to pass to since.
func (t *ec2Tap) mark() int { return t.Mark() }

// since returns the calls recorded from position m on, those still in flight
// included (Status 0).
func (t *ec2Tap) since(m int) []ec2Call {
	var out []ec2Call
	for _, e := range t.Since(m) {
		out = append(out, toEC2Call(e))
	}
	return out
}

func (t *ec2Tap) close() {
	if t != nil {
		t.Close()
	}
}

func xmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&").Replace(s)
}
