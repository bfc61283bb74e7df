package kubeapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch"
)

// The store's methods run with s.mu held.

func key(ns, name string) string { return ns + "/" + name }

func (s *Server) bucket(r Resource) map[string]object {
	k := r.Group + "/" + r.Plural
	b := s.objects[k]
	if b == nil {
		b = map[string]object{}
		s.objects[k] = b
	}
	return b
}

func notFound(r Resource, name string) object {
	st := statusErr(404, "NotFound", fmt.Sprintf("%s %q not found", groupResource(r), name))
	st["details"] = object{"name": name, "group": r.Group, "kind": r.Plural}
	return st
}

func groupResource(r Resource) string {
	if r.Group == "" {
		return r.Plural
	}
	return r.Plural + "." + r.Group
}

func (s *Server) record(kind string, r Resource, o object) {
	s.events = append(s.events, event{rv: s.rv, kind: kind, res: r.Group + "/" + r.Plural, obj: deepCopy(o)})
	s.changed.Broadcast()
}

func (s *Server) get(r Resource, ns, name string) (object, object) {
	o, ok := s.bucket(r)[key(ns, name)]
	if !ok {
		return nil, notFound(r, name)
	}
	return deepCopy(o), nil
}

func (s *Server) list(r Resource, ns, labelSel, fieldSel string) object {
	items := []object{}
	for _, o := range s.bucket(r) {
		if (ns == "" || namespaceOf(o) == ns) && matches(o, labelSel, fieldSel) {
			items = append(items, deepCopy(o))
		}
	}
	sort.Slice(items, func(i, j int) bool {
		return key(namespaceOf(items[i]), nameOf(items[i])) < key(namespaceOf(items[j]), nameOf(items[j]))
	})
	return object{"kind": r.Kind + "List", "apiVersion": r.apiVersion(),
		"metadata": object{"resourceVersion": strconv.FormatInt(s.rv, 10)}, "items": items}
}

func (s *Server) create(r Resource, ns string, o object) (object, object) {
	o = deepCopy(o)
	m := meta(o)
	if r.Namespaced {
		if ns == "" {
			ns, _ = m["namespace"].(string)
		}
		if ns == "" {
			ns = "default"
		}
		m["namespace"] = ns
	} else {
		ns = ""
		delete(m, "namespace")
	}
	name, _ := m["name"].(string)
	if name == "" {
		if prefix, _ := m["generateName"].(string); prefix != "" {
			name = fmt.Sprintf("%s%05d", prefix, s.rv+1)
			m["name"] = name
		}
	}
	if name == "" {
		return nil, statusErr(422, "Invalid", groupResource(r)+": metadata.name: Required value: name or generateName is required")
	}
	b := s.bucket(r)
	if _, exists := b[key(ns, name)]; exists {
		st := statusErr(409, "AlreadyExists", fmt.Sprintf("%s %q already exists", groupResource(r), name))
		st["details"] = object{"name": name, "group": r.Group, "kind": r.Plural}
		return nil, st
	}
	s.rv++
	o["apiVersion"], o["kind"] = r.apiVersion(), r.Kind
	m["uid"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.rv)
	m["resourceVersion"] = strconv.FormatInt(s.rv, 10)
	m["creationTimestamp"] = time.Now().UTC().Format(time.RFC3339)
	m["generation"] = 1
	if r.Group == "apiextensions.k8s.io" && r.Kind == "CustomResourceDefinition" {
		if st := s.establish(o); st != nil {
			return nil, st
		}
	}
	b[key(ns, name)] = o
	s.record("ADDED", r, o)
	return deepCopy(o), nil
}

