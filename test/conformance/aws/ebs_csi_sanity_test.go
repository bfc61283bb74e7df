package aws_test

// csi-sanity (github.com/kubernetes-csi/csi-test/v5/pkg/sanity) against the
// real aws-ebs-csi-driver, built in-process from its Go module and pointed at
// fauxcloud exactly as a deployment points it at another EC2 endpoint:
// AWS_EC2_ENDPOINT, AWS_REGION and static credentials, the driver's own
// cloud.NewCloud and its options parsed from command-line flags as cmd/main.go
// does (its defaults plus a cluster id; EBS_CSI_BATCHING=true adds the Helm
// chart's --batching=true).
//
// The driver runs in "all" mode (controller + node) on a unix socket. The node
// service gets its instance metadata the way cmd/main gets it, through the
// driver's IMDS code, from a fauxcloud IMDS port pinned to the seeded instance
// in us-east-1a (AWS_EC2_METADATA_SERVICE_ENDPOINT), and a mounter whose kernel mounts are k8s.io/mount-utils' FakeMounter
// (ebs_csi_node_fakes_test.go), so ControllerPublishVolume really attaches the
// volume to that instance in fauxcloud and the node calls run without root.
//
// Between the driver and fauxcloud sits a recording tap (ec2_tap_test.go):
// every failing spec is reported with the EC2 calls the driver made during it,
// their parameters, and the EC2 error code and message fauxcloud answered.
//
// The suite runs twice against the same driver, in one ginkgo run (ginkgo
// allows one per process), each pass a container of its own and a subtest:
// TestEBSCSISanity/instant with every lifecycle step instant, and
// TestEBSCSISanity/lifecycle-delays with attach, detach, modification,
// snapshot and creation steps taking seconds, so the driver's waiters meet
// the intermediate states (ebs_csi_lifecycle_test.go checks that they did).
//
//	cd test/conformance/aws && GOFLAGS=-mod=mod go test -count=1 -v -run TestEBSCSISanity ./...
//
// Environment knobs (all optional):
//
//	EBS_CSI_SANITY_MODES    passes to run, comma separated: instant, lifecycle-delays (default both)
//	EBS_CSI_SANITY_DELAYS_FOCUS=1  the lifecycle-delays pass runs only the specs with waits
//	EBS_CSI_SANITY_SKIP     extra regexp of spec texts to skip (ginkgo -ginkgo.skip works too)
//	EBS_CSI_SANITY_REPORT   file to write the per-spec report to (markdown-ish text)
//	EBS_CSI_LOG_V           klog verbosity of the driver (default 4), captured per spec
//	EBS_CSI_SDK_DEBUG=1     the driver's --aws-sdk-debug-log=true (SDK wire log on stderr)
//	EBS_CSI_BATCHING=true   the driver's --batching=true, as the Helm chart deploys it

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	cloudpkg "github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/cloud"
	"github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/cloud/metadata"
	"github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/driver"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"k8s.io/klog/v2"
)

const gib = int64(1) << 30

// sanitySkips are csi-sanity specs that cannot run here, with the reason.
// Matched as regular expressions against the spec's full text.
var sanitySkips = map[string]string{
	`Node Service NodeExpandVolume should fail when volume is not found`: "node-only, no EC2 call: " +
		"the driver's NodeMounter.IsBlockDevice stats the made-up path \"some/path\" and the driver answers " +
		"Internal instead of NotFound (its own sanity test fakes IsBlockDevice); needs the host, not fauxcloud",
}

// knownFailure is a spec that fails because of how the driver (v1.63.1)
// reads EC2's answers, not because fauxcloud answers differently from EC2.
// It still runs; the test fails only if it fails for another reason: the spec
// must have made an EC2 call that match accepts.
type knownFailure struct {
	spec     string // regexp on the spec's full text
	why      string
	batching bool // only with --batching=true
	match    func(c ec2Call) bool
}

