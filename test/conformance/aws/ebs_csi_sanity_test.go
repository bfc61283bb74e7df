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
// The csi-sanity run itself (passes, per-spec report, skip and XFAIL/XPASS
// accounting, klog capture) is ../csiharness; this file keeps what is the
// EBS driver's own: building it, its skips and known failures, its passes.
//
//	cd test/conformance/aws && GOFLAGS=-mod=mod go test -count=1 -v -run TestEBSCSISanity ./...
//
// Environment knobs (all optional):
//
//	EBS_CSI_SANITY_MODES    passes to run, comma separated: instant, lifecycle-delays (default both)
//	EBS_CSI_SANITY_DELAYS_FOCUS=1  the lifecycle-delays pass runs only the specs with waits
//	EBS_CSI_SANITY_SKIP     extra regexp of spec texts to skip (ginkgo -ginkgo.skip works too)
//	EBS_CSI_SANITY_FOCUS    regexp of spec texts to run (the others are skipped)
//	EBS_CSI_SANITY_REPORT   file to write the per-spec report to (markdown-ish text)
//	EBS_CSI_LOG_V           klog verbosity of the driver (default 4), captured per spec
//	EBS_CSI_LOG_STDERR=1    stream the driver's klog to stderr instead of capturing it
//	EBS_CSI_SDK_DEBUG=1     the driver's --aws-sdk-debug-log=true (SDK wire log on stderr)
//	EBS_CSI_BATCHING=true   the driver's --batching=true, as the Helm chart deploys it

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fauxcloud.test/conformance/csiharness"
	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
	cloudpkg "github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/cloud"
	"github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/cloud/metadata"
	"github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/driver"
	"github.com/onsi/gomega"
	"github.com/spf13/pflag"
)

const gib = csiharness.GiB

