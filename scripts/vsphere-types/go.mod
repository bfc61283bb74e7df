module fauxcloud.scripts/vsphere-types

go 1.26.0

require github.com/vmware/govmomi v0.52.0
