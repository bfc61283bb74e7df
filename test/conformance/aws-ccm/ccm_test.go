package awsccm_test

// The cloud-controller-manager wiring: the real AWS provider built by name
// from a --cloud-config file (as the CCM's cloud initialisation does), a fake
// clientset for the Kubernetes API, and helpers to create Nodes and wait on
// what the controllers write.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	restclient "k8s.io/client-go/rest"
	cloudprovider "k8s.io/cloud-provider"
	controllersmetrics "k8s.io/component-base/metrics/prometheus/controllers"

	// The cloud controller manager's feature gates (the route controller
	// asks for CloudControllerManagerWatchBasedRoutesReconciliation).
	_ "k8s.io/controller-manager/pkg/features/register"

	// The real AWS provider: its init registers "aws" with cloudprovider.
	_ "k8s.io/cloud-provider-aws/pkg/providers/v1"
)

const (
	// waitTimeout bounds every wait on a controller; generous for a loaded
	// 2-core CI machine, far below go test's own timeout.
	waitTimeout = 60 * time.Second
	pollEvery   = 200 * time.Millisecond
)

// instance is a seeded EC2 instance as the EC2 API describes it.
type instance struct {
	ID, Name, Zone, PrivateDNS, PrivateIP, Type string
}

// ccm is one cloud-controller-manager process' worth of state for a test.
type ccm struct {
	t         *testing.T
	ctx       context.Context
	cloud     cloudprovider.Interface
	client    *fake.Clientset
	factory   informers.SharedInformerFactory
	ec2       *ec2.Client
	elb       *elb.Client
	elbv2     *elbv2.Client
	metrics   *controllersmetrics.ControllerManagerMetrics
	instances map[string]instance // by Name tag: node-a, node-b, node-c
	sinceSeq  int
	config    string
}

// clientBuilder hands the fake clientset to the provider's Initialize.
type clientBuilder struct{ c clientset.Interface }

func (b clientBuilder) Config(string) (*restclient.Config, error)  { return &restclient.Config{}, nil }
func (b clientBuilder) ConfigOrDie(string) *restclient.Config      { return &restclient.Config{} }
func (b clientBuilder) Client(string) (clientset.Interface, error) { return b.c, nil }
func (b clientBuilder) ClientOrDie(string) clientset.Interface     { return b.c }

// newCCM resets fauxcloud, opens an IMDS port for node-a (the instance the
// CCM "runs on"), writes the cloud-config and builds the provider through
// cloudprovider.InitCloudProvider("aws", path), exactly as the CCM does.
func newCCM(t *testing.T) *ccm {
	t.Helper()
	captureKlog(t)
	resetStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	c := &ccm{t: t, ctx: ctx, sinceSeq: journalLastSeq(t)}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("FAUXCLOUD_VERBOSE") != "" {
			logErrorAnswers(t, c.sinceSeq)
		}
	})
	c.ec2, c.elb, c.elbv2 = sdkClients(t)
	c.instances = describeSeededInstances(t, c.ec2)

	imdsEndpoint := openIMDS(t, c.instances["node-a"].ID)
	c.config = writeCloudConfig(t, fauxcloudURL, imdsEndpoint)

	cloud, err := cloudprovider.InitCloudProvider("aws", c.config)
	if err != nil {
		cfg, _ := os.ReadFile(c.config)
		t.Fatalf("InitCloudProvider(aws, %s): %v\ncloud-config:\n%s", c.config, err, cfg)
	}
	if cloud == nil {
		t.Fatalf("InitCloudProvider(aws) returned no provider")
	}
	c.cloud = cloud
	c.client = fake.NewSimpleClientset()
	c.factory = informers.NewSharedInformerFactory(c.client, 0)
	// The CCM's order: Initialize, then hand the informers to an InformerUser.
	cloud.Initialize(clientBuilder{c.client}, ctx.Done())
	if iu, ok := cloud.(cloudprovider.InformerUser); ok {
		iu.SetInformers(c.factory)
	} else {
		t.Fatalf("the AWS provider is no cloudprovider.InformerUser")
	}
	c.metrics = controllersmetrics.NewControllerManagerMetrics("aws-ccm-conformance")
	return c
}

