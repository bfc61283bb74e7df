package aws_test

// kubernetes-sigs/aws-ebs-csi-driver#1801: an attachment EC2 leaves
// "attaching" for minutes. The driver (pkg/cloud/cloud.go, WaitForAttachmentState)
// polls DescribeVolumes after AttachVolume; when it finds its attachment
// "attaching" with time.Since(AttachTime) > stuckAttachingTimeout (90 s, by
// the driver's own clock against the AttachTime EC2 reports) it calls
// DetachVolume for that volume and instance and fails with
// `"vol-…" stuck in attaching state for longer than 1m30s`, which
// ControllerPublishVolume returns as codes.Internal ("Could not attach volume
// … to node …: …") so that the external-attacher retries from scratch.
//
// The shipped drill ebs-attach-stuck holds the first AttachVolume after it
// loads "attaching" for 10 minutes of virtual time. Rather than waiting 90 s,
// fauxcloud's virtual clock is set 100 s behind real time just before the
// attach, so the AttachTime it reports is already 100 s old when the driver
// first looks. The real controller service (driver.ControllerMode, as the
// controller Deployment runs it) is called over gRPC as the external-attacher
// calls it; the EC2 tap and fauxcloud's journal show what it sent.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/kubernetes-csi/csi-test/v5/utils"
	"github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/driver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

const (
	stuckDrill      = "ebs-attach-stuck"
	stuckDrillRule  = "attachment-stuck-in-attaching" // the drill's fault rule
	stuckTimeout    = 90 * time.Second                // the driver's stuckAttachingTimeout
	clockBehindReal = 100 * time.Second
)

