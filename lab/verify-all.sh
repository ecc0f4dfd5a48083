#!/usr/bin/env bash
# The seed's own path: checks the running lab (section 0: bash lab/verify-all.sh).
# A thin entry point; the script is ops/bootstrap/verify.sh, which reads the rendered dist/<env>/bootstrap/.
exec bash "$(dirname "$0")/../ops/bootstrap/verify.sh" "$@"
