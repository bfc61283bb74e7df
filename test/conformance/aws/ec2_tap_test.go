package aws_test

// ec2Tap is a transparent recording reverse proxy between a component under
// test and fauxcloud. The component is pointed at the tap instead of at
// fauxcloud (for the EBS CSI driver: AWS_EC2_ENDPOINT), every request is
// forwarded byte for byte, and each EC2 Query call is remembered with its
// form parameters and, for error answers, the EC2 error code and message.
//
// It exists so that a failing upstream test can say exactly which EC2 call
// failed and what the component sent, which fauxcloud's journal (operation,
// status, error code) does not carry. On request (keepBodies) it also keeps
// the body of successful answers to chosen actions, so a test can see which
// states a component was shown (e.g. every DescribeVolumes answer while an
// attachment was "attaching").

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
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

type ec2Tap struct {
	URL      string
	srv      *http.Server
	ln       net.Listener
	mu       sync.Mutex
	calls    []ec2Call
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

// readBody reads an answer's body and puts an identical reader back; it
// returns the decoded bytes (gzip undone) for inspection.
func readBody(resp *http.Response) ([]byte, error) {
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(io.LimitReader(zr, maxKeptBody))
	}
	return raw, nil
}

type tapKey struct{}

var (
	ec2ErrCode = regexp.MustCompile(`<Code>([^<]*)</Code>`)
	ec2ErrMsg  = regexp.MustCompile(`<Message>([^<]*)</Message>`)
)

// startEC2Tap listens on a free loopback port and forwards to target.
func startEC2Tap(target string) (*ec2Tap, error) {
	tu, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	tap := &ec2Tap{URL: "http://" + ln.Addr().String(), ln: ln}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(tu)
			r.Out.Host = r.In.Host // the signature covers Host; keep what the client signed
		},
		ModifyResponse: func(resp *http.Response) error {
			idx, ok := resp.Request.Context().Value(tapKey{}).(int)
			if !ok {
				return nil
			}
			call := ec2Call{Status: resp.StatusCode}
			if resp.StatusCode < 400 {
				if action := tap.action(idx); resp.StatusCode/100 == 2 && tap.wantsBody(action) {
					if body, err := readBody(resp); err == nil && len(body) <= maxKeptBody {
						call.Body = body
					}
				}
			} else {
				body, err := readBody(resp)
				if err == nil {
					if m := ec2ErrCode.FindSubmatch(body); m != nil {
						call.Code = string(m[1])
					}
					if m := ec2ErrMsg.FindSubmatch(body); m != nil {
						call.Message = xmlUnescape(string(m[1]))
					}
				}
			}
			tap.finish(idx, call)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if idx, ok := r.Context().Value(tapKey{}).(int); ok {
				tap.finish(idx, ec2Call{Status: http.StatusBadGateway, Err: err.Error()})
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	tap.srv = &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			params, _ := url.ParseQuery(string(body))
			for k, v := range r.URL.Query() {
				params[k] = append(params[k], v...)
			}
			action := params.Get("Action")
			params.Del("Action")
			params.Del("Version")
			idx := tap.begin(ec2Call{Time: time.Now(), Action: action, Params: params})
			proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tapKey{}, idx)))
		}),
	}
	go tap.srv.Serve(ln)
	return tap, nil
}

func (t *ec2Tap) begin(c ec2Call) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.Seq = len(t.calls)
	t.calls = append(t.calls, c)
	return c.Seq
}

func (t *ec2Tap) finish(idx int, res ec2Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &t.calls[idx]
	c.Status, c.Code, c.Message, c.Err, c.Body = res.Status, res.Code, res.Message, res.Err, res.Body
}

func (t *ec2Tap) action(idx int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[idx].Action
}

// mark returns a position to pass to since.
func (t *ec2Tap) mark() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}

// since returns a copy of the calls recorded from position m on.
func (t *ec2Tap) since(m int) []ec2Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m > len(t.calls) {
		return nil
	}
	return append([]ec2Call(nil), t.calls[m:]...)
}

func (t *ec2Tap) close() {
	if t != nil && t.srv != nil {
		t.srv.Close()
	}
}

func xmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&").Replace(s)
}
