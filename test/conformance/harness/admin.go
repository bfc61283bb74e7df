package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// adminTimeout bounds one admin API call.
const adminTimeout = 10 * time.Second

// Admin calls fauxcloud's admin API (/_fauxcloud/...) at BaseURL, the
// server's HTTP base URL.
type Admin struct {
	BaseURL string
}

// Call sends body (JSON, when not nil) with method to path and returns the
// answer's body; an answer other than 2xx is an error.
func (a Admin) Call(method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("marshal admin body: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.BaseURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("admin request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("admin %s %s: HTTP %d: %s", method, path, resp.StatusCode, out)
	}
	return out, nil
}

// Reset restores the scenario seed.
func (a Admin) Reset() error {
	_, err := a.Call(http.MethodPost, "/_fauxcloud/reset", map[string]any{})
	return err
}

// SetLifecycle sets per-resource-type lifecycle delays; an empty map
// restores instant transitions.
func (a Admin) SetLifecycle(spec map[string]any) error {
	_, err := a.Call(http.MethodPut, "/_fauxcloud/lifecycle", spec)
	return err
}

// SetClock sets fauxcloud's virtual now (sent as epoch milliseconds); the
// clock keeps running at its speed from there.
func (a Admin) SetClock(now time.Time) error {
	_, err := a.Call(http.MethodPut, "/_fauxcloud/clock", map[string]any{"now": now.UnixMilli()})
	return err
}

// OpenIMDS opens an IMDS port pinned to one instance and returns its
// endpoint and port (for CloseIMDS).
func (a Admin) OpenIMDS(instanceID string) (endpoint string, port int, err error) {
	out, err := a.Call(http.MethodPost, "/_fauxcloud/aws/imds", map[string]any{"instanceId": instanceID})
	if err != nil {
		return "", 0, err
	}
	var r struct {
		Port     int    `json:"port"`
		Endpoint string `json:"endpoint"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Endpoint == "" || r.Port == 0 {
		return "", 0, fmt.Errorf("POST /_fauxcloud/aws/imds: bad answer %q: %v", out, err)
	}
	return r.Endpoint, r.Port, nil
}

// CloseIMDS closes an IMDS port that OpenIMDS opened.
func (a Admin) CloseIMDS(port int) error {
	_, err := a.Call(http.MethodDelete, fmt.Sprintf("/_fauxcloud/aws/imds/%d", port), nil)
	return err
}

// JournalEntry is one record of fauxcloud's request journal.
type JournalEntry struct {
	Seq          int      `json:"seq"`
	Time         string   `json:"time"`
	Cloud        string   `json:"cloud"`
	Tenant       string   `json:"tenant"`
	Region       string   `json:"region"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	Service      string   `json:"service"`
	Operation    string   `json:"operation"`
	Status       int      `json:"status"`
	ErrorCode    string   `json:"errorCode"`
	ErrorMessage string   `json:"errorMessage"`
	ResourceIDs  []string `json:"resourceIds"`
	Rule         string   `json:"rule"`
	// Raw is the record as the server sent it, with the fields not named
	// above.
	Raw string `json:"-"`
}

// String is the record as the server sent it.
func (e JournalEntry) String() string {
	if e.Raw != "" {
		return e.Raw
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// Journal returns the journal records matching q (service, operation,
// status, errorCode, resourceId, since, limit, ...), oldest first, and the
// sequence number of the newest record in the journal.
func (a Admin) Journal(q url.Values) ([]JournalEntry, int, error) {
	out, err := a.Call(http.MethodGet, "/_fauxcloud/journal?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, err
	}
	var r struct {
		Entries []json.RawMessage `json:"entries"`
		LastSeq *int              `json:"lastSeq"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, 0, fmt.Errorf("journal: bad body %q: %v", out, err)
	}
	entries := make([]JournalEntry, 0, len(r.Entries))
	last := 0
	for _, raw := range r.Entries {
		var e JournalEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, 0, fmt.Errorf("journal entry %s: %v", raw, err)
		}
		e.Raw = string(raw)
		entries = append(entries, e)
		last = max(last, e.Seq)
	}
	if r.LastSeq != nil {
		last = *r.LastSeq
	}
	return entries, last, nil
}

// JournalLastSeq returns the sequence number of the newest journal record,
// to pass as "since" so later queries see only what came after.
func (a Admin) JournalLastSeq() (int, error) {
	_, last, err := a.Journal(url.Values{"limit": {"1"}})
	return last, err
}

// JournalCount returns how many journal records match q, e.g.
// url.Values{"operation": {"DescribeVolumes"}}.
func (a Admin) JournalCount(q url.Values) (int, error) {
	out, err := a.Call(http.MethodGet, "/_fauxcloud/journal/count?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	var r struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Count == nil {
		return 0, fmt.Errorf("journal count: bad body %q: %v", out, err)
	}
	return *r.Count, nil
}
