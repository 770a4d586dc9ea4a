//go:build tools

// Package tools records the commands tests/cluster/build.sh builds from this module.
package tools

import _ "go.etcd.io/etcd/server/v3"
