#!/usr/bin/env bash
# The seed's own path: brings the lab up (section 0: bash lab/setup.sh --env dev --light [--skip-istio]).
# A thin entry point; the script is ops/bootstrap/setup.sh, which reads the rendered dist/<env>/bootstrap/.
exec bash "$(dirname "$0")/../ops/bootstrap/setup.sh" "$@"
