//go:build tools

// Package tools records the commands tests/cluster/build.sh builds from this module.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
)
