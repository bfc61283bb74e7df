package azureccm_test

// Harness for the Azure cloud-controller-manager suite: one fauxcloud, its CA
// trusted through SSL_CERT_FILE (Entra ID is HTTPS only), and an azure.json
// per test as the CCM's --cloud-config (ccm_test.go).

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fauxcloud.test/conformance/harness"
)

const (
	subscription  = "00000000-0000-0000-0000-000000000001"
	resourceGroup = "fauxcloud"
	location      = "eastus"
	clusterName   = "fauxcloud"
	vmSize        = "Standard_D2s_v3"
)

var fauxcloudURL string

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "conformance/azure-ccm",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			if os.Getenv("FAUXCLOUD_HTTPS_URL") == "" {
				return fmt.Errorf("the azure-ccm suite needs fauxcloud's HTTPS listener (FAUXCLOUD_HTTPS_URL): Entra ID is HTTPS only")
			}
			if err := admin().WantCloud("azure"); err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "fauxcloud-conformance-azure-ccm-")
			if err != nil {
				return err
			}
			ca, err := admin().Call(http.MethodGet, "/_fauxcloud/ca.pem", nil)
			if err != nil {
				return err
			}
			caFile := filepath.Join(dir, "ca.pem")
			if err := os.WriteFile(caFile, ca, 0o600); err != nil {
				return err
			}
			// HOME moves to a scratch directory; the go commands that build
			// acr-credential-provider keep the machine's module and build caches.
			keep := map[string]string{"SSL_CERT_FILE": caFile, "HOME": dir}
			for _, k := range []string{"GOMODCACHE", "GOCACHE", "GOPATH"} {
				if out, err := exec.Command("go", "env", k).Output(); err == nil {
					keep[k] = strings.TrimSpace(string(out))
				}
			}
			return harness.IsolateEnv([]string{
				"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_ENVIRONMENT_FILEPATH",
				"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
			}, keep)
		},
	}))
}
