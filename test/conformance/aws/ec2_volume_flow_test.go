package aws_test

// The volume life cycle as a CSI controller (the EBS CSI driver) drives it:
// idempotent CreateVolume keyed by a hash of the PV name, wait for
// "available", attach to the node's instance, wait for "in-use", find the
// volume again by tag, detach, wait, delete, wait for deletion.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const (
	testZone      = "us-east-1a"
	testDevice    = "/dev/xvdba"
	clusterTagKey = "kubernetes.io/cluster/fauxcloud"
	waiterMaxWait = 30 * time.Second
)

// Waiter delays: the SDK defaults (15 s minimum) are for real AWS; the
// waiters' acceptors are what we test, so poll quickly.
func fastAvailable(o *ec2.VolumeAvailableWaiterOptions) {
	o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
}
func fastInUse(o *ec2.VolumeInUseWaiterOptions) {
	o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
}
func fastDeleted(o *ec2.VolumeDeletedWaiterOptions) {
	o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
}

// clientToken is what the EBS CSI driver sends: the hex SHA-256 of the PV name.
func clientToken(pvName string) string {
	sum := sha256.Sum256([]byte(pvName))
	return hex.EncodeToString(sum[:])
}

func csiCreateVolumeInput(pvName string, sizeGiB int32) *ec2.CreateVolumeInput {
	return &ec2.CreateVolumeInput{
		AvailabilityZone: aws.String(testZone),
		Size:             aws.Int32(sizeGiB),
		VolumeType:       types.VolumeTypeGp3,
		ClientToken:      aws.String(clientToken(pvName)),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeVolume,
			Tags: []types.Tag{
				{Key: aws.String("CSIVolumeName"), Value: aws.String(pvName)},
				{Key: aws.String("ebs.csi.aws.com/cluster"), Value: aws.String("true")},
			},
		}},
	}
}

func tagValue(tags []types.Tag, key string) (string, bool) {
	for _, tg := range tags {
		if aws.ToString(tg.Key) == key {
			return aws.ToString(tg.Value), true
		}
	}
	return "", false
}

// describeVolume returns the single volume with the given id.
func describeVolume(ctx context.Context, t *testing.T, c *ec2.Client, id string) types.Volume {
	t.Helper()
	out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeVolumes(%s): %v", id, err)
	}
	if len(out.Volumes) != 1 || aws.ToString(out.Volumes[0].VolumeId) != id {
		t.Fatalf("DescribeVolumes(%s) returned %d volumes: %+v", id, len(out.Volumes), volumeIDs(out.Volumes))
	}
	return out.Volumes[0]
}

func volumeIDs(vs []types.Volume) []string {
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, aws.ToString(v.VolumeId))
	}
	return ids
}

// seededInstance finds the scenario's running cluster instance in zone, the
// way a cloud-controller-manager lists its nodes.
func seededInstance(ctx context.Context, t *testing.T, c *ec2.Client, zone string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{
			{Name: aws.String("tag-key"), Values: []string{clusterTagKey}},
			{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		},
	})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	var all []types.Instance
	for _, r := range out.Reservations {
		all = append(all, r.Instances...)
	}
	if len(all) != 3 {
		t.Errorf("DescribeInstances(tag-key=%s, running) returned %d instances, want the 3 seeded ones", clusterTagKey, len(all))
	}
	var found []types.Instance
	for _, in := range all {
		if in.State == nil || in.State.Name != types.InstanceStateNameRunning {
			t.Errorf("instance %s state = %+v, filtered on running", aws.ToString(in.InstanceId), in.State)
		}
		if _, ok := tagValue(in.Tags, clusterTagKey); !ok {
			t.Errorf("instance %s lacks tag %s it was filtered on", aws.ToString(in.InstanceId), clusterTagKey)
		}
		if in.Placement != nil && aws.ToString(in.Placement.AvailabilityZone) == zone {
			found = append(found, in)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one seeded running instance in %s, got %d", zone, len(found))
	}
	if !strings.HasPrefix(aws.ToString(found[0].InstanceId), "i-") {
		t.Fatalf("instance id %q does not look like an EC2 instance id", aws.ToString(found[0].InstanceId))
	}
	return found[0]
}

