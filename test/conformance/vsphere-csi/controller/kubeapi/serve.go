package kubeapi

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// serve routes one request: discovery, then resource paths
// /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]] and the same under /apis/G/V.
func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	switch {
	case req.URL.Path == "/version":
		writeJSON(w, 200, object{"major": "1", "minor": "27", "gitVersion": "v1.27.10-kubeapi", "platform": "linux/amd64"})
		return
	case req.URL.Path == "/api":
		writeJSON(w, 200, object{"kind": "APIVersions", "versions": []string{"v1"},
			"serverAddressByClientCIDRs": []object{{"clientCIDR": "0.0.0.0/0", "serverAddress": s.ln.Addr().String()}}})
		return
	case req.URL.Path == "/apis":
		writeJSON(w, 200, s.groupList())
		return
	}
	var group, version string
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		version, rest = parts[1], parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		group, version, rest = parts[1], parts[2], parts[3:]
	case len(parts) == 2 && parts[0] == "apis":
		s.writeGroup(w, parts[1])
		return
	default:
		writeStatus(w, statusErr(404, "NotFound", "the server could not find the requested resource"))
		return
	}
	if len(rest) == 0 {
		s.writeResourceList(w, group, version)
		return
	}
	ns := ""
	if rest[0] == "namespaces" && len(rest) >= 3 {
		if r, ok := s.lookup(group, version, rest[2]); ok && r.Namespaced {
			ns, rest = rest[1], rest[2:]
		}
	}
	r, ok := s.lookup(group, version, rest[0])
	if !ok || len(rest) > 3 {
		writeStatus(w, statusErr(404, "NotFound", "the server could not find the requested resource"))
		return
	}
	name, sub := "", ""
	if len(rest) >= 2 {
		name = rest[1]
	}
	if len(rest) == 3 {
		sub = rest[2]
		if !contains(r.Subresources, sub) {
			writeStatus(w, statusErr(404, "NotFound", "the server could not find the requested resource"))
			return
		}
	}
	verb := req.Method
	q := req.URL.Query()
	if verb == http.MethodGet && name == "" {
		verb = "LIST"
		if q.Get("watch") == "true" || q.Get("watch") == "1" {
			verb = "WATCH"
		}
	}
	s.mu.Lock()
	s.Requests[verb+" "+r.Group+"/"+r.Plural]++
	s.mu.Unlock()

	if verb == "WATCH" {
		s.watch(w, req, r, ns)
		return
	}
	var body object
	if req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		raw, err := io.ReadAll(io.LimitReader(req.Body, 8<<20))
		if err != nil {
			writeStatus(w, statusErr(400, "BadRequest", err.Error()))
			return
		}
		if req.Method == http.MethodPatch {
			s.mu.Lock()
			out, st := s.patch(r, ns, name, sub, req.Header.Get("Content-Type"), raw)
			s.mu.Unlock()
			respond(w, 200, out, st)
			return
		}
		if err := json.Unmarshal(raw, &body); err != nil || body == nil {
			writeStatus(w, statusErr(400, "BadRequest", "the request body is not a JSON object"))
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case verb == "LIST":
		writeJSON(w, 200, s.list(r, ns, q.Get("labelSelector"), q.Get("fieldSelector")))
	case req.Method == http.MethodGet:
		out, st := s.get(r, ns, name)
		respond(w, 200, out, st)
	case req.Method == http.MethodPost && name == "":
		out, st := s.create(r, ns, body)
		respond(w, 201, out, st)
	case req.Method == http.MethodPut && name != "":
		out, st := s.update(r, ns, name, sub, body)
		respond(w, 200, out, st)
	case req.Method == http.MethodDelete && name != "":
		out, st := s.remove(r, ns, name)
		respond(w, 200, out, st)
	case req.Method == http.MethodDelete:
		for _, o := range s.list(r, ns, q.Get("labelSelector"), q.Get("fieldSelector"))["items"].([]object) {
			s.remove(r, namespaceOf(o), nameOf(o))
		}
		writeJSON(w, 200, object{"kind": "Status", "apiVersion": "v1", "status": "Success"})
	default:
		writeStatus(w, statusErr(405, "MethodNotAllowed", "method "+req.Method+" is not supported here"))
	}
}

func respond(w http.ResponseWriter, code int, out object, st object) {
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, code, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) lookup(group, version, plural string) (Resource, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.resources[group+"/"+version+"/"+plural]
	return r, ok
}

