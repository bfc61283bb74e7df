package awsccm_test

// A world built through the API only, as a provider's e2e setup builds it:
// in a region the scenario does not seed (us-west-2), the test tags the
// account's default VPC subnets and default security group for its cluster,
// creates a key pair and a launch template, launches two nodes with
// RunInstances and waits for them with the SDK's waiter. Then the real AWS
// provider (region from the IMDS identity document of the first node, cluster
// id from its tag) initialises the Nodes with the real cloud node controller,
// and the real service controller builds a classic ELB whose instances turn
// InService on fauxcloud's lifecycle engine.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	v1 "k8s.io/api/core/v1"
	nodecontroller "k8s.io/cloud-provider/controllers/node"

	"fauxcloud.test/conformance/ccmharness"
)

const (
	apiRegion  = "us-west-2"
	apiCluster = "apiworld"
)

func apiClients(t *testing.T) (*ec2.Client, *elb.Client) {
	t.Helper()
	cfg := aws.Config{
		Region: apiRegion,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDFAUXCLOUDTEST", SecretAccessKey: "x"}, nil
		}),
		BaseEndpoint: aws.String(fauxcloudURL),
	}
	return ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg)
}

// buildWorld tags the default VPC for the cluster and launches one node per
// zone for the first two zones, returning the instances by Name.
func buildWorld(ctx context.Context, t *testing.T, c *ec2.Client) map[string]instance {
	t.Helper()
	clusterTag := ec2types.Tag{Key: aws.String("kubernetes.io/cluster/" + apiCluster), Value: aws.String("owned")}
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("DescribeSubnets (default VPC): %v %+v", err, subnets)
	}
	var subnetIDs []string
	for _, s := range subnets.Subnets {
		subnetIDs = append(subnetIDs, aws.ToString(s.SubnetId))
	}
	vpcID := aws.ToString(subnets.Subnets[0].VpcId)
	groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}}, {Name: aws.String("group-name"), Values: []string{"default"}},
	}})
	if err != nil || len(groups.SecurityGroups) != 1 {
		t.Fatalf("DescribeSecurityGroups(default): %v", err)
	}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{
		Resources: append(subnetIDs, aws.ToString(groups.SecurityGroups[0].GroupId)),
		Tags:      []ec2types.Tag{clusterTag, {Key: aws.String("kubernetes.io/role/elb"), Value: aws.String("1")}},
	}); err != nil {
		t.Fatalf("CreateTags: %v", err)
	}
	if _, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String(apiCluster), KeyType: ec2types.KeyTypeEd25519}); err != nil {
		t.Fatalf("CreateKeyPair: %v", err)
	}
	if _, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(apiCluster + "-nodes"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId:         aws.String("ami-0fa0c10d000000001"),
			InstanceType:    ec2types.InstanceTypeT3Medium,
			KeyName:         aws.String(apiCluster),
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2)},
		},
	}); err != nil {
		t.Fatalf("CreateLaunchTemplate: %v", err)
	}

	var ids []string
	for i, s := range subnets.Subnets[:2] {
		name := fmt.Sprintf("api-node-%d", i)
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{
			MinCount:       aws.Int32(1),
			MaxCount:       aws.Int32(1),
			SubnetId:       s.SubnetId,
			LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateName: aws.String(apiCluster + "-nodes")},
			ClientToken:    aws.String(name),
			TagSpecifications: []ec2types.TagSpecification{{
				ResourceType: ec2types.ResourceTypeInstance,
				Tags:         []ec2types.Tag{clusterTag, {Key: aws.String("Name"), Value: aws.String(name)}},
			}},
		})
		if err != nil {
			t.Fatalf("RunInstances(%s): %v", name, err)
		}
		ids = append(ids, aws.ToString(out.Instances[0].InstanceId))
	}
	waiter := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := waiter.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, 30*time.Second); err != nil {
		t.Fatalf("InstanceRunning waiter: %v", err)
	}
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	return instancesByName(out)
}