// mustRun runs a dependent step: later steps make no sense if it failed.
func mustRun(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

func TestEC2VolumeFlow(t *testing.T) {
	resetStore(t)
	t.Cleanup(func() { resetStore(t) })
	c := newEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	pvName := "pvc-6f1c0c52-3d2e-4b6a-9c1e-0f1d2e3c4b5a"
	var volumeID string
	var instance types.Instance

	mustRun(t, "CreateVolume is idempotent on ClientToken", func(t *testing.T) {
		since := strconv.Itoa(journalLastSeq(t))
		first, err := c.CreateVolume(ctx, csiCreateVolumeInput(pvName, 10))
		if err != nil {
			t.Fatalf("CreateVolume: %v", err)
		}
		volumeID = aws.ToString(first.VolumeId)
		if !strings.HasPrefix(volumeID, "vol-") {
			t.Fatalf("VolumeId = %q, want vol-…", volumeID)
		}
		if got := aws.ToInt32(first.Size); got != 10 {
			t.Errorf("Size = %d, want 10", got)
		}
		if first.VolumeType != types.VolumeTypeGp3 {
			t.Errorf("VolumeType = %q, want gp3", first.VolumeType)
		}
		if got := aws.ToString(first.AvailabilityZone); got != testZone {
			t.Errorf("AvailabilityZone = %q, want %q", got, testZone)
		}
		if first.State != types.VolumeStateCreating && first.State != types.VolumeStateAvailable {
			t.Errorf("State = %q, want creating or available", first.State)
		}
		if got, _ := tagValue(first.Tags, "CSIVolumeName"); got != pvName {
			t.Errorf("CreateVolume response tag CSIVolumeName = %q, want %q (tags %+v)", got, pvName, first.Tags)
		}

		second, err := c.CreateVolume(ctx, csiCreateVolumeInput(pvName, 10))
		if err != nil {
			t.Fatalf("CreateVolume retry with the same ClientToken: %v", err)
		}
		if got := aws.ToString(second.VolumeId); got != volumeID {
			t.Fatalf("CreateVolume retry with the same ClientToken returned %q, want the first volume %q", got, volumeID)
		}

		_, err = c.CreateVolume(ctx, csiCreateVolumeInput(pvName, 20))
		wantAPIError(t, err, "IdempotentParameterMismatch")

		out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{
			Filters: []types.Filter{{Name: aws.String("tag:CSIVolumeName"), Values: []string{pvName}}},
		})
		if err != nil {
			t.Fatalf("DescribeVolumes: %v", err)
		}
		if ids := volumeIDs(out.Volumes); len(ids) != 1 || ids[0] != volumeID {
			t.Errorf("after three CreateVolume calls with one token, volumes tagged %s = %v, want [%s]", pvName, ids, volumeID)
		}

		// The journal saw the three calls, the SDK did not retry the 400, and
		// the mismatch is recorded with its error code.
		if n := journalCount(t, url.Values{"operation": {"CreateVolume"}, "since": {since}}); n != 3 {
			t.Errorf("journal has %d CreateVolume records, want 3", n)
		}
		if n := journalCount(t, url.Values{"errorCode": {"IdempotentParameterMismatch"}, "since": {since}}); n != 1 {
			t.Errorf("journal has %d IdempotentParameterMismatch records, want 1", n)
		}
	})

	mustRun(t, "VolumeAvailableWaiter", func(t *testing.T) {
		w := ec2.NewVolumeAvailableWaiter(c, fastAvailable)
		if err := w.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeAvailableWaiter: %v", err)
		}
		v := describeVolume(ctx, t, c, volumeID)
		if v.State != types.VolumeStateAvailable {
			t.Errorf("State = %q after the waiter, want available", v.State)
		}
		if aws.ToInt32(v.Size) != 10 || v.VolumeType != types.VolumeTypeGp3 || aws.ToString(v.AvailabilityZone) != testZone {
			t.Errorf("volume = size %d type %q zone %q, want 10 gp3 %s",
				aws.ToInt32(v.Size), v.VolumeType, aws.ToString(v.AvailabilityZone), testZone)
		}
		if len(v.Attachments) != 0 {
			t.Errorf("new volume has attachments: %+v", v.Attachments)
		}
		if got, _ := tagValue(v.Tags, "ebs.csi.aws.com/cluster"); got != "true" {
			t.Errorf("tag ebs.csi.aws.com/cluster = %q, want true (tags %+v)", got, v.Tags)
		}
	})

	mustRun(t, "AttachVolume and VolumeInUseWaiter", func(t *testing.T) {
		instance = seededInstance(ctx, t, c, testZone)
		instanceID := aws.ToString(instance.InstanceId)
		att, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{
			Device:     aws.String(testDevice),
			InstanceId: aws.String(instanceID),
			VolumeId:   aws.String(volumeID),
		})
		if err != nil {
			t.Fatalf("AttachVolume: %v", err)
		}
		if aws.ToString(att.VolumeId) != volumeID || aws.ToString(att.InstanceId) != instanceID || aws.ToString(att.Device) != testDevice {
			t.Errorf("AttachVolume response = volume %q instance %q device %q, want %s %s %s",
				aws.ToString(att.VolumeId), aws.ToString(att.InstanceId), aws.ToString(att.Device), volumeID, instanceID, testDevice)
		}
		if att.State != types.VolumeAttachmentStateAttaching && att.State != types.VolumeAttachmentStateAttached {
			t.Errorf("AttachVolume response State = %q, want attaching or attached", att.State)
		}

		w := ec2.NewVolumeInUseWaiter(c, fastInUse)
		if err := w.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeInUseWaiter: %v", err)
		}
		v := describeVolume(ctx, t, c, volumeID)
		if v.State != types.VolumeStateInUse {
			t.Errorf("volume State = %q, want in-use", v.State)
		}
		if len(v.Attachments) != 1 {
			t.Fatalf("volume has %d attachments, want 1: %+v", len(v.Attachments), v.Attachments)
		}
		a := v.Attachments[0]
		if a.State != types.VolumeAttachmentStateAttached {
			t.Errorf("attachment State = %q, want attached", a.State)
		}
		if aws.ToString(a.InstanceId) != instanceID {
			t.Errorf("attachment InstanceId = %q, want %q", aws.ToString(a.InstanceId), instanceID)
		}
		if aws.ToString(a.Device) != testDevice {
			t.Errorf("attachment Device = %q, want %q", aws.ToString(a.Device), testDevice)
		}
		if aws.ToString(a.VolumeId) != volumeID {
			t.Errorf("attachment VolumeId = %q, want %q", aws.ToString(a.VolumeId), volumeID)
		}
	})

	// The EBS CSI driver picks free device names from the instance's block
	// device mappings, so the attachment must show up there too.
	t.Run("DescribeInstances shows the attached volume", func(t *testing.T) {
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{aws.ToString(instance.InstanceId)}})
		if err != nil {
			t.Fatalf("DescribeInstances: %v", err)
		}
		if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
			t.Fatalf("DescribeInstances by id returned %d reservations, want 1 with 1 instance", len(out.Reservations))
		}
		var got []string
		for _, m := range out.Reservations[0].Instances[0].BlockDeviceMappings {
			if m.Ebs != nil && aws.ToString(m.Ebs.VolumeId) == volumeID {
				if aws.ToString(m.DeviceName) != testDevice {
					t.Errorf("block device mapping for %s has DeviceName %q, want %q", volumeID, aws.ToString(m.DeviceName), testDevice)
				}
				return
			}
			got = append(got, aws.ToString(m.DeviceName))
		}
		t.Errorf("instance BlockDeviceMappings %v do not include %s", got, volumeID)
	})

	mustRun(t, "DescribeVolumes by CSIVolumeName tag", func(t *testing.T) {
		out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{
			Filters: []types.Filter{{Name: aws.String("tag:CSIVolumeName"), Values: []string{pvName}}},
		})
		if err != nil {
			t.Fatalf("DescribeVolumes(tag:CSIVolumeName): %v", err)
		}
		if ids := volumeIDs(out.Volumes); len(ids) != 1 || ids[0] != volumeID {
			t.Fatalf("DescribeVolumes(tag:CSIVolumeName=%s) = %v, want [%s]", pvName, ids, volumeID)
		}
		out, err = c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{
			Filters: []types.Filter{{Name: aws.String("tag:CSIVolumeName"), Values: []string{"pvc-does-not-exist"}}},
		})
		if err != nil {
			t.Fatalf("DescribeVolumes(tag:CSIVolumeName, no match): %v", err)
		}
		if len(out.Volumes) != 0 {
			t.Fatalf("DescribeVolumes(tag:CSIVolumeName=pvc-does-not-exist) = %v, want none", volumeIDs(out.Volumes))
		}
	})

	mustRun(t, "DescribeVolumes pages with MaxResults and NextToken", func(t *testing.T) {
		// Whatever the scenario seeds (root volumes, say) counts too.
		all, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
		if err != nil {
			t.Fatalf("DescribeVolumes: %v", err)
		}
		want := map[string]bool{}
		for _, id := range volumeIDs(all.Volumes) {
			want[id] = true
		}
		if !want[volumeID] {
			t.Fatalf("DescribeVolumes without filters does not list %s: %v", volumeID, volumeIDs(all.Volumes))
		}
		base := len(want)
		for i := range 11 {
			out, err := c.CreateVolume(ctx, csiCreateVolumeInput(fmt.Sprintf("pvc-page-%02d", i), 1))
			if err != nil {
				t.Fatalf("CreateVolume #%d: %v", i, err)
			}
			want[aws.ToString(out.VolumeId)] = true
		}
		if len(want) != base+11 {
			t.Fatalf("11 CreateVolume calls with distinct tokens gave %d new distinct ids", len(want)-base)
		}

		seen := map[string]int{}
		var token *string
		pages := 0
		for {
			pages++
			if pages > 20 {
				t.Fatalf("more than 20 pages for %d volumes; NextToken never ends", len(want))
			}
			out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{MaxResults: aws.Int32(5), NextToken: token})
			if err != nil {
				t.Fatalf("DescribeVolumes page %d: %v", pages, err)
			}
			if len(out.Volumes) > 5 {
				t.Errorf("page %d has %d volumes, MaxResults is 5", pages, len(out.Volumes))
			}
			for _, id := range volumeIDs(out.Volumes) {
				seen[id]++
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			token = out.NextToken
		}
		if pages < 3 {
			t.Errorf("%d volumes came in %d pages of at most 5, want at least 3", len(seen), pages)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("volume %s appeared %d times across pages", id, n)
			}
			if !want[id] {
				t.Errorf("unexpected volume %s in pages", id)
			}
		}
		for id := range want {
			if seen[id] == 0 {
				t.Errorf("volume %s never appeared across pages", id)
			}
		}
	})

	mustRun(t, "DetachVolume and VolumeAvailableWaiter", func(t *testing.T) {
		out, err := c.DetachVolume(ctx, &ec2.DetachVolumeInput{
			VolumeId:   aws.String(volumeID),
			InstanceId: instance.InstanceId,
		})
		if err != nil {
			t.Fatalf("DetachVolume: %v", err)
		}
		if aws.ToString(out.VolumeId) != volumeID {
			t.Errorf("DetachVolume response VolumeId = %q, want %q", aws.ToString(out.VolumeId), volumeID)
		}
		if out.State != types.VolumeAttachmentStateDetaching && out.State != types.VolumeAttachmentStateDetached {
			t.Errorf("DetachVolume response State = %q, want detaching or detached", out.State)
		}
		w := ec2.NewVolumeAvailableWaiter(c, fastAvailable)
		if err := w.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeAvailableWaiter after detach: %v", err)
		}
		v := describeVolume(ctx, t, c, volumeID)
		for _, a := range v.Attachments {
			if a.State != types.VolumeAttachmentStateDetached {
				t.Errorf("available volume still lists attachment %+v", a)
			}
		}
	})

	mustRun(t, "DeleteVolume and VolumeDeletedWaiter", func(t *testing.T) {
		if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(volumeID)}); err != nil {
			t.Fatalf("DeleteVolume: %v", err)
		}
		w := ec2.NewVolumeDeletedWaiter(c, fastDeleted)
		if err := w.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeDeletedWaiter: %v", err)
		}
		_, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}})
		ae := wantAPIError(t, err, "InvalidVolume.NotFound")
		if !strings.Contains(ae.ErrorMessage(), volumeID) {
			t.Errorf("InvalidVolume.NotFound message %q does not name %s", ae.ErrorMessage(), volumeID)
		}
		out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{
			Filters: []types.Filter{{Name: aws.String("tag:CSIVolumeName"), Values: []string{pvName}}},
		})
		if err != nil {
			t.Fatalf("DescribeVolumes(tag:CSIVolumeName) after delete: %v", err)
		}
		if len(out.Volumes) != 0 {
			t.Errorf("deleted volume still found by tag: %v", volumeIDs(out.Volumes))
		}
	})
}

