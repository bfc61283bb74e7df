package ccmharness

import (
	"fmt"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	servicecontroller "k8s.io/cloud-provider/controllers/service"
)

// LBCleanupFinalizer is the finalizer the service controller puts on a
// LoadBalancer Service while its load balancer exists.
const LBCleanupFinalizer = "service.kubernetes.io/load-balancer-cleanup"

// RunServiceController runs the real service controller (two workers) and
// starts the informers; create the Nodes first.
func (c *CCM) RunServiceController(clusterName string) {
	c.T.Helper()
	ctrl, err := servicecontroller.New(c.Cloud, c.Client, c.Factory.Core().V1().Services(), c.Factory.Core().V1().Nodes(), clusterName, utilfeature.DefaultFeatureGate)
	if err != nil {
		c.T.Fatalf("service controller: %v", err)
	}
	c.Start()
	go ctrl.Run(c.Ctx, 2, c.Metrics)
}

// LBService is the LoadBalancer Service default/web with the given UID.
func LBService(uid string, annotations map[string]string, ports ...v1.ServicePort) *v1.Service {
	return &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: types.UID(uid), Annotations: annotations},
		Spec: v1.ServiceSpec{
			Type:                  v1.ServiceTypeLoadBalancer,
			Ports:                 ports,
			Selector:              map[string]string{"app": "web"},
			SessionAffinity:       v1.ServiceAffinityNone,
			ExternalTrafficPolicy: v1.ServiceExternalTrafficPolicyCluster,
		},
	}
}

// TCPPort is a Service port to target port 8080.
func TCPPort(name string, port, nodePort int32) v1.ServicePort {
	return v1.ServicePort{Name: name, Protocol: v1.ProtocolTCP, Port: port, TargetPort: intstr.FromInt32(8080), NodePort: nodePort}
}

// LBName is cloudprovider.DefaultLoadBalancerName: "a" + the UID without
// dashes, cut to 32 characters.
func LBName(uid string) string {
	n := "a" + strings.ReplaceAll(uid, "-", "")
	if len(n) > 32 {
		n = n[:32]
	}
	return n
}

// CreateService creates svc through the fake clientset.
func (c *CCM) CreateService(svc *v1.Service) {
	c.T.Helper()
	if _, err := c.Client.CoreV1().Services(svc.Namespace).Create(c.Ctx, svc, metav1.CreateOptions{}); err != nil {
		c.T.Fatal(err)
	}
}

func (c *CCM) getService(svc *v1.Service) (*v1.Service, error) {
	return c.Client.CoreV1().Services(svc.Namespace).Get(c.Ctx, svc.Name, metav1.GetOptions{})
}

// WaitIngress waits for the controller to publish the Service's load
// balancer and returns its first ingress.
func (c *CCM) WaitIngress(svc *v1.Service) v1.LoadBalancerIngress {
	c.T.Helper()
	var ing v1.LoadBalancerIngress
	c.Eventually("the Service's load balancer ingress", func() (bool, string) {
		s, err := c.getService(svc)
		if err != nil {
			return false, err.Error()
		}
		if len(s.Status.LoadBalancer.Ingress) == 0 {
			return false, fmt.Sprintf("status %+v, finalizers %v, events: %s", s.Status.LoadBalancer, s.Finalizers, c.ServiceEvents())
		}
		ing = s.Status.LoadBalancer.Ingress[0]
		return true, ""
	})
	return ing
}

// ServiceEvents summarises the last events the service controller recorded.
func (c *CCM) ServiceEvents() string {
	evs, err := c.Client.CoreV1().Events("").List(c.Ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, e := range evs.Items {
		if e.InvolvedObject.Kind == "Service" {
			out = append(out, fmt.Sprintf("%s %s: %.600s", e.Type, e.Reason, e.Message))
		}
	}
	if len(out) > 6 {
		out = out[len(out)-6:]
	}
	return "[" + strings.Join(out, " | ") + "]"
}

// UpdateServicePorts replaces the Service's ports.
func (c *CCM) UpdateServicePorts(svc *v1.Service, ports ...v1.ServicePort) {
	c.T.Helper()
	s, err := c.getService(svc)
	if err != nil {
		c.T.Fatal(err)
	}
	s.Spec.Ports = ports
	if _, err := c.Client.CoreV1().Services(svc.Namespace).Update(c.Ctx, s, metav1.UpdateOptions{}); err != nil {
		c.T.Fatalf("update service: %v", err)
	}
}

// DeleteService does what the API server does on delete for an object with
// finalizers: sets deletionTimestamp. The controller must clean up the load
// balancer, then drop its finalizer.
func (c *CCM) DeleteService(svc *v1.Service) {
	c.T.Helper()
	s, err := c.getService(svc)
	if err != nil {
		c.T.Fatal(err)
	}
	if !slices.Contains(s.Finalizers, LBCleanupFinalizer) {
		c.T.Errorf("service finalizers = %v, want %s while the load balancer exists", s.Finalizers, LBCleanupFinalizer)
	}
	now := metav1.Now()
	s.DeletionTimestamp = &now
	if _, err := c.Client.CoreV1().Services(svc.Namespace).Update(c.Ctx, s, metav1.UpdateOptions{}); err != nil {
		c.T.Fatalf("mark service deleted: %v", err)
	}
}

// WaitFinalizersRemoved waits until the Service carries none of finalizers
// (or, with ServiceGoneWhenFinalized, is gone).
func (c *CCM) WaitFinalizersRemoved(svc *v1.Service, finalizers ...string) {
	c.T.Helper()
	c.Eventually(fmt.Sprintf("the load balancer finalizers %v to be removed", finalizers), func() (bool, string) {
		s, err := c.getService(svc)
		if c.ServiceGoneWhenFinalized && apierrors.IsNotFound(err) {
			return true, ""
		}
		if err != nil {
			return false, err.Error()
		}
		for _, f := range finalizers {
			if slices.Contains(s.Finalizers, f) {
				return false, fmt.Sprintf("finalizers %v, events: %s", s.Finalizers, c.ServiceEvents())
			}
		}
		return true, ""
	})
}
