package csiharness

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// Spec is the record of one csi-sanity spec in one pass.
type Spec[C any] struct {
	Pass       string // the pass whose container holds the spec
	Text       string // ginkgo's full text, container included
	State      types.SpecState
	Failure    string // the failure message, or the skip message
	Where      string
	Duration   time.Duration
	Start, End time.Time
	Calls      []C      // what the tap recorded while the spec ran
	DriverErrs []string // klog error lines of a failed spec
	SkipWhy    string   // the Suite.Skips reason of a skipped spec
	Known      string   // why this failure is expected, when it is one
}

// recorder keeps a Spec per spec that ginkgo reports.
type recorder[C any] struct {
	suite            *Suite[C]
	xfails           int
	tapMark, logMark int
	results          []Spec[C]
}

func (r *recorder[C]) before(ginkgo.SpecReport) {
	r.tapMark = r.suite.Mark()
	r.logMark = r.suite.Log.Mark()
}

// klog error lines ("E0102 15:04:05.000000 ...").
var klogErrLine = regexp.MustCompile(`(?m)^E\d{4} .*$`)

func (r *recorder[C]) after(rep ginkgo.SpecReport) {
	res := Spec[C]{
		Text:     rep.FullText(),
		State:    rep.State,
		Duration: rep.RunTime,
		Start:    rep.StartTime,
		End:      rep.EndTime,
		Calls:    r.suite.Since(r.tapMark),
	}
	if len(rep.ContainerHierarchyTexts) > 0 {
		res.Pass = strings.TrimSuffix(strings.TrimPrefix(rep.ContainerHierarchyTexts[0], "["), "]")
	}
	if rep.Failed() {
		res.Failure = rep.Failure.Message
		res.Where = rep.Failure.Location.String()
		for _, l := range klogErrLine.FindAllString(r.suite.Log.Since(r.logMark), -1) {
			res.DriverErrs = append(res.DriverErrs, Cut(l, r.suite.ErrLineMax))
		}
		res.Known = r.suite.knownReason(res)
	}
	if rep.State == types.SpecStateSkipped {
		res.Failure = rep.Failure.Message
		for re, why := range r.suite.Skips {
			if regexp.MustCompile(re).MatchString(res.Text) {
				res.SkipWhy = why
			}
		}
	}
	r.results = append(r.results, res)
}

// knownReason says why a failed spec is one of the known failures (its text
// matches and its calls are the evidence), or "".
func (s *Suite[C]) knownReason(res Spec[C]) string {
	for _, kf := range s.KnownFailures {
		if !regexp.MustCompile(kf.Spec).MatchString(res.Text) {
			continue
		}
		if note, ok := kf.Evidence(res.Calls); ok {
			return kf.Why + note
		}
	}
	return ""
}

func (s *Suite[C]) isKnownFailure(text string) bool {
	for _, kf := range s.KnownFailures {
		if regexp.MustCompile(kf.Spec).MatchString(text) {
			return true
		}
	}
	return false
}

// resultsOf returns the specs of one pass, in the order they ran.
func (r *recorder[C]) resultsOf(pass string) []Spec[C] {
	var out []Spec[C]
	for _, s := range r.results {
		if s.Pass == pass {
			out = append(out, s)
		}
	}
	return out
}

// wallTime is the time from the first spec of a pass starting to its last
// spec ending (skipped specs do not count).
func wallTime[C any](specs []Spec[C]) time.Duration {
	var first, last time.Time
	for _, s := range specs {
		if s.State == types.SpecStateSkipped || s.Start.IsZero() {
			continue
		}
		if first.IsZero() || s.Start.Before(first) {
			first = s.Start
		}
		if s.End.After(last) {
			last = s.End
		}
	}
	if first.IsZero() {
		return 0
	}
	return last.Sub(first)
}

// render returns the report of one pass and its specs that failed unexpectedly.
func (r *recorder[C]) render(pass string, specs []Spec[C]) (string, []string) {
	s := r.suite
	var b strings.Builder
	counts := map[string]int{}
	var unexpected []string
	for _, sp := range specs {
		w := s.word(sp)
		counts[w]++
		switch w {
		case "FAIL":
			unexpected = append(unexpected, sp.Text+": "+FirstLine(sp.Failure))
		case "XFAIL":
			r.xfails++
		}
	}
	head := fmt.Sprintf("%s, %s %s: %d specs", s.Name, s.PassLabel, pass, len(specs))
	if s.WallTime {
		head += " in " + wallTime(specs).Round(time.Second).String()
	}
	fmt.Fprintf(&b, "== %s: %d passed, %d failed, %d skipped, %d failed as known (XFAIL), %d known failures passed (XPASS) ==\n",
		head, counts["PASS"], counts["FAIL"], counts["SKIP"], counts["XFAIL"], counts["XPASS"])
	sorted := append([]Spec[C](nil), specs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Text < sorted[j].Text })
	for _, sp := range sorted {
		w := s.word(sp)
		line := fmt.Sprintf("%-5s  %s  (%s)", w, sp.Text, sp.Duration.Round(10*time.Millisecond))
		switch w {
		case "SKIP":
			why := sp.SkipWhy
			if why == "" {
				why = FirstLine(sp.Failure)
			}
			if why == "" && sp.State == types.SpecStatePending {
				why = s.PendingWhy
			}
			if why != "" {
				line += "  -- " + why
			}
		case "XFAIL":
			line += "  -- " + sp.Known
		case "XPASS":
			line += "  -- listed in sanityKnownFailures but passed: remove it from the list"
		}
		b.WriteString(line + "\n")
	}
	for _, sp := range sorted {
		w := s.word(sp)
		if w != "FAIL" && w != "XFAIL" {
			continue
		}
		fmt.Fprintf(&b, "\n---- %s: %s\n  at %s\n  %s\n", w, sp.Text, sp.Where, indent(strings.TrimSpace(sp.Failure), "  "))
		if s.DescribeCalls != nil {
			b.WriteString(s.DescribeCalls(sp.Calls))
		}
		if len(sp.DriverErrs) > 0 {
			b.WriteString("  driver error log:\n")
			for _, l := range sp.DriverErrs {
				fmt.Fprintf(&b, "    %s\n", l)
			}
		}
	}
	return b.String(), unexpected
}

// CallList is one section of a failed spec's report: "  title:" and a line
// per call that keep accepts (nil: every call), or nothing when keep accepts
// none. A call whose line is "" is counted as kept but not listed.
func CallList[C any](title string, calls []C, keep func(C) bool, line func(C) string) string {
	var b strings.Builder
	for _, c := range calls {
		if keep != nil && !keep(c) {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("  " + title + ":\n")
		}
		if l := line(c); l != "" {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

// word is the spec's verdict in the report.
func (s *Suite[C]) word(sp Spec[C]) string {
	w := stateWord(sp.State)
	switch {
	case w == "FAIL" && sp.Known != "":
		return "XFAIL"
	case w == "PASS" && s.isKnownFailure(sp.Text):
		return "XPASS"
	}
	return w
}

func stateWord(s types.SpecState) string {
	switch {
	case s == types.SpecStatePassed:
		return "PASS"
	case s == types.SpecStateSkipped || s == types.SpecStatePending:
		return "SKIP"
	case s.Is(types.SpecStateFailureStates):
		return "FAIL"
	default:
		return strings.ToUpper(s.String())
	}
}

// FirstLine is s's first line, trimmed.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Cut trims s and shortens it to n characters ending in "..."; n <= 0 keeps
// it whole.
func Cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if n > 0 && len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

func indent(s, pre string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pre)
}
