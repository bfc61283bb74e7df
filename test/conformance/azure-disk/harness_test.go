package azuredisk_test

// Harness for the Azure Disk CSI driver suite.
//
// TestMain starts one fauxcloud through the shared harness module and
// points the driver at it the way an Azure Stack Hub (ADFS) deployment
// points it at its own cloud, with nothing but the driver's usual inputs:
//
//   - azure.json ($AZURE_CREDENTIAL_FILE, as the driver reads it without a
//     kube client): resourceManagerEndpoint = fauxcloud's HTTP listener, so
//     the driver reads GET /metadata/endpoints and takes Resource Manager and
//     the Entra ID login endpoint (fauxcloud's HTTPS listener) from it;
//     tenantId "adfs", so MSAL reads /adfs/.well-known/openid-configuration
//     instead of asking login.microsoftonline.com for instance discovery;
//     aadClientId/aadClientSecret (client credentials);
//   - SSL_CERT_FILE = fauxcloud's CA, so Go trusts the HTTPS listener;
//   - HTTP_PROXY = fauxcloud, so the instance metadata service the driver
//     asks at its hard-coded http://169.254.169.254 is fauxcloud's (Go never
//     proxies 127.0.0.1, so ARM and Entra ID calls go direct). With no
//     header, fauxcloud's IMDS answers for node-a.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"fauxcloud.test/conformance/harness"
)

const (
	subscription  = "00000000-0000-0000-0000-000000000001"
	resourceGroup = "fauxcloud"
	location      = "eastus"
	nodeA         = "node-a" // zone 1, the VM fauxcloud's IMDS answers for by default
)

var fauxcloudURL, fauxcloudHTTPS, credFile string

func admin() harness.Admin { return harness.Admin{BaseURL: fauxcloudURL} }

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{
		Name:      "conformance/azure-disk",
		ExportEnv: true,
		Setup: func(baseURL string) error {
			fauxcloudURL = baseURL
			// Go reads the proxy settings once, at the first request of the
			// process: set it before any (127.0.0.1 itself is never proxied).
			if err := os.Setenv("HTTP_PROXY", baseURL); err != nil {
				return err
			}
			fauxcloudHTTPS = os.Getenv("FAUXCLOUD_HTTPS_URL")
			if fauxcloudHTTPS == "" {
				return fmt.Errorf("the azure-disk suite needs fauxcloud's HTTPS listener (FAUXCLOUD_HTTPS_URL): Entra ID is HTTPS only")
			}
			if err := admin().WantCloud("azure"); err != nil {
				return err
			}
			return configure()
		},
	}))
}

func configure() error {
	dir, err := os.MkdirTemp("", "fauxcloud-conformance-azure-disk-")
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
	// The driver's azure.json and environment, as `fauxcloud config
	// azuredisk-csi-driver` renders them (the CA where this run keeps it).
	files, err := admin().ComponentConfig("azuredisk-csi-driver", harness.ConfigOptions{CAFile: caFile})
	if err != nil {
		return err
	}
	credFile = filepath.Join(dir, "azure.json")
	if err := os.WriteFile(credFile, []byte(files["azure.json"].Text), 0o600); err != nil {
		return err
	}
	env := files["azuredisk-csi-driver.env"].Values()
	if env["AZURE_CREDENTIAL_FILE"] != "azure.json" || env["SSL_CERT_FILE"] != caFile || env["HTTP_PROXY"] != fauxcloudURL {
		return fmt.Errorf("generated azuredisk-csi-driver.env is not for this server: %q", files["azuredisk-csi-driver.env"].Text)
	}
	env["AZURE_CREDENTIAL_FILE"] = credFile
	env["HOME"] = dir
	return harness.IsolateEnv([]string{
		"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_ENVIRONMENT_FILEPATH",
		"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "HTTPS_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy",
	}, env)
}

func resetServer(t *testing.T)                       { t.Helper(); admin().Must(t).Reset() }
func setLifecycle(t *testing.T, spec map[string]any) { t.Helper(); admin().Must(t).SetLifecycle(spec) }

type journalEntry = harness.JournalEntry

func journalLastSeq(t *testing.T) int { t.Helper(); return admin().Must(t).JournalLastSeq() }
