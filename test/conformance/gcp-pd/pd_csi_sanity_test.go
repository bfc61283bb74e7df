package gcppd_test

// csi-sanity (github.com/kubernetes-csi/csi-test/v5/pkg/sanity) against the
// real Compute Engine PD CSI driver (pd_driver_test.go), controller and node
// service in one process on a unix socket, talking Compute Engine and the
// metadata server to fauxcloud through a recording tap.
//
// The node is node-a (us-central1-a), the instance the metadata server
// answers for; csi-sanity takes the node id and topology from NodeGetInfo,
// so ControllerPublishVolume really attaches the disks to node-a in
// fauxcloud. Two passes over the same driver, each a ginkgo container and a
// subtest:
//
//   - pd-balanced: the whole suite; 10 GiB volumes (pd-balanced's minimum)
//     expanded to 20 GiB; snapshots the driver's default (standard snapshots,
//     polled with snapshots.get while CREATING);
//   - hyperdisk-balanced: only the ModifyVolume specs (disks.update with
//     paths=provisionedIops, provisionedThroughput).
//
// csi-sanity's names are lower-cased on the way to the driver (Compute
// Engine names are RFC 1035), see lowerCaseNames.
//
//	cd test/conformance/gcp-pd && GOFLAGS=-mod=mod go test -count=1 -v -run TestPDCSISanity ./...
//
// Environment knobs (all optional):
//
//	PD_CSI_SANITY_SKIP     extra regexp of spec texts to skip (ginkgo -ginkgo.skip works too)
//	PD_CSI_SANITY_FOCUS    regexp of spec texts to run (the others are skipped)
//	PD_CSI_SANITY_REPORT   file to write the per-spec report to
//	PD_CSI_LOG_V           klog verbosity of the driver (default 5), captured per spec
//	PD_CSI_TAP_UPSTREAM=https  the tap forwards to fauxcloud's HTTPS listener (diagnostic, see pd_driver_test.go)

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/gcp-compute-persistent-disk-csi-driver/pkg/common"
)

const gib = int64(1) << 30

// sanitySkips are csi-sanity specs that cannot run here, with the reason.
// Matched as regular expressions against the spec's full text.
var sanitySkips = map[string]string{
	// Both are node-only (no compute call) and skipped by the driver's own
	// sanity test (test/sanity/sanity_test.go) for the same reasons.
	`Node Service NodeExpandVolume should fail when volume is not found$`: "node-only: the driver finds a disk's " +
		"device under /dev/disk/by-id, and the fake DeviceUtils the driver ships reports every disk present, so the " +
		"driver goes on to resize instead of answering NotFound; needs a host with block devices, not fauxcloud",
	`Node Service NodeExpandVolume should work if node-expand is called after node-publish$`: "node-only: " +
		"NodeExpandVolume runs mount-utils' NeedResize (blockdev --getro, blkid) through the fake mounter's exec, which " +
		"answers nothing (\"failed readonly device check. Expected 1 or 0, got ''\"); needs a real block device",
}

// knownFailure is a spec that fails because of the driver or the fakes it
// ships, not because fauxcloud answers differently from Compute Engine. It
// still runs; the test fails only if it fails for another reason: match must
// accept the spec's failure message and compute calls.
type knownFailure struct {
	spec  string // regexp on the spec's full text
	why   string
	match func(res specResult) bool
}

// nameTooLong: csi-sanity's maximum-length names are 128 characters; the
// driver passes the CSI name through as the Compute Engine resource name,
// which is at most 63 characters (RFC 1035), so Compute Engine refuses the
// insert with 400 invalid. Kubernetes' own names (pvc-<uuid>,
// snapshot-<uuid>) are 40 and 45 characters.
func nameTooLong(collection string) func(specResult) bool {
	insert := regexp.MustCompile(`^/compute/(v1|beta)/projects/[^/]+/(zones/[^/]+|regions/[^/]+|global)/` + collection + `$`)
	return func(res specResult) bool {
		for _, c := range res.calls {
			if c.Method == "POST" && insert.MatchString(c.Path) && c.Status == 400 && c.Reason == "invalid" &&
				strings.Contains(c.Message, "'resource.name'") && regexp.MustCompile(`'[a-z0-9-]{64,}'`).MatchString(c.Message) {
				return true
			}
		}
		return false
	}
}

var sanityKnownFailures = []knownFailure{
	{spec: `CreateVolume should not fail when creating volume with maximum-length name$`,
		why:   "a 128-character volume name is not a valid disk name (at most 63 characters): disks.insert answers 400 invalid, as Compute Engine does",
		match: nameTooLong("disks")},
	{spec: `CreateSnapshot \[Controller Server\] should succeed when creating snapshot with maximum-length name$`,
		why:   "a 128-character snapshot name is not a valid snapshot name (at most 63 characters): snapshots.insert answers 400 invalid, as Compute Engine does",
		match: nameTooLong("snapshots")},
}

