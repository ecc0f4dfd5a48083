//go:build tools

// Package tools pins istioctl's command package, so that go mod tidy keeps
// every module its build needs in go.mod and go.sum; the tool is built with
// `go build istio.io/istio/istioctl/cmd/istioctl` in this module.
package tools

import _ "istio.io/istio/istioctl/cmd"