// With a 2 s attaching delay the attachment is observably "attaching" right
// after AttachVolume, and the SDK's waiter still gets to in-use.
func TestEC2AttachWithLifecycleDelay(t *testing.T) {
	resetStore(t)
	t.Cleanup(func() {
		setLifecycle(t, map[string]any{})
		resetStore(t)
	})
	const delay = 2000 * time.Millisecond
	setLifecycle(t, map[string]any{
		"aws.ec2.attachment": map[string]any{"attaching": map[string]any{"delay": map[string]any{"ms": delay.Milliseconds()}}},
	})
	c := newEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	vol, err := c.CreateVolume(ctx, csiCreateVolumeInput("pvc-0d9a4c1e-delayed-attach", 10))
	if err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	volumeID := aws.ToString(vol.VolumeId)
	if err := ec2.NewVolumeAvailableWaiter(c, fastAvailable).Wait(ctx,
		&ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
		t.Fatalf("VolumeAvailableWaiter: %v", err)
	}
	instanceID := aws.ToString(seededInstance(ctx, t, c, testZone).InstanceId)

	start := time.Now()
	att, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{
		Device:     aws.String(testDevice),
		InstanceId: aws.String(instanceID),
		VolumeId:   aws.String(volumeID),
	})
	if err != nil {
		t.Fatalf("AttachVolume: %v", err)
	}

	t.Run("attachment is attaching right after AttachVolume", func(t *testing.T) {
		if att.State != types.VolumeAttachmentStateAttaching {
			t.Errorf("AttachVolume response State = %q, want attaching", att.State)
		}
		v := describeVolume(ctx, t, c, volumeID)
		if time.Since(start) >= delay {
			t.Skip("too slow to observe the transient state; the delay already passed")
		}
		if len(v.Attachments) != 1 {
			t.Fatalf("volume has %d attachments, want 1: %+v", len(v.Attachments), v.Attachments)
		}
		if v.Attachments[0].State != types.VolumeAttachmentStateAttaching {
			t.Errorf("attachment State = %q %s after AttachVolume, want attaching", v.Attachments[0].State, time.Since(start).Round(time.Millisecond))
		}
		if aws.ToString(v.Attachments[0].InstanceId) != instanceID || aws.ToString(v.Attachments[0].Device) != testDevice {
			t.Errorf("attachment = instance %q device %q, want %s %s",
				aws.ToString(v.Attachments[0].InstanceId), aws.ToString(v.Attachments[0].Device), instanceID, testDevice)
		}
	})

	t.Run("VolumeInUseWaiter reaches in-use and the attachment completes", func(t *testing.T) {
		w := ec2.NewVolumeInUseWaiter(c, fastInUse)
		if err := w.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeInUseWaiter: %v", err)
		}
		// Like the EBS CSI driver, poll until the attachment itself is attached.
		deadline := time.Now().Add(waiterMaxWait)
		for {
			v := describeVolume(ctx, t, c, volumeID)
			if len(v.Attachments) == 1 && v.Attachments[0].State == types.VolumeAttachmentStateAttached {
				if v.State != types.VolumeStateInUse {
					t.Errorf("attached volume State = %q, want in-use", v.State)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("attachment not attached within %s: %+v", waiterMaxWait, v.Attachments)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if took := time.Since(start); took < delay-250*time.Millisecond {
			t.Errorf("attachment completed after %s, before the configured %s delay", took, delay)
		}
	})
}

// With creating and detaching delays, the volume is observably "creating"
// and then "in-use" with a "detaching" attachment, and the SDK's
// VolumeAvailableWaiter waits through both.
func TestEC2CreateAndDetachWithLifecycleDelay(t *testing.T) {
	resetStore(t)
	t.Cleanup(func() {
		setLifecycle(t, map[string]any{})
		resetStore(t)
	})
	const delay = 1500 * time.Millisecond
	ms := map[string]any{"delay": map[string]any{"ms": delay.Milliseconds()}}
	setLifecycle(t, map[string]any{
		"aws.ec2.volume":     map[string]any{"creating": ms},
		"aws.ec2.attachment": map[string]any{"detaching": ms},
	})
	c := newEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	instanceID := aws.ToString(seededInstance(ctx, t, c, testZone).InstanceId)
	var volumeID string

	mustRun(t, "VolumeAvailableWaiter waits through creating", func(t *testing.T) {
		start := time.Now()
		vol, err := c.CreateVolume(ctx, csiCreateVolumeInput("pvc-5e7b2a90-delayed-create", 10))
		if err != nil {
			t.Fatalf("CreateVolume: %v", err)
		}
		volumeID = aws.ToString(vol.VolumeId)
		if vol.State != types.VolumeStateCreating {
			t.Errorf("CreateVolume response State = %q, want creating", vol.State)
		}
		v := describeVolume(ctx, t, c, volumeID)
		if time.Since(start) < delay && v.State != types.VolumeStateCreating {
			t.Errorf("State = %q %s after CreateVolume, want creating", v.State, time.Since(start).Round(time.Millisecond))
		}
		_, err = c.AttachVolume(ctx, &ec2.AttachVolumeInput{
			Device: aws.String(testDevice), InstanceId: aws.String(instanceID), VolumeId: aws.String(volumeID),
		})
		if time.Since(start) < delay {
			wantAPIError(t, err, "IncorrectState")
		}
		if err := ec2.NewVolumeAvailableWaiter(c, fastAvailable).Wait(ctx,
			&ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeAvailableWaiter: %v", err)
		}
		if took := time.Since(start); took < delay-250*time.Millisecond {
			t.Errorf("volume available after %s, before the configured %s delay", took, delay)
		}
	})

	mustRun(t, "attach", func(t *testing.T) {
		if _, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{
			Device: aws.String(testDevice), InstanceId: aws.String(instanceID), VolumeId: aws.String(volumeID),
		}); err != nil {
			t.Fatalf("AttachVolume: %v", err)
		}
		if err := ec2.NewVolumeInUseWaiter(c, fastInUse).Wait(ctx,
			&ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeInUseWaiter: %v", err)
		}
	})

	t.Run("VolumeAvailableWaiter waits through detaching", func(t *testing.T) {
		start := time.Now()
		out, err := c.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(volumeID), InstanceId: aws.String(instanceID)})
		if err != nil {
			t.Fatalf("DetachVolume: %v", err)
		}
		if out.State != types.VolumeAttachmentStateDetaching {
			t.Errorf("DetachVolume response State = %q, want detaching", out.State)
		}
		v := describeVolume(ctx, t, c, volumeID)
		if time.Since(start) < delay {
			if v.State != types.VolumeStateInUse {
				t.Errorf("volume State = %q while detaching, want in-use", v.State)
			}
			if len(v.Attachments) != 1 || v.Attachments[0].State != types.VolumeAttachmentStateDetaching {
				t.Errorf("attachments = %+v while detaching, want one in state detaching", v.Attachments)
			}
		}
		if err := ec2.NewVolumeAvailableWaiter(c, fastAvailable).Wait(ctx,
			&ec2.DescribeVolumesInput{VolumeIds: []string{volumeID}}, waiterMaxWait); err != nil {
			t.Fatalf("VolumeAvailableWaiter: %v", err)
		}
		if took := time.Since(start); took < delay-250*time.Millisecond {
			t.Errorf("volume available after %s, before the configured %s delay", took, delay)
		}
		if v := describeVolume(ctx, t, c, volumeID); len(v.Attachments) != 0 {
			t.Errorf("detached volume still lists attachments %+v", v.Attachments)
		}
	})
}

