#!/usr/bin/env bash
# Creates the Kind cluster, installs Cilium and Argo CD, then hands everything
# else to Argo CD (the root Application). Safe to run again: a cluster,
# release or secret that exists is left alone.
#
#   bash lab/setup.sh --env dev [--light] [--skip-istio]   (the seed's path; ops/bootstrap/setup.sh is the same)
set -euo pipefail
# shellcheck source=ops/bootstrap/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: bash lab/setup.sh --env <$(known_envs '|')> [--light] [--skip-istio]"
# The switches live in the environment config, because Argo CD renders from git:
# a flag picks a rendered variant of dist/, or is refused; it never changes files.
select_env "$usage" "$@"

require docker kind kubectl helm openssl
# The lab reads this clone's commits (git.localClone): a copy without its .git folder has none to read.
if [[ -n "$LAB_CLONE_FILES" && ! -d "$ROOT/.git" ]]; then
  die 2 "$ENV_NAME syncs the commits of this clone, and $ROOT has no .git folder; run setup.sh from a git clone (not a worktree or an archive), or set git to a remote in config/environments/$ENV_NAME.ts"
fi
require_docker_engine
info "environment $ENV_NAME (light=$LIGHT, skip-istio=$SKIP_ISTIO), cluster $CLUSTER_NAME"

kc() { kubectl --context "$KUBE_CONTEXT" "$@"; }

create_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    echo "    cluster $CLUSTER_NAME exists, left alone"
  else
    # From the clone: kind resolves the config's relative hostPath (the lab's clone mount) against where it runs.
    (cd "$ROOT" && kind create cluster --config "$BOOTSTRAP_DIR/kind.config.yaml" --wait 0s)
  fi
}

apply_lab_clone() {
  local file
  for file in $LAB_CLONE_FILES; do kc apply --filename "$BOOTSTRAP_DIR/$file"; done
}

install_release() { # install_release <release> <namespace> <chart> <repo> <version> <values file>
  if helm status "$1" --namespace "$2" --kube-context "$KUBE_CONTEXT" >/dev/null 2>&1; then
    echo "    release $1 exists, left alone (Argo CD manages it from here)"
  else
    helm install "$1" "$3" --repo "$4" --version "$5" --namespace "$2" --create-namespace \
      --kube-context "$KUBE_CONTEXT" --values "$6" --wait --timeout 10m
  fi
}

wait_for_cilium() {
  kc --namespace "$CILIUM_NAMESPACE" rollout status daemonset/cilium --timeout 10m
  kc wait --for=condition=Ready nodes --all --timeout 5m
}

apply_namespaces() {
  local file
  for file in $NAMESPACE_FILES; do kc apply --filename "$BOOTSTRAP_DIR/$file"; done
}

create_tls_secret() {
  if kc --namespace "$TLS_SECRET_NAMESPACE" get secret "$TLS_SECRET_NAME" >/dev/null 2>&1; then
    echo "    secret $TLS_SECRET_NAMESPACE/$TLS_SECRET_NAME exists, left alone"
    return
  fi
  local dir
  dir=$(mktemp -d)
  # A self-signed wildcard for the lab; production brings its own certificate under the same name.
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=*.$DOMAIN" \
    -addext "subjectAltName=DNS:*.$DOMAIN,DNS:$DOMAIN" -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  kc --namespace "$TLS_SECRET_NAMESPACE" create secret tls "$TLS_SECRET_NAME" --cert "$dir/tls.crt" --key "$dir/tls.key"
  rm -rf "$dir"
}

step "create Kind cluster $CLUSTER_NAME" create_cluster
step "install Cilium $CILIUM_VERSION" install_release "$CILIUM_RELEASE" "$CILIUM_NAMESPACE" "$CILIUM_CHART" "$CILIUM_REPO" "$CILIUM_VERSION" "$BOOTSTRAP_DIR/cilium.values.yaml"
step "wait for Cilium and the nodes" wait_for_cilium
# Grafana's admin login: random, created once, never in git; the chart reads it through admin.existingSecret.
create_grafana_secret() {
  if kc --namespace "$GRAFANA_SECRET_NAMESPACE" get secret "$GRAFANA_SECRET_NAME" >/dev/null 2>&1; then
    echo "    secret $GRAFANA_SECRET_NAMESPACE/$GRAFANA_SECRET_NAME exists, left alone"
    return
  fi
  # The password through stdin, as the receiver's token below: a command line is readable by every user (ps).
  kc --namespace "$GRAFANA_SECRET_NAMESPACE" create secret generic "$GRAFANA_SECRET_NAME" \
    --from-literal=admin-user=admin --from-file=admin-password=/dev/stdin < <(openssl rand -base64 24 | tr -d '\n')
}

