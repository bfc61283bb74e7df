// Package ccmharness is the cloud-controller-manager plumbing the ccm
// conformance modules (../aws-ccm, ../gcp-ccm) share: a real provider built
// by name from its cloud-config, a fake clientset for the Kubernetes API, the
// informers, and helpers to create Nodes and Services and wait on what the
// real k8s.io/cloud-provider controllers write.
//
// It builds against the lowest Kubernetes the modules use (gcp-ccm's 0.28;
// aws-ccm lifts it to 0.37), so it calls only APIs both have. Controllers
// whose constructors differ between those versions (node, node lifecycle,
// route) are built by the modules themselves.
package ccmharness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	restclient "k8s.io/client-go/rest"
	cloudprovider "k8s.io/cloud-provider"
	controllersmetrics "k8s.io/component-base/metrics/prometheus/controllers"

	"fauxcloud.test/conformance/harness"
)

const (
	// WaitTimeout bounds every wait on a controller; generous for a loaded
	// 2-core CI machine, far below go test's own timeout.
	WaitTimeout = 60 * time.Second
	// PollEvery is how often a wait looks again.
	PollEvery = 200 * time.Millisecond
)

// CCM is one cloud-controller-manager process' worth of state for a test.
type CCM struct {
	T       *testing.T
	Ctx     context.Context // cancelled when the test ends
	Admin   harness.Admin
	Cloud   cloudprovider.Interface
	Client  *fake.Clientset
	Factory informers.SharedInformerFactory
	Metrics *controllersmetrics.ControllerManagerMetrics
	// SinceSeq is the newest journal record before the test began.
	SinceSeq int
	// ServiceGoneWhenFinalized says the fake clientset deletes a Service
	// marked for deletion once its last finalizer goes, as the API server
	// does (a module opts in with a reactor of its own).
	ServiceGoneWhenFinalized bool

	name string
}

// Begin starts a test's CCM named name (e.g. "aws-ccm"): klog goes to t's
// log, fauxcloud's store is reset, and when the test fails (or with
// FAUXCLOUD_VERBOSE) the error answers fauxcloud journaled are logged.
func Begin(t *testing.T, name string, admin harness.Admin) *CCM {
	t.Helper()
	CaptureKlog(t)
	harness.Check(t, admin.Reset())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	since, err := admin.JournalLastSeq()
	harness.Check(t, err)
	c := &CCM{T: t, Ctx: ctx, Admin: admin, SinceSeq: since, name: name}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("FAUXCLOUD_VERBOSE") != "" {
			harness.LogErrorAnswers(t, admin, c.SinceSeq)
		}
	})
	return c
}

// InitProvider builds the provider through
// cloudprovider.InitCloudProvider(provider, config), exactly as the CCM's
// cloud initialisation does, and gives the CCM a fresh fake clientset.
func (c *CCM) InitProvider(provider, config string) cloudprovider.Interface {
	c.T.Helper()
	start := time.Now()
	cloud, err := cloudprovider.InitCloudProvider(provider, config)
	if err != nil {
		cfg, _ := os.ReadFile(config)
		c.T.Fatalf("InitCloudProvider(%s, %s): %v\n%s:\n%s", provider, config, err, filepath.Base(config), cfg)
	}
	if cloud == nil {
		c.T.Fatalf("InitCloudProvider(%s) returned no provider", provider)
	}
	c.T.Logf("provider built in %s", time.Since(start).Round(time.Millisecond))
	c.Cloud = cloud
	c.Client = fake.NewSimpleClientset()
	return cloud
}

// Connect does the CCM's next steps: Initialize with a client builder that
// hands out providerClient (the fake clientset, or a module's wrapper of
// it), then the informers to an InformerUser.
func (c *CCM) Connect(providerClient clientset.Interface) {
	c.T.Helper()
	c.Factory = informers.NewSharedInformerFactory(c.Client, 0)
	c.Cloud.Initialize(ClientBuilder{providerClient}, c.Ctx.Done())
	iu, ok := c.Cloud.(cloudprovider.InformerUser)
	if !ok {
		c.T.Fatalf("the %s provider is no cloudprovider.InformerUser", c.Cloud.ProviderName())
	}
	iu.SetInformers(c.Factory)
	c.Metrics = controllersmetrics.NewControllerManagerMetrics(c.name + "-conformance")
}

// ClientBuilder hands a clientset to the provider's Initialize.
type ClientBuilder struct{ C clientset.Interface }

func (b ClientBuilder) Config(string) (*restclient.Config, error)  { return &restclient.Config{}, nil }
func (b ClientBuilder) ConfigOrDie(string) *restclient.Config      { return &restclient.Config{} }
func (b ClientBuilder) Client(string) (clientset.Interface, error) { return b.C, nil }
func (b ClientBuilder) ClientOrDie(string) clientset.Interface     { return b.C }

var _ cloudprovider.ControllerClientBuilder = ClientBuilder{}

// Start starts the informers; call after the controllers are constructed.
func (c *CCM) Start() {
	c.Factory.Start(c.Ctx.Done())
	for typ, ok := range c.Factory.WaitForCacheSync(c.Ctx.Done()) {
		if !ok {
			c.T.Fatalf("informer for %v did not sync", typ)
		}
	}
}

// Eventually polls cond until it returns true, failing the test with the
// last description after WaitTimeout.
func (c *CCM) Eventually(what string, cond func() (bool, string)) {
	c.T.Helper()
	var last string
	err := wait.PollUntilContextTimeout(c.Ctx, PollEvery, WaitTimeout, true, func(context.Context) (bool, error) {
		ok, desc := cond()
		last = desc
		return ok, nil
	})
	if err != nil {
		c.T.Fatalf("timed out after %s waiting for %s; last state: %s", WaitTimeout, what, last)
	}
}

// Operations counts the operations journaled for a service since the test
// began, for diagnostics and assertions.
func (c *CCM) Operations(service string) map[string]int {
	c.T.Helper()
	entries, _, err := c.Admin.Journal(map[string][]string{"since": {fmt.Sprint(c.SinceSeq)}, "service": {service}, "limit": {"2000"}})
	harness.Check(c.T, err)
	ops := map[string]int{}
	for _, e := range entries {
		ops[e.Operation]++
	}
	return ops
}

// ErrorAnswers returns the error answers fauxcloud journaled since the test
// began.
func (c *CCM) ErrorAnswers() []harness.JournalEntry {
	c.T.Helper()
	errs, err := c.Admin.ErrorAnswers(c.SinceSeq)
	harness.Check(c.T, err)
	return errs
}

// CreateNode creates n through the fake clientset.
func (c *CCM) CreateNode(n *v1.Node) {
	c.T.Helper()
	if _, err := c.Client.CoreV1().Nodes().Create(c.Ctx, n, metav1.CreateOptions{}); err != nil {
		c.T.Fatalf("create node %s: %v", n.Name, err)
	}
}

// GetNode reads a Node through the fake clientset.
func (c *CCM) GetNode(name string) (*v1.Node, error) {
	return c.Client.CoreV1().Nodes().Get(c.Ctx, name, metav1.GetOptions{})
}