func (s *Server) groupList() object {
	s.mu.Lock()
	defer s.mu.Unlock()
	versions := map[string][]string{}
	for _, r := range s.resources {
		if r.Group != "" && !contains(versions[r.Group], r.Version) {
			versions[r.Group] = append(versions[r.Group], r.Version)
		}
	}
	names := make([]string, 0, len(versions))
	for g := range versions {
		names = append(names, g)
	}
	sort.Strings(names)
	groups := []object{}
	for _, g := range names {
		groups = append(groups, groupDoc(g, versions[g]))
	}
	return object{"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
}

func groupDoc(g string, versions []string) object {
	sort.Strings(versions)
	var vs []object
	for _, v := range versions {
		vs = append(vs, object{"groupVersion": g + "/" + v, "version": v})
	}
	return object{"kind": "APIGroup", "apiVersion": "v1", "name": g, "versions": vs, "preferredVersion": vs[len(vs)-1]}
}

func (s *Server) writeGroup(w http.ResponseWriter, group string) {
	for _, g := range s.groupList()["groups"].([]object) {
		if g["name"] == group {
			writeJSON(w, 200, g)
			return
		}
	}
	writeStatus(w, statusErr(404, "NotFound", "the server could not find the requested resource"))
}

func (s *Server) writeResourceList(w http.ResponseWriter, group, version string) {
	s.mu.Lock()
	var list []object
	for _, r := range s.resources {
		if r.Group != group || r.Version != version {
			continue
		}
		verbs := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
		list = append(list, object{"name": r.Plural, "singularName": r.Singular, "namespaced": r.Namespaced, "kind": r.Kind, "verbs": verbs})
		for _, sub := range r.Subresources {
			list = append(list, object{"name": r.Plural + "/" + sub, "singularName": "", "namespaced": r.Namespaced, "kind": r.Kind, "verbs": []string{"get", "patch", "update"}})
		}
	}
	s.mu.Unlock()
	if len(list) == 0 {
		writeStatus(w, statusErr(404, "NotFound", "the server could not find the requested resource"))
		return
	}
	sort.Slice(list, func(i, j int) bool { return list[i]["name"].(string) < list[j]["name"].(string) })
	gv := version
	if group != "" {
		gv = group + "/" + version
	}
	writeJSON(w, 200, object{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
}

// watch streams the events after the request's resourceVersion (all
// current objects as ADDED when it has none) until the client leaves, the
// request's timeoutSeconds pass or the server closes.
func (s *Server) watch(w http.ResponseWriter, req *http.Request, r Resource, ns string) {
	q := req.URL.Query()
	labelSel, fieldSel := q.Get("labelSelector"), q.Get("fieldSelector")
	timeout := 30 * time.Minute
	if t, err := strconv.Atoi(q.Get("timeoutSeconds")); err == nil && t > 0 {
		timeout = time.Duration(t) * time.Second
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(200)
	if flusher != nil {
		flusher.Flush()
	}
	key := r.Group + "/" + r.Plural
	done := req.Context().Done()
	deadline := time.AfterFunc(timeout, func() { s.mu.Lock(); s.changed.Broadcast(); s.mu.Unlock() })
	defer deadline.Stop()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-done:
		case <-stop:
		}
		s.mu.Lock()
		s.changed.Broadcast()
		s.mu.Unlock()
	}()
	start := time.Now()
	enc := json.NewEncoder(w)

	s.mu.Lock()
	defer s.mu.Unlock()
	var pending []event
	since, err := strconv.ParseInt(q.Get("resourceVersion"), 10, 64)
	if err != nil || since == 0 {
		for _, o := range s.list(r, ns, labelSel, fieldSel)["items"].([]object) {
			pending = append(pending, event{kind: "ADDED", obj: o})
		}
		since = s.rv
	}
	for {
		for _, e := range s.events {
			if e.rv > since && e.res == key && (ns == "" || namespaceOf(e.obj) == ns) && matches(e.obj, labelSel, fieldSel) {
				pending = append(pending, e)
			}
		}
		since = s.rv
		if len(pending) > 0 {
			// Write without the lock: a slow watcher must not stall the store.
			s.mu.Unlock()
			for _, e := range pending {
				if err := enc.Encode(object{"type": e.kind, "object": e.obj}); err != nil {
					s.mu.Lock()
					return
				}
			}
			if flusher != nil {
				flusher.Flush()
			}
			s.mu.Lock()
			pending = pending[:0]
			continue // events may have come while writing
		}
		if s.closed || time.Since(start) >= timeout || req.Context().Err() != nil {
			return
		}
		s.changed.Wait()
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func statusErr(code int, reason, msg string) object {
	return object{"kind": "Status", "apiVersion": "v1", "metadata": object{}, "status": "Failure",
		"message": msg, "reason": reason, "code": code}
}

func writeStatus(w http.ResponseWriter, st object) { writeJSON(w, st["code"].(int), st) }
