#!/usr/bin/env bash
# Provides the pinned external tools the tests run, built from the Go module
# proxy into .tools/bin (git-ignored). A tool already on PATH at the pinned
# version is used as it is. Prints one "name=path" line per tool.
#
#   scripts/tools.sh            # every tool
#   scripts/tools.sh gator      # just one
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.tools/bin"

# name|go package|pinned version|version command|text its output must contain
# gator: the seed pins Gatekeeper 3.21.1, but the module proxy serves only v3.17.0
# and v3.23.1 of gatekeeper/v3; v3.23.1 is the nearest that builds.
TOOLS=(
  "gator|github.com/open-policy-agent/gatekeeper/v3/cmd/gator|v3.23.1|version|GitVersion:    v3.23.1"
  "kubeconform|github.com/yannh/kubeconform/cmd/kubeconform|v0.7.0|-v|v0.7.0"
  "kube-score|github.com/zegl/kube-score/cmd/kube-score|v1.20.0|version|kube-score version: 1.20.0"
  "promtool|github.com/prometheus/prometheus/cmd/promtool|v0.316.0|--version|promtool, version 3.16.0"
  "amtool|github.com/prometheus/alertmanager/cmd/amtool|v0.30.1|--version|amtool, version 0.30.1"
  "shellcheck|deb:shellcheck|0.9.0-1|--version|version: 0.9.0"
  # The seed's collector release, built with exactly the components our config uses.
  "otelcol-lab|ocb:go.opentelemetry.io/collector/cmd/builder|0.146.1|--version|otelcol-lab version 0.146.1"
)

# A slim OpenTelemetry Collector: the builder generates the sources from the
# manifest TypeScript derives from our config; `go build -mod=mod` then fetches
# only what the build imports (`go mod tidy` would also want test-only modules
# that the proxy does not serve for this release).
build_collector() {
  local name=$1 builder_module=$2 version=$3 stamp=$4 src="$ROOT/.tools/otelcol"
  GOBIN="$BIN" GOFLAGS=-mod=mod go install "$builder_module@v$version" >"$BIN/$name.build.log" 2>&1 ||
    { echo "tools: building the collector builder v$version failed; see .tools/bin/$name.build.log" >&2; exit 1; }
  rm -rf "$src"
  mkdir -p "$src"
  node "$ROOT/scripts/run-ts.js" "$ROOT/scripts/collector-manifest.ts" "$src/sources" >"$src/manifest.yaml"
  if ! "$BIN/builder" --config "$src/manifest.yaml" --skip-get-modules --skip-compilation >>"$BIN/$name.build.log" 2>&1 ||
    ! (cd "$src/sources" && GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$BIN/$name" .) >>"$BIN/$name.build.log" 2>&1; then
    echo "tools: building $name $version failed; see .tools/bin/$name.build.log" >&2
    exit 1
  fi
  echo "$stamp" >"$BIN/$name.version"
}

# A Debian package, unpacked into .tools (no system install, no root needed
# unless the package lists are missing).
install_deb() {
  local name=$1 package=$2 version=$3 work
  command -v apt-get >/dev/null 2>&1 || { echo "tools: $name $version comes from Debian's packages; install $name $version yourself (no apt-get here)" >&2; exit 1; }
  work=$(mktemp -d)
  chmod 777 "$work"
  if ! (cd "$work" && apt-get download "$package=$version" >/dev/null 2>&1); then
    if [[ $(id -u) -eq 0 ]]; then apt-get update -qq >/dev/null 2>&1 || true; fi
    (cd "$work" && apt-get download "$package=$version" >/dev/null 2>&1) ||
      { echo "tools: cannot download Debian package $package=$version; run apt-get update, or install $name $version yourself" >&2; exit 1; }
  fi
  rm -rf "$ROOT/.tools/deb/$name"
  mkdir -p "$ROOT/.tools/deb/$name" "$BIN"
  dpkg-deb -x "$work"/*.deb "$ROOT/.tools/deb/$name"
  ln -sf "$ROOT/.tools/deb/$name/usr/bin/$name" "$BIN/$name"
  rm -rf "$work"
}

find_tool() {
  local name=$1 package=$2 version=$3 vcmd=$4 expect=$5 found
  if found=$(command -v "$name" 2>/dev/null) && [[ "$found" != "$BIN/$name" ]] && "$found" "$vcmd" 2>&1 | grep -qF -- "$expect"; then
    echo "$found"
    return
  fi
  local stamp=$version
  if [[ "$package" == ocb:* ]]; then
    # Rebuild when the set of components changes, not only the version.
    stamp="$version+$(node "$ROOT/scripts/run-ts.js" "$ROOT/scripts/collector-manifest.ts" "$ROOT/.tools/otelcol/sources" | sha256sum | cut -c1-12)"
  fi
  if [[ -x "$BIN/$name" && "$(cat "$BIN/$name.version" 2>/dev/null)" == "$stamp" ]]; then
    echo "$BIN/$name"
    return
  fi
  if [[ "$package" == deb:* ]]; then
    echo "tools: unpacking $name $version from Debian's packages into .tools" >&2
    install_deb "$name" "${package#deb:}" "$version"
    echo "$version" >"$BIN/$name.version"
    echo "$BIN/$name"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "tools: Go is not installed; install Go 1.25 or newer (https://go.dev/dl/) so $name $version can be built, or put $name $version on PATH" >&2
    exit 1
  fi
  mkdir -p "$BIN"
  echo "tools: building $name $version from the Go module proxy (one time, cached in .tools/bin)" >&2
  local start=$SECONDS
  if [[ "$package" == ocb:* ]]; then
    build_collector "$name" "${package#ocb:}" "$version" "$stamp"
    echo "tools: built $name $version in $((SECONDS - start))s" >&2
    echo "$BIN/$name"
    return
  fi
  if ! GOBIN="$BIN" GOFLAGS=-mod=mod go install "$package@$version" >"$BIN/$name.build.log" 2>&1; then
    echo "tools: building $name $version failed; see .tools/bin/$name.build.log" >&2
    exit 1
  fi
  echo "$version" >"$BIN/$name.version"
  echo "tools: built $name $version in $((SECONDS - start))s" >&2
  echo "$BIN/$name"
}

wanted=("$@")
known=" "
for entry in "${TOOLS[@]}"; do known+="${entry%%|*} "; done
for name in "${wanted[@]}"; do
  if [[ "$known" != *" $name "* ]]; then
    echo "tools: unknown tool '$name'; known:$known" >&2
    exit 2
  fi
done

for entry in "${TOOLS[@]}"; do
  IFS='|' read -r name package version vcmd expect <<<"$entry"
  if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ \ $name\  ]]; then continue; fi
  # A failed build or a missing Go exits inside the substitution; stop here too.
  path=$(find_tool "$name" "$package" "$version" "$vcmd" "$expect") || exit 1
  echo "$name=$path"
done
