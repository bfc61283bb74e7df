// The vSphere bench client: one govmomi program for fauxcloud and vcsim alike. Each of
// -concurrency workers logs in with its own session and repeats one operation for -seconds after
// -warmup seconds; the result is one JSON line on stdout.
//
//	retrieve  RetrievePropertiesEx over a container view of every VM: name, config, summary,
//	          guest, runtime (what the vSphere cloud provider reads per node sync)
//	cns       the vSphere CSI controller's block volume flow: CnsCreateVolume, CnsAttachVolume,
//	          CnsDetachVolume, CnsDeleteVolume, each task waited through the property collector
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/cns"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var (
	sdk         = flag.String("url", "", "https://host:port/sdk")
	user        = flag.String("user", "administrator@vsphere.local", "user name")
	password    = flag.String("password", "fauxcloud", "password")
	op          = flag.String("op", "retrieve", "retrieve | cns")
	seconds     = flag.Float64("seconds", 5, "measured seconds")
	warmup      = flag.Float64("warmup", 1, "unmeasured seconds first")
	concurrency = flag.Int("concurrency", 10, "workers, each with its own session")
	wantVMs     = flag.Int("vms", 0, "VMs every retrieve must see (0: any)")
	datastore   = flag.String("datastore", "*", "datastore (finder path) for CNS volumes")
)

var vmProps = []string{"name", "config", "summary", "guest", "runtime"}