// pdIDs makes ids of the driver's shape that no resource has, so "valid but
// unknown" ids reach fauxcloud's notFound paths as they would reach Compute
// Engine's. The invalid ids are malformed: the driver rejects them itself.
type pdIDs struct{}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)[:n]
}

func (pdIDs) GenerateUniqueValidVolumeID() string {
	return common.CreateZonalVolumeID(testProject, testZone, "sanity-unknown-"+randHex(10))
}
func (pdIDs) GenerateInvalidVolumeID() string { return "fake-volid" }
func (pdIDs) GenerateUniqueValidNodeID() string {
	return common.CreateNodeID(testProject, testZone, "sanity-unknown-"+randHex(10))
}
func (pdIDs) GenerateInvalidNodeID() string { return "fake-nodeid" }

// sanityPass is one run of the csi-sanity suite over the same driver with a
// volume configuration of its own: a ginkgo container "[name]" around the
// whole suite, reported as the subtest TestPDCSISanity/name.
type sanityPass struct {
	name   string
	config func(cfg *sanity.TestConfig)
	// focus, when set, runs only the specs whose csi-sanity text matches it;
	// the others are skipped with focusWhy.
	focus    *regexp.Regexp
	focusWhy string
	// skips are specs this pass does not run (regexp -> reason).
	skips map[string]string
}

var sanityPasses = []sanityPass{
	{
		name: "pd-balanced",
		config: func(cfg *sanity.TestConfig) {
			cfg.TestVolumeSize = 10 * gib // pd-balanced's minimum
			cfg.TestVolumeExpandSize = 20 * gib
			cfg.TestVolumeParameters = map[string]string{"type": "pd-balanced"}
		},
		skips: map[string]string{
			`ModifyVolume \[Controller Server\] should modify a volume created with(out)? a volume attribute class$`: "Persistent Disk types have no mutable parameters " +
				"(the driver refuses ControllerModifyVolume for pd-* with InvalidArgument before any compute call); run in the hyperdisk-balanced pass",
		},
	},
	{
		// ControllerModifyVolume -> disks.update(paths=provisionedIops,provisionedThroughput)
		// on a Hyperdisk. Only specs that create and modify volumes: the
		// scenario's e2-standard-4 nodes cannot attach a Hyperdisk in
		// Compute Engine.
		name: "hyperdisk-balanced",
		config: func(cfg *sanity.TestConfig) {
			cfg.TestVolumeSize = 10 * gib
			cfg.TestVolumeParameters = map[string]string{
				"type":                             "hyperdisk-balanced",
				"provisioned-iops-on-create":       "3000",
				"provisioned-throughput-on-create": "140Mi",
			}
			// The driver reads throughput as a quantity in bytes per second
			// rounded up to MiB/s: "151" would be 1 MiB/s.
			cfg.TestVolumeMutableParameters = map[string]string{"iops": "3013", "throughput": "151Mi"}
		},
		focus:    regexp.MustCompile(`^(ModifyVolume \[Controller Server\]|Controller Service \[Controller Server\] CreateVolume should create volume with a volume attribute class$)`),
		focusWhy: "the hyperdisk-balanced pass runs only the volume-modification specs",
	},
}

func passContainer(name string) string { return "[" + name + "]" }

