package awsccm_test

// The cloud-controller-manager wiring that is AWS's own: the real AWS provider
// built by name from a --cloud-config file (as the CCM's cloud initialisation
// does) on the shared plumbing of ../ccmharness (fake clientset, informers,
// waits), the test's own SDK clients, and the seeded instances as Nodes.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	// The cloud controller manager's feature gates (the route controller
	// asks for CloudControllerManagerWatchBasedRoutesReconciliation).
	_ "k8s.io/controller-manager/pkg/features/register"

	// The real AWS provider: its init registers "aws" with cloudprovider.
	_ "k8s.io/cloud-provider-aws/pkg/providers/v1"

	"fauxcloud.test/conformance/ccmharness"
	"fauxcloud.test/conformance/harness"
)

// instance is a seeded EC2 instance as the EC2 API describes it.
type instance struct {
	ID, Name, Zone, PrivateDNS, PrivateIP, Type string
}

// ccm is one cloud-controller-manager process' worth of state for a test:
// the shared plumbing and the AWS clients and instances.
type ccm struct {
	*ccmharness.CCM
	ec2       *ec2.Client
	elb       *elb.Client
	elbv2     *elbv2.Client
	instances map[string]instance // by Name tag: node-a, node-b, node-c
	config    string
}

// newCCM resets fauxcloud, opens an IMDS port for node-a (the instance the
// CCM "runs on"), writes the cloud-config and builds the provider through
// cloudprovider.InitCloudProvider("aws", path), exactly as the CCM does.
func newCCM(t *testing.T) *ccm {
	t.Helper()
	c := &ccm{CCM: ccmharness.Begin(t, "aws-ccm", admin())}
	c.ec2, c.elb, c.elbv2 = sdkClients(t)
	c.instances = describeSeededInstances(t, c.ec2)

	imdsEndpoint := openIMDS(t, c.instances["node-a"].ID)
	c.config = writeCloudConfig(t, fauxcloudURL, imdsEndpoint)
	c.InitProvider("aws", c.config)
	c.Connect(c.Client)
	return c
}

// writeCloudConfig writes the provider's gcfg file as `fauxcloud config
// cloud-provider-aws` renders it, with the ec2imds override at the IMDS port
// of the instance the CCM runs on. [Global] Region is removed: the provider
// must take the region from the IMDS identity document, the VPC from its own
// instance and the cluster id from that instance's kubernetes.io/cluster/<id>
// tag.
func writeCloudConfig(t *testing.T, endpoint, imdsEndpoint string) string {
	t.Helper()
	return admin().Must(t).WriteComponentFile("cloud-provider-aws", "cloud.conf", harness.ConfigOptions{
		URL:   endpoint,
		Set:   []string{`[ServiceOverride "ec2imds"] URL=` + imdsEndpoint},
		Unset: []string{"[Global] Region"},
	})
}

// sdkClients are the test's own AWS clients (the same SDK the provider uses),
// pointed at fauxcloud explicitly, to act on and inspect the cloud.
func sdkClients(t *testing.T) (*ec2.Client, *elb.Client, *elbv2.Client) {
	t.Helper()
	cfg := aws.Config{
		Region: testRegion,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDFAUXCLOUDTEST", SecretAccessKey: "x"}, nil
		}),
		BaseEndpoint: aws.String(fauxcloudURL),
	}
	return ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg), elbv2.NewFromConfig(cfg)
}

func describeSeededInstances(t *testing.T, client *ec2.Client) map[string]instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		Filters: []ec2types.Filter{{Name: aws.String("tag:kubernetes.io/cluster/" + clusterID), Values: []string{"owned"}}},
	})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	m := instancesByName(out)
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		i, ok := m[n]
		if !ok || i.ID == "" || i.PrivateDNS == "" || i.PrivateIP == "" || i.Zone == "" {
			t.Fatalf("seeded instance %s missing or incomplete: %+v (all: %+v)", n, i, m)
		}
	}
	return m
}

// instancesByName indexes DescribeInstances' answer by each instance's Name tag.
func instancesByName(out *ec2.DescribeInstancesOutput) map[string]instance {
	m := map[string]instance{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			var name string
			for _, tag := range i.Tags {
				if aws.ToString(tag.Key) == "Name" {
					name = aws.ToString(tag.Value)
				}
			}
			m[name] = instance{
				ID:         aws.ToString(i.InstanceId),
				Name:       name,
				Zone:       aws.ToString(i.Placement.AvailabilityZone),
				PrivateDNS: aws.ToString(i.PrivateDnsName),
				PrivateIP:  aws.ToString(i.PrivateIpAddress),
				Type:       string(i.InstanceType),
			}
		}
	}
	return m
}

// providerID is the provider ID the AWS provider gives an instance.
func (i instance) providerID() string { return "aws:///" + i.Zone + "/" + i.ID }

// nodeFor builds the Node a kubelet with --cloud-provider=external registers
// for an instance: named by its private DNS name.
func nodeFor(i instance, mutate ...func(*v1.Node)) *v1.Node {
	return ccmharness.ReadyNode(i.PrivateDNS, types.UID("uid-"+strings.TrimPrefix(i.ID, "i-")), nil, mutate...)
}

// initialized makes a Node look like one the cloud node controller already
// initialised (provider ID, addresses).
func initialized(i instance) func(*v1.Node) {
	return func(n *v1.Node) {
		n.Spec.ProviderID = i.providerID()
		n.Status.Addresses = []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: i.PrivateIP},
			{Type: v1.NodeHostName, Address: i.PrivateDNS},
		}
	}
}
