//go:build tools

// Package tools records the commands tests/cluster/build.sh builds from this module.
package tools

import _ "github.com/linkerd/linkerd2/cli"