func TestEC2DescribeAvailabilityZones(t *testing.T) {
	c := newEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("DryRun", func(t *testing.T) {
		_, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{DryRun: aws.Bool(true)})
		wantAPIError(t, err, "DryRunOperation")
	})

	t.Run("lists the three zones", func(t *testing.T) {
		out, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			t.Fatalf("DescribeAvailabilityZones: %v", err)
		}
		var names []string
		zoneIDs := map[string]bool{}
		for _, z := range out.AvailabilityZones {
			names = append(names, aws.ToString(z.ZoneName))
			if got := aws.ToString(z.RegionName); got != testRegion {
				t.Errorf("zone %s RegionName = %q, want %q", aws.ToString(z.ZoneName), got, testRegion)
			}
			id := aws.ToString(z.ZoneId)
			if id == "" {
				t.Errorf("zone %s has no ZoneId", aws.ToString(z.ZoneName))
			} else if zoneIDs[id] {
				t.Errorf("ZoneId %q is used by more than one zone", id)
			}
			zoneIDs[id] = true
			if z.State != types.AvailabilityZoneStateAvailable {
				t.Errorf("zone %s State = %q, want available", aws.ToString(z.ZoneName), z.State)
			}
		}
		slices.Sort(names)
		if want := []string{"us-east-1a", "us-east-1b", "us-east-1c"}; !slices.Equal(names, want) {
			t.Errorf("zones = %v, want %v", names, want)
		}
	})
}

func TestEC2DeleteUnknownVolume(t *testing.T) {
	c := newEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const id = "vol-0123456789abcdef0"
	_, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)})
	ae := wantAPIError(t, err, "InvalidVolume.NotFound")
	if !strings.Contains(ae.ErrorMessage(), id) {
		t.Errorf("InvalidVolume.NotFound message %q does not name %s", ae.ErrorMessage(), id)
	}
}
