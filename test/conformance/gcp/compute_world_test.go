package gcp_test

// Building a Compute Engine world through the API with Google's own Go client
// (google.golang.org/api/compute/v1), the way node-pool tooling and
// cluster-autoscaler's GCE provider do it: an instance template, a managed
// instance group from it, resize, listManagedInstances, deleteInstances, a
// member stopped and started, and a standalone instance from a public image
// family; with the errors callers branch on (409, 412, 400, 404) as
// *googleapi.Error values.

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

const zone = "us-central1-a"

func computeService(t *testing.T) *compute.Service {
	t.Helper()
	svc, err := compute.NewService(context.Background(),
		option.WithEndpoint(fauxcloudURL+"/compute/v1/"),
		option.WithoutAuthentication(),
		option.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatalf("compute.NewService: %v", err)
	}
	return svc
}

// wait finishes an operation the documented way (Wait on its scope) and fails
// the test on an operation error.
func wait(t *testing.T, svc *compute.Service, op *compute.Operation, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	for i := 0; op.Status != "DONE" && i < 50; i++ {
		name := op.Name
		switch {
		case op.Zone != "":
			op, err = svc.ZoneOperations.Wait(defaultProject, lastSegment(op.Zone), name).Do()
		case op.Region != "":
			op, err = svc.RegionOperations.Wait(defaultProject, lastSegment(op.Region), name).Do()
		default:
			op, err = svc.GlobalOperations.Wait(defaultProject, name).Do()
		}
		if err != nil {
			t.Fatalf("wait %s: %v", name, err)
		}
	}
	if op.Status != "DONE" {
		t.Fatalf("operation %s still %s", op.Name, op.Status)
	}
	if op.Error != nil {
		t.Fatalf("operation %s (%s) failed: %+v", op.Name, op.OperationType, op.Error.Errors[0])
	}
}

func lastSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// apiError asserts err is a *googleapi.Error with this code and reason.
func apiError(t *testing.T, err error, code int, reason string) {
	t.Helper()
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("want googleapi error %d %s, got %v", code, reason, err)
	}
	if gerr.Code != code || len(gerr.Errors) == 0 || gerr.Errors[0].Reason != reason {
		t.Fatalf("want %d %s, got %d %+v", code, reason, gerr.Code, gerr.Errors)
	}
}

