// Command hubble-metrics runs Hubble's own metrics handlers, as the Cilium
// agent configures them, over a list of flows, and prints what the agent's
// metrics endpoint (:9965) would serve.
//
// Input (stdin, JSON): `metrics`, the value of the `hubble-metrics` key of the
// cilium-config ConfigMap as the chart renders it (space-separated, each
// `name[:option=value;...]`), and `flows`, Hubble flows in their protojson
// form (observer.GetFlowsResponse's `flow`). Output (stdout): the Prometheus
// text exposition of the handlers' registry.
//
// No dataplane runs: the flows are the ones a dataplane would have observed;
// what is proven is which series, with which names and labels, Cilium's code
// makes of them under the rendered configuration.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/encoding/protojson"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/pkg/hubble/metrics"
	"github.com/cilium/cilium/pkg/hubble/metrics/api"
)

type input struct {
	Metrics string            `json:"metrics"`
	Flows   []json.RawMessage `json:"flows"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hubble-metrics: "+format+"\n", args...)
	os.Exit(1)
}

// ciliumVersion is the version of Cilium's module this binary was built from, as the build recorded it.
func ciliumVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/cilium/cilium" {
			return dep.Version
		}
	}
	return "unknown"
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("hubble-metrics (github.com/cilium/cilium %s)\n", ciliumVersion())
		return
	}
	if len(os.Args) != 1 {
		fail("reads the input JSON on stdin and takes no arguments but --version")
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("cannot read stdin: %v", err)
	}
	var in input
	if err := json.Unmarshal(data, &in); err != nil {
		fail("stdin is not the expected JSON: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The agent splits the option on whitespace (a string slice flag), then parses each entry.
	enabled := api.ParseStaticMetricsConfig(strings.Fields(in.Metrics))
	registry := prometheus.NewPedanticRegistry()
	handlers, err := metrics.InitMetricHandlers(logger, registry, enabled)
	if err != nil {
		fail("the metrics configuration %q is refused: %v", in.Metrics, err)
	}
	processor := metrics.NewStaticFlowProcessor(logger, *handlers)
	for i, raw := range in.Flows {
		var flow flowpb.Flow
		if err := protojson.Unmarshal(raw, &flow); err != nil {
			fail("flow %d is not a Hubble flow: %v", i, err)
		}
		if err := processor.ProcessFlow(context.Background(), &flow); err != nil {
			fail("flow %d: %v", i, err)
		}
	}
	families, err := registry.Gather()
	if err != nil {
		fail("gathering the registry: %v", err)
	}
	encoder := expfmt.NewEncoder(os.Stdout, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, family := range families {
		if err := encoder.Encode(family); err != nil {
			fail("encoding %s: %v", family.GetName(), err)
		}
	}
}
