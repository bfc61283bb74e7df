// Command controller is the real vSphere CSI driver's controller
// (sigs.k8s.io/vsphere-csi-driver/v3 v3.3.1) started as cmd/vsphere-csi/main.go
// starts its controller container, with the Kubernetes API it needs served
// from this process (./kubeapi). The conformance test in .. builds and runs
// it: the driver compiles only against the CSI spec v1.9.0 it pins (its
// servers do not embed the Unimplemented types that spec v1.12+ requires),
// while csi-sanity v5.6.0 needs v1.13.0, so the two cannot share a module.
//
// The environment is the controller container's in the driver's vanilla
// manifest (VSPHERE_CSI_CONFIG, X_CSI_MODE=controller, CSI_NAMESPACE, ...).
// Flags:
//
//	-socket PATH    the CSI unix socket to serve
//	-node NAME=UUID a node VM (repeatable): a Node and a CSINode carrying the
//	                VM's BIOS UUID as the driver's node id, as kubelet
//	                registers it from the node plugin's NodeGetInfo
//	-dir DIR        where the kubeconfig is written
//
// It prints "kubeapi <url>" on stdout once the socket serves.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	"fauxcloud.test/conformance/vsphere-csi/controller/kubeapi"
	"github.com/container-storage-interface/spec/lib/go/csi"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"google.golang.org/grpc"
	"sigs.k8s.io/vsphere-csi-driver/v3/pkg/csi/service"
	"sigs.k8s.io/vsphere-csi-driver/v3/pkg/csi/service/common/commonco"
	csinodetopologyconfig "sigs.k8s.io/vsphere-csi-driver/v3/pkg/internalapis/csinodetopology/config"
	k8s "sigs.k8s.io/vsphere-csi-driver/v3/pkg/kubernetes"
)

const (
	fssName    = "internal-feature-states.csi.vsphere.vmware.com"
	driverName = "csi.vsphere.vmware.com"
)

type nodeFlags []string

func (n *nodeFlags) String() string     { return strings.Join(*n, ",") }
func (n *nodeFlags) Set(v string) error { *n = append(*n, v); return nil }

// firstNode is the driver's node service as it runs on the first node VM:
// NodeGetInfo there reads the VM's UUID from the host's DMI tables
// (/sys/class/dmi/id), which this process does not have; with no topology
// in csi-vsphere.conf it reports no segments.
type firstNode struct {
	csi.NodeServer
	uuid string
}

func (n firstNode) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: n.uuid, AccessibleTopology: &csi.Topology{}}, nil
}

func main() {
	var nodes nodeFlags
	socket := flag.String("socket", "", "CSI unix socket path")
	dir := flag.String("dir", "", "directory for the kubeconfig")
	flag.Var(&nodes, "node", "NAME=UUID of a node VM (repeatable)")
	flag.Parse()
	if err := run(*socket, *dir, nodes); err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		os.Exit(1)
	}
}

func run(socket, dir string, nodes []string) error {
	if socket == "" || dir == "" || len(nodes) == 0 {
		return fmt.Errorf("-socket, -dir and at least one -node are required")
	}
	ns := os.Getenv("CSI_NAMESPACE")
	k, err := kubeapi.Start()
	if err != nil {
		return err
	}
	objs := []map[string]any{
		{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}},
		// The data of the ConfigMap in manifests/vanilla/vsphere-csi-driver.yaml
		// (v3.3.1); the released features are on in the driver's own code.
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": fssName, "namespace": ns},
			"data": map[string]any{"trigger-csi-fullsync": "false", "pv-to-backingdiskobjectid-mapping": "false"}},
	}
	// The external-snapshotter CRDs, which the driver's vanilla deployment
	// requires for snapshots (its CnsVolumeOperationRequest clean-up lists
	// VolumeSnapshotContents).
	for _, c := range [][3]string{
		{"VolumeSnapshot", "volumesnapshots", "Namespaced"},
		{"VolumeSnapshotContent", "volumesnapshotcontents", "Cluster"},
		{"VolumeSnapshotClass", "volumesnapshotclasses", "Cluster"},
	} {
		objs = append(objs, map[string]any{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
			"metadata": map[string]any{"name": c[1] + ".snapshot.storage.k8s.io"},
			"spec": map[string]any{"group": "snapshot.storage.k8s.io", "scope": c[2],
				"names":    map[string]any{"kind": c[0], "listKind": c[0] + "List", "plural": c[1], "singular": strings.ToLower(c[0])},
				"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true, "subresources": map[string]any{"status": map[string]any{}}}}}})
	}
	var firstUUID string
	for _, n := range nodes {
		name, uuid, ok := strings.Cut(n, "=")
		if !ok {
			return fmt.Errorf("-node %q: want NAME=UUID", n)
		}
		if firstUUID == "" {
			firstUUID = uuid
		}
		objs = append(objs,
			map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": name},
				"spec": map[string]any{"providerID": "vsphere://" + uuid}},
			map[string]any{"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": map[string]any{"name": name},
				"spec": map[string]any{"drivers": []any{map[string]any{"name": driverName, "nodeID": uuid}}}})
	}
	for _, o := range objs {
		if err := k.Add(o); err != nil {
			return err
		}
	}
	kubeconfig, err := k.WriteKubeconfig(dir)
	if err != nil {
		return err
	}
	if err := os.Setenv("KUBECONFIG", kubeconfig); err != nil {
		return err
	}

	ctx := context.Background()
	// The syncer container of the controller pod creates the CSINodeTopology
	// CRD at start (pkg/syncer/cnsoperator/manager/init.go); the controller
	// only watches it. Created here with the driver's own manifest and code.
	if err := k8s.CreateCustomResourceDefinitionFromManifest(ctx, csinodetopologyconfig.EmbedCSINodeTopologyFile,
		csinodetopologyconfig.EmbedCSINodeTopologyFileName); err != nil {
		return fmt.Errorf("CSINodeTopology CRD: %w", err)
	}
	// cmd/vsphere-csi/main.go with the manifest's --fss-name and --fss-namespace.
	commonco.SetInitParams(ctx, cnstypes.CnsClusterFlavorVanilla, &service.COInitParams, "", "",
		fssName, ns, os.Getenv("X_CSI_MODE"), "")
	driver := service.NewDriver()
	controller := driver.GetController()
	if err := driver.BeforeServe(ctx); err != nil {
		return fmt.Errorf("BeforeServe: %w", err)
	}
	// Driver.Run, with our listener: its server is the same three services.
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	csi.RegisterIdentityServer(srv, driver)
	csi.RegisterControllerServer(srv, controller)
	csi.RegisterNodeServer(srv, firstNode{NodeServer: driver, uuid: firstUUID})
	fmt.Printf("kubeapi %s\n", k.URL)
	return srv.Serve(ln)
}
