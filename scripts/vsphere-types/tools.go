//go:build tools

// Keeps govmomi in go.mod (pinned at the version whose types are generated) without compiling it.
package main

import _ "github.com/vmware/govmomi/vim25/types"
