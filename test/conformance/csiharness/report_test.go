package csiharness

// The accounting and the report without a driver: ginkgo runs one suite per
// process and the modules' suites need fauxcloud, so the verdicts are
// checked here on hand-made spec records.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"github.com/onsi/ginkgo/v2/types"
	"google.golang.org/grpc"
)

type call struct {
	op     string
	status int
}

func testSuite() *Suite[call] {
	return &Suite[call]{
		Name: "some-driver sanity", PassLabel: "pass", PendingWhy: "pending in csi-sanity",
		Skips: map[string]string{`needs a host$`: "node-only"},
		KnownFailures: []KnownFailure[call]{{
			Spec: `long name$`, Why: "the cloud refuses it",
			Evidence: func(calls []call) (string, bool) {
				for _, c := range calls {
					if c.status == 400 {
						return " (" + c.op + ")", true
					}
				}
				return "", false
			},
		}},
		DescribeCalls: func(calls []call) string {
			return CallList("calls", calls, nil, func(c call) string { return c.op })
		},
	}
}

func TestRenderVerdicts(t *testing.T) {
	s := testSuite()
	failedKnown := Spec[call]{Pass: "p", Text: "[p] long name", State: types.SpecStateFailed, Failure: "boom\nmore",
		Calls: []call{{"insert", 400}}}
	failedKnown.Known = s.knownReason(failedKnown)
	failedOther := Spec[call]{Pass: "p", Text: "[p] other long name", State: types.SpecStateFailed, Failure: "bad",
		Calls: []call{{"insert", 200}}}
	failedOther.Known = s.knownReason(failedOther) // matches the spec, not the evidence: a FAIL
	specs := []Spec[call]{
		{Pass: "p", Text: "[p] b works", State: types.SpecStatePassed, Duration: 1234 * time.Millisecond},
		{Pass: "p", Text: "[p] a needs a host", State: types.SpecStateSkipped, SkipWhy: "node-only"},
		{Pass: "p", Text: "[p] c pending", State: types.SpecStatePending},
		{Pass: "p", Text: "[p] d long name", State: types.SpecStatePassed},
		failedKnown, failedOther,
	}
	r := &recorder[call]{suite: s, results: specs}
	report, unexpected := r.render("p", r.resultsOf("p"))

	for _, want := range []string{
		"== some-driver sanity, pass p: 6 specs: 1 passed, 1 failed, 2 skipped, 1 failed as known (XFAIL), 1 known failures passed (XPASS) ==\n",
		"SKIP   [p] a needs a host  (0s)  -- node-only\n",
		"PASS   [p] b works  (1.23s)\n",
		"SKIP   [p] c pending  (0s)  -- pending in csi-sanity\n",
		"XPASS  [p] d long name  (0s)  -- listed in sanityKnownFailures but passed: remove it from the list\n",
		"XFAIL  [p] long name  (0s)  -- the cloud refuses it (insert)\n",
		"\n---- XFAIL: [p] long name\n  at \n  boom\n  more\n  calls:\n    insert\n",
		"\n---- FAIL: [p] other long name\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if len(unexpected) != 1 || unexpected[0] != "[p] other long name: bad" {
		t.Errorf("unexpected = %q, want the one FAIL", unexpected)
	}
	if r.xfails != 1 {
		t.Errorf("xfails = %d, want 1", r.xfails)
	}
	// The lines are sorted by text, whatever order the specs ran in.
	if strings.Index(report, "a needs a host") > strings.Index(report, "b works") {
		t.Errorf("report not sorted:\n%s", report)
	}
}

func TestWallTimeHeader(t *testing.T) {
	s := testSuite()
	s.PassLabel, s.WallTime = "lifecycle", true
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	specs := []Spec[call]{
		{Pass: "x", Text: "[x] one", State: types.SpecStatePassed, Start: t0, End: t0.Add(2 * time.Second)},
		{Pass: "x", Text: "[x] two", State: types.SpecStatePassed, Start: t0.Add(time.Second), End: t0.Add(61 * time.Second)},
		{Pass: "x", Text: "[x] skipped", State: types.SpecStateSkipped, Start: t0.Add(time.Hour), End: t0.Add(time.Hour)},
	}
	r := &recorder[call]{suite: s}
	report, _ := r.render("x", specs)
	if want := "== some-driver sanity, lifecycle x: 3 specs in 1m1s: 2 passed,"; !strings.HasPrefix(report, want) {
		t.Errorf("header %q, want it to start %q", FirstLine(report), want)
	}
}

func TestCallList(t *testing.T) {
	calls := []call{{"get", 200}, {"metadata", 200}, {"insert", 400}}
	failed := CallList("failed", calls, func(c call) bool { return c.status >= 400 }, func(c call) string { return c.op })
	if failed != "  failed:\n    insert\n" {
		t.Errorf("failed section %q", failed)
	}
	if none := CallList("none", calls, func(call) bool { return false }, func(c call) string { return c.op }); none != "" {
		t.Errorf("a section without calls is %q, want nothing", none)
	}
	all := CallList("all", calls, nil, func(c call) string {
		if c.op == "metadata" {
			return ""
		}
		return c.op
	})
	if all != "  all:\n    get\n    insert\n" {
		t.Errorf("all section %q", all)
	}
}

func TestCutAndFirstLine(t *testing.T) {
	if got := Cut("  "+strings.Repeat("x", 20)+"\n", 10); got != "xxxxxxx..." {
		t.Errorf("Cut = %q", got)
	}
	if got := Cut("short", 0); got != "short" {
		t.Errorf("Cut without a limit = %q", got)
	}
	if got := FirstLine("\n first\nsecond"); got != "first" {
		t.Errorf("FirstLine = %q", got)
	}
}

func TestLogMarks(t *testing.T) {
	l := &Log{}
	l.Write([]byte("E0102 one\n"))
	m := l.Mark()
	l.Write([]byte("I0102 two\n"))
	if got := l.Since(m); got != "I0102 two\n" {
		t.Errorf("Since(mark) = %q", got)
	}
	if got := l.Since(1 << 20); got != "" {
		t.Errorf("Since(past the end) = %q", got)
	}
}

func TestRenameNames(t *testing.T) {
	var cfg sanity.TestConfig
	RenameNames(&cfg, strings.ToLower)
	if len(cfg.DialOptions) != 1 || len(cfg.ControllerDialOptions) != 1 {
		t.Fatalf("dial options %d/%d, want one interceptor each", len(cfg.DialOptions), len(cfg.ControllerDialOptions))
	}
	ic := renameInterceptor(strings.ToLower)
	var sent []string
	invoker := func(_ context.Context, _ string, req, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
		switch r := req.(type) {
		case *csi.CreateVolumeRequest:
			sent = append(sent, r.GetName())
		case *csi.CreateSnapshotRequest:
			sent = append(sent, r.GetName())
		}
		return nil
	}
	vol := &csi.CreateVolumeRequest{Name: "Sanity-ABC"}
	ic(context.Background(), "/csi.v1.Controller/CreateVolume", vol, nil, nil, invoker)
	ic(context.Background(), "/csi.v1.Controller/CreateSnapshot", &csi.CreateSnapshotRequest{Name: "snap-X"}, nil, nil, invoker)
	if strings.Join(sent, ",") != "sanity-abc,snap-x" {
		t.Errorf("sent names %q", sent)
	}
	if vol.Name != "Sanity-ABC" {
		t.Errorf("the caller's request was changed to %q; the interceptor must send a copy", vol.Name)
	}
}
