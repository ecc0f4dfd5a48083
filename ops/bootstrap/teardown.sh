#!/usr/bin/env bash
# Deletes the environment's Kind cluster. Nothing else was created outside it.
#
#   bash lab/teardown.sh --env dev [--light] [--skip-istio]   (the flags setup.sh took, naming the same lab)
set -euo pipefail
# shellcheck source=ops/bootstrap/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: bash lab/teardown.sh --env <$(known_envs '|')> [--light] [--skip-istio]"
select_env "$usage" "$@"
require kind

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  step "delete Kind cluster $CLUSTER_NAME" kind delete cluster --name "$CLUSTER_NAME"
else
  info "cluster $CLUSTER_NAME does not exist; nothing to do"
fi