func TestPDCSISanity(t *testing.T) {
	resetServer(t)
	setLifecycle(t, map[string]any{})
	t.Cleanup(func() { resetServer(t) })

	d := startPDDriver(t, driverOptions{node: true})
	if got := d.nodeMeta.GetName() + "/" + d.nodeMeta.GetZone() + "/" + d.nodeMeta.GetProject(); got != nodeA+"/"+nodeAZone+"/"+testProject {
		t.Errorf("driver metadata service: instance/zone/project %s, want %s/%s/%s", got, nodeA, nodeAZone, testProject)
	}

	base := sanity.NewTestConfig()
	base.Address = d.endpoint
	base.TargetPath = filepath.Join(d.dir, "target")
	base.StagingPath = filepath.Join(d.dir, "staging")
	base.IDGen = pdIDs{}
	base.IdempotentCount = 3
	// Compute Engine names are lower case (RFC 1035); csi-sanity's names end
	// in an upper-case pseudo-UUID, and Kubernetes' own (pvc-<uuid>,
	// snapshot-<uuid>) are lower case. See lowerCaseNames.
	base.DialOptions = append(base.DialOptions, grpc.WithChainUnaryInterceptor(lowerCaseNames))
	base.ControllerDialOptions = append(base.ControllerDialOptions, grpc.WithChainUnaryInterceptor(lowerCaseNames))

	var contexts []*sanity.TestContext
	for _, p := range sanityPasses {
		cfg := base // csi-sanity keeps a pointer to its config
		p.config(&cfg)
		ginkgo.Describe(passContainer(p.name), func() {
			ginkgo.BeforeEach(func() {
				text := strings.TrimPrefix(ginkgo.CurrentSpecReport().FullText(), passContainer(p.name)+" ")
				if p.focus != nil && !p.focus.MatchString(text) {
					ginkgo.Skip(p.focusWhy)
				}
				for re, why := range p.skips {
					if regexp.MustCompile(re).MatchString(text) {
						ginkgo.Skip(why)
					}
				}
			})
			contexts = append(contexts, sanity.GinkgoTest(&cfg))
		})
	}

	rec := &specRecorder{tap: d.tap, log: d.log}
	ginkgo.ReportBeforeEach(rec.before)
	ginkgo.ReportAfterEach(rec.after)

	suiteCfg, repCfg := ginkgo.GinkgoConfiguration()
	for re := range sanitySkips {
		suiteCfg.SkipStrings = append(suiteCfg.SkipStrings, re)
	}
	if s := os.Getenv("PD_CSI_SANITY_SKIP"); s != "" {
		suiteCfg.SkipStrings = append(suiteCfg.SkipStrings, s)
	}
	if s := os.Getenv("PD_CSI_SANITY_FOCUS"); s != "" {
		suiteCfg.FocusStrings = append(suiteCfg.FocusStrings, s)
	}
	if suiteCfg.Timeout == 0 || suiteCfg.Timeout > 20*time.Minute {
		suiteCfg.Timeout = 20 * time.Minute
	}

	gomega.RegisterFailHandler(ginkgo.Fail)
	start := time.Now()
	// Ginkgo's verdict is collected, not passed on: known failures do not
	// fail the test, everything else does.
	gt := &ginkgoVerdict{}
	ginkgo.RunSpecs(gt, "gcp-compute-persistent-disk-csi-driver sanity against fauxcloud", suiteCfg, repCfg)
	for _, sc := range contexts {
		sc.Finalize()
	}
	total := time.Since(start)

	var reports []string
	anyUnexpected := false
	for _, p := range sanityPasses {
		t.Run(p.name, func(t *testing.T) {
			report, unexpected := rec.render(p.name)
			reports = append(reports, report)
			t.Log("\n" + report)
			for _, u := range unexpected {
				anyUnexpected = true
				t.Errorf("csi-sanity spec failed: %s", u)
			}
		})
	}
	t.Logf("csi-sanity: %d passes in %s", len(sanityPasses), total.Round(time.Second))
	if gt.failed && !anyUnexpected && rec.xfails == 0 {
		t.Errorf("the ginkgo suite failed outside any spec (see its output above)")
	}
	if p := os.Getenv("PD_CSI_SANITY_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(strings.Join(reports, "\n")), 0o644); err != nil {
			t.Errorf("write report: %v", err)
		}
	}
}

