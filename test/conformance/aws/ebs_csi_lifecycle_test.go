package aws_test

// The "lifecycle-delays" pass of TestEBSCSISanity: csi-sanity once more with
// fauxcloud's lifecycle steps taking real (virtual = real, factor 1) time, so
// the driver's waiters meet the intermediate states EC2 shows: an attachment
// "attaching" for 2 s and "detaching" for 2 s, a modification "modifying" for
// 3 s, a snapshot "pending" for 2 s, a volume "creating" for 1 s.
//
// Afterwards the answers the driver got (kept by the EC2 tap) must show that
// it met those states and kept polling through them: an attachment seen
// "attaching" in at least two DescribeVolumes answers and then "attached",
// one seen "detaching" twice and then gone, a modification seen "modifying"
// twice and then "optimizing"/"completed", snapshots seen "pending" by
// DescribeSnapshots and one answered "pending" seen "completed" later.
// fauxcloud's journal must agree with the tap on the polls.
//
// The pass takes about 2m10s (instant: about 1m15s), so it runs every spec.
// The volume's 1 s "creating" is not asserted: the driver sleeps 1.25 s
// after CreateVolume before its first DescribeVolumes, so it never sees it.

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// lifecycleDelays is what the pass PUTs to /_fauxcloud/lifecycle.
var lifecycleDelays = map[string]any{
	"aws.ec2.attachment":   map[string]any{"attaching": delayMs(2000), "detaching": delayMs(2000)},
	"aws.ec2.modification": map[string]any{"modifying": delayMs(3000)},
	"aws.ec2.snapshot":     map[string]any{"pending": delayMs(2000)},
	"aws.ec2.volume":       map[string]any{"creating": delayMs(1000)},
}

func delayMs(ms int) map[string]any { return map[string]any{"delay": map[string]any{"ms": ms}} }

// lifecycleDelaysFocus, when EBS_CSI_SANITY_DELAYS_FOCUS=1, restricts the pass
// to the csi-sanity specs that go through a wait the delays lengthen.
var lifecycleDelaysFocus = regexp.MustCompile(strings.Join([]string{
	// attach (attaching) and detach (detaching) waits, in the controller and through node staging/publishing
	`ControllerPublishVolume`, `ControllerUnpublishVolume`, `Node Service`,
	// modify: ControllerModifyVolume and expansion wait for the modification to leave "modifying"
	`ModifyVolume`, `ControllerExpandVolume`, `CreateVolume.*mutable parameters`,
	// snapshots: CreateSnapshot answers "pending", ListSnapshots meets it, volumes are made from it
	`CreateSnapshot`, `ListSnapshots`, `DeleteSnapshot`, `source snapshot`,
	// create (creating): the driver polls DescribeVolumes until "available"
	`CreateVolume should create`, `CreateVolume should not fail`,
}, "|"))

func lifecycleDelaysMode() sanityMode {
	m := sanityMode{name: "lifecycle-delays", lifecycle: lifecycleDelays, check: checkIntermediateStates}
	if os.Getenv("EBS_CSI_SANITY_DELAYS_FOCUS") == "1" {
		m.focus = lifecycleDelaysFocus
		m.focusWhy = "EBS_CSI_SANITY_DELAYS_FOCUS=1 runs only the specs with create/attach/detach/modify/snapshot waits"
	}
	return m
}

// ---------------------------------------------------------------------------
// What the driver was shown: states in the answers the tap kept.

// polledActions are the answers the tap keeps: the calls the driver polls,
// and CreateSnapshot (whose answer is the snapshot's first state).
func polledActions(action string) bool {
	switch action {
	case "DescribeVolumes", "DescribeVolumesModifications", "DescribeSnapshots", "CreateSnapshot":
		return true
	}
	return false
}

// stateObs is one resource's state in one answer.
type stateObs struct {
	call       int // tap sequence number of the answer
	at         time.Time
	action     string
	kind       string // volume, attachment, modification, snapshot
	id         string // vol-…; vol-…/i-… for an attachment; snap-…
	state      string
	attachTime time.Time // attachments
}

type xmlAttachment struct {
	VolumeID   string `xml:"volumeId"`
	InstanceID string `xml:"instanceId"`
	Device     string `xml:"device"`
	Status     string `xml:"status"`
	AttachTime string `xml:"attachTime"`
}

type xmlVolume struct {
	VolumeID    string          `xml:"volumeId"`
	Status      string          `xml:"status"`
	Attachments []xmlAttachment `xml:"attachmentSet>item"`
}

