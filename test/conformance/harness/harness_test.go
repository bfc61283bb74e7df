package harness

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestParseReadyLine(t *testing.T) {
	for _, c := range []struct {
		line, http, https string
		ok                bool
	}{
		{"fauxcloud ready http=http://127.0.0.1:4566 https=https://127.0.0.1:4567", "http://127.0.0.1:4566", "https://127.0.0.1:4567", true},
		{"fauxcloud ready http=http://[::1]:1/ https=https://[::1]:2/  ", "http://[::1]:1/", "https://[::1]:2/", true},
		{"fauxcloud ready http=http://127.0.0.1:4566", "", "", false},
		{"info: fauxcloud ready http=a https=b", "", "", false},
		{"", "", "", false},
	} {
		h, hs, ok := ParseReadyLine(c.line)
		if h != c.http || hs != c.https || ok != c.ok {
			t.Errorf("ParseReadyLine(%q) = %q, %q, %v; want %q, %q, %v", c.line, h, hs, ok, c.http, c.https, c.ok)
		}
	}
}

func TestLogBufferKeepsNewest(t *testing.T) {
	var l logBuffer
	l.Write(bytes.Repeat([]byte("a"), maxLog-10))
	l.Write(bytes.Repeat([]byte("b"), 20))
	if l.buf.Len() != maxLog {
		t.Fatalf("kept %d bytes, want %d", l.buf.Len(), maxLog)
	}
	if got := string(l.tail(21)); got != "a"+string(bytes.Repeat([]byte("b"), 20)) {
		t.Fatalf("tail = %q", got)
	}
	l.Write(bytes.Repeat([]byte("c"), maxLog+5))
	if l.buf.Len() != maxLog+5 || l.tail(1)[0] != 'c' {
		t.Fatalf("after an oversized write kept %d bytes", l.buf.Len())
	}
}

func TestAdminJournal(t *testing.T) {
	var gotQuery url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.Query()
		switch r.URL.Path {
		case "/_fauxcloud/journal":
			w.Write([]byte(`{"entries":[{"seq":3,"service":"ec2","operation":"AttachVolume","status":200,"resourceIds":["vol-1"],"rule":"r","extra":1}],"lastSeq":7}`))
		case "/_fauxcloud/journal/count":
			json.NewEncoder(w).Encode(map[string]int{"count": 2})
		default:
			http.Error(w, "nope", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	a := Admin{BaseURL: srv.URL}

	entries, last, err := a.Journal(url.Values{"operation": {"AttachVolume"}})
	if err != nil {
		t.Fatal(err)
	}
	if last != 7 || len(entries) != 1 {
		t.Fatalf("Journal = %v, %d; want one entry, lastSeq 7", entries, last)
	}
	e := entries[0]
	if e.Seq != 3 || e.Service != "ec2" || e.Operation != "AttachVolume" || e.Status != 200 || e.Rule != "r" || len(e.ResourceIDs) != 1 {
		t.Errorf("entry = %#v", e)
	}
	if e.String() != e.Raw || !bytes.Contains([]byte(e.Raw), []byte(`"extra":1`)) {
		t.Errorf("String() = %s; want the raw record", e)
	}
	if gotQuery.Get("operation") != "AttachVolume" {
		t.Errorf("query = %v", gotQuery)
	}
	if n, err := a.JournalCount(url.Values{"status": {"200"}}); err != nil || n != 2 {
		t.Errorf("JournalCount = %d, %v; want 2", n, err)
	}
	if n, err := a.JournalLastSeq(); err != nil || n != 7 || gotQuery.Get("limit") != "1" {
		t.Errorf("JournalLastSeq = %d, %v (query %v); want 7 with limit=1", n, err, gotQuery)
	}
	if err := a.Reset(); err == nil {
		t.Errorf("Reset against a 404 answered no error")
	}
}
