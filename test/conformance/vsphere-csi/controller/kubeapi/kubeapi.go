// Package kubeapi is a small Kubernetes API server for conformance tests: the
// REST verbs client-go's typed, dynamic and controller-runtime clients and
// informers use (discovery, get, list, watch, create, update, patch, delete,
// the status subresource), over JSON objects kept in memory. Components whose
// start-up needs a cluster (the vSphere CSI driver's feature-state ConfigMap,
// its CRDs and informers) get one from a kubeconfig, unchanged.
//
// It is not an apiserver: no admission, no defaulting, no validation beyond
// names, no field management, no protobuf. Selectors are equality-based
// (=, ==, !=, and existence); a strategic merge patch is applied as a JSON
// merge patch (right for the maps and scalars callers patch here, not for
// lists merged by key).
package kubeapi

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Resource is one served resource type.
type Resource struct {
	Group, Version, Kind string
	Plural, Singular     string
	Namespaced           bool
	Subresources         []string // "status"
}

func (r Resource) apiVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// Builtins are the core and storage resources the CSI components read.
var Builtins = []Resource{
	{Version: "v1", Kind: "Namespace", Plural: "namespaces", Singular: "namespace", Subresources: []string{"status"}},
	{Version: "v1", Kind: "Node", Plural: "nodes", Singular: "node", Subresources: []string{"status"}},
	{Version: "v1", Kind: "ConfigMap", Plural: "configmaps", Singular: "configmap", Namespaced: true},
	{Version: "v1", Kind: "Secret", Plural: "secrets", Singular: "secret", Namespaced: true},
	{Version: "v1", Kind: "Event", Plural: "events", Singular: "event", Namespaced: true},
	{Version: "v1", Kind: "Pod", Plural: "pods", Singular: "pod", Namespaced: true, Subresources: []string{"status"}},
	{Version: "v1", Kind: "PersistentVolume", Plural: "persistentvolumes", Singular: "persistentvolume", Subresources: []string{"status"}},
	{Version: "v1", Kind: "PersistentVolumeClaim", Plural: "persistentvolumeclaims", Singular: "persistentvolumeclaim", Namespaced: true, Subresources: []string{"status"}},
	{Group: "storage.k8s.io", Version: "v1", Kind: "CSINode", Plural: "csinodes", Singular: "csinode"},
	{Group: "storage.k8s.io", Version: "v1", Kind: "StorageClass", Plural: "storageclasses", Singular: "storageclass"},
	{Group: "storage.k8s.io", Version: "v1", Kind: "VolumeAttachment", Plural: "volumeattachments", Singular: "volumeattachment", Subresources: []string{"status"}},
	{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition", Plural: "customresourcedefinitions", Singular: "customresourcedefinition", Subresources: []string{"status"}},
	{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Plural: "leases", Singular: "lease", Namespaced: true},
}

type object = map[string]any

type event struct {
	rv   int64
	kind string // ADDED, MODIFIED, DELETED
	res  string // group/resource
	obj  object
}

// Server is one in-memory cluster.
type Server struct {
	mu        sync.Mutex
	resources map[string]Resource          // "group/version/plural" -> resource
	objects   map[string]map[string]object // "group/plural" -> "ns/name" -> object
	rv        int64
	events    []event
	changed   *sync.Cond
	closed    bool

	URL  string
	http *http.Server
	ln   net.Listener

	// Requests counts what each client asked, "VERB group/plural".
	Requests map[string]int
}

// Start serves an empty cluster with the Builtins on 127.0.0.1, port 0.
func Start() (*Server, error) {
	s := &Server{resources: map[string]Resource{}, objects: map[string]map[string]object{}, Requests: map[string]int{}}
	s.changed = sync.NewCond(&s.mu)
	for _, r := range Builtins {
		s.addResource(r)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// Close ends every watch and the listener.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.changed.Broadcast()
	s.mu.Unlock()
	_ = s.http.Close()
}

// WriteKubeconfig writes a kubeconfig for the server into dir.
func (s *Server) WriteKubeconfig(dir string) (string, error) {
	conf := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubeapi
  cluster:
    server: %s
contexts:
- name: kubeapi
  context:
    cluster: kubeapi
    user: test
current-context: kubeapi
users:
- name: test
  user:
    token: kubeapi-test
`, s.URL)
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, []byte(conf), 0o600)
}

func (s *Server) addResource(r Resource) {
	s.resources[r.Group+"/"+r.Version+"/"+r.Plural] = r
}

// Add stores obj (with apiVersion and kind) as a client's create would.
func (s *Server) Add(obj object) error {
	r, ok := s.resourceFor(obj)
	if !ok {
		return fmt.Errorf("kubeapi: no resource for %v/%v", obj["apiVersion"], obj["kind"])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, status := s.create(r, namespaceOf(obj), obj)
	if status != nil {
		return fmt.Errorf("kubeapi: %s", status["message"])
	}
	return nil
}

// List returns the stored objects of group/plural (a copy).
func (s *Server) List(group, plural string) []object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []object
	for _, o := range s.objects[group+"/"+plural] {
		out = append(out, deepCopy(o))
	}
	return out
}

func (s *Server) resourceFor(obj object) (Resource, bool) {
	av, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	group, version := "", av
	if i := strings.Index(av, "/"); i >= 0 {
		group, version = av[:i], av[i+1:]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.resources {
		if r.Group == group && r.Version == version && r.Kind == kind {
			return r, true
		}
	}
	return Resource{}, false
}

func deepCopy(o object) object {
	b, _ := json.Marshal(o)
	var c object
	_ = json.Unmarshal(b, &c)
	return c
}

func meta(o object) object {
	m, ok := o["metadata"].(map[string]any)
	if !ok {
		m = object{}
		o["metadata"] = m
	}
	return m
}

func namespaceOf(o object) string { s, _ := meta(o)["namespace"].(string); return s }
func nameOf(o object) string      { s, _ := meta(o)["name"].(string); return s }