// malformed: EC2 rejects an id that is not of the form vol-…/snap-… as
// malformed (InvalidVolumeID.Malformed, InvalidSnapshotID.Malformed or
// InvalidParameterValue) instead of answering *.NotFound, and the driver maps
// only InvalidVolume.NotFound / InvalidSnapshot.NotFound to what the spec
// wants. csi-sanity hard-codes these ids, so the IDGenerator cannot help.
func malformed(id string) func(ec2Call) bool {
	return func(c ec2Call) bool {
		if c.Status != 400 || strings.HasSuffix(c.Code, ".NotFound") {
			return false
		}
		for _, vs := range c.Params {
			for _, v := range vs {
				if v == id {
					return true
				}
			}
		}
		return false
	}
}

func answered(action, code string) func(ec2Call) bool {
	return func(c ec2Call) bool { return c.Action == action && c.Status == 400 && c.Code == code }
}

var sanityKnownFailures = []knownFailure{
	{spec: `CreateVolume should fail when the volume source snapshot is not found$`,
		why:   "CreateVolume SnapshotId=non-existing-snapshot-id is malformed for EC2; the driver wants InvalidSnapshot.NotFound",
		match: malformed("non-existing-snapshot-id")},
	{spec: `DeleteSnapshot \[Controller Server\] should succeed when an invalid snapshot id is used$`,
		why:   "DeleteSnapshot SnapshotId=reallyfakesnapshotid is malformed for EC2; the driver wants InvalidSnapshot.NotFound",
		match: malformed("reallyfakesnapshotid")},
	{spec: `ListSnapshots \[Controller Server\] should return empty when the specified snapshot id does not exist$`,
		why:   "DescribeSnapshots SnapshotId.1=none-exist-id is malformed for EC2; the driver wants InvalidSnapshot.NotFound",
		match: malformed("none-exist-id")},
	{spec: `ModifyVolume \[Controller Server\] should fail if volume does not exist$`,
		why:   "DescribeVolumes VolumeId.1=non-existing-volume-id is malformed for EC2; the driver wants InvalidVolume.NotFound",
		match: malformed("non-existing-volume-id")},
	{spec: `ValidateVolumeCapabilities should fail when the requested volume does not exist$`,
		why: "EC2 answers DescribeVolumes of an unknown id with InvalidVolume.NotFound; the driver's GetDiskByID " +
			"returns that error as is (only an empty answer becomes ErrNotFound), so the spec gets Internal, not NotFound",
		match: answered("DescribeVolumes", "InvalidVolume.NotFound")},
	{spec: `ListSnapshots \[Controller Server\] should return next token when a limited number of entries are requested$`,
		why: "csi-sanity pages with max_entries below 5; the driver itself refuses that (\"maxResults parameter must be 0 " +
			"or greater than or equal to 5\") before calling EC2, whose DescribeSnapshots takes 5-1000, so it fails against AWS too; " +
			"the listing before it (DescribeSnapshots MaxResults=0) must have succeeded",
		match: func(c ec2Call) bool { return c.Action == "DescribeSnapshots" && c.Status == 200 }},
	{spec: `ControllerPublishVolume should fail when the (node|volume) does not exist$`, batching: true,
		why: "with --batching the driver's instance batcher returns DescribeInstances' InvalidInstanceID.NotFound as is " +
			"(unbatched getInstance maps it to ErrNotFound), so the spec gets Internal, not NotFound",
		match: answered("DescribeInstances", "InvalidInstanceID.NotFound")},
}

// awsIDs makes ids of EC2's shape that no resource has, so "valid but
// unknown" ids reach fauxcloud's NotFound paths as they would reach EC2's.
// The invalid ids are well formed too: a malformed id gets a *.Malformed
// error from EC2 that the driver does not treat as "not found" (see
// sanityKnownFailures), while the specs using them (DeleteVolume /
// ControllerPublishVolume of an unknown id) are about unknown ids.
type awsIDs struct{}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)[:n]
}

func (awsIDs) GenerateUniqueValidVolumeID() string { return "vol-0" + randHex(16) }
func (awsIDs) GenerateInvalidVolumeID() string     { return "vol-0" + randHex(16) }
func (awsIDs) GenerateUniqueValidNodeID() string   { return "i-0" + randHex(16) }
func (awsIDs) GenerateInvalidNodeID() string       { return "i-0" + randHex(16) }

