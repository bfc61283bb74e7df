module fauxcloud.test/conformance/gcp

go 1.26.0

require fauxcloud.test/conformance/harness v0.0.0

replace fauxcloud.test/conformance/harness => ../harness