// start starts the informers; call after the controllers are constructed.
func (c *ccm) start() {
	c.factory.Start(c.ctx.Done())
	for typ, ok := range c.factory.WaitForCacheSync(c.ctx.Done()) {
		if !ok {
			c.t.Fatalf("informer for %v did not sync", typ)
		}
	}
}

// writeCloudConfig writes the provider's gcfg file. [Global] carries no Region,
// VPC or cluster id: the provider takes the region from the IMDS identity
// document, the VPC from its own instance and the cluster id from that
// instance's kubernetes.io/cluster/<id> tag.
func writeCloudConfig(t *testing.T, endpoint, imdsEndpoint string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[Global]\n")
	b.WriteString("\n")
	n := 0
	for _, svc := range []struct{ service, url string }{
		{"EC2", endpoint},
		{"Elastic Load Balancing", endpoint},
		{"Elastic Load Balancing v2", endpoint},
		{"ec2imds", imdsEndpoint},
	} {
		n++
		fmt.Fprintf(&b, "[ServiceOverride %q]\n", fmt.Sprint(n))
		fmt.Fprintf(&b, "Service = %q\nRegion = %s\nURL = %s\nSigningRegion = %s\n\n", svc.service, testRegion, svc.url, testRegion)
	}
	path := filepath.Join(t.TempDir(), "cloud-config")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
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
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		i, ok := m[n]
		if !ok || i.ID == "" || i.PrivateDNS == "" || i.PrivateIP == "" || i.Zone == "" {
			t.Fatalf("seeded instance %s missing or incomplete: %+v (all: %+v)", n, i, m)
		}
	}
	return m
}

// providerID is the provider ID the AWS provider gives an instance.
func (i instance) providerID() string { return "aws:///" + i.Zone + "/" + i.ID }

// nodeFor builds the Node a kubelet with --cloud-provider=external registers
// for an instance: named by its private DNS name.
func nodeFor(i instance, mutate ...func(*v1.Node)) *v1.Node {
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: i.PrivateDNS, UID: types.UID("uid-" + strings.TrimPrefix(i.ID, "i-"))},
		Status: v1.NodeStatus{
			Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, LastHeartbeatTime: metav1.Now()}},
		},
	}
	for _, m := range mutate {
		m(n)
	}
	return n
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

func notReady(n *v1.Node) {
	n.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionFalse, Reason: "KubeletStopped", LastHeartbeatTime: metav1.Now()}}
}

func (c *ccm) createNode(n *v1.Node) {
	c.t.Helper()
	if _, err := c.client.CoreV1().Nodes().Create(c.ctx, n, metav1.CreateOptions{}); err != nil {
		c.t.Fatalf("create node %s: %v", n.Name, err)
	}
}

// eventually polls cond until it returns true, failing the test with the last
// description after waitTimeout.
func (c *ccm) eventually(what string, cond func() (bool, string)) {
	c.t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(c.ctx, pollEvery, waitTimeout, true, func(context.Context) (bool, error) {
		ok, desc := cond()
		last = desc
		return ok, nil
	})
	if err != nil {
		c.t.Fatalf("timed out after %s waiting for %s; last state: %s", waitTimeout, what, last)
	}
}

func (c *ccm) getNode(name string) (*v1.Node, error) {
	return c.client.CoreV1().Nodes().Get(c.ctx, name, metav1.GetOptions{})
}

// operations lists the distinct operations journaled for a service since the
// test started, for diagnostics and assertions.
func (c *ccm) operations(service string) map[string]int {
	c.t.Helper()
	entries, _ := journal(c.t, map[string][]string{"since": {fmt.Sprint(c.sinceSeq)}, "service": {service}})
	ops := map[string]int{}
	for _, e := range entries {
		ops[e.Operation]++
	}
	return ops
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
