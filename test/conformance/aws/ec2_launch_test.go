package aws_test

// What a launcher written against aws-sdk-go-v2 does (Karpenter, kops, a
// provider's e2e setup): resolve an AMI, create a key pair and a launch
// template, RunInstances into a subnet with block devices and metadata
// options, wait with the SDK's waiters, read attributes and status, stop with
// the reasons EC2 writes, protect from termination, snapshot the instance.

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func fastRunning(o *ec2.InstanceRunningWaiterOptions) {
	o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
}
func fastStopped(o *ec2.InstanceStoppedWaiterOptions) {
	o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
}
func fastStatusOk(o *ec2.InstanceStatusOkWaiterOptions) {
	o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
}

func describeInstance(ctx context.Context, t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances(%s): %v %+v", id, err, out)
	}
	return out.Reservations[0].Instances[0]
}

func TestEC2LaunchFlow(t *testing.T) {
	resetStore(t)
	t.Cleanup(func() { setLifecycle(t, map[string]any{}) })
	setLifecycle(t, map[string]any{"aws.ec2.instance": map[string]any{"pending": map[string]any{"delay": map[string]any{"ms": 1500}}}})
	ctx := context.Background()
	c := newEC2(t)

	images, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"al2023-ami-*"}}, {Name: aws.String("architecture"), Values: []string{"x86_64"}}},
	})
	if err != nil || len(images.Images) != 1 {
		t.Fatalf("DescribeImages: %v %+v", err, images)
	}
	ami := images.Images[0]
	if aws.ToString(ami.RootDeviceName) != "/dev/xvda" || aws.ToInt32(ami.BlockDeviceMappings[0].Ebs.VolumeSize) != 8 {
		t.Fatalf("AMI root device = %s %+v", aws.ToString(ami.RootDeviceName), ami.BlockDeviceMappings)
	}

	key, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("e2e"), KeyType: types.KeyTypeRsa})
	if err != nil || !regexp.MustCompile(`^([0-9a-f]{2}:){19}[0-9a-f]{2}$`).MatchString(aws.ToString(key.KeyFingerprint)) {
		t.Fatalf("CreateKeyPair: %v fingerprint %q", err, aws.ToString(key.KeyFingerprint))
	}

	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("tag:" + clusterTagKey), Values: []string{"*"}}, {Name: aws.String("availability-zone"), Values: []string{testZone}}}})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("DescribeSubnets: %v", err)
	}
	subnet := subnets.Subnets[0]

	lt, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("e2e-nodes"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{
			ImageId:         ami.ImageId,
			InstanceType:    types.InstanceTypeM5Large,
			KeyName:         aws.String("e2e"),
			MetadataOptions: &types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2)},
			BlockDeviceMappings: []types.LaunchTemplateBlockDeviceMappingRequest{{
				DeviceName: aws.String("/dev/xvda"),
				Ebs:        &types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(40), VolumeType: types.VolumeTypeGp3, Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true)},
			}},
		},
	})
	if err != nil {
		t.Fatalf("CreateLaunchTemplate: %v", err)
	}
	ltID := aws.ToString(lt.LaunchTemplate.LaunchTemplateId)

	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{
		MinCount:       aws.Int32(2),
		MaxCount:       aws.Int32(2),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("$Latest")},
		SubnetId:       subnet.SubnetId,
		ClientToken:    aws.String("e2e-launch-1"),
		UserData:       aws.String("IyEvYmluL2Jhc2gK"),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String(clusterTagKey), Value: aws.String("owned")}, {Key: aws.String("Name"), Value: aws.String("e2e")}},
		}},
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if len(run.Instances) != 2 || run.Instances[0].State.Name != types.InstanceStateNamePending || aws.ToString(run.Instances[0].StateReason.Code) != "pending" {
		t.Fatalf("RunInstances answered %+v", run.Instances)
	}
	ids := []string{aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)}
	again, err := c.RunInstances(ctx, &ec2.RunInstancesInput{
		MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SubnetId: subnet.SubnetId, ClientToken: aws.String("e2e-launch-1"), UserData: aws.String("IyEvYmluL2Jhc2gK"),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("$Latest")},
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String(clusterTagKey), Value: aws.String("owned")}, {Key: aws.String("Name"), Value: aws.String("e2e")}},
		}},
	})
	if err != nil || aws.ToString(again.ReservationId) != aws.ToString(run.ReservationId) {
		t.Fatalf("RunInstances retry with the same ClientToken: %v, reservation %s vs %s", err, aws.ToString(again.ReservationId), aws.ToString(run.ReservationId))
	}

	if err := ec2.NewInstanceRunningWaiter(c, fastRunning).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, waiterMaxWait); err != nil {
		t.Fatalf("InstanceRunning waiter: %v", err)
	}
	if err := ec2.NewInstanceStatusOkWaiter(c, fastStatusOk).Wait(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: ids}, waiterMaxWait); err != nil {
		t.Fatalf("InstanceStatusOk waiter: %v", err)
	}
	inst := describeInstance(ctx, t, c, ids[0])
	if inst.InstanceType != types.InstanceTypeM5Large || aws.ToString(inst.KeyName) != "e2e" || aws.ToString(inst.SubnetId) != aws.ToString(subnet.SubnetId) ||
		inst.MetadataOptions.HttpTokens != types.HttpTokensStateRequired || inst.StateReason != nil {
		t.Fatalf("instance = %+v", inst)
	}
	vols, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{ids[0]}}}})
	if err != nil || len(vols.Volumes) != 1 || aws.ToInt32(vols.Volumes[0].Size) != 40 || !aws.ToBool(vols.Volumes[0].Encrypted) {
		t.Fatalf("root volume: %v %+v", err, vols)
	}

	// Filters a node controller and a launcher use.
	byENI, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("network-interface.addresses.private-ip-address"), Values: []string{aws.ToString(inst.PrivateIpAddress)}},
		{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		{Name: aws.String("tag:Name"), Values: []string{"e2e"}},
	}})
	if err != nil || len(byENI.Reservations) != 1 || len(byENI.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances by address: %v %+v", err, byENI)
	}

	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(ids[0]), DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatalf("ModifyInstanceAttribute(disableApiTermination): %v", err)
	}
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	wantAPIError(t, err, "OperationNotPermitted")
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(ids[0]), InstanceType: &types.AttributeValue{Value: aws.String("m5.xlarge")}})
	wantAPIError(t, err, "IncorrectInstanceState")

	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids[:1]}); err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	if err := ec2.NewInstanceStoppedWaiter(c, fastStopped).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids[:1]}, waiterMaxWait); err != nil {
		t.Fatalf("InstanceStopped waiter: %v", err)
	}
	stopped := describeInstance(ctx, t, c, ids[0])
	if !regexp.MustCompile(`^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$`).MatchString(aws.ToString(stopped.StateTransitionReason)) ||
		aws.ToString(stopped.StateReason.Code) != "Client.UserInitiatedShutdown" {
		t.Fatalf("stopped instance reasons: %q %+v", aws.ToString(stopped.StateTransitionReason), stopped.StateReason)
	}
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(ids[0]), InstanceType: &types.AttributeValue{Value: aws.String("m5.xlarge")}}); err != nil {
		t.Fatalf("ModifyInstanceAttribute(instanceType) while stopped: %v", err)
	}
	attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(ids[0]), Attribute: types.InstanceAttributeNameInstanceType})
	if err != nil || aws.ToString(attr.InstanceType.Value) != "m5.xlarge" {
		t.Fatalf("DescribeInstanceAttribute(instanceType): %v %+v", err, attr)
	}
	ud, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(ids[0]), Attribute: types.InstanceAttributeNameUserData})
	if err != nil || aws.ToString(ud.UserData.Value) != "IyEvYmluL2Jhc2gK" {
		t.Fatalf("DescribeInstanceAttribute(userData): %v %+v", err, ud)
	}

	snaps, err := c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(ids[1])}, CopyTagsFromSource: types.CopyTagsFromSourceVolume})
	if err != nil || len(snaps.Snapshots) != 1 || aws.ToInt32(snaps.Snapshots[0].VolumeSize) != 40 {
		t.Fatalf("CreateSnapshots: %v %+v", err, snaps)
	}

	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ImageId: aws.String("ami-0000000000000dead")})
	wantAPIError(t, err, "InvalidAMIID.NotFound")
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ImageId: ami.ImageId, SubnetId: aws.String("subnet-0000000000000dead")})
	wantAPIError(t, err, "InvalidSubnetID.NotFound")
}
