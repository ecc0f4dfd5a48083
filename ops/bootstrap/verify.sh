#!/usr/bin/env bash
# Checks a running environment, as the seed's verify-all.sh did. Prints one
# line per check and exits with the number of failed checks (0 = all good).
#
#   bash lab/verify-all.sh [--env dev] [--light] [--skip-istio]   (without --env: the lab of kubectl's current context)
set -uo pipefail
# shellcheck source=ops/bootstrap/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: bash lab/verify-all.sh [--env <$(known_envs '|')>] [--light] [--skip-istio]"
ENV_FROM_CONTEXT=1 select_env "$usage" "$@"
require kubectl
command -v curl >/dev/null 2>&1 || die 1 "curl is not installed; install curl to check the demo API through Kong"

failed=0
check() { # check <description> <command...>
  local description=$1
  shift
  if "$@" >/dev/null 2>&1; then
    printf 'ok    %s\n' "$description"
  else
    printf 'FAIL  %s\n' "$description"
    failed=$((failed + 1))
  fi
}
check_equal() { # check_equal <description> <actual> <expected>
  if [[ "$2" == "$3" ]]; then
    printf 'ok    %s\n' "$1"
  else
    printf 'FAIL  %s (got %s, want %s)\n' "$1" "${2:-nothing}" "$3"
    failed=$((failed + 1))
  fi
}
kc() { kubectl --context "$KUBE_CONTEXT" "$@"; }

for ns in $VERIFY_NAMESPACES; do
  check "pods ready in $ns" kc wait pods --all --namespace "$ns" --field-selector=status.phase!=Succeeded --for=condition=Ready --timeout=60s
done
check "Cilium KubeProxyReplacement is True" bash -c "kubectl --context '$KUBE_CONTEXT' -n '$CILIUM_NAMESPACE' exec ds/cilium -- cilium-dbg status | grep -q 'KubeProxyReplacement:[[:space:]]*True'"
check_equal "Gateway $GATEWAY is Programmed" "$(kc -n "${GATEWAY%%/*}" get gateway "${GATEWAY##*/}" -o jsonpath='{.status.conditions[?(@.type=="Programmed")].status}')" True
for route in $HTTPROUTES; do
  check_equal "HTTPRoute $route is Accepted" "$(kc -n "${route%%/*}" get httproute "${route##*/}" -o jsonpath='{.status.parents[0].conditions[?(@.type=="Accepted")].status}')" True
done
for constraint in $CONSTRAINTS; do
  check "Constraint $constraint is present" kc get "$constraint"
done
if [[ "$SKIP_ISTIO" != true ]]; then
  check_equal "PeerAuthentication $ISTIO_NAMESPACE/default is STRICT" "$(kc -n "$ISTIO_NAMESPACE" get peerauthentication default -o jsonpath='{.spec.mtls.mode}')" STRICT
fi
# --resolve keeps the TLS server name (SNI) right without touching /etc/hosts; -k: the lab certificate is self-signed.
check_equal "demo API answers through Kong ($UI_SCHEME://api.$DOMAIN/status/200)" "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 --resolve "api.$DOMAIN:80:$HOST_ADDRESS" --resolve "api.$DOMAIN:443:$HOST_ADDRESS" "$UI_SCHEME://api.$DOMAIN/status/200")" 200
if [[ "$UI_SCHEME" == https ]]; then
  check_equal "plain HTTP redirects to HTTPS (http://api.$DOMAIN/)" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --resolve "api.$DOMAIN:80:$HOST_ADDRESS" "http://api.$DOMAIN/")" 301
fi

if [[ $failed -eq 0 ]]; then
  echo "verify: all checks passed"
else
  echo "verify: $failed check(s) failed" >&2
fi
exit "$failed"
