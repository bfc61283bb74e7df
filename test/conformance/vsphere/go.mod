module fauxcloud.test/conformance/vsphere

go 1.26.0

require (
	fauxcloud.test/conformance/harness v0.0.0-00010101000000-000000000000
	github.com/vmware/govmomi v0.52.0
)

require github.com/google/uuid v1.6.0 // indirect

replace fauxcloud.test/conformance/harness => ../harness