type xmlAnswer struct {
	// CreateSnapshot answers with the snapshot at the root.
	SnapshotID    string      `xml:"snapshotId"`
	Status        string      `xml:"status"`
	Volumes       []xmlVolume `xml:"volumeSet>item"`
	Modifications []struct {
		VolumeID string `xml:"volumeId"`
		State    string `xml:"modificationState"`
	} `xml:"volumeModificationSet>item"`
	Snapshots []struct {
		SnapshotID string `xml:"snapshotId"`
		Status     string `xml:"status"`
	} `xml:"snapshotSet>item"`
}

// observedStates extracts the states from the kept answers among calls.
func observedStates(calls []ec2Call) ([]stateObs, error) {
	var out []stateObs
	for _, c := range calls {
		if c.Body == nil {
			continue
		}
		var a xmlAnswer
		if err := xml.Unmarshal(c.Body, &a); err != nil {
			return nil, fmt.Errorf("%s answer #%d: %w", c.Action, c.Seq, err)
		}
		if a.SnapshotID != "" {
			out = append(out, stateObs{call: c.Seq, at: c.Time, action: c.Action, kind: "snapshot", id: a.SnapshotID, state: a.Status})
		}
		for _, v := range a.Volumes {
			out = append(out, stateObs{call: c.Seq, at: c.Time, action: c.Action, kind: "volume", id: v.VolumeID, state: v.Status})
			for _, at := range v.Attachments {
				o := stateObs{call: c.Seq, at: c.Time, action: c.Action, kind: "attachment", id: v.VolumeID + "/" + at.InstanceID, state: at.Status}
				if tm, err := time.Parse(time.RFC3339Nano, at.AttachTime); err == nil {
					o.attachTime = tm
				}
				out = append(out, o)
			}
		}
		for _, m := range a.Modifications {
			out = append(out, stateObs{call: c.Seq, at: c.Time, action: c.Action, kind: "modification", id: m.VolumeID, state: m.State})
		}
		for _, s := range a.Snapshots {
			out = append(out, stateObs{call: c.Seq, at: c.Time, action: c.Action, kind: "snapshot", id: s.SnapshotID, state: s.Status})
		}
	}
	return out, nil
}

// waitedThrough finds resources of a kind seen in state transient in at least
// min answers and, in a later answer, in a state done accepts (after(o) may
// look at other kinds, e.g. the volume once its attachment is gone). It
// returns those resource ids with how often each was seen transient.
func waitedThrough(obs []stateObs, kind, transient string, min int, after func(id string, o stateObs) bool) map[string]int {
	seen := map[string]int{}
	lastTransient := map[string]int{}
	for _, o := range obs {
		if o.kind == kind && o.state == transient {
			seen[o.id]++
			lastTransient[o.id] = o.call
		}
	}
	out := map[string]int{}
	for id, n := range seen {
		if n < min {
			continue
		}
		for _, o := range obs {
			if o.call > lastTransient[id] && after(id, o) {
				out[id] = n
				break
			}
		}
	}
	return out
}

func sameKind(kind string, states ...string) func(string, stateObs) bool {
	return func(id string, o stateObs) bool {
		if o.kind != kind || o.id != id {
			return false
		}
		for _, s := range states {
			if o.state == s {
				return true
			}
		}
		return false
	}
}

type stateKey struct{ kind, state string }

// stateCounts are, per kind and state, how many answers showed it and, per
// resource, in how many answers it was in that state.
type stateCounts struct {
	answers map[stateKey]int
	perRes  map[stateKey]map[string]int
}

// logStates logs the table of the states the driver was shown during a pass
// and returns the kept calls, the observations and their counts.
func logStates(t *testing.T, specs []specResult) ([]ec2Call, []stateObs, stateCounts) {
	t.Helper()
	var calls []ec2Call
	for _, s := range specs {
		calls = append(calls, s.calls...)
	}
	obs, err := observedStates(calls)
	if err != nil {
		t.Fatalf("parse the driver's EC2 answers: %v", err)
	}
	if len(obs) == 0 {
		t.Fatalf("no DescribeVolumes/DescribeVolumesModifications/DescribeSnapshots/CreateSnapshot answers were kept: did the pass run?")
	}

	// A table of what the driver was shown: answers per kind and state, the
	// resources, and how many of them it saw in that state more than once.
	type key = stateKey
	answers := map[key]int{}
	perRes := map[key]map[string]int{}
	for _, o := range obs {
		k := key{o.kind, o.state}
		answers[k]++
		if perRes[k] == nil {
			perRes[k] = map[string]int{}
		}
		perRes[k][o.id]++
	}
	keys := make([]key, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].kind != keys[j].kind {
			return keys[i].kind < keys[j].kind
		}
		return keys[i].state < keys[j].state
	})
	var b strings.Builder
	b.WriteString("states in the driver's DescribeVolumes/DescribeVolumesModifications/DescribeSnapshots/CreateSnapshot answers:\n")
	for _, k := range keys {
		repeated := 0
		for _, n := range perRes[k] {
			if n > 1 {
				repeated++
			}
		}
		fmt.Fprintf(&b, "  %-12s %-10s %4d answers, %3d resources, %3d seen in it more than once\n", k.kind, k.state, answers[k], len(perRes[k]), repeated)
	}
	t.Log(b.String())
	return calls, obs, stateCounts{answers, perRes}
}

