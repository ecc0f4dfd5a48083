#!/usr/bin/env bash
# Deletes the environment's Kind cluster. Nothing else was created outside it.
#
#   bash bootstrap/teardown.sh --env dev
set -euo pipefail
# shellcheck source=bootstrap/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: bash bootstrap/teardown.sh --env <$(known_envs '|')>"
parse_args "$usage" "" "$@"
load_env "$ENV_ARG"
require kind

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  step "delete Kind cluster $CLUSTER_NAME" kind delete cluster --name "$CLUSTER_NAME"
else
  info "cluster $CLUSTER_NAME does not exist; nothing to do"
fi