func TestComputeNodePoolThroughAPI(t *testing.T) {
	resetServer(t)
	t.Cleanup(func() { resetServer(t) })
	svc := computeService(t)

	tmpl := &compute.InstanceTemplate{
		Name: "pool-go-tmpl",
		Properties: &compute.InstanceProperties{
			MachineType: "e2-standard-2",
			Disks: []*compute.AttachedDisk{{
				Boot: true, AutoDelete: true, Type: "PERSISTENT",
				InitializeParams: &compute.AttachedDiskInitializeParams{SourceImage: "projects/cos-cloud/global/images/family/cos-117-lts", DiskSizeGb: 50, DiskType: "pd-balanced"},
			}},
			NetworkInterfaces: []*compute.NetworkInterface{{Network: "global/networks/default"}},
			Metadata:          &compute.Metadata{Items: []*compute.MetadataItems{{Key: "kube-env", Value: googleapi.String("NODE_LABELS: pool=go")}}},
			Labels:            map[string]string{"pool": "go"},
		},
	}
	op, err := svc.InstanceTemplates.Insert(defaultProject, tmpl).Do()
	wait(t, svc, op, err)
	got, err := svc.InstanceTemplates.Get(defaultProject, "pool-go-tmpl").Do()
	if err != nil {
		t.Fatalf("get template: %v", err)
	}

	op, err = svc.InstanceGroupManagers.Insert(defaultProject, zone, &compute.InstanceGroupManager{
		Name: "pool-go", BaseInstanceName: "gke-pool-go", InstanceTemplate: got.SelfLink, TargetSize: 2,
	}).Do()
	wait(t, svc, op, err)
	_, err = svc.InstanceGroupManagers.Insert(defaultProject, zone, &compute.InstanceGroupManager{Name: "pool-go", InstanceTemplate: got.SelfLink}).Do()
	apiError(t, err, 409, "alreadyExists")

	// The autoscaler's reads: the target size and the instances with their status.
	mig, err := svc.InstanceGroupManagers.Get(defaultProject, zone, "pool-go").Do()
	if err != nil || mig.TargetSize != 2 || !mig.Status.IsStable || mig.CurrentActions.None != 2 {
		t.Fatalf("MIG = %+v, %v", mig, err)
	}
	op, err = svc.InstanceGroupManagers.Resize(defaultProject, zone, "pool-go", 3).Do()
	wait(t, svc, op, err)
	if op.OperationType != "compute.instanceGroupManagers.resize" {
		t.Errorf("resize operationType = %q", op.OperationType)
	}
	list, err := svc.InstanceGroupManagers.ListManagedInstances(defaultProject, zone, "pool-go").Do()
	if err != nil {
		t.Fatalf("listManagedInstances: %v", err)
	}
	name := regexp.MustCompile(`/zones/us-central1-a/instances/gke-pool-go-[a-z0-9]{4}$`)
	if len(list.ManagedInstances) != 3 {
		t.Fatalf("managed instances = %d, want 3", len(list.ManagedInstances))
	}
	for _, m := range list.ManagedInstances {
		if !name.MatchString(m.Instance) || m.InstanceStatus != "RUNNING" || m.CurrentAction != "NONE" {
			t.Errorf("managed instance %+v", m)
		}
	}

	// One member: a full instance; stop and start it as a node repair would.
	member := lastSegment(list.ManagedInstances[0].Instance)
	inst, err := svc.Instances.Get(defaultProject, zone, member).Do()
	if err != nil || len(inst.Disks) != 1 || !inst.Disks[0].Boot || inst.Disks[0].DiskSizeGb != 50 || inst.Labels["pool"] != "go" {
		t.Fatalf("member = %+v, %v", inst, err)
	}
	if !strings.HasPrefix(inst.NetworkInterfaces[0].NetworkIP, "10.128.") {
		t.Errorf("member IP %q not from the subnetwork", inst.NetworkInterfaces[0].NetworkIP)
	}
	op, err = svc.Instances.Stop(defaultProject, zone, member).Do()
	wait(t, svc, op, err)
	if inst, _ = svc.Instances.Get(defaultProject, zone, member).Do(); inst.Status != "TERMINATED" {
		t.Errorf("after stop: %s", inst.Status)
	}
	op, err = svc.Instances.Start(defaultProject, zone, member).Do()
	wait(t, svc, op, err)
	if inst, _ = svc.Instances.Get(defaultProject, zone, member).Do(); inst.Status != "RUNNING" {
		t.Errorf("after start: %s", inst.Status)
	}

	// The autoscaler removes a chosen node; the group's target follows.
	op, err = svc.InstanceGroupManagers.DeleteInstances(defaultProject, zone, "pool-go", &compute.InstanceGroupManagersDeleteInstancesRequest{Instances: []string{list.ManagedInstances[2].Instance}}).Do()
	wait(t, svc, op, err)
	if mig, _ = svc.InstanceGroupManagers.Get(defaultProject, zone, "pool-go").Do(); mig.TargetSize != 2 {
		t.Errorf("target after deleteInstances = %d", mig.TargetSize)
	}
	_, err = svc.Instances.Get(defaultProject, zone, lastSegment(list.ManagedInstances[2].Instance)).Do()
	apiError(t, err, 404, "notFound")
	members, err := svc.InstanceGroups.ListInstances(defaultProject, zone, "pool-go", &compute.InstanceGroupsListInstancesRequest{InstanceState: "RUNNING"}).Do()
	if err != nil || len(members.Items) != 2 {
		t.Fatalf("instanceGroups.listInstances = %+v, %v", members, err)
	}

	_, err = svc.InstanceTemplates.Delete(defaultProject, "pool-go-tmpl").Do()
	apiError(t, err, 400, "resourceInUseByAnotherResource")
	op, err = svc.InstanceGroupManagers.Delete(defaultProject, zone, "pool-go").Do()
	wait(t, svc, op, err)
	_, err = svc.Instances.Get(defaultProject, zone, member).Do()
	apiError(t, err, 404, "notFound")
	op, err = svc.InstanceTemplates.Delete(defaultProject, "pool-go-tmpl").Do()
	wait(t, svc, op, err)
}

