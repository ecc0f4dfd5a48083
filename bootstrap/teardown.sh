#!/usr/bin/env bash
# Deletes the environment's Kind cluster. Nothing else was created outside it.
#
#   bash bootstrap/teardown.sh --env dev
set -euo pipefail
# shellcheck source=bootstrap/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: bash bootstrap/teardown.sh --env <dev|stg|prod>"
env=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --env) env=${2:-}; shift 2 || die 2 "--env needs a value; $usage" ;;
    --env=*) env=${1#--env=}; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) die 2 "unknown argument '$1'; $usage" ;;
  esac
done
load_env "$env"
require kind

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  step "delete Kind cluster $CLUSTER_NAME" kind delete cluster --name "$CLUSTER_NAME"
else
  info "cluster $CLUSTER_NAME does not exist; nothing to do"
fi