// sanityMode is one pass of csi-sanity over the same driver: the lifecycle
// fauxcloud runs during it and, optionally, which specs it runs. Each pass is
// a ginkgo container "[name]" around the whole csi-sanity suite, and a
// subtest TestEBSCSISanity/name that reports it with the same skip and
// known-failure accounting.
type sanityMode struct {
	name      string
	lifecycle map[string]any // PUT /_fauxcloud/lifecycle before the pass's first spec
	// focus, when set, runs only the specs whose csi-sanity text matches it;
	// the others are skipped with focusWhy.
	focus    *regexp.Regexp
	focusWhy string
	// check, when set, makes further assertions on the pass's specs (their EC2 calls).
	check func(t *testing.T, specs []specResult)
}

// sanityModes are the passes: "instant" (every lifecycle step instant, as
// fauxcloud starts) and "lifecycle-delays" (ebs_csi_lifecycle_test.go).
// EBS_CSI_SANITY_MODES=instant (or a comma-separated list) runs only those.
func sanityModes(t *testing.T) []sanityMode {
	all := []sanityMode{
		// instant: only the table of states the driver met, for comparison.
		{name: "instant", lifecycle: map[string]any{}, check: func(t *testing.T, specs []specResult) { logStates(t, specs) }},
		lifecycleDelaysMode(),
	}
	sel := os.Getenv("EBS_CSI_SANITY_MODES")
	if sel == "" {
		return all
	}
	var out []sanityMode
	for _, m := range all {
		for _, n := range strings.Split(sel, ",") {
			if strings.TrimSpace(n) == m.name {
				out = append(out, m)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("EBS_CSI_SANITY_MODES=%q names none of the modes (instant, lifecycle-delays)", sel)
	}
	return out
}

// modeContainer is the ginkgo container text of a mode.
func modeContainer(name string) string { return "[" + name + "]" }

// ebsDriver is the real aws-ebs-csi-driver running in this process on a unix
// socket, talking EC2 to fauxcloud through a recording tap.
type ebsDriver struct {
	endpoint string // unix:…/csi.sock
	dir      string
	tap      *ec2Tap
	log      *lockedLog
	batching bool
	inst     ec2types.Instance // the seeded instance in testZone: the node
	runErr   chan error
}

// startEBSDriver starts the driver in the given mode (driver.AllMode for
// csi-sanity, driver.ControllerMode as the controller Deployment runs it) with
// its options parsed from flags as cmd/main does; it stops at the end of t.
func startEBSDriver(t *testing.T, mode driver.Mode) *ebsDriver {
	t.Helper()
	d := &ebsDriver{dir: t.TempDir(), runErr: make(chan error, 1)}
	d.inst = seededInstance(context.Background(), t, newEC2(t), testZone)
	tap, err := startEC2Tap(fauxcloudURL)
	if err != nil {
		t.Fatalf("EC2 tap: %v", err)
	}
	t.Cleanup(tap.close)
	d.tap = tap
	t.Setenv("AWS_EC2_ENDPOINT", tap.URL)
	t.Setenv("AWS_REGION", testRegion)

	d.log = captureDriverLog(t)

	d.endpoint = "unix:" + filepath.Join(d.dir, "csi.sock")
	args := []string{
		"--endpoint=" + d.endpoint,
		"--k8s-tag-cluster-id=fauxcloud",
		"--metadata-sources=imds", // there is no Kubernetes API to fall back on
	}
	// cmd/main's default is no batching; the Helm chart turns it on.
	d.batching = os.Getenv("EBS_CSI_BATCHING") == "true"
	if d.batching {
		args = append(args, "--batching=true")
	}
	if os.Getenv("EBS_CSI_SDK_DEBUG") != "" {
		args = append(args, "--aws-sdk-debug-log=true")
	}
	opts := &driver.Options{Mode: mode}
	fs := pflag.NewFlagSet("aws-ebs-csi-driver", pflag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("driver flags: %v", err)
	}
	if err := opts.Validate(); err != nil {
		t.Fatalf("driver options: %v", err)
	}

	var md metadata.MetadataService
	if mode != driver.ControllerMode {
		md = nodeMetadata(t, d.inst, opts.MetadataSources)
		t.Logf("node metadata: instance %s (%s) in %s", md.GetInstanceID(), md.GetInstanceType(), md.GetAvailabilityZone())
	}

	cloud := cloudpkg.NewCloud(testRegion, opts.AwsSdkDebugLog, opts.UserAgentExtra, opts.Batching, opts.DeprecatedMetrics)
	drv, err := driver.NewDriver(cloud, opts, newSanityMounter(), md, nil)
	if err != nil {
		t.Fatalf("driver.NewDriver: %v", err)
	}
	go func() { d.runErr <- drv.Run() }()
	t.Cleanup(drv.Stop)
	waitForSocket(t, filepath.Join(d.dir, "csi.sock"), d.runErr)
	return d
}

// checkRunning reports the driver's gRPC server having stopped.
func (d *ebsDriver) checkRunning(t *testing.T) {
	t.Helper()
	select {
	case err := <-d.runErr:
		t.Errorf("driver gRPC server stopped during the run: %v", err)
	default:
	}
}

func TestEBSCSISanity(t *testing.T) {
	modes := sanityModes(t)
	resetStore(t)
	setLifecycle(t, map[string]any{})
	t.Cleanup(func() {
		setLifecycle(t, map[string]any{})
		resetStore(t)
	})

	d := startEBSDriver(t, driver.AllMode)
	d.tap.keepBodies(polledActions) // for the passes' checks: which states the driver was shown

	cfg := sanity.NewTestConfig()
	cfg.Address = d.endpoint
	cfg.TargetPath = filepath.Join(d.dir, "target")
	cfg.StagingPath = filepath.Join(d.dir, "staging")
	cfg.IDGen = awsIDs{}
	// 10 GiB: gp3 allows at most 500 IOPS per GiB, so the mutable iops below
	// need at least 8 GiB (EC2 rejects 4000 IOPS on 1 GiB, and so does fauxcloud).
	cfg.TestVolumeSize = 10 * gib
	cfg.TestVolumeExpandSize = 20 * gib
	cfg.TestVolumeParameters = map[string]string{"type": "gp3"}
	cfg.TestVolumeMutableParameters = map[string]string{"iops": "4000", "throughput": "200"}
	cfg.IdempotentCount = 3

	// Every pass registers the whole csi-sanity suite under a container of
	// its own (ginkgo runs one suite per process); the lifecycle is switched
	// when the first spec of another pass starts, whatever order ginkgo picks.
	var contexts []*sanity.TestContext
	current := "" // the mode whose lifecycle is in force
	for i, m := range modes {
		mcfg := cfg // csi-sanity keeps a pointer to its config
		if i > 0 {
			// csi-sanity names volumes and snapshots with one suffix per
			// process, and the driver's ClientToken is a hash of the name:
			// a later pass would reuse the tokens of volumes an earlier one
			// deleted, which EC2 (and fauxcloud) refuses with
			// IdempotentParameterMismatch. Each later pass gets names with a
			// suffix of its own, as a second csi-sanity process would.
			rename := passNames("-" + sanity.PseudoUUID())
			mcfg.DialOptions = append(append([]grpc.DialOption(nil), cfg.DialOptions...), grpc.WithChainUnaryInterceptor(rename))
			mcfg.ControllerDialOptions = append(append([]grpc.DialOption(nil), cfg.ControllerDialOptions...), grpc.WithChainUnaryInterceptor(rename))
		}
		ginkgo.Describe(modeContainer(m.name), func() {
			ginkgo.BeforeEach(func() {
				text := strings.TrimPrefix(ginkgo.CurrentSpecReport().FullText(), modeContainer(m.name)+" ")
				if m.focus != nil && !m.focus.MatchString(text) {
					ginkgo.Skip("outside the " + m.name + " focus: " + m.focusWhy)
				}
				if current != m.name {
					_, err := adminCall(http.MethodPut, "/_fauxcloud/lifecycle", m.lifecycle)
					gomega.Expect(err).NotTo(gomega.HaveOccurred(), "set the %s lifecycle", m.name)
					current = m.name
				}
			})
			contexts = append(contexts, sanity.GinkgoTest(&mcfg))
		})
	}

	rec := &specRecorder{tap: d.tap, log: d.log, batching: d.batching}
	ginkgo.ReportBeforeEach(rec.before)
	ginkgo.ReportAfterEach(rec.after)

	suiteCfg, repCfg := ginkgo.GinkgoConfiguration()
	for re := range sanitySkips {
		suiteCfg.SkipStrings = append(suiteCfg.SkipStrings, re)
	}
	if s := os.Getenv("EBS_CSI_SANITY_SKIP"); s != "" {
		suiteCfg.SkipStrings = append(suiteCfg.SkipStrings, s)
	}
	if suiteCfg.Timeout == 0 || suiteCfg.Timeout > 30*time.Minute {
		suiteCfg.Timeout = 30 * time.Minute
	}

	gomega.RegisterFailHandler(ginkgo.Fail)
	start := time.Now()
	// Ginkgo's verdict is collected, not passed on: known failures (see
	// sanityKnownFailures) do not fail the test, everything else does.
	gt := &ginkgoVerdict{}
	ginkgo.RunSpecs(gt, "aws-ebs-csi-driver sanity against fauxcloud", suiteCfg, repCfg)
	for _, sc := range contexts {
		sc.Finalize()
	}
	total := time.Since(start)
	setLifecycle(t, map[string]any{})

	var reports []string
	anyUnexpected := false
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			specs := rec.resultsOf(m.name)
			report, unexpected := rec.render(m.name, specs)
			reports = append(reports, report)
			t.Log("\n" + report)
			for _, u := range unexpected {
				anyUnexpected = true
				t.Errorf("csi-sanity spec failed: %s", u)
			}
			if m.check != nil {
				m.check(t, specs)
			}
		})
	}
	t.Logf("csi-sanity: %d passes in %s", len(modes), total.Round(time.Second))
	if gt.failed && !anyUnexpected && rec.xfails == 0 {
		t.Errorf("the ginkgo suite failed outside any spec (see its output above)")
	}
	if p := os.Getenv("EBS_CSI_SANITY_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(strings.Join(reports, "\n")), 0o644); err != nil {
			t.Errorf("write report: %v", err)
		}
	}
	d.checkRunning(t)
}

