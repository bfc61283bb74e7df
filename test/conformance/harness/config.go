package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ConfigOptions shape a component config fauxcloud renders
// (GET /_fauxcloud/config/<component>, as `fauxcloud config` asks for it).
type ConfigOptions struct {
	// URL is the base URL the component must use instead of fauxcloud's
	// own (a recording tap in front of it).
	URL string
	// CAFile is where the component finds fauxcloud's CA.
	CAFile string
	// File is the file Set and Unset change (default: the component's first).
	File string
	// Set holds PATH=VALUE overrides: "[Section] key=value" in INI files,
	// a.b.0=value in JSON and YAML, NAME=value in env and flags files.
	Set []string
	// Unset holds PATHs to remove.
	Unset []string
}

// ConfigFile is one rendered file of a component.
type ConfigFile struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Text   string `json:"text"`
	// Value is a JSON or YAML file's content as data (the Text it renders
	// to), for reading it without a YAML parser.
	Value json.RawMessage `json:"value,omitempty"`
}

// ComponentConfig returns the config files fauxcloud writes for component
// (cloud-provider-aws, cloud-provider-gcp, ...), by file name.
func (a Admin) ComponentConfig(component string, o ConfigOptions) (map[string]ConfigFile, error) {
	q := url.Values{}
	if o.URL != "" {
		q.Set("url", o.URL)
	}
	if o.CAFile != "" {
		q.Set("caFile", o.CAFile)
	}
	if o.File != "" {
		q.Set("file", o.File)
	}
	for _, s := range o.Set {
		q.Add("set", s)
	}
	for _, s := range o.Unset {
		q.Add("unset", s)
	}
	out, err := a.Call(http.MethodGet, "/_fauxcloud/config/"+url.PathEscape(component)+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var r struct {
		Files []ConfigFile `json:"files"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("config %s: bad body %q: %v", component, out, err)
	}
	files := make(map[string]ConfigFile, len(r.Files))
	for _, f := range r.Files {
		files[f.Name] = f
	}
	return files, nil
}

// WriteComponentFile writes file name of component's config, as fauxcloud
// renders it with o, into dir and returns its path.
func (a Admin) WriteComponentFile(dir, component, name string, o ConfigOptions) (string, error) {
	if o.File == "" {
		o.File = name
	}
	files, err := a.ComponentConfig(component, o)
	if err != nil {
		return "", err
	}
	f, ok := files[name]
	if !ok {
		return "", fmt.Errorf("config %s has no file %q", component, name)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(f.Text), 0o600); err != nil {
		return "", err
	}
	return p, nil
}

// ComponentConfig is Admin.ComponentConfig.
func (m Must) ComponentConfig(component string, o ConfigOptions) map[string]ConfigFile {
	m.t.Helper()
	files, err := m.a.ComponentConfig(component, o)
	Check(m.t, err)
	return files
}

// WriteComponentFile is Admin.WriteComponentFile, into a directory of the
// test's own.
func (m Must) WriteComponentFile(component, name string, o ConfigOptions) string {
	m.t.Helper()
	p, err := m.a.WriteComponentFile(m.t.TempDir(), component, name, o)
	Check(m.t, err)
	return p
}

// Values are the NAME=value lines of an env or flags file (flags keep their
// leading dashes: "--compute-endpoint").
func (f ConfigFile) Values() map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(f.Text, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k != "" && !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}
