package gceccm_test

// The Kubernetes API the provider sees: the fake clientset, plus a REST client
// for the one thing the GCE provider does through CoreV1().RESTClient() rather
// than the typed client: its cluster-id informer
// (cache.NewListWatchFromClient(client.CoreV1().RESTClient(), "configmaps",
// "kube-system", …) on the ingress-uid ConfigMap, gce_clusterid.go). The fake
// clientset's RESTClient() is a nil *rest.RESTClient, which would panic in the
// informer's goroutine; here a real rest.RESTClient answers list and watch of
// ConfigMaps from the fake clientset's own tracker, in process, so the
// provider's informer sees what the typed client writes, as with an API server.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/watch"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	restclient "k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	jsonpatch "github.com/evanphx/json-patch"
)

// providerClient is the clientset handed to the provider's Initialize.
type providerClient struct {
	*fake.Clientset
	core corev1client.CoreV1Interface
}

func (c *providerClient) CoreV1() corev1client.CoreV1Interface { return c.core }

type coreV1WithREST struct {
	corev1client.CoreV1Interface
	rest restclient.Interface
}

func (c coreV1WithREST) RESTClient() restclient.Interface { return c.rest }

func newProviderClient(f *fake.Clientset) (clientset.Interface, error) {
	rc, err := restclient.RESTClientFor(&restclient.Config{
		Host:    "http://fake-apiserver.invalid",
		APIPath: "/api",
		ContentConfig: restclient.ContentConfig{
			GroupVersion:         &v1.SchemeGroupVersion,
			NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
			ContentType:          "application/json",
		},
		Transport: configMapTransport{f},
	})
	if err != nil {
		return nil, err
	}
	return &providerClient{Clientset: f, core: coreV1WithREST{CoreV1Interface: f.CoreV1(), rest: rc}}, nil
}

// configMapTransport answers GET /api/v1/namespaces/{ns}/configmaps (list, and
// watch=true) from the fake clientset, honouring a metadata.name field
// selector; anything else is 404.
type configMapTransport struct{ f *fake.Clientset }

func (t configMapTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	if req.Method != http.MethodGet || len(parts) != 5 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "namespaces" || parts[4] != "configmaps" {
		return jsonResponse(req, http.StatusNotFound, &metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
			Message: fmt.Sprintf("the test's API server serves only configmap list/watch, not %s %s", req.Method, req.URL.Path),
		})
	}
	ns := parts[3]
	q := req.URL.Query()
	name := ""
	if sel := q.Get("fieldSelector"); sel != "" {
		s, err := fields.ParseSelector(sel)
		if err == nil {
			name, _ = s.RequiresExactMatch("metadata.name")
		}
	}
	match := func(cm *v1.ConfigMap) bool { return name == "" || cm.Name == name }
	cms := t.f.CoreV1().ConfigMaps(ns)
	if q.Get("watch") != "true" && q.Get("watch") != "1" {
		list, err := cms.List(req.Context(), metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		out := &v1.ConfigMapList{TypeMeta: metav1.TypeMeta{Kind: "ConfigMapList", APIVersion: "v1"}}
		out.ResourceVersion = "1"
		for i := range list.Items {
			if match(&list.Items[i]) {
				out.Items = append(out.Items, list.Items[i])
			}
		}
		return jsonResponse(req, http.StatusOK, out)
	}
	w, err := cms.Watch(req.Context(), metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer w.Stop()
		enc := json.NewEncoder(pw)
		for {
			select {
			case <-req.Context().Done():
				pw.CloseWithError(req.Context().Err())
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					pw.Close()
					return
				}
				cm, isCM := ev.Object.(*v1.ConfigMap)
				if !isCM || !match(cm) {
					continue
				}
				cm = cm.DeepCopy()
				cm.Kind, cm.APIVersion = "ConfigMap", "v1"
				if err := enc.Encode(struct {
					Type   watch.EventType `json:"type"`
					Object *v1.ConfigMap   `json:"object"`
				}{ev.Type, cm}); err != nil {
					return
				}
			}
		}
	}()
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    pr,
		Request: req,
	}, nil
}

func jsonResponse(req *http.Request, status int, v any) (*http.Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
		Request:       req,
	}, nil
}

// deleteWhenFinalized makes the fake clientset do what the API server does
// for a Service marked for deletion: once an update or patch leaves it
// without finalizers, it is gone (without this, the service controller sees
// a Service without its finalizer and ensures the load balancer again).
func deleteWhenFinalized(f *fake.Clientset) {
	tracker := f.Tracker()
	f.PrependReactor("*", "services", func(action k8stesting.Action) (bool, runtime.Object, error) {
		var next *v1.Service
		switch a := action.(type) {
		case k8stesting.UpdateAction:
			svc, ok := a.GetObject().(*v1.Service)
			if !ok {
				return false, nil, nil
			}
			next = svc
		case k8stesting.PatchAction:
			if a.GetPatchType() != types.StrategicMergePatchType && a.GetPatchType() != types.MergePatchType {
				return false, nil, nil
			}
			cur, err := tracker.Get(a.GetResource(), a.GetNamespace(), a.GetName())
			if err != nil {
				return false, nil, nil
			}
			orig, err := json.Marshal(cur)
			if err != nil {
				return false, nil, nil
			}
			var patched []byte
			if a.GetPatchType() == types.StrategicMergePatchType {
				patched, err = strategicpatch.StrategicMergePatch(orig, a.GetPatch(), &v1.Service{})
			} else {
				patched, err = jsonpatch.MergePatch(orig, a.GetPatch())
			}
			if err != nil {
				return false, nil, nil
			}
			next = &v1.Service{}
			if err := json.Unmarshal(patched, next); err != nil {
				return false, nil, nil
			}
		default:
			return false, nil, nil
		}
		if next.DeletionTimestamp == nil || len(next.Finalizers) > 0 {
			return false, nil, nil
		}
		if err := tracker.Delete(action.GetResource(), next.Namespace, next.Name); err != nil {
			return true, nil, err
		}
		return true, next, nil
	})
}
