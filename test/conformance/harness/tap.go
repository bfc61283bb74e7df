package harness

// Tap is the recording reverse proxy the modules put between a component under
// test and fauxcloud: the component is pointed at the tap, every request is
// forwarded unchanged (Host header included, no X-Forwarded-For: fauxcloud's
// metadata servers refuse that header, as Google's and AWS's do), and each
// exchange is remembered, so a failing test can say exactly what the
// component sent and what it was answered, which fauxcloud's journal does not
// carry. How a cloud's calls are decoded and printed stays in its module
// (TapOptions.OnAnswer).

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Exchange is one request that went through a Tap and, once Done, its answer.
type Exchange struct {
	Seq     int       // position in the tap's record, from 0, in order of arrival
	Time    time.Time // when the request arrived
	Method  string
	Path    string
	Query   string // raw query
	ReqBody []byte
	Done    bool   // the answer (or the transport error) is in
	Status  int    // the answer's status; 0 while in flight or on a transport error
	Err     string // the transport error talking to the target, if any
	Body    []byte // what OnAnswer kept of the answer's body
	Info    any    // what OnAnswer decoded from the answer
}

// TapOptions configure StartTap.
type TapOptions struct {
	// RootCAs, when not nil, is the PEM of the CA an https target's
	// certificate is checked against.
	RootCAs []byte
	// OnAnswer sees every answer once, with its body decoded (gzip undone),
	// and may keep what it wants in e.Body and e.Info. Without it no body is
	// kept.
	OnAnswer func(e *Exchange, body []byte)
}

// Tap is a running recording proxy; see StartTap.
type Tap struct {
	URL  string // http://127.0.0.1:<port>
	Host string // 127.0.0.1:<port>, e.g. for GCE_METADATA_HOST

	srv      *http.Server
	onAnswer func(*Exchange, []byte)
	mu       sync.Mutex
	calls    []Exchange
}

type tapIndex struct{}

// StartTap listens on a free loopback port and forwards everything to target
// (a base URL).
func StartTap(target string, o TapOptions) (*Tap, error) {
	tu, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	// Straight to fauxcloud, never through a proxy of the machine.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConnsPerHost = 32
	if o.RootCAs != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(o.RootCAs) {
			return nil, errors.New("no certificate in the CA PEM")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &Tap{URL: "http://" + ln.Addr().String(), Host: ln.Addr().String(), onAnswer: o.OnAnswer}
	proxy := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(tu)
			r.Out.Host = r.In.Host // signatures and selfLinks cover Host; keep what the client sent
		},
		ModifyResponse: func(resp *http.Response) error {
			idx, ok := resp.Request.Context().Value(tapIndex{}).(int)
			if !ok {
				return nil
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(raw))
			if err != nil {
				return err
			}
			t.finish(idx, resp.StatusCode, decodeBody(resp.Header, raw), "")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if idx, ok := r.Context().Value(tapIndex{}).(int); ok {
				t.finish(idx, 0, nil, err.Error())
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	t.srv = &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Keep the request body for the record and give the proxy a copy.
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			idx := t.begin(Exchange{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ReqBody: body})
			proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tapIndex{}, idx)))
		}),
	}
	go t.srv.Serve(ln)
	return t, nil
}

// decodeBody undoes a gzip Content-Encoding, for inspection only (the client
// gets the answer as sent).
func decodeBody(h http.Header, raw []byte) []byte {
	if !strings.EqualFold(h.Get("Content-Encoding"), "gzip") {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return raw
	}
	defer zr.Close()
	body, err := io.ReadAll(zr)
	if err != nil {
		return raw
	}
	return body
}

func (t *Tap) begin(e Exchange) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.Seq = len(t.calls)
	t.calls = append(t.calls, e)
	return e.Seq
}

func (t *Tap) finish(idx, status int, body []byte, transportErr string) {
	t.mu.Lock()
	e := t.calls[idx]
	t.mu.Unlock()
	e.Done, e.Status, e.Err = true, status, transportErr
	if t.onAnswer != nil && transportErr == "" {
		t.onAnswer(&e, body)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls[idx] = e
}

// Mark returns a position to pass to Since.
func (t *Tap) Mark() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}

// Since returns a copy of the exchanges recorded from position m on, those
// still in flight included (Done false).
func (t *Tap) Since(m int) []Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m > len(t.calls) {
		return nil
	}
	return append([]Exchange(nil), t.calls[m:]...)
}

// Close stops the tap, giving requests in flight up to 2 s to finish. It is
// a no-op on a nil tap.
func (t *Tap) Close() {
	if t == nil || t.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if t.srv.Shutdown(ctx) != nil {
		t.srv.Close()
	}
}

// CallText is one tapped call as a test's failure message shows it in full.
type CallText struct {
	Method, Path, Query string
	ReqBody             string // "" leaves the request body out (empty, or not to be shown)
	Status              int
	RespBody            string
	Err                 string // the transport error, if any, instead of an answer
}

// Detail renders the call: request line, request body and answer, each body cut at 2,000 bytes.
func (c CallText) Detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", c.Method, c.Path)
	if c.Query != "" {
		fmt.Fprintf(&b, "?%s", c.Query)
	}
	if c.ReqBody != "" {
		fmt.Fprintf(&b, "\n        request body: %s", Cut(c.ReqBody, 2000))
	}
	if c.Err != "" {
		fmt.Fprintf(&b, "\n        transport error: %s", c.Err)
	} else {
		fmt.Fprintf(&b, "\n        answer: HTTP %d %s", c.Status, Cut(c.RespBody, 2000))
	}
	return b.String()
}

// Cut trims s and shortens it to at most n bytes, marking the cut with "...".
func Cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
