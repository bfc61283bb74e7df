package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// errorAnswersLimit bounds how many records ErrorAnswers reads: more than a
// cloud-controller test makes, so none is missed.
const errorAnswersLimit = "2000"

// ErrorAnswers returns the records after since whose answer was an error
// (status >= 400), oldest first.
func (a Admin) ErrorAnswers(since int) ([]JournalEntry, error) {
	entries, _, err := a.Journal(url.Values{"since": {fmt.Sprint(since)}, "limit": {errorAnswersLimit}})
	if err != nil {
		return nil, err
	}
	var errs []JournalEntry
	for _, e := range entries {
		if e.Status >= 400 {
			errs = append(errs, e)
		}
	}
	return errs, nil
}

// LogErrorAnswers writes every error answer fauxcloud journaled after since
// into t's log, so a failure names the requests that went wrong.
func LogErrorAnswers(t testing.TB, a Admin, since int) {
	t.Helper()
	errs, err := a.ErrorAnswers(since)
	Check(t, err)
	for _, e := range errs {
		t.Logf("fauxcloud error answer: %s", e)
	}
}

// CloudJournal returns the records of one cloud ("gcp", "aws") after since,
// oldest first.
func (a Admin) CloudJournal(cloud string, since int) ([]JournalEntry, error) {
	entries, _, err := a.Journal(url.Values{"cloud": {cloud}, "since": {fmt.Sprint(since)}})
	return entries, err
}

// WantCloud stops a run early, with a clear reason, when the server does not
// serve cloud at all (its /_fauxcloud/health lists the clouds it serves).
func (a Admin) WantCloud(cloud string) error {
	out, err := a.Call(http.MethodGet, "/_fauxcloud/health", nil)
	if err != nil {
		return err
	}
	var h struct {
		Clouds []string `json:"clouds"`
	}
	if err := json.Unmarshal(out, &h); err != nil {
		return fmt.Errorf("health: %v: %s", err, out)
	}
	if !slices.Contains(h.Clouds, cloud) {
		return fmt.Errorf("fauxcloud at %s does not serve %s (clouds %v)", a.BaseURL, cloud, h.Clouds)
	}
	return nil
}
