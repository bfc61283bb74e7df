//go:build !linux

package awsccm_test

import "os/exec"

func setProcAttr(cmd *exec.Cmd) {}