// checkIntermediateStates is the lifecycle-delays pass's own assertion.
func checkIntermediateStates(t *testing.T, specs []specResult) {
	calls, obs, counts := logStates(t, specs)
	type key = stateKey
	perRes := counts.perRes

	// attaching: polled at least twice, then attached.
	attached := waitedThrough(obs, "attachment", "attaching", 2, sameKind("attachment", "attached"))
	// detaching: polled at least twice, then the attachment gone: the volume available again.
	detached := waitedThrough(obs, "attachment", "detaching", 2, func(id string, o stateObs) bool {
		vol, _, _ := strings.Cut(id, "/")
		return o.kind == "volume" && o.id == vol && o.state == "available" ||
			o.kind == "attachment" && o.id == id && o.state == "detached"
	})
	// modifying: polled at least twice, then optimizing or completed.
	modified := waitedThrough(obs, "modification", "modifying", 2, sameKind("modification", "optimizing", "completed"))
	// pending: the driver does not wait for snapshots (CreateSnapshot answers
	// ReadyToUse=false while EC2 says "pending"); csi-sanity calls
	// CreateSnapshot again every 5 s until it is ready, and the driver's
	// idempotent path answers from DescribeSnapshots. ListSnapshots right
	// after a CreateSnapshot meets "pending" in DescribeSnapshots.
	completed := waitedThrough(obs, "snapshot", "pending", 1, sameKind("snapshot", "completed"))
	describedPending := 0
	for _, o := range obs {
		if o.action == "DescribeSnapshots" && o.kind == "snapshot" && o.state == "pending" {
			describedPending++
		}
	}
	t.Logf("waited through: %d attachments attaching→attached, %d detaching→detached, %d modifications modifying→optimizing/completed (each seen in the transient state in ≥2 answers); %d snapshots pending (%d DescribeSnapshots answers showed it), %d of them seen completed later",
		len(attached), len(detached), len(modified), len(perRes[key{"snapshot", "pending"}]), describedPending, len(completed))
	if len(attached) == 0 {
		t.Errorf("no attachment was seen \"attaching\" in two or more DescribeVolumes answers and then \"attached\": the driver's attach waiter never met the 2 s attaching state")
	}
	if len(detached) == 0 {
		t.Errorf("no attachment was seen \"detaching\" in two or more DescribeVolumes answers and then gone: the driver's detach waiter never met the 2 s detaching state")
	}
	if len(modified) == 0 {
		t.Errorf("no modification was seen \"modifying\" in two or more DescribeVolumesModifications answers and then optimizing/completed: the driver's modification waiter never met the 3 s modifying state")
	}
	if describedPending == 0 {
		t.Errorf("no DescribeSnapshots answer showed a snapshot \"pending\": the 2 s pending state was never met")
	}
	if len(completed) == 0 {
		t.Errorf("no snapshot answered \"pending\" was later seen \"completed\" (csi-sanity's CreateSnapshot loop until ReadyToUse)")
	}

	// fauxcloud's journal must have the polls the tap saw: for one volume of
	// each wait, at least as many DescribeVolumes / DescribeVolumesModifications
	// naming it as the tap kept answers in which it appears.
	polls := func(action, vol string) int {
		n := 0
		for _, c := range calls {
			if c.Action != action || c.Body == nil {
				continue
			}
			for k, vs := range c.Params {
				if strings.HasPrefix(k, "VolumeId.") && len(vs) == 1 && vs[0] == vol {
					n++
					break
				}
			}
		}
		return n
	}
	for _, w := range []struct {
		action string
		ids    map[string]int
	}{{"DescribeVolumes", attached}, {"DescribeVolumes", detached}, {"DescribeVolumesModifications", modified}} {
		for id := range w.ids {
			vol, _, _ := strings.Cut(id, "/")
			tapN := polls(w.action, vol)
			jn := journalCount(t, url.Values{"operation": {w.action}, "resourceId": {vol}})
			if tapN < 2 || jn < tapN {
				t.Errorf("%s of %s: the tap saw %d calls naming it, fauxcloud's journal %d", w.action, vol, tapN, jn)
			} else {
				t.Logf("%s naming %s: %d through the tap, %d in fauxcloud's journal", w.action, vol, tapN, jn)
			}
			break
		}
	}
}
