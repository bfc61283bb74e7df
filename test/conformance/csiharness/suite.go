// Package csiharness runs csi-sanity (github.com/kubernetes-csi/csi-test/v5)
// against a real CSI driver serving on a unix socket in the test's process,
// and accounts for every spec: its state, the cloud calls the driver made
// during it (from the module's recording tap), the driver's klog error lines,
// why it was skipped, and whether its failure is a known one (XFAIL) or a
// known one that passed (XPASS). The conformance modules (../aws, ../gcp-pd)
// keep only what is their driver's own: building it, its skips and known
// failures with their reasons, its passes and their parameters.
//
// C is the module's record of one cloud call (ec2Call, computeCall): the
// harness only stores it per spec and hands it back to the module's
// KnownFailure.Evidence, Suite.DescribeCalls and Pass.Check.
package csiharness

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// Suite is one ginkgo run of csi-sanity over one driver, in one or more passes.
type Suite[C any] struct {
	// Name is ginkgo's suite description and the start of every pass's
	// report header, e.g. "aws-ebs-csi-driver sanity against fauxcloud".
	Name string
	// PassLabel is the word before a pass's name in its report header
	// ("pass", "lifecycle"), and WallTime adds the pass's wall time to it:
	// each module keeps the header its reports have always had.
	PassLabel string
	WallTime  bool
	// PendingWhy, when set, is the reason reported for csi-sanity's own
	// pending specs (XIt), which have no skip message of their own.
	PendingWhy string

	// Config is what every pass starts from (address, paths, IDGen, dial
	// options); each pass gets a copy of its own, because csi-sanity keeps a
	// pointer to its config for the whole run.
	Config sanity.TestConfig
	Passes []Pass[C]
	// Skips are specs no pass can run, regexp on the spec's full text -> why.
	// They go to ginkgo's skip strings, so they never start.
	Skips map[string]string
	// KnownFailures are failures that are the driver's, not fauxcloud's.
	KnownFailures []KnownFailure[C]

	// Mark and Since are the module's tap: a position in its call record,
	// and the calls recorded after one.
	Mark  func() int
	Since func(mark int) []C
	// Log is the driver's klog output (CaptureKlog); a failed spec is
	// reported with the error lines it logged, each cut at ErrLineMax.
	Log        *Log
	ErrLineMax int
	// DescribeCalls renders a failed spec's calls for its report (see
	// CallList); nil leaves them out.
	DescribeCalls func(calls []C) string

	// Env is the prefix of the run's environment knobs: <Env>_SKIP and
	// <Env>_FOCUS (regexps of spec texts) and <Env>_REPORT (a file for the
	// reports).
	Env string
	// Timeout caps ginkgo's suite timeout (ginkgo's own default is an hour).
	Timeout time.Duration
}

// Pass is csi-sanity's whole suite once more under a ginkgo container
// "[Name]", reported as the subtest <Test>/Name.
type Pass[C any] struct {
	Name string
	// Config adjusts the pass's copy of Suite.Config (volume parameters,
	// sizes, dial options); nil keeps it.
	Config func(cfg *sanity.TestConfig)
	// Focus, when set, runs only the specs whose text (without the
	// container) matches it; the others are skipped with FocusWhy.
	Focus    *regexp.Regexp
	FocusWhy string
	// Skips are specs this pass does not run, regexp -> why.
	Skips map[string]string
	// Enter runs in the first spec of the pass that is not skipped, before
	// csi-sanity's own nodes: ginkgo picks the order of the passes' specs,
	// so whatever a pass needs in force (fauxcloud's lifecycle) is set here.
	// It may use gomega.
	Enter func()
	// Check, when set, makes further assertions on the pass's specs.
	Check func(t *testing.T, specs []Spec[C])
}

