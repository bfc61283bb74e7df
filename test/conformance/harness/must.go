package harness

import (
	"net/url"
	"testing"
	"time"
)

// Must is Admin for tests: each call fails t (t.Fatal) on an error, so the
// modules' one-line wrappers (resetStore, journalLastSeq, …) need no error
// handling of their own.
type Must struct {
	t testing.TB
	a Admin
}

// Must returns the admin calls that fail t on an error.
func (a Admin) Must(t testing.TB) Must { return Must{t, a} }

// Call is Admin.Call.
func (m Must) Call(method, path string, body any) []byte {
	m.t.Helper()
	out, err := m.a.Call(method, path, body)
	Check(m.t, err)
	return out
}

// Reset is Admin.Reset.
func (m Must) Reset() {
	m.t.Helper()
	Check(m.t, m.a.Reset())
}

// SetLifecycle is Admin.SetLifecycle.
func (m Must) SetLifecycle(spec map[string]any) {
	m.t.Helper()
	Check(m.t, m.a.SetLifecycle(spec))
}

// SetClock is Admin.SetClock.
func (m Must) SetClock(now time.Time) {
	m.t.Helper()
	Check(m.t, m.a.SetClock(now))
}

// Journal is Admin.Journal without the last sequence number.
func (m Must) Journal(q url.Values) []JournalEntry {
	m.t.Helper()
	entries, _, err := m.a.Journal(q)
	Check(m.t, err)
	return entries
}

// CloudJournal is Admin.CloudJournal.
func (m Must) CloudJournal(cloud string, since int) []JournalEntry {
	m.t.Helper()
	entries, err := m.a.CloudJournal(cloud, since)
	Check(m.t, err)
	return entries
}

// JournalLastSeq is Admin.JournalLastSeq.
func (m Must) JournalLastSeq() int {
	m.t.Helper()
	n, err := m.a.JournalLastSeq()
	Check(m.t, err)
	return n
}

// JournalCount is Admin.JournalCount.
func (m Must) JournalCount(q url.Values) int {
	m.t.Helper()
	n, err := m.a.JournalCount(q)
	Check(m.t, err)
	return n
}
