package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// direct reaches fauxcloud's own listener without consulting the proxy
// variables: Go's net/http reads them once, at first use, and a test that
// sets them afterwards must not have them read too early.
var direct = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: adminTimeout}

func getDirect(u string) ([]byte, error) {
	resp, err := direct.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", u, resp.StatusCode, b)
	}
	return b, nil
}

// ProxySettings asks fauxcloud for its HTTPS proxy settings (GET
// /_fauxcloud/endpoints, the answer `fauxcloud env proxy` prints), saves its
// CA in dir and returns exactly the variables a process needs to reach the
// clouds' real host names through fauxcloud: HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY, and SSL_CERT_FILE naming the saved CA.
func (a Admin) ProxySettings(dir string) (map[string]string, error) {
	raw, err := getDirect(a.BaseURL + "/_fauxcloud/endpoints")
	if err != nil {
		return nil, err
	}
	var ep struct {
		CA    *struct{ URL string } `json:"ca"`
		Proxy struct {
			Env map[string]string `json:"env"`
		} `json:"proxy"`
	}
	if err := json.Unmarshal(raw, &ep); err != nil {
		return nil, fmt.Errorf("endpoints: %v: %s", err, raw)
	}
	if ep.CA == nil {
		return nil, fmt.Errorf("endpoints: no CA (is HTTPS off?): %s", raw)
	}
	pem, err := getDirect(ep.CA.URL)
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(dir, "fauxcloud-ca.pem")
	if err := os.WriteFile(caFile, pem, 0o600); err != nil {
		return nil, err
	}
	set := map[string]string{}
	for _, k := range []string{"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE"} {
		v, ok := ep.Proxy.Env[k]
		if !ok {
			return nil, fmt.Errorf("endpoints: proxy.env has no %s: %s", k, raw)
		}
		if k == "SSL_CERT_FILE" {
			v = caFile // the answer names fauxcloud-ca.pem, the file the CA is to be saved as
		}
		set[k] = v
	}
	return set, nil
}

// proxyVariables are the spellings of the proxy and CA variables a child
// process might inherit from the machine.
var proxyVariables = []string{"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// EnvWith is os.Environ() without any proxy or CA variable, plus set: the
// environment for a child process that must use exactly fauxcloud's proxy.
func EnvWith(set map[string]string) []string {
	drop := map[string]bool{}
	for _, k := range proxyVariables {
		drop[k] = true
	}
	for k := range set {
		drop[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k := kv
		if i := strings.IndexByte(kv, '='); i >= 0 {
			k = kv[:i]
		}
		if !drop[k] {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}