func TestComputeInstanceLifecycleThroughAPI(t *testing.T) {
	resetServer(t)
	t.Cleanup(func() { resetServer(t) })
	svc := computeService(t)

	vm := &compute.Instance{
		Name:        "bastion",
		MachineType: "zones/" + zone + "/machineTypes/e2-medium",
		Disks: []*compute.AttachedDisk{{Boot: true, AutoDelete: true, InitializeParams: &compute.AttachedDiskInitializeParams{
			SourceImage: "projects/debian-cloud/global/images/family/debian-12",
		}}},
		NetworkInterfaces: []*compute.NetworkInterface{{
			Subnetwork:    "regions/us-central1/subnetworks/default",
			AccessConfigs: []*compute.AccessConfig{{Type: "ONE_TO_ONE_NAT", Name: "External NAT"}},
		}},
		ServiceAccounts: []*compute.ServiceAccount{{Email: "default", Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"}}},
		Labels:          map[string]string{"role": "bastion"},
	}
	op, err := svc.Instances.Insert(defaultProject, zone, vm).Do()
	wait(t, svc, op, err)
	_, err = svc.Instances.Insert(defaultProject, zone, vm).Do()
	apiError(t, err, 409, "alreadyExists")

	got, err := svc.Instances.Get(defaultProject, zone, "bastion").Do()
	if err != nil || got.Status != "RUNNING" {
		t.Fatalf("instance = %+v, %v", got, err)
	}
	if nat := got.NetworkInterfaces[0].AccessConfigs[0].NatIP; !strings.HasPrefix(nat, "34.118.") {
		t.Errorf("natIP = %q", nat)
	}
	disk, err := svc.Disks.Get(defaultProject, zone, "bastion").Do()
	if err != nil || disk.SizeGb != 10 || !strings.Contains(disk.SourceImage, "/projects/debian-cloud/global/images/debian-12-") || len(disk.Users) != 1 || disk.Users[0] != got.SelfLink {
		t.Fatalf("boot disk = %+v, %v", disk, err)
	}

	// Fingerprints guard labels and metadata.
	_, err = svc.Instances.SetLabels(defaultProject, zone, "bastion", &compute.InstancesSetLabelsRequest{Labels: map[string]string{"a": "b"}, LabelFingerprint: "stale"}).Do()
	apiError(t, err, 412, "conditionNotMet")
	op, err = svc.Instances.SetLabels(defaultProject, zone, "bastion", &compute.InstancesSetLabelsRequest{Labels: map[string]string{"role": "jump"}, LabelFingerprint: got.LabelFingerprint}).Do()
	wait(t, svc, op, err)
	op, err = svc.Instances.SetMetadata(defaultProject, zone, "bastion", &compute.Metadata{Fingerprint: got.Metadata.Fingerprint, Items: []*compute.MetadataItems{{Key: "ssh-keys", Value: googleapi.String("me:ssh-ed25519 AAAA")}}}).Do()
	wait(t, svc, op, err)

	// The machine type changes only when stopped.
	_, err = svc.Instances.SetMachineType(defaultProject, zone, "bastion", &compute.InstancesSetMachineTypeRequest{MachineType: "zones/" + zone + "/machineTypes/e2-standard-2"}).Do()
	apiError(t, err, 400, "invalidResourceUsage")
	op, err = svc.Instances.Stop(defaultProject, zone, "bastion").Do()
	wait(t, svc, op, err)
	op, err = svc.Instances.SetMachineType(defaultProject, zone, "bastion", &compute.InstancesSetMachineTypeRequest{MachineType: "zones/" + zone + "/machineTypes/e2-standard-2"}).Do()
	wait(t, svc, op, err)
	op, err = svc.Instances.Start(defaultProject, zone, "bastion").Do()
	wait(t, svc, op, err)
	op, err = svc.Instances.Reset(defaultProject, zone, "bastion").Do()
	wait(t, svc, op, err)
	got, _ = svc.Instances.Get(defaultProject, zone, "bastion").Do()
	if got.Status != "RUNNING" || lastSegment(got.MachineType) != "e2-standard-2" || got.Labels["role"] != "jump" || len(got.Metadata.Items) != 1 {
		t.Errorf("after changes: status %s type %s labels %v metadata %d", got.Status, got.MachineType, got.Labels, len(got.Metadata.Items))
	}

	// The seeded nodes boot from their own disk.
	node, err := svc.Instances.Get(defaultProject, zone, "node-a").Do()
	if err != nil || len(node.Disks) == 0 || !node.Disks[0].Boot {
		t.Fatalf("node-a disks = %+v, %v", node, err)
	}

	op, err = svc.Instances.Delete(defaultProject, zone, "bastion").Do()
	wait(t, svc, op, err)
	_, err = svc.Disks.Get(defaultProject, zone, "bastion").Do()
	apiError(t, err, 404, "notFound")
	_, err = svc.Instances.Insert(defaultProject, zone, &compute.Instance{Name: "bad", MachineType: "zones/" + zone + "/machineTypes/nope", Disks: vm.Disks}).Do()
	apiError(t, err, 400, "invalid")
}
