package azureccm_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"fauxcloud.test/conformance/ccmharness"
)

const annotationInternal = "service.beta.kubernetes.io/azure-load-balancer-internal"

// defaulted is the Service as the API server stores it: single-stack IPv4
// (the fake clientset applies no defaults, and the Azure provider builds one
// backend pool per entry of spec.ipFamilies).
func defaulted(svc *v1.Service) *v1.Service {
	single := v1.IPFamilyPolicySingleStack
	svc.Spec.IPFamilies = []v1.IPFamily{v1.IPv4Protocol}
	svc.Spec.IPFamilyPolicy = &single
	svc.Spec.ClusterIP = "10.0.0.10"
	svc.Spec.ClusterIPs = []string{"10.0.0.10"}
	return svc
}

func (c *ccm) startServiceController() {
	c.T.Helper()
	for name := range vms {
		c.CreateNode(nodeFor(name, initialized(name)))
	}
	c.RunServiceController(clusterName)
}

// armGet reads a resource from fauxcloud's Resource Manager.
func armGet(t *testing.T, path string, into any) error {
	t.Helper()
	b, err := admin().Call(http.MethodGet, path+"?api-version=2025-05-01", nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

type lbDoc struct {
	Properties struct {
		FrontendIPConfigurations []struct {
			Name       string `json:"name"`
			Properties struct {
				PrivateIPAddress string `json:"privateIPAddress"`
				PublicIPAddress  *struct {
					ID string `json:"id"`
				} `json:"publicIPAddress"`
			} `json:"properties"`
		} `json:"frontendIPConfigurations"`
		BackendAddressPools []struct {
			Name       string `json:"name"`
			Properties struct {
				BackendIPConfigurations []struct {
					ID string `json:"id"`
				} `json:"backendIPConfigurations"`
				LoadBalancerBackendAddresses []struct {
					Name       string `json:"name"`
					Properties struct {
						IPAddress string `json:"ipAddress"`
					} `json:"properties"`
				} `json:"loadBalancerBackendAddresses"`
			} `json:"properties"`
		} `json:"backendAddressPools"`
		LoadBalancingRules []struct {
			Name string `json:"name"`
		} `json:"loadBalancingRules"`
	} `json:"properties"`
}

// TestServiceControllerPublicLB: a LoadBalancer Service gets a Standard
// public IP (the provider PUTs publicIPAddresses/{cluster}-a{uid}), a
// frontend, a rule and a probe on the load balancer "fauxcloud", the nodes'
// NICs in its pool; the ingress IP is the public IP's address.
func TestServiceControllerPublicLB(t *testing.T) {
	c := newCCM(t, "standard")
	c.startServiceController()
	svc := defaulted(ccmharness.LBService("11111111-2222-3333-4444-555555555555", nil, ccmharness.TCPPort("http", 80, 30080)))
	c.CreateService(svc)
	ip := c.WaitIngress(svc).IP
	if !strings.HasPrefix(ip, "20.62.") {
		t.Errorf("ingress IP %q is not from fauxcloud's public pool 20.62.0.0/16", ip)
	}
	var lb lbDoc
	if err := armGet(t, "/subscriptions/"+subscription+"/resourceGroups/"+resourceGroup+"/providers/Microsoft.Network/loadBalancers/"+clusterName, &lb); err != nil {
		t.Fatalf("GET load balancer %s: %v", clusterName, err)
	}
	if len(lb.Properties.FrontendIPConfigurations) == 0 || lb.Properties.FrontendIPConfigurations[0].Properties.PublicIPAddress == nil {
		t.Errorf("load balancer frontends: %+v", lb.Properties.FrontendIPConfigurations)
	}
	if len(lb.Properties.LoadBalancingRules) == 0 {
		t.Errorf("load balancer has no rules")
	}
	members := 0
	for _, p := range lb.Properties.BackendAddressPools {
		members += len(p.Properties.BackendIPConfigurations)
	}
	if members != len(vms) {
		t.Errorf("backend pool members = %d, want %d (the nodes' NICs): %+v", members, len(vms), lb.Properties.BackendAddressPools)
	}
}

// TestServiceControllerInternalLB: with the internal annotation the service
// gets a frontend in the nodes' subnet whose Dynamic address fauxcloud hands
// out from 10.224.0.0/16; that is the ingress IP.
func TestServiceControllerInternalLB(t *testing.T) {
	c := newCCM(t, "standard")
	c.startServiceController()
	svc := defaulted(ccmharness.LBService("66666666-7777-8888-9999-000000000000", map[string]string{annotationInternal: "true"}, ccmharness.TCPPort("http", 80, 30081)))
	c.CreateService(svc)
	ip := c.WaitIngress(svc).IP
	if !strings.HasPrefix(ip, "10.224.") {
		t.Errorf("internal ingress IP %q is not in the subnet 10.224.0.0/16", ip)
	}
	for _, vm := range vms {
		if ip == vm.IP {
			t.Errorf("internal ingress IP %s is a node's address", ip)
		}
	}
}

// TestServiceControllerNodeIPPool: with loadBalancerBackendPoolConfigurationType
// nodeIP the provider keeps the pool IP-based, writing the nodes' addresses
// through PUT …/loadBalancers/{lb}/backendAddressPools/{pool}.
func TestServiceControllerNodeIPPool(t *testing.T) {
	c := newCCM(t, "standard", map[string]any{"loadBalancerBackendPoolConfigurationType": "nodeIP"})
	c.startServiceController()
	svc := defaulted(ccmharness.LBService("cdcdcdcd-2222-3333-4444-555555555555", nil, ccmharness.TCPPort("http", 80, 30083)))
	c.CreateService(svc)
	if ip := c.WaitIngress(svc).IP; !strings.HasPrefix(ip, "20.62.") {
		t.Errorf("ingress IP %q is not from fauxcloud's public pool", ip)
	}
	c.Eventually("the nodes' IPs in the IP-based pool", func() (bool, string) {
		var lb lbDoc
		if err := armGet(t, "/subscriptions/"+subscription+"/resourceGroups/"+resourceGroup+"/providers/Microsoft.Network/loadBalancers/"+clusterName, &lb); err != nil {
			return false, err.Error()
		}
		got := map[string]bool{}
		for _, p := range lb.Properties.BackendAddressPools {
			for _, a := range p.Properties.LoadBalancerBackendAddresses {
				got[a.Properties.IPAddress] = true
			}
		}
		for _, vm := range vms {
			if !got[vm.IP] {
				return false, fmt.Sprintf("%+v", lb.Properties.BackendAddressPools)
			}
		}
		return true, ""
	})
}
