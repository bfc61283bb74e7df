package kubeapi

// client-go's own clients against the server: what the vSphere CSI driver's
// start-up does (a ConfigMap get, a CRD create that must become
// Established, informers that list then watch), plus conflicts and patches.

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func start(t *testing.T) (*Server, *kubernetes.Clientset, context.Context) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	path, err := s.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return s, c, ctx
}

func TestConfigMapCRUDAndConflicts(t *testing.T) {
	_, c, ctx := start(t)
	cms := c.CoreV1().ConfigMaps("vmware-system-csi")
	if _, err := cms.Get(ctx, "fss", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get of a missing ConfigMap: want NotFound, got %v", err)
	}
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "fss"}, Data: map[string]string{"a": "true"}}, metav1.CreateOptions{})
	if err != nil || cm.Namespace != "vmware-system-csi" || cm.ResourceVersion == "" || cm.UID == "" {
		t.Fatalf("create: %v %+v", err, cm)
	}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: want AlreadyExists, got %v", err)
	}
	stale := cm.DeepCopy()
	cm.Data["a"] = "false"
	if cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil || cm.Data["a"] != "false" {
		t.Fatalf("update: %v %+v", err, cm)
	}
	if _, err := cms.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("update with a stale resourceVersion: want Conflict, got %v", err)
	}
	cm, err = cms.Patch(ctx, "fss", types.MergePatchType, []byte(`{"data":{"b":"1"}}`), metav1.PatchOptions{})
	if err != nil || cm.Data["a"] != "false" || cm.Data["b"] != "1" {
		t.Fatalf("merge patch: %v %+v", err, cm)
	}
	list, err := cms.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=fss"})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list by name: %v %+v", err, list)
	}
	if err := cms.Delete(ctx, "fss", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "fss", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("second delete: want NotFound, got %v", err)
	}
}

func TestCRDIsEstablishedAndServed(t *testing.T) {
	s, _, ctx := start(t)
	path, _ := s.WriteKubeconfig(t.TempDir())
	cfg, _ := clientcmd.BuildConfigFromFlags("", path)
	ext := apiextensions.NewForConfigOrDie(cfg)
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.com", Scope: apiextensionsv1.NamespaceScoped,
			Names:    apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true}},
		},
	}
	got, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	established := false
	for _, c := range got.Status.Conditions {
		established = established || (c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue)
	}
	if !established {
		t.Fatalf("the CRD is not Established: %+v", got.Status)
	}
	res, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerResourcesForGroupVersion("example.com/v1")
	if err != nil || len(res.APIResources) != 1 || res.APIResources[0].Kind != "Widget" || !res.APIResources[0].Namespaced {
		t.Fatalf("discovery of the CRD's group: %v %+v", err, res)
	}
	dyn := dynamic.NewForConfigOrDie(cfg).Resource(schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"})
	w := map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w1"}, "spec": map[string]any{"size": 3}}
	if _, err := dyn.Namespace("ns1").Create(ctx, toUnstructured(w), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := dyn.Namespace("ns1").Get(ctx, "w1", metav1.GetOptions{}); err != nil || got.Object["spec"].(map[string]any)["size"] != int64(3) {
		t.Fatalf("get of the custom resource: %v %+v", err, got)
	}
}

func TestInformerListsThenWatches(t *testing.T) {
	_, c, ctx := start(t)
	_, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := informers.NewSharedInformerFactory(c, 0)
	seen := make(chan string, 10)
	inf := f.Core().V1().Nodes().Informer()
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { seen <- "add " + o.(*corev1.Node).Name },
		UpdateFunc: func(_, o any) { seen <- "update " + o.(*corev1.Node).Name },
		DeleteFunc: func(o any) {
			if n, ok := o.(*corev1.Node); ok {
				seen <- "delete " + n.Name
			}
		},
	})
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	want := func(ev string) {
		t.Helper()
		select {
		case got := <-seen:
			if got != ev {
				t.Fatalf("informer event: want %q, got %q", ev, got)
			}
		case <-ctx.Done():
			t.Fatalf("no informer event %q", ev)
		}
	}
	want("add node-a") // from the list
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-b"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want("add node-b") // from the watch
	if _, err := c.CoreV1().Nodes().Patch(ctx, "node-b", types.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"zone":"a"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	want("update node-b")
	if err := c.CoreV1().Nodes().Delete(ctx, "node-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want("delete node-a")
}

func toUnstructured(o map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: o}
}
