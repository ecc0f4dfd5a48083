#!/usr/bin/env bash
# The seed's own path: deletes the lab (section 0: bash lab/teardown.sh --env dev).
# A thin entry point; the script is ops/bootstrap/teardown.sh, which reads the rendered dist/<env>/bootstrap/.
exec bash "$(dirname "$0")/../ops/bootstrap/teardown.sh" "$@"
