// vcsim for the bench: govmomi's simulator (the module's vcsim main package is not served by the
// Go module proxy) with the CNS endpoint, over HTTPS on 127.0.0.1, in the shape of fauxcloud's
// default scenario: 1 datacenter, 1 cluster of 3 hosts, -vms VMs.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/vmware/govmomi/cns/simulator" // registers /vsanHealth (CNS) on VPX models
	"github.com/vmware/govmomi/simulator"
)

func main() {
	vms := flag.Int("vms", 3, "virtual machines in the cluster")
	flag.Parse()
	model := simulator.VPX()
	model.Datacenter, model.Cluster, model.ClusterHost, model.Host, model.Machine = 1, 1, 3, 0, *vms
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	model.Service.TLS = new(tls.Config)
	model.Service.RegisterEndpoints = true
	s := model.Service.NewServer()
	defer s.Close()
	u := *s.URL
	pass, _ := u.User.Password()
	name := u.User.Username()
	u.User = nil
	fmt.Printf("vcsim ready sdk=%s user=%s password=%s\n", u.String(), name, pass)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
