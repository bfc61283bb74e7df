package gcppd_test

// computeTap is a transparent recording reverse proxy between the PD CSI
// driver and fauxcloud. The driver's compute endpoint and its metadata host
// both point at the tap; every request is forwarded unchanged and remembered
// with its method, path, query, request body, status and answer body, with
// Google's error envelope (reason, message) and a failed operation's error
// taken out. A failing spec is reported with the calls the driver made
// during it, precisely enough to reproduce them with curl.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
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
		s += " body=" + cut(c.ReqBody, 600)
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
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", c.Method, c.Path)
	if c.Query != "" {
		fmt.Fprintf(&b, "?%s", c.Query)
	}
	if c.ReqBody != "" {
		fmt.Fprintf(&b, "\n        request body: %s", cut(c.ReqBody, 2000))
	}
	if c.Err != "" {
		fmt.Fprintf(&b, "\n        transport error: %s", c.Err)
	} else {
		fmt.Fprintf(&b, "\n        answer: HTTP %d %s", c.Status, cut(c.RespBody, 2000))
	}
	return b.String()
}

func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

type computeTap struct {
	URL   string
	Host  string // host:port, for GCE_METADATA_HOST
	srv   *http.Server
	ln    net.Listener
	mu    sync.Mutex
	calls []computeCall
}

// startComputeTap starts a tap forwarding to target; caPEM, when not nil,
// is the CA an https target's certificate is checked against.
func startComputeTap(target string, caPEM []byte) (*computeTap, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &computeTap{URL: "http://" + ln.Addr().String(), Host: ln.Addr().String(), ln: ln}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32}
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("no certificate in the CA PEM")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	rp.Transport = tr
	// Forward as is: no X-Forwarded-For (the metadata server, like Google's,
	// refuses requests that carry one).
	direct := rp.Director
	rp.Director = func(r *http.Request) {
		direct(r)
		r.Header["X-Forwarded-For"] = nil
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		body := raw
		if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
			if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
				body, _ = io.ReadAll(zr)
			}
		}
		t.record(resp.Request, resp.StatusCode, body, "")
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		t.record(r, 0, nil, err.Error())
		w.WriteHeader(http.StatusBadGateway)
	}
	t.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Keep the request body for the record and give the proxy a copy.
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(b))
			r = r.WithContext(context.WithValue(r.Context(), reqBodyKey{}, b))
		}
		rp.ServeHTTP(w, r)
	})}
	go t.srv.Serve(ln)
	return t, nil
}

type reqBodyKey struct{}

func (t *computeTap) record(r *http.Request, status int, body []byte, transportErr string) {
	c := computeCall{
		Time:   time.Now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Status: status,
		Err:    transportErr,
	}
	if b, ok := r.Context().Value(reqBodyKey{}).([]byte); ok {
		c.ReqBody = string(b)
	}
	c.RespBody = string(body)
	if len(c.RespBody) > maxKeptBody {
		c.RespBody = c.RespBody[:maxKeptBody]
	}
	if status >= 400 {
		var env struct {
			Error struct {
				Message string `json:"message"`
				Errors  []struct {
					Reason string `json:"reason"`
				} `json:"errors"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil {
			c.Message = env.Error.Message
			if len(env.Error.Errors) > 0 {
				c.Reason = env.Error.Errors[0].Reason
			}
		}
	} else if strings.HasPrefix(c.Path, "/compute/") {
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
			c.OpStatus = op.Status
			if op.Error != nil && len(op.Error.Errors) > 0 {
				c.OpError = op.Error.Errors[0].Code + ": " + op.Error.Errors[0].Message
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c.Seq = len(t.calls) + 1
	t.calls = append(t.calls, c)
}

// mark returns a position to pass to since.
func (t *computeTap) mark() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}

// since returns the calls recorded after mark.
func (t *computeTap) since(mark int) []computeCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	if mark > len(t.calls) {
		return nil
	}
	return append([]computeCall(nil), t.calls[mark:]...)
}

func (t *computeTap) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	t.srv.Shutdown(ctx)
}
