module fauxcloud.test/conformance/harness

go 1.26.0