# The rollback receiver's bearer token, which Alertmanager sends from this Secret: random, created once, never in git.
create_rollback_receiver_secret() {
  if kc --namespace "$RECEIVER_SECRET_NAMESPACE" get secret "$RECEIVER_SECRET_NAME" >/dev/null 2>&1; then
    echo "    secret $RECEIVER_SECRET_NAMESPACE/$RECEIVER_SECRET_NAME exists, left alone"
    return
  fi
  # Through stdin, not an argument: a command line is readable by every user of the machine (ps). Fed by a process
  # substitution, not a pipe, so the step's status is kubectl's alone: with pipefail, a kubectl that exits before it
  # reads (a refusal) would otherwise report openssl's SIGPIPE (141) instead of its own answer.
  kc --namespace "$RECEIVER_SECRET_NAMESPACE" create secret generic "$RECEIVER_SECRET_NAME" --from-file=token=/dev/stdin < <(openssl rand -hex 32 | tr -d '\n')
}

step "create the namespaces of the bootstrap secrets" apply_namespaces
step "create the lab TLS secret $TLS_SECRET_NAMESPACE/$TLS_SECRET_NAME" create_tls_secret
step "create the Grafana admin secret $GRAFANA_SECRET_NAMESPACE/$GRAFANA_SECRET_NAME" create_grafana_secret
if [[ -n "$RECEIVER_SECRET_NAME" ]]; then
  step "create the rollback receiver's token $RECEIVER_SECRET_NAMESPACE/$RECEIVER_SECRET_NAME" create_rollback_receiver_secret
fi
if [[ -n "$LAB_CLONE_FILES" ]]; then
  step "mount this clone for Argo CD's repo-server ($REPO_URL)" apply_lab_clone
fi
step "install Argo CD (chart $ARGOCD_VERSION)" install_release "$ARGOCD_RELEASE" "$ARGOCD_NAMESPACE" "$ARGOCD_CHART" "$ARGOCD_REPO" "$ARGOCD_VERSION" "$BOOTSTRAP_DIR/argocd.values.yaml"
step "apply the root project and Application $ROOT_APPLICATION" kc apply --filename "$BOOTSTRAP_DIR/$ROOT_PROJECT_FILE" --filename "$BOOTSTRAP_DIR/$ROOT_APPLICATION_FILE"

if [[ "$ARGOCD_ADMIN" == true ]]; then
  argocd_login="admin / kubectl --context $KUBE_CONTEXT -n $ARGOCD_NAMESPACE get secret argocd-initial-admin-secret -o jsonpath=\"{.data.password}\" | base64 -d"
else
  argocd_login="SSO (the local admin is disabled; configure dex.config or oidc.config in argocd-cm)"
fi
receiver_line=""
if [[ -n "$RECEIVER_SECRET_NAME" ]]; then
  receiver_line="Automatic rollback (seed 10-3), in this clone: npm run rollback-receiver -- --env $ENV_NAME --listen $RECEIVER_LISTEN --token-file <(kubectl --context $KUBE_CONTEXT -n $RECEIVER_SECRET_NAMESPACE get secret $RECEIVER_SECRET_NAME -o jsonpath='{.data.token}' | base64 -d)"
fi
hubble_line=""
manager_line=""
if [[ "$HUBBLE_PUBLISHED" == true ]]; then
  hubble_line="  Hubble UI  $UI_SCHEME://hubble.$DOMAIN    none"
  manager_line="  Kong Manager  http://$HOST_ADDRESS:$KONG_MANAGER_PORT    none (admin only, no route)"
fi

if [[ -n "$LAB_CLONE_FILES" ]]; then
  source_line="Argo CD syncs the commits of this clone ($ROOT, checked-out branch): edit, npm run synth, git commit; no push."
else
  source_line="Argo CD syncs $REPO_URL: edit, npm run synth, commit and push."
fi

cat <<TABLE

$source_line
Argo CD now brings up the rest in sync-wave order. Watch it:
  kubectl --context $KUBE_CONTEXT -n $ARGOCD_NAMESPACE get applications -w

Add the lab hosts once (this lab listens on $HOST_ADDRESS, so it runs beside the others):
  echo "$HOST_ADDRESS $HOSTS" | sudo tee -a /etc/hosts

  service    URL                              login
  Demo API   $UI_SCHEME://api.$DOMAIN       none
  Grafana    $UI_SCHEME://grafana.$DOMAIN   admin / kubectl --context $KUBE_CONTEXT -n $GRAFANA_SECRET_NAMESPACE get secret $GRAFANA_SECRET_NAME -o jsonpath="{.data.admin-password}" | base64 -d
  Argo CD    $UI_SCHEME://argocd.$DOMAIN    $argocd_login
$hubble_line
$manager_line

Check it: bash lab/verify-all.sh --env $ENV_NAME
$receiver_line
TABLE
# The seed's exercises use these too; none is needed to bring the lab up.
# shellcheck disable=SC2086 # a list of names
recommend $EXERCISE_TOOLS