// Result is what the bench reads.
type Result struct {
	Op          string  `json:"op"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Ok          int     `json:"ok"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"firstError,omitempty"`
	PerSecond   float64 `json:"perSecond"`
	P50Ms       float64 `json:"p50Ms"`
	P95Ms       float64 `json:"p95Ms"`
	P99Ms       float64 `json:"p99Ms"`
	VMs         int     `json:"vms,omitempty"`
	// RequestsPerOp: HTTP requests per completed operation in the window (failed ones included).
	RequestsPerOp float64 `json:"requestsPerOp"`
}

// counting counts the HTTP requests of one worker's client.
type counting struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

type worker struct {
	c        *vim25.Client
	requests *atomic.Int64
	run      func(ctx context.Context, n int) error
}

func login(ctx context.Context, u *url.URL, n *atomic.Int64) (*vim25.Client, error) {
	sc := soap.NewClient(u, true)
	sc.Client.Transport = counting{sc.Client.Transport, n}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, err
	}
	return c, session.NewManager(c).Login(ctx, url.UserPassword(*user, *password))
}

func retrieveWorker(ctx context.Context, c *vim25.Client, seen *int) (func(context.Context, int) error, error) {
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, _ int) error {
		var vms []mo.VirtualMachine
		if err := v.Retrieve(ctx, []string{"VirtualMachine"}, vmProps, &vms); err != nil {
			return err
		}
		*seen = len(vms)
		if *wantVMs > 0 && len(vms) != *wantVMs {
			return fmt.Errorf("%d VMs, want %d", len(vms), *wantVMs)
		}
		for _, vm := range vms {
			if vm.Config == nil || vm.Summary.Config.Name == "" {
				return fmt.Errorf("VM %s without config or summary", vm.Self.Value)
			}
		}
		return nil
	}, nil
}

func cnsWorker(ctx context.Context, c *vim25.Client, id int, n *atomic.Int64) (func(context.Context, int) error, error) {
	cc, err := cns.NewClient(ctx, c)
	if err != nil {
		return nil, err
	}
	// The CNS client has its own http.Client (on /vsanHealth) and waits for tasks through a private
	// vim25 client on the same transport; count the former and wait through the worker's own.
	cc.Client.Transport = counting{cc.Client.Transport, n}
	f := find.NewFinder(c, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		return nil, err
	}
	f.SetDatacenter(dc)
	ds, err := f.Datastore(ctx, *datastore)
	if err != nil {
		return nil, err
	}
	vms, err := f.VirtualMachineList(ctx, "*")
	if err != nil {
		return nil, err
	}
	vm := vms[id%len(vms)]
	cluster := cnstypes.CnsContainerCluster{ClusterType: "KUBERNETES", ClusterId: "bench", VSphereUser: *user, ClusterFlavor: "VANILLA"}
	wait := func(ctx context.Context, task *object.Task, what string) (cnstypes.BaseCnsVolumeOperationResult, error) {
		info, err := object.NewTask(c, task.Reference()).WaitForResult(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		res, err := cns.GetTaskResult(ctx, info)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if f := res.GetCnsVolumeOperationResult().Fault; f != nil {
			return nil, fmt.Errorf("%s: %s", what, f.LocalizedMessage)
		}
		return res, nil
	}
	return func(ctx context.Context, n int) error {
		spec := cnstypes.CnsVolumeCreateSpec{
			Name:       fmt.Sprintf("pvc-bench-%d-%d", id, n),
			VolumeType: "BLOCK",
			Datastores: []types.ManagedObjectReference{ds.Reference()},
			Metadata:   cnstypes.CnsVolumeMetadata{ContainerCluster: cluster},
			BackingObjectDetails: &cnstypes.CnsBlockBackingDetails{
				CnsBackingObjectDetails: cnstypes.CnsBackingObjectDetails{CapacityInMb: 1024},
			},
		}
		task, err := cc.CreateVolume(ctx, []cnstypes.CnsVolumeCreateSpec{spec})
		if err != nil {
			return err
		}
		res, err := wait(ctx, task, "create")
		if err != nil {
			return err
		}
		created, ok := res.(*cnstypes.CnsVolumeCreateResult)
		if !ok {
			return fmt.Errorf("create: %T result", res)
		}
		vol := created.VolumeId
		spec2 := []cnstypes.CnsVolumeAttachDetachSpec{{VolumeId: vol, Vm: vm.Reference()}}
		if task, err = cc.AttachVolume(ctx, spec2); err != nil {
			return err
		}
		if res, err = wait(ctx, task, "attach"); err != nil {
			return err
		}
		if a, ok := res.(*cnstypes.CnsVolumeAttachResult); !ok || a.DiskUUID == "" {
			return fmt.Errorf("attach: %T result without diskUUID", res)
		}
		if task, err = cc.DetachVolume(ctx, spec2); err != nil {
			return err
		}
		if _, err = wait(ctx, task, "detach"); err != nil {
			return err
		}
		if task, err = cc.DeleteVolume(ctx, []cnstypes.CnsVolumeId{vol}, true); err != nil {
			return err
		}
		_, err = wait(ctx, task, "delete")
		return err
	}, nil
}

func main() {
	flag.Parse()
	u, err := soap.ParseURL(*sdk)
	if err != nil || u == nil {
		fail(fmt.Errorf("-url %q: %v", *sdk, err))
	}
	ctx := context.Background()
	seen := make([]int, *concurrency)
	workers := make([]worker, *concurrency)
	for i := range workers {
		n := new(atomic.Int64)
		c, err := login(ctx, u, n)
		if err != nil {
			fail(fmt.Errorf("login: %w", err))
		}
		var run func(context.Context, int) error
		switch *op {
		case "retrieve":
			run, err = retrieveWorker(ctx, c, &seen[i])
		case "cns":
			run, err = cnsWorker(ctx, c, i, n)
		default:
			err = fmt.Errorf("unknown -op %q", *op)
		}
		if err != nil {
			fail(err)
		}
		workers[i] = worker{c, n, run}
	}

	start := time.Now()
	measureFrom := start.Add(time.Duration(*warmup * float64(time.Second)))
	end := measureFrom.Add(time.Duration(*seconds * float64(time.Second)))
	var mu sync.Mutex
	var lat []time.Duration
	res := Result{Op: *op, Concurrency: *concurrency, Seconds: *seconds}
	var reqs int64
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func(w worker) {
			defer wg.Done()
			for n := 0; ; n++ {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				before := w.requests.Load()
				err := w.run(ctx, n)
				d := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				mu.Lock()
				reqs += w.requests.Load() - before
				if err != nil {
					res.Errors++
					if res.FirstError == "" {
						res.FirstError = err.Error()
					}
				} else {
					res.Ok++
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}(workers[i])
	}
	wg.Wait()
	// Operations started inside the window count; the window is stretched to the last one's end.
	elapsed := time.Since(measureFrom).Seconds()
	res.PerSecond = float64(res.Ok) / elapsed
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	res.P50Ms, res.P95Ms, res.P99Ms = pct(0.50), pct(0.95), pct(0.99)
	res.VMs = seen[0]
	if n := res.Ok + res.Errors; n > 0 {
		res.RequestsPerOp = float64(reqs) / float64(n)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