func TestEBSCSIStuckAttachingDetaches(t *testing.T) {
	ctx := context.Background()
	resetStore(t)
	setLifecycle(t, map[string]any{})
	// Cleanups run last first: the scenario goes back to default, then the
	// clock to real time, then the store is reset.
	t.Cleanup(func() { resetStore(t) })
	t.Cleanup(func() { setClock(t, time.Now()) })
	loaded := strconv.Itoa(journalLastSeq(t))
	loadScenario(t, stuckDrill)
	setLifecycle(t, map[string]any{}) // every other step instant

	d := startEBSDriver(t, driver.ControllerMode)
	d.tap.keepBodies(func(action string) bool { return action == "DescribeVolumes" })
	conn, err := utils.Connect(d.endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("connect to the driver: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ctrl := csi.NewControllerClient(conn)
	node := *d.inst.InstanceId

	mountCap := &csi.VolumeCapability{
		AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
		AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
	}
	zone := &csi.Topology{Segments: map[string]string{driver.WellKnownZoneTopologyKey: testZone}}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	cv, err := ctrl.CreateVolume(cctx, &csi.CreateVolumeRequest{
		Name:                      "pvc-stuck-attach-" + randHex(8),
		CapacityRange:             &csi.CapacityRange{RequiredBytes: 10 * gib},
		VolumeCapabilities:        []*csi.VolumeCapability{mountCap},
		Parameters:                map[string]string{"type": "gp3"},
		AccessibilityRequirements: &csi.TopologyRequirement{Requisite: []*csi.Topology{zone}, Preferred: []*csi.Topology{zone}},
	})
	cancel()
	if err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	vol := cv.GetVolume().GetVolumeId()
	t.Logf("volume %s in %s, node %s", vol, testZone, node)
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		ctrl.ControllerUnpublishVolume(dctx, &csi.ControllerUnpublishVolumeRequest{VolumeId: vol, NodeId: node})
		if _, err := ctrl.DeleteVolume(dctx, &csi.DeleteVolumeRequest{VolumeId: vol}); err != nil {
			t.Logf("DeleteVolume %s: %v", vol, err)
		}
	})

	// The drill is loaded and has not fired yet (CreateVolume is no AttachVolume).
	if n := journalCount(t, url.Values{"operation": {"AttachVolume"}, "since": {loaded}}); n != 0 {
		t.Fatalf("%d AttachVolume calls since the drill loaded; its rule only holds the first one", n)
	}

	mark := d.tap.mark()
	since := journalLastSeq(t)
	setClock(t, time.Now().Add(-clockBehindReal))
	pctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	start := time.Now()
	_, err = ctrl.ControllerPublishVolume(pctx, &csi.ControllerPublishVolumeRequest{VolumeId: vol, NodeId: node, VolumeCapability: mountCap})
	took := time.Since(start)
	cancel()
	setClock(t, time.Now())
	calls := d.tap.since(mark)
	t.Logf("ControllerPublishVolume took %s; the driver's EC2 calls:\n%s", took.Round(time.Millisecond), callList(calls))

	// 1. The driver's own error, as ControllerPublishVolume returns it.
	if err == nil {
		t.Fatalf("ControllerPublishVolume succeeded; want the driver to give up on the attachment stuck in attaching")
	}
	st, _ := status.FromError(err)
	wantMsg := fmt.Sprintf("Could not attach volume %q to node %q: %q stuck in attaching state for longer than %v", vol, node, vol, stuckTimeout)
	if st.Code() != codes.Internal || st.Message() != wantMsg {
		t.Fatalf("ControllerPublishVolume error = %s %q\nwant              %s %q", st.Code(), st.Message(), codes.Internal, wantMsg)
	}
	// It gave up at once (100 s > 90 s on the first look), not after its ~40 min of back-off.
	if took > 30*time.Second {
		t.Errorf("ControllerPublishVolume took %s to give up", took)
	}

	// 2. What the driver sent and was shown: one AttachVolume of the volume,
	// then DescribeVolumes whose first answer shows the attachment
	// "attaching" with an AttachTime more than 90 s before the driver asked,
	// never "attached", then DetachVolume of that volume from that node.
	attachAt, detachAt := -1, -1
	for i, c := range calls {
		switch {
		case c.Action == "AttachVolume" && c.Params.Get("VolumeId") == vol:
			if attachAt >= 0 {
				t.Errorf("more than one AttachVolume of %s: #%d and #%d", vol, calls[attachAt].Seq, c.Seq)
			}
			attachAt = i
		case c.Action == "DetachVolume" && c.Params.Get("VolumeId") == vol:
			if detachAt >= 0 {
				t.Errorf("more than one DetachVolume of %s: #%d and #%d", vol, calls[detachAt].Seq, c.Seq)
			}
			detachAt = i
		}
	}
	if attachAt < 0 || calls[attachAt].Status != http.StatusOK {
		t.Fatalf("no successful AttachVolume of %s through the tap", vol)
	}
	if detachAt < 0 {
		t.Fatalf("the driver sent no DetachVolume of %s", vol)
	}
	if dc := calls[detachAt]; detachAt < attachAt || dc.Params.Get("InstanceId") != node || dc.Status != http.StatusOK {
		t.Fatalf("DetachVolume #%d = %s; want it after the AttachVolume, for instance %s, answered 200", dc.Seq, dc, node)
	}
	var polls []stateObs // the attachment in each DescribeVolumes answer between the two
	for _, c := range calls[attachAt+1 : detachAt] {
		if c.Action != "DescribeVolumes" || c.Params.Get("VolumeId.1") != vol {
			continue
		}
		obs, err := observedStates([]ec2Call{c})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range obs {
			if o.kind == "attachment" && o.id == vol+"/"+node {
				polls = append(polls, o)
				found = true
			}
		}
		if !found {
			t.Errorf("DescribeVolumes #%d of %s shows no attachment to %s", c.Seq, vol, node)
		}
	}
	if len(polls) == 0 {
		t.Fatalf("no DescribeVolumes of %s between the AttachVolume and the DetachVolume: the driver did not look at the attachment", vol)
	}
	first := polls[0]
	if first.state != "attaching" || first.attachTime.IsZero() {
		t.Fatalf("the driver first saw the attachment %q with attachTime %v; want \"attaching\" with an attachTime", first.state, first.attachTime)
	}
	if age := first.at.Sub(first.attachTime); age <= stuckTimeout || age > clockBehindReal+30*time.Second {
		t.Fatalf("when the driver first looked, attachTime %s was %s old; want just over %s (clock %s behind)", first.attachTime.Format(time.RFC3339Nano), age.Round(time.Millisecond), stuckTimeout, clockBehindReal)
	}
	for _, p := range polls {
		if p.state != "attaching" {
			t.Errorf("DescribeVolumes #%d showed the attachment %q before the driver detached; the drill holds it attaching", p.call, p.state)
		}
	}
	t.Logf("the driver saw %s/%s attaching since %s (%s before its first look) in %d DescribeVolumes answer(s), then sent DetachVolume #%d",
		vol, node, first.attachTime.Format(time.RFC3339), first.at.Sub(first.attachTime).Round(time.Second), len(polls), calls[detachAt].Seq)

	// 3. fauxcloud's journal agrees: the drill's rule held that AttachVolume,
	// and the driver's DetachVolume of the volume reached it.
	s := strconv.Itoa(since)
	att := journalEntries(t, url.Values{"operation": {"AttachVolume"}, "since": {s}})
	if len(att) != 1 || att[0].Rule != stuckDrillRule || att[0].Status != http.StatusOK || !contains(att[0].ResourceIDs, vol) {
		t.Fatalf("journal AttachVolume records since #%s = %+v; want one, answered 200, naming %s, held by rule %q", s, att, vol, stuckDrillRule)
	}
	det := journalEntries(t, url.Values{"operation": {"DetachVolume"}, "resourceId": {vol}, "since": {s}})
	if len(det) != 1 || det[0].Status != http.StatusOK || det[0].Seq < att[0].Seq {
		t.Fatalf("journal DetachVolume records of %s since #%s = %+v; want one after AttachVolume #%d, answered 200", vol, s, det, att[0].Seq)
	}
	t.Logf("journal: AttachVolume #%d held by %s, DetachVolume #%d of %s", att[0].Seq, att[0].Rule, det[0].Seq, vol)

	// 4. The external-attacher retries (clock back on real time) and the
	// volume attaches: the drill holds only the first AttachVolume. The
	// driver keeps the device name of the failed attempt assigned (AttachDisk
	// taints it, and a tainted device is never released), so its first retry
	// finds the volume "already assigned" but detached, sends AttachVolume
	// itself and fails ("expected device to be attached but was detached");
	// the next one finds it attached. As on EC2, a few retries are expected.
	retryMark := d.tap.mark()
	var pub *csi.ControllerPublishVolumeResponse
	for attempt := 1; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		pub, err = ctrl.ControllerPublishVolume(rctx, &csi.ControllerPublishVolumeRequest{VolumeId: vol, NodeId: node, VolumeCapability: mountCap})
		cancel()
		if err == nil {
			t.Logf("retry %d attached %s at %s", attempt, vol, pub.GetPublishContext()["devicePath"])
			break
		}
		t.Logf("retry %d: %v", attempt, err)
		if attempt == 4 {
			t.Fatalf("ControllerPublishVolume still fails after %d retries: %v\nEC2 calls since the first retry:\n%s", attempt, err, callList(d.tap.since(retryMark)))
		}
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
	if n := journalCount(t, url.Values{"operation": {"AttachVolume"}, "since": {s}, "status": {"200"}}); n < 2 {
		t.Errorf("journal: %d AttachVolume records since #%s; want the held one and the retry's", n, s)
	}
	d.checkRunning(t)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func callList(calls []ec2Call) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "  #%d %s\n", c.Seq, c)
	}
	return b.String()
}
