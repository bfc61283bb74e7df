package proxy_test

// aws-sdk-go-v2's EC2 client, built by config.LoadDefaultConfig from region
// and keys alone, resolves https://ec2.us-east-1.amazonaws.com as it does
// against AWS; with HTTPS_PROXY and fauxcloud's CA it reaches fauxcloud.

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"fauxcloud.test/conformance/harness"
)

const ec2Host = "ec2.us-east-1.amazonaws.com"

func TestEC2ThroughProxyWithNoEndpoint(t *testing.T) {
	harness.Check(t, admin().Reset())
	since, err := admin().JournalLastSeq()
	harness.Check(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	harness.Check(t, err)
	if cfg.BaseEndpoint != nil {
		t.Fatalf("the SDK was given an endpoint (%q): this test must reach AWS's own host name", *cfg.BaseEndpoint)
	}
	client := ec2.NewFromConfig(cfg)

	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{{Name: aws.String("tag-key"), Values: []string{"kubernetes.io/cluster/fauxcloud"}}},
	})
	harness.Check(t, err)
	var names []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			for _, tag := range i.Tags {
				if aws.ToString(tag.Key) == "Name" {
					names = append(names, aws.ToString(tag.Value))
				}
			}
		}
	}
	sort.Strings(names)
	if len(names) != 3 || names[0] != "node-a" || names[2] != "node-c" {
		t.Fatalf("DescribeInstances through the proxy: names %v, want node-a, node-b, node-c", names)
	}

	vol, err := client.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10), VolumeType: types.VolumeTypeGp3})
	harness.Check(t, err)
	w := ec2.NewVolumeAvailableWaiter(client, func(o *ec2.VolumeAvailableWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	harness.Check(t, w.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{aws.ToString(vol.VolumeId)}}, 10*time.Second))

	// Every call named AWS's host, and fauxcloud answered it as EC2.
	got := map[string]int{}
	for _, e := range journalFor(t, ec2Host, since) {
		if e.Cloud != "aws" || e.Service != "ec2" || e.Status != 200 {
			t.Errorf("journal: %s", e)
		}
		got[e.Operation]++
	}
	if got["DescribeInstances"] != 1 || got["CreateVolume"] != 1 || got["DescribeVolumes"] < 1 {
		t.Fatalf("journal for host %s: %v, want DescribeInstances, CreateVolume and DescribeVolumes", ec2Host, got)
	}
}