// establish serves a created CRD's resources and marks it Established, as
// the apiextensions controller does once its names are accepted.
func (s *Server) establish(crd object) object {
	spec, _ := crd["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	group, _ := spec["group"].(string)
	plural, _ := names["plural"].(string)
	kind, _ := names["kind"].(string)
	singular, _ := names["singular"].(string)
	versions, _ := spec["versions"].([]any)
	if group == "" || plural == "" || kind == "" || len(versions) == 0 {
		return statusErr(422, "Invalid", "CustomResourceDefinition: spec.group, spec.names.plural, spec.names.kind and spec.versions are required")
	}
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		name, _ := vm["name"].(string)
		served, _ := vm["served"].(bool)
		if name == "" || !served {
			continue
		}
		res := Resource{Group: group, Version: name, Kind: kind, Plural: plural, Singular: singular, Namespaced: spec["scope"] == "Namespaced"}
		if sub, _ := vm["subresources"].(map[string]any); sub != nil && sub["status"] != nil {
			res.Subresources = []string{"status"}
		}
		s.addResource(res)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	crd["status"] = object{
		"acceptedNames":  names,
		"storedVersions": []string{},
		"conditions": []object{
			{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "lastTransitionTime": now},
			{"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "lastTransitionTime": now},
		},
	}
	return nil
}

// update replaces the object (or, for sub "status", its status only),
// refusing a stale resourceVersion as the apiserver's optimistic
// concurrency does.
func (s *Server) update(r Resource, ns, name, sub string, o object) (object, object) {
	if !r.Namespaced {
		ns = ""
	} else if ns == "" {
		ns = namespaceOf(o)
	}
	b := s.bucket(r)
	cur, ok := b[key(ns, name)]
	if !ok {
		return nil, notFound(r, name)
	}
	m := meta(o)
	if rv, _ := m["resourceVersion"].(string); rv != "" && rv != meta(cur)["resourceVersion"] {
		return nil, statusErr(409, "Conflict", fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", groupResource(r), name))
	}
	var next object
	if sub == "status" {
		next = deepCopy(cur)
		next["status"] = o["status"]
	} else {
		next = deepCopy(o)
		if status, ok := cur["status"]; ok && contains(r.Subresources, "status") {
			next["status"] = status // the main resource does not write status
		}
		nm := meta(next)
		for _, k := range []string{"uid", "creationTimestamp", "namespace", "name"} {
			if v, ok := meta(cur)[k]; ok {
				nm[k] = v
			}
		}
		if gen, ok := meta(cur)["generation"].(float64); ok {
			nm["generation"] = gen + 1
		} else if gen, ok := meta(cur)["generation"].(int); ok {
			nm["generation"] = gen + 1
		}
	}
	s.rv++
	next["apiVersion"], next["kind"] = r.apiVersion(), r.Kind
	meta(next)["resourceVersion"] = strconv.FormatInt(s.rv, 10)
	b[key(ns, name)] = next
	s.record("MODIFIED", r, next)
	return deepCopy(next), nil
}

func (s *Server) patch(r Resource, ns, name, sub, contentType string, raw []byte) (object, object) {
	if !r.Namespaced {
		ns = ""
	}
	cur, ok := s.bucket(r)[key(ns, name)]
	if !ok {
		return nil, notFound(r, name)
	}
	doc, _ := json.Marshal(cur)
	var out []byte
	var err error
	switch strings.TrimSpace(strings.Split(contentType, ";")[0]) {
	case "application/json-patch+json":
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(raw); err == nil {
			out, err = p.Apply(doc)
		}
	case "application/merge-patch+json", "application/strategic-merge-patch+json":
		out, err = jsonpatch.MergePatch(doc, raw)
	default:
		return nil, statusErr(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json")
	}
	if err != nil {
		return nil, statusErr(422, "Invalid", "the patch could not be applied: "+err.Error())
	}
	var next object
	if err := json.Unmarshal(out, &next); err != nil {
		return nil, statusErr(422, "Invalid", err.Error())
	}
	// A patch carries no resourceVersion unless the caller set one to
	// guard it; the merged document holds the current one otherwise.
	return s.update(r, ns, name, sub, next)
}

func (s *Server) remove(r Resource, ns, name string) (object, object) {
	if !r.Namespaced {
		ns = ""
	}
	b := s.bucket(r)
	cur, ok := b[key(ns, name)]
	if !ok {
		return nil, notFound(r, name)
	}
	delete(b, key(ns, name))
	s.rv++
	gone := deepCopy(cur)
	meta(gone)["resourceVersion"] = strconv.FormatInt(s.rv, 10)
	s.record("DELETED", r, gone)
	return object{"kind": "Status", "apiVersion": "v1", "metadata": object{}, "status": "Success",
		"details": object{"name": name, "group": r.Group, "kind": r.Plural, "uid": meta(cur)["uid"]}}, nil
}

// matches applies equality-based label and field selectors.
func matches(o object, labelSel, fieldSel string) bool {
	labels, _ := meta(o)["labels"].(map[string]any)
	for _, term := range splitTerms(labelSel) {
		if !matchTerm(term, func(k string) (string, bool) { v, ok := labels[k].(string); return v, ok }) {
			return false
		}
	}
	for _, term := range splitTerms(fieldSel) {
		if !matchTerm(term, func(k string) (string, bool) { return fieldValue(o, k) }) {
			return false
		}
	}
	return true
}

func splitTerms(sel string) []string {
	var out []string
	for _, t := range strings.Split(sel, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func matchTerm(term string, get func(string) (string, bool)) bool {
	switch {
	case strings.Contains(term, "!="):
		kv := strings.SplitN(term, "!=", 2)
		v, _ := get(strings.TrimSpace(kv[0]))
		return v != strings.TrimSpace(kv[1])
	case strings.Contains(term, "=="):
		kv := strings.SplitN(term, "==", 2)
		v, ok := get(strings.TrimSpace(kv[0]))
		return ok && v == strings.TrimSpace(kv[1])
	case strings.Contains(term, "="):
		kv := strings.SplitN(term, "=", 2)
		v, ok := get(strings.TrimSpace(kv[0]))
		return ok && v == strings.TrimSpace(kv[1])
	case strings.HasPrefix(term, "!"):
		_, ok := get(strings.TrimSpace(term[1:]))
		return !ok
	default:
		_, ok := get(term)
		return ok
	}
}

// fieldValue reads a dotted path ("metadata.name", "spec.nodeName").
func fieldValue(o object, path string) (string, bool) {
	var cur any = o
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = m[p]
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case nil:
		return "", true // unset fields match the empty value, as the apiserver's field sets have them
	default:
		return fmt.Sprint(v), true
	}
}