// lowerCaseNames lower-cases the names csi-sanity gives volumes and
// snapshots, as external-provisioner's and external-snapshotter's names are:
// Compute Engine refuses upper case in a resource name (400 invalid, "Must be
// a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'"), and the driver
// passes the CSI name through as the disk or snapshot name.
func lowerCaseNames(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	switch r := req.(type) {
	case *csi.CreateVolumeRequest:
		if n := strings.ToLower(r.GetName()); n != r.GetName() {
			c := proto.Clone(r).(*csi.CreateVolumeRequest)
			c.Name = n
			req = c
		}
	case *csi.CreateSnapshotRequest:
		if n := strings.ToLower(r.GetName()); n != r.GetName() {
			c := proto.Clone(r).(*csi.CreateSnapshotRequest)
			c.Name = n
			req = c
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// ---------------------------------------------------------------------------
// Per-spec record: state, failure, compute calls, driver errors.

type specResult struct {
	pass     string // the sanityPass whose container holds the spec
	text     string
	state    types.SpecState
	failure  string
	where    string
	duration time.Duration
	calls    []computeCall
	drvErrs  []string
	skipWhy  string
	known    string // why this failure is expected, when it is one
}

// ginkgoVerdict stands in for *testing.T in RunSpecs, which only calls Fail.
type ginkgoVerdict struct{ failed bool }

func (g *ginkgoVerdict) Fail() { g.failed = true }

type specRecorder struct {
	xfails  int
	tap     *computeTap
	log     *lockedLog
	tapMark int
	logMark int
	results []specResult
}

func (r *specRecorder) before(ginkgo.SpecReport) {
	r.tapMark = r.tap.mark()
	r.logMark = r.log.mark()
}

// klog error lines ("E0102 15:04:05.000000 ...").
var klogErrLine = regexp.MustCompile(`(?m)^E\d{4} .*$`)

func (r *specRecorder) after(rep ginkgo.SpecReport) {
	res := specResult{
		text:     rep.FullText(),
		state:    rep.State,
		duration: rep.RunTime,
		calls:    r.tap.since(r.tapMark),
	}
	if len(rep.ContainerHierarchyTexts) > 0 {
		res.pass = strings.TrimSuffix(strings.TrimPrefix(rep.ContainerHierarchyTexts[0], "["), "]")
	}
	if rep.Failed() {
		res.failure = rep.Failure.Message
		res.where = rep.Failure.Location.String()
		for _, l := range klogErrLine.FindAllString(r.log.since(r.logMark), -1) {
			res.drvErrs = append(res.drvErrs, cut(l, 800))
		}
		for _, kf := range sanityKnownFailures {
			if regexp.MustCompile(kf.spec).MatchString(res.text) && kf.match(res) {
				res.known = kf.why
			}
		}
	}
	if rep.State == types.SpecStateSkipped {
		res.failure = rep.Failure.Message
		for re, why := range sanitySkips {
			if regexp.MustCompile(re).MatchString(res.text) {
				res.skipWhy = why
			}
		}
	}
	r.results = append(r.results, res)
}

func (r *specRecorder) isKnownFailure(text string) bool {
	for _, kf := range sanityKnownFailures {
		if regexp.MustCompile(kf.spec).MatchString(text) {
			return true
		}
	}
	return false
}

func (r *specRecorder) word(s specResult) string {
	w := stateWord(s.state)
	switch {
	case w == "FAIL" && s.known != "":
		return "XFAIL"
	case w == "PASS" && r.isKnownFailure(s.text):
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

// render returns the report of one pass and its specs that failed unexpectedly.
func (r *specRecorder) render(pass string) (string, []string) {
	var b strings.Builder
	counts := map[string]int{}
	var unexpected []string
	var results []specResult
	for _, s := range r.results {
		if s.pass == pass {
			results = append(results, s)
		}
	}
	for _, s := range results {
		w := r.word(s)
		counts[w]++
		switch w {
		case "FAIL":
			unexpected = append(unexpected, s.text+": "+firstLine(s.failure))
		case "XFAIL":
			r.xfails++
		}
	}
	fmt.Fprintf(&b, "== gcp-compute-persistent-disk-csi-driver sanity against fauxcloud, pass %s: %d specs: %d passed, %d failed, %d skipped, %d failed as known (XFAIL), %d known failures passed (XPASS) ==\n",
		pass, len(results), counts["PASS"], counts["FAIL"], counts["SKIP"], counts["XFAIL"], counts["XPASS"])
	sorted := append([]specResult(nil), results...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].text < sorted[j].text })
	for _, s := range sorted {
		w := r.word(s)
		line := fmt.Sprintf("%-5s  %s  (%s)", w, s.text, s.duration.Round(10*time.Millisecond))
		switch w {
		case "SKIP":
			why := s.skipWhy
			if why == "" {
				why = firstLine(s.failure)
			}
			if why == "" && s.state == types.SpecStatePending {
				why = "pending (XIt) in csi-sanity itself"
			}
			if why != "" {
				line += "  -- " + why
			}
		case "XFAIL":
			line += "  -- " + s.known
		case "XPASS":
			line += "  -- listed in sanityKnownFailures but passed: remove it from the list"
		}
		b.WriteString(line + "\n")
	}
	for _, s := range sorted {
		if w := r.word(s); w != "FAIL" && w != "XFAIL" {
			continue
		}
		fmt.Fprintf(&b, "\n---- %s: %s\n  at %s\n  %s\n", r.word(s), s.text, s.where, indent(strings.TrimSpace(s.failure), "  "))
		var failed []computeCall
		for _, c := range s.calls {
			if c.failed() {
				failed = append(failed, c)
			}
		}
		if len(failed) > 0 {
			b.WriteString("  calls answered with an error:\n")
			for _, c := range failed {
				fmt.Fprintf(&b, "    #%d %s\n", c.Seq, c.detail())
			}
		}
		if len(s.calls) > 0 {
			b.WriteString("  all compute calls during the spec:\n")
			for _, c := range s.calls {
				if c.isMetadata() && !c.failed() {
					continue
				}
				fmt.Fprintf(&b, "    #%d %s\n", c.Seq, c)
			}
		}
		if len(s.drvErrs) > 0 {
			b.WriteString("  driver error log:\n")
			for _, l := range s.drvErrs {
				fmt.Fprintf(&b, "    %s\n", l)
			}
		}
	}
	return b.String(), unexpected
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func indent(s, pre string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pre)
}