// passNames rewrites the names csi-sanity gives volumes and snapshots so
// that they end in suffix instead of csi-sanity's per-process suffix (same
// length, so the maximum-length-name specs keep their length).
func passNames(suffix string) grpc.UnaryClientInterceptor {
	orig := sanity.UniqueString("")
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		switch r := req.(type) {
		case *csi.CreateVolumeRequest:
			if strings.Contains(r.GetName(), orig) {
				c := proto.Clone(r).(*csi.CreateVolumeRequest)
				c.Name = strings.ReplaceAll(c.Name, orig, suffix)
				req = c
			}
		case *csi.CreateSnapshotRequest:
			if strings.Contains(r.GetName(), orig) {
				c := proto.Clone(r).(*csi.CreateSnapshotRequest)
				c.Name = strings.ReplaceAll(c.Name, orig, suffix)
				req = c
			}
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// nodeMetadata is what the node service learns about its instance: through
// the driver's own IMDS code (metadata.NewMetadataService with the SDK's
// IMDS client, as cmd/main does) from a fauxcloud IMDS port serving that
// instance, checked against DescribeInstances. If that fails the failure is
// reported and the same facts are taken from DescribeInstances, so the rest
// of the run still says something.
func nodeMetadata(t *testing.T, inst ec2types.Instance, sources []string) metadata.MetadataService {
	t.Helper()
	want := &metadata.Metadata{
		InstanceID:       aws.ToString(inst.InstanceId),
		InstanceType:     string(inst.InstanceType),
		Region:           testRegion,
		AvailabilityZone: aws.ToString(inst.Placement.AvailabilityZone),
	}
	var l struct {
		Port     int    `json:"port"`
		Endpoint string `json:"endpoint"`
	}
	out := adminDo(t, http.MethodPost, "/_fauxcloud/aws/imds", map[string]any{"instanceId": want.InstanceID})
	if err := json.Unmarshal(out, &l); err != nil || l.Endpoint == "" {
		t.Errorf("POST /_fauxcloud/aws/imds: bad answer %q (%v); using DescribeInstances for the node metadata", out, err)
		return want
	}
	t.Cleanup(func() { adminDo(t, http.MethodDelete, fmt.Sprintf("/_fauxcloud/aws/imds/%d", l.Port), nil) })
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", l.Endpoint)
	md, err := metadata.NewMetadataService(metadata.MetadataServiceConfig{
		MetadataSources: sources,
		IMDSClient:      metadata.DefaultIMDSClient,
		K8sAPIClient:    metadata.DefaultKubernetesAPIClient(""),
	}, testRegion)
	if err != nil {
		t.Errorf("driver metadata from fauxcloud IMDS (%s): %v; using DescribeInstances for the node metadata", l.Endpoint, err)
		return want
	}
	got := [4]string{md.GetInstanceID(), md.GetInstanceType(), md.GetRegion(), md.GetAvailabilityZone()}
	if exp := [4]string{want.InstanceID, want.InstanceType, want.Region, want.AvailabilityZone}; got != exp {
		t.Errorf("IMDS says instance/type/region/zone %v, DescribeInstances %v", got, exp)
	}
	if n := md.GetNumAttachedENIs(); n < 1 {
		t.Errorf("IMDS network/interfaces/macs gave %d ENIs, want at least 1", n)
	}
	return md
}

func waitForSocket(t *testing.T, path string, runErr <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case err := <-runErr:
			t.Fatalf("driver.Run: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("driver socket %s did not appear", path)
}

// ---------------------------------------------------------------------------
// Driver log: klog goes to a buffer, and each spec's slice of it is kept.

type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

func (l *lockedLog) since(m int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m > l.buf.Len() {
		return ""
	}
	return string(l.buf.Bytes()[m:])
}

func captureDriverLog(t *testing.T) *lockedLog {
	l := &lockedLog{}
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := os.Getenv("EBS_CSI_LOG_V")
	if v == "" {
		v = "4"
	}
	for k, val := range map[string]string{
		"v": v, "logtostderr": "false", "alsologtostderr": "false",
		"stderrthreshold": "FATAL", "one_output": "true", "skip_headers": "false",
	} {
		if err := fs.Set(k, val); err != nil {
			t.Fatalf("klog flag %s: %v", k, err)
		}
	}
	klog.SetOutput(l)
	t.Cleanup(func() {
		klog.Flush()
		klog.SetOutput(os.Stderr)
		fs.Set("logtostderr", "true")
	})
	return l
}

// ---------------------------------------------------------------------------
// Per-spec record: state, failure, EC2 calls, driver errors.

type specResult struct {
	mode     string // the sanityMode whose container holds the spec
	text     string
	state    types.SpecState
	failure  string
	where    string
	duration time.Duration
	start    time.Time
	end      time.Time
	calls    []ec2Call
	drvErrs  []string
	skipWhy  string
	known    string // why this failure is expected, when it is one (see sanityKnownFailures)
}

// ginkgoVerdict stands in for *testing.T in RunSpecs, which only calls Fail.
type ginkgoVerdict struct{ failed bool }

func (g *ginkgoVerdict) Fail() { g.failed = true }

// knownFailureReason says why a failed spec is one of sanityKnownFailures
// (it matches and made the EC2 call the entry expects), or "".
func knownFailureReason(res specResult, batching bool) string {
	for _, kf := range sanityKnownFailures {
		if kf.batching && !batching || !regexp.MustCompile(kf.spec).MatchString(res.text) {
			continue
		}
		for _, c := range res.calls {
			if kf.match(c) {
				return fmt.Sprintf("%s (EC2 answered %s %s: %s)", kf.why, c.Action, c.Code, c.Message)
			}
		}
	}
	return ""
}

type specRecorder struct {
	batching bool
	xfails   int
	tap      *ec2Tap
	log      *lockedLog
	tapMark  int
	logMark  int
	results  []specResult
}

func (r *specRecorder) before(ginkgo.SpecReport) {
	r.tapMark = r.tap.mark()
	r.logMark = r.log.mark()
}

// klog error lines ("E0102 15:04:05.000000 ...") and the driver's own
// error-ish lines at V(4) that name an EC2 call.
var klogErrLine = regexp.MustCompile(`(?m)^E\d{4} .*$`)

func (r *specRecorder) after(rep ginkgo.SpecReport) {
	res := specResult{
		text:     rep.FullText(),
		state:    rep.State,
		duration: rep.RunTime,
		start:    rep.StartTime,
		end:      rep.EndTime,
		calls:    r.tap.since(r.tapMark),
	}
	if len(rep.ContainerHierarchyTexts) > 0 {
		res.mode = strings.TrimSuffix(strings.TrimPrefix(rep.ContainerHierarchyTexts[0], "["), "]")
	}
	if rep.Failed() {
		res.failure = rep.Failure.Message
		res.where = rep.Failure.Location.String()
		for _, l := range klogErrLine.FindAllString(r.log.since(r.logMark), -1) {
			if len(l) > 600 {
				l = l[:597] + "..."
			}
			res.drvErrs = append(res.drvErrs, l)
		}
	}
	if rep.Failed() {
		res.known = knownFailureReason(res, r.batching)
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

// resultsOf returns the specs of one mode, in the order they ran.
func (r *specRecorder) resultsOf(mode string) []specResult {
	var out []specResult
	for _, s := range r.results {
		if s.mode == mode {
			out = append(out, s)
		}
	}
	return out
}

// wallTime is the time from the first spec of a pass starting to its last
// spec ending (skipped specs do not count).
func wallTime(specs []specResult) time.Duration {
	var first, last time.Time
	for _, s := range specs {
		if s.state == types.SpecStateSkipped || s.start.IsZero() {
			continue
		}
		if first.IsZero() || s.start.Before(first) {
			first = s.start
		}
		if s.end.After(last) {
			last = s.end
		}
	}
	if first.IsZero() {
		return 0
	}
	return last.Sub(first)
}

// render returns the report of one pass and its specs that failed unexpectedly.
func (r *specRecorder) render(mode string, specs []specResult) (string, []string) {
	var b strings.Builder
	counts := map[string]int{}
	var unexpected []string
	for _, s := range specs {
		w := r.word(s)
		counts[w]++
		switch w {
		case "FAIL":
			unexpected = append(unexpected, s.text+": "+firstLine(s.failure))
		case "XFAIL":
			r.xfails++
		}
	}
	fmt.Fprintf(&b, "== aws-ebs-csi-driver sanity against fauxcloud, lifecycle %s: %d specs in %s: %d passed, %d failed, %d skipped, %d failed as known (XFAIL), %d known failures passed (XPASS) ==\n",
		mode, len(specs), wallTime(specs).Round(time.Second), counts["PASS"], counts["FAIL"], counts["SKIP"], counts["XFAIL"], counts["XPASS"])
	sorted := append([]specResult(nil), specs...)
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
		if r.word(s) != "FAIL" && r.word(s) != "XFAIL" {
			continue
		}
		fmt.Fprintf(&b, "\n---- %s: %s\n  at %s\n  %s\n", r.word(s), s.text, s.where, indent(strings.TrimSpace(s.failure), "  "))
		var failed []ec2Call
		for _, c := range s.calls {
			if c.failed() {
				failed = append(failed, c)
			}
		}
		if len(failed) > 0 {
			b.WriteString("  EC2 calls answered with an error:\n")
			for _, c := range failed {
				fmt.Fprintf(&b, "    %s\n", c)
			}
		}
		if len(s.calls) > 0 {
			b.WriteString("  all EC2 calls during the spec:\n")
			for _, c := range s.calls {
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

func (r *specRecorder) isKnownFailure(text string) bool {
	for _, kf := range sanityKnownFailures {
		if (!kf.batching || r.batching) && regexp.MustCompile(kf.spec).MatchString(text) {
			return true
		}
	}
	return false
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
