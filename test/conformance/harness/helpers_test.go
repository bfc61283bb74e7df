package harness

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestTapRecordsAndForwards(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-For") != "" {
			http.Error(w, "forwarded", http.StatusForbidden)
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("X-Host", r.Host)
		zw := gzip.NewWriter(w)
		zw.Write([]byte("echo:" + string(b)))
		zw.Close()
	}))
	defer upstream.Close()
	tap, err := StartTap(upstream.URL, TapOptions{OnAnswer: func(e *Exchange, body []byte) {
		e.Body = body
		e.Info = len(body)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer tap.Close()
	if tap.URL != "http://"+tap.Host {
		t.Errorf("URL %q, Host %q", tap.URL, tap.Host)
	}
	mark := tap.Mark()
	req, _ := http.NewRequest(http.MethodPost, tap.URL+"/a/b?x=1", strings.NewReader("hello"))
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Host") != tap.Host || bytes.Equal(raw, []byte("echo:hello")) {
		t.Errorf("answer %d host %q body %q: want 200, the tap's host, still gzipped", resp.StatusCode, resp.Header.Get("X-Host"), raw)
	}
	calls := tap.Since(mark)
	if len(calls) != 1 {
		t.Fatalf("recorded %d exchanges, want 1", len(calls))
	}
	e := calls[0]
	if !e.Done || e.Seq != 0 || e.Method != "POST" || e.Path != "/a/b" || e.Query != "x=1" || string(e.ReqBody) != "hello" ||
		e.Status != 200 || string(e.Body) != "echo:hello" || e.Info != 10 || e.Err != "" {
		t.Errorf("exchange = %+v", e)
	}
	if got := tap.Since(tap.Mark() + 1); got != nil {
		t.Errorf("Since past the end = %v", got)
	}
}

func TestIsolateEnv(t *testing.T) {
	t.Setenv("FAUXCLOUD_TEST_A", "a")
	t.Setenv("FAUXCLOUD_TEST_B", "")
	if err := IsolateEnv([]string{"FAUXCLOUD_TEST_A"}, map[string]string{"FAUXCLOUD_TEST_B": "b"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := os.LookupEnv("FAUXCLOUD_TEST_A"); ok || os.Getenv("FAUXCLOUD_TEST_B") != "b" {
		t.Errorf("A set %v, B = %q", ok, os.Getenv("FAUXCLOUD_TEST_B"))
	}
	p, err := EmptyFile("fauxcloud-harness-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(strings.TrimSuffix(p, "/empty"))
	if st, err := os.Stat(p); err != nil || st.Size() != 0 {
		t.Errorf("EmptyFile: %v %v", st, err)
	}
}

func TestWantCloudAndErrorAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/_fauxcloud/health":
			w.Write([]byte(`{"clouds":["aws","gcp"]}`))
		case "/_fauxcloud/journal":
			if r.URL.Query().Get("since") != "4" || r.URL.Query().Get("limit") != errorAnswersLimit {
				http.Error(w, "query "+r.URL.RawQuery, http.StatusBadRequest)
				return
			}
			w.Write([]byte(`{"entries":[{"seq":5,"status":200},{"seq":6,"status":404,"cloud":"gcp","path":"/x"}],"lastSeq":6}`))
		}
	}))
	defer srv.Close()
	a := Admin{BaseURL: srv.URL}
	if err := a.WantCloud("gcp"); err != nil {
		t.Errorf("WantCloud(gcp): %v", err)
	}
	if err := a.WantCloud("azure"); err == nil || !strings.Contains(err.Error(), "does not serve azure") {
		t.Errorf("WantCloud(azure) = %v", err)
	}
	got, err := a.ErrorAnswers(4)
	if err != nil || len(got) != 1 || got[0].Seq != 6 || got[0].Cloud != "gcp" || got[0].Path != "/x" {
		t.Errorf("ErrorAnswers = %+v, %v", got, err)
	}
}