// sanitySkips are csi-sanity specs that cannot run here, with the reason.
// Matched as regular expressions against the spec's full text.
var sanitySkips = map[string]string{
	`Node Service NodeExpandVolume should fail when volume is not found`: "node-only, no EC2 call: " +
		"the driver's NodeMounter.IsBlockDevice stats the made-up path \"some/path\" and the driver answers " +
		"Internal instead of NotFound (its own sanity test fakes IsBlockDevice); needs the host, not fauxcloud",
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

// ec2Answer is the evidence of a known failure: the first EC2 call of the
// spec that match accepts, named with its answer in the XFAIL reason.
func ec2Answer(match func(ec2Call) bool) func([]ec2Call) (string, bool) {
	return func(calls []ec2Call) (string, bool) {
		for _, c := range calls {
			if match(c) {
				return fmt.Sprintf(" (EC2 answered %s %s: %s)", c.Action, c.Code, c.Message), true
			}
		}
		return "", false
	}
}

// sanityKnownFailures are specs that fail because of how the driver
// (v1.63.1) reads EC2's answers, not because fauxcloud answers differently
// from EC2. They still run; the test fails only if one fails for another
// reason: the spec must have made the EC2 call its evidence names.
var sanityKnownFailures = []csiharness.KnownFailure[ec2Call]{
	{Spec: `CreateVolume should fail when the volume source snapshot is not found$`,
		Why:      "CreateVolume SnapshotId=non-existing-snapshot-id is malformed for EC2; the driver wants InvalidSnapshot.NotFound",
		Evidence: ec2Answer(malformed("non-existing-snapshot-id"))},
	{Spec: `DeleteSnapshot \[Controller Server\] should succeed when an invalid snapshot id is used$`,
		Why:      "DeleteSnapshot SnapshotId=reallyfakesnapshotid is malformed for EC2; the driver wants InvalidSnapshot.NotFound",
		Evidence: ec2Answer(malformed("reallyfakesnapshotid"))},
	{Spec: `ListSnapshots \[Controller Server\] should return empty when the specified snapshot id does not exist$`,
		Why:      "DescribeSnapshots SnapshotId.1=none-exist-id is malformed for EC2; the driver wants InvalidSnapshot.NotFound",
		Evidence: ec2Answer(malformed("none-exist-id"))},
	{Spec: `ModifyVolume \[Controller Server\] should fail if volume does not exist$`,
		Why:      "DescribeVolumes VolumeId.1=non-existing-volume-id is malformed for EC2; the driver wants InvalidVolume.NotFound",
		Evidence: ec2Answer(malformed("non-existing-volume-id"))},
	{Spec: `ValidateVolumeCapabilities should fail when the requested volume does not exist$`,
		Why: "EC2 answers DescribeVolumes of an unknown id with InvalidVolume.NotFound; the driver's GetDiskByID " +
			"returns that error as is (only an empty answer becomes ErrNotFound), so the spec gets Internal, not NotFound",
		Evidence: ec2Answer(answered("DescribeVolumes", "InvalidVolume.NotFound"))},
	{Spec: `ListSnapshots \[Controller Server\] should return next token when a limited number of entries are requested$`,
		Why: "csi-sanity pages with max_entries below 5; the driver itself refuses that (\"maxResults parameter must be 0 " +
			"or greater than or equal to 5\") before calling EC2, whose DescribeSnapshots takes 5-1000, so it fails against AWS too; " +
			"the listing before it (DescribeSnapshots MaxResults=0) must have succeeded",
		Evidence: ec2Answer(func(c ec2Call) bool { return c.Action == "DescribeSnapshots" && c.Status == 200 })},
}

// batchingKnownFailures are known failures only with --batching=true.
var batchingKnownFailures = []csiharness.KnownFailure[ec2Call]{
	{Spec: `ControllerPublishVolume should fail when the (node|volume) does not exist$`,
		Why: "with --batching the driver's instance batcher returns DescribeInstances' InvalidInstanceID.NotFound as is " +
			"(unbatched getInstance maps it to ErrNotFound), so the spec gets Internal, not NotFound",
		Evidence: ec2Answer(answered("DescribeInstances", "InvalidInstanceID.NotFound"))},
}

// describeCalls is a failed spec's EC2 calls in its report.
func describeCalls(calls []ec2Call) string {
	return csiharness.CallList("EC2 calls answered with an error", calls, ec2Call.failed, ec2Call.String) +
		csiharness.CallList("all EC2 calls during the spec", calls, nil, func(c ec2Call) string { return fmt.Sprintf("#%d %s", c.Seq, c) })
}

// awsIDs makes ids of EC2's shape that no resource has, so "valid but
// unknown" ids reach fauxcloud's NotFound paths as they would reach EC2's.
// The invalid ids are well formed too: a malformed id gets a *.Malformed
// error from EC2 that the driver does not treat as "not found" (see
// sanityKnownFailures), while the specs using them (DeleteVolume /
// ControllerPublishVolume of an unknown id) are about unknown ids.
type awsIDs struct{}

func randHex(n int) string { return csiharness.RandHex(n) }

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

// specResult is what a mode's check (ebs_csi_lifecycle_test.go) reads of a
// spec: the EC2 calls the driver made during it.
type specResult struct{ calls []ec2Call }

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

// pass is the csi-sanity pass of mode m, the i-th.
func (m sanityMode) pass(i int) csiharness.Pass[ec2Call] {
	p := csiharness.Pass[ec2Call]{Name: m.name, Focus: m.focus, FocusWhy: "outside the " + m.name + " focus: " + m.focusWhy,
		// The lifecycle is switched when the first spec of another pass
		// starts, whatever order ginkgo picks.
		Enter: func() {
			_, err := adminCall(http.MethodPut, "/_fauxcloud/lifecycle", m.lifecycle)
			gomega.Expect(err).NotTo(gomega.HaveOccurred(), "set the %s lifecycle", m.name)
		},
	}
	if i > 0 {
		// csi-sanity names volumes and snapshots with one suffix per
		// process, and the driver's ClientToken is a hash of the name: a
		// later pass would reuse the tokens of volumes an earlier one
		// deleted, which EC2 (and fauxcloud) refuses with
		// IdempotentParameterMismatch. Each later pass gets names with a
		// suffix of its own (same length, so the maximum-length-name specs
		// keep their length), as a second csi-sanity process would.
		orig, suffix := sanity.UniqueString(""), "-"+sanity.PseudoUUID()
		p.Config = func(cfg *sanity.TestConfig) {
			csiharness.RenameNames(cfg, func(n string) string { return strings.ReplaceAll(n, orig, suffix) })
		}
	}
	if m.check != nil {
		p.Check = func(t *testing.T, specs []csiharness.Spec[ec2Call]) {
			rs := make([]specResult, len(specs))
			for i, s := range specs {
				rs[i] = specResult{calls: s.Calls}
			}
			m.check(t, rs)
		}
	}
	return p
}

// ebsDriver is the real aws-ebs-csi-driver running in this process on a unix
// socket, talking EC2 to fauxcloud through a recording tap.
type ebsDriver struct {
	endpoint string // unix:…/csi.sock
	dir      string
	tap      *ec2Tap
	log      *csiharness.Log
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

	d.log = csiharness.CaptureKlog(t, cmp.Or(os.Getenv("EBS_CSI_LOG_V"), "4"), os.Getenv("EBS_CSI_LOG_STDERR") != "")

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
	csiharness.WaitForSocket(t, filepath.Join(d.dir, "csi.sock"), d.runErr)
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

	knownFailures := sanityKnownFailures
	if d.batching {
		knownFailures = append(slices.Clone(knownFailures), batchingKnownFailures...)
	}
	passes := make([]csiharness.Pass[ec2Call], len(modes))
	for i, m := range modes {
		passes[i] = m.pass(i)
	}
	csiharness.Run(t, csiharness.Suite[ec2Call]{
		Name:      "aws-ebs-csi-driver sanity against fauxcloud",
		PassLabel: "lifecycle", WallTime: true,
		Config:        cfg,
		Passes:        passes,
		Skips:         sanitySkips,
		KnownFailures: knownFailures,
		Mark:          d.tap.mark,
		Since:         d.tap.since,
		Log:           d.log, ErrLineMax: 600,
		DescribeCalls: describeCalls,
		Env:           "EBS_CSI_SANITY",
		Timeout:       30 * time.Minute,
	})
	d.checkRunning(t)
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