// apiCloudConfig is writeCloudConfig for the API-built region.
func apiCloudConfig(t *testing.T, imdsEndpoint string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[Global]\n\n")
	for n, svc := range []struct{ service, url string }{
		{"EC2", fauxcloudURL}, {"Elastic Load Balancing", fauxcloudURL}, {"Elastic Load Balancing v2", fauxcloudURL}, {"ec2imds", imdsEndpoint},
	} {
		fmt.Fprintf(&b, "[ServiceOverride %q]\nService = %q\nRegion = %s\nURL = %s\nSigningRegion = %s\n\n", fmt.Sprint(n+1), svc.service, apiRegion, svc.url, apiRegion)
	}
	path := filepath.Join(t.TempDir(), "cloud-config")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAPIBuiltWorld(t *testing.T) {
	c := &ccm{CCM: ccmharness.Begin(t, "aws-ccm", admin())}
	ctx := context.Background()
	ec2c, elbc := apiClients(t)
	c.ec2, c.elb = ec2c, elbc
	world := buildWorld(ctx, t, ec2c)
	nodes := []string{"api-node-0", "api-node-1"}
	c.instances = world

	c.config = apiCloudConfig(t, openIMDS(t, world["api-node-0"].ID))
	c.InitProvider("aws", c.config)
	c.Connect(c.Client)

	for _, name := range nodes {
		c.CreateNode(nodeFor(world[name], ccmharness.Uninitialized))
	}
	ctrl, err := nodecontroller.NewCloudNodeController(c.Factory.Core().V1().Nodes(), c.Client, c.Cloud, 5*time.Second, 2, 1)
	if err != nil {
		t.Fatalf("NewCloudNodeController: %v", err)
	}
	// Admin-declared delay: classic ELB instances stay OutOfService for 20 virtual seconds.
	harnessLifecycle(t, map[string]any{"aws.elb.instance-health": map[string]any{"OutOfService": map[string]any{"delay": map[string]any{"ms": 20000}}}})
	c.RunServiceController(apiCluster)
	c.Start()
	go ctrl.RunWithContext(c.Ctx, c.Metrics)

	for _, name := range nodes {
		inst := world[name]
		node := c.WaitInitialized("node "+name+" to be initialised", inst.PrivateDNS, nil)
		if got, want := node.Spec.ProviderID, inst.providerID(); got != want {
			t.Errorf("%s: providerID = %q, want %q", name, got, want)
		}
		c.CheckLabels(name, node, map[string]string{v1.LabelTopologyRegion: apiRegion, v1.LabelTopologyZone: inst.Zone, v1.LabelInstanceTypeStable: "t3.medium"})
		if got := ccmharness.Addresses(node)[v1.NodeInternalIP]; len(got) != 1 || got[0] != inst.PrivateIP {
			t.Errorf("%s: InternalIP = %v, want [%s]", name, got, inst.PrivateIP)
		}
	}

	const uid = "0c4d7a1e-5b2f-4e8a-9d3c-7f1a2b3c4d5e"
	lbName := ccmharness.LBName(uid)
	svc := ccmharness.LBService(uid, nil, ccmharness.TCPPort("http", 80, 30080))
	c.CreateService(svc)
	host := c.WaitIngress(svc).Hostname
	if re := regexp.MustCompile(`^` + lbName + `-[0-9]+\.us-west-2\.elb\.amazonaws\.com$`); !re.MatchString(host) {
		t.Errorf("ingress hostname %q is not a us-west-2 classic ELB name", host)
	}
	var want []string
	for _, n := range nodes {
		want = append(want, world[n].ID)
	}
	sort.Strings(want)
	health := func() (map[string]string, error) {
		out, err := elbc.DescribeInstanceHealth(ctx, &elb.DescribeInstanceHealthInput{LoadBalancerName: aws.String(lbName)})
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, s := range out.InstanceStates {
			m[aws.ToString(s.InstanceId)] = aws.ToString(s.State)
		}
		return m, nil
	}
	c.Eventually("both nodes registered with the ELB, OutOfService while registration runs", func() (bool, string) {
		m, err := health()
		if err != nil {
			return false, err.Error()
		}
		var ids []string
		for id, s := range m {
			if s == "OutOfService" {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		return strings.Join(ids, ",") == strings.Join(want, ","), fmt.Sprint(m)
	})
	harnessAdvance(t, 20*time.Second)
	m, err := health()
	if err != nil || m[want[0]] != "InService" || m[want[1]] != "InService" {
		t.Errorf("after the health check delay: %v %v, want both InService", m, err)
	}
	if errs := c.ErrorAnswers(); len(errs) > 0 {
		for _, e := range errs {
			t.Logf("error answer during the API-built world: %s", e)
		}
	}
}

// harnessLifecycle sets lifecycle modes for the test and restores instant ones after it.
func harnessLifecycle(t *testing.T, spec map[string]any) {
	t.Helper()
	if err := admin().SetLifecycle(spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin().SetLifecycle(map[string]any{}) })
}

// harnessAdvance moves fauxcloud's virtual clock forward.
func harnessAdvance(t *testing.T, d time.Duration) {
	t.Helper()
	if _, err := admin().Call("POST", "/_fauxcloud/clock/advance", map[string]any{"ms": d.Milliseconds()}); err != nil {
		t.Fatal(err)
	}
}