// KnownFailure is a spec that fails because of the driver (or the fakes it
// ships), not because fauxcloud answers differently from the cloud. It still
// runs; it counts as XFAIL only if it failed as Evidence expects.
type KnownFailure[C any] struct {
	Spec string // regexp on the spec's full text
	Why  string
	// Evidence looks at the calls of the failed spec for the one that
	// shows this failure; note is appended to Why in the report.
	Evidence func(calls []C) (note string, ok bool)
}

// container is the ginkgo container text of a pass.
func container(name string) string { return "[" + name + "]" }

// Run registers every pass, runs the ginkgo suite, and reports each pass in
// a subtest: its per-spec report, an error per unexpected failure, and its
// Check. Ginkgo allows one run per process, so Run is called once.
func Run[C any](t *testing.T, s Suite[C]) {
	t.Helper()
	var contexts []*sanity.TestContext
	current := "" // the pass whose Enter is in force
	for _, p := range s.Passes {
		cfg := s.Config
		if p.Config != nil {
			p.Config(&cfg)
		}
		ginkgo.Describe(container(p.Name), func() {
			ginkgo.BeforeEach(func() {
				text := strings.TrimPrefix(ginkgo.CurrentSpecReport().FullText(), container(p.Name)+" ")
				if p.Focus != nil && !p.Focus.MatchString(text) {
					ginkgo.Skip(p.FocusWhy)
				}
				for re, why := range p.Skips {
					if regexp.MustCompile(re).MatchString(text) {
						ginkgo.Skip(why)
					}
				}
				if current != p.Name {
					if p.Enter != nil {
						p.Enter()
					}
					current = p.Name
				}
			})
			contexts = append(contexts, sanity.GinkgoTest(&cfg))
		})
	}

	rec := &recorder[C]{suite: &s}
	ginkgo.ReportBeforeEach(rec.before)
	ginkgo.ReportAfterEach(rec.after)

	suiteCfg, repCfg := ginkgo.GinkgoConfiguration()
	for re := range s.Skips {
		suiteCfg.SkipStrings = append(suiteCfg.SkipStrings, re)
	}
	if v := os.Getenv(s.Env + "_SKIP"); v != "" {
		suiteCfg.SkipStrings = append(suiteCfg.SkipStrings, v)
	}
	if v := os.Getenv(s.Env + "_FOCUS"); v != "" {
		suiteCfg.FocusStrings = append(suiteCfg.FocusStrings, v)
	}
	if suiteCfg.Timeout == 0 || suiteCfg.Timeout > s.Timeout {
		suiteCfg.Timeout = s.Timeout
	}

	gomega.RegisterFailHandler(ginkgo.Fail)
	start := time.Now()
	// Ginkgo's verdict is collected, not passed on: known failures do not
	// fail the test, everything else does.
	gt := &ginkgoVerdict{}
	ginkgo.RunSpecs(gt, s.Name, suiteCfg, repCfg)
	for _, sc := range contexts {
		sc.Finalize()
	}
	total := time.Since(start)

	var reports []string
	anyUnexpected := false
	for _, p := range s.Passes {
		t.Run(p.Name, func(t *testing.T) {
			specs := rec.resultsOf(p.Name)
			report, unexpected := rec.render(p.Name, specs)
			reports = append(reports, report)
			t.Log("\n" + report)
			for _, u := range unexpected {
				anyUnexpected = true
				t.Errorf("csi-sanity spec failed: %s", u)
			}
			if p.Check != nil {
				p.Check(t, specs)
			}
		})
	}
	t.Logf("csi-sanity: %d passes in %s", len(s.Passes), total.Round(time.Second))
	if gt.failed && !anyUnexpected && rec.xfails == 0 {
		t.Errorf("the ginkgo suite failed outside any spec (see its output above)")
	}
	if p := os.Getenv(s.Env + "_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(strings.Join(reports, "\n")), 0o644); err != nil {
			t.Errorf("write report: %v", err)
		}
	}
}

// ginkgoVerdict stands in for *testing.T in RunSpecs, which only calls Fail.
type ginkgoVerdict struct{ failed bool }

func (g *ginkgoVerdict) Fail() { g.failed = true }
