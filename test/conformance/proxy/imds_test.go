package proxy_test

// The AWS IMDS client (feature/ec2/imds) with its built-in endpoint,
// http://169.254.169.254: with HTTP_PROXY set, net/http sends the IMDSv2
// token PUT and the metadata GET to fauxcloud in absolute form, and
// fauxcloud answers as the instance metadata service.

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"fauxcloud.test/conformance/harness"
)

func TestIMDSThroughProxyWithNoEndpoint(t *testing.T) {
	harness.Check(t, admin().Reset())
	since, err := admin().JournalLastSeq()
	harness.Check(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The environment disables IMDS for the SDK's credential chain; this
	// client is enabled explicitly and keeps its default endpoint.
	client := imds.New(imds.Options{ClientEnableState: imds.ClientEnabled})
	out, err := client.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
	harness.Check(t, err)
	b, err := io.ReadAll(out.Content)
	harness.Check(t, err)
	id := strings.TrimSpace(string(b))
	region, err := client.GetRegion(ctx, &imds.GetRegionInput{})
	harness.Check(t, err)
	if region.Region != "us-east-1" {
		t.Errorf("IMDS region %q, want us-east-1", region.Region)
	}

	// The id is one of the instances EC2 (through the proxy too) describes.
	cfg, err := config.LoadDefaultConfig(ctx)
	harness.Check(t, err)
	desc, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	harness.Check(t, err)
	if len(desc.Reservations) != 1 || desc.Reservations[0].Instances[0].State.Name != types.InstanceStateNameRunning {
		t.Fatalf("IMDS instance-id %q: DescribeInstances %+v", id, desc.Reservations)
	}

	entries, _, err := admin().Journal(url.Values{"host": {"169.254.169.254"}, "since": {fmt.Sprint(since)}})
	harness.Check(t, err)
	ops := map[string]int{}
	for _, e := range entries {
		if e.Cloud != "aws" || e.Service != "imds" || e.Status != 200 {
			t.Errorf("journal: %s", e)
		}
		ops[e.Operation]++
	}
	if ops["GetToken"] < 1 || ops["GetMetadata"] < 1 || ops["GetDynamicData"] < 1 {
		t.Fatalf("journal for 169.254.169.254: %v, want the token, the metadata and the identity document", ops)
	}
}
