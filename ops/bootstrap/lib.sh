# shellcheck shell=bash
# Shared by setup.sh, verify.sh and teardown.sh: argument parsing, the
# rendered bootstrap.env, and one-line errors. No versions or names live
# here; they come from dist/<env>/bootstrap/bootstrap.env (npm run synth).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

die() { # die <exit code> <message>
  echo "error: $2" >&2
  exit "$1"
}

info() { echo "==> $*"; }

# parse_args <usage> "<extra flags allowed>" "$@": sets ENV_ARG, and FLAGS to the extra flags given.
# shellcheck disable=SC2034 # ENV_ARG is read by the scripts that source this file
parse_args() {
  local usage=$1 allowed=" $2 "
  shift 2
  ENV_ARG=""
  FLAGS=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --env)
        [[ $# -ge 2 ]] || die 2 "--env needs a value; $usage"
        ENV_ARG=$2
        shift 2
        ;;
      --env=*) ENV_ARG=${1#--env=}; shift ;;
      -h | --help) echo "$usage"; exit 0 ;;
      *)
        [[ "$allowed" == *" $1 "* ]] || die 2 "unknown argument '$1'; $usage"
        FLAGS+=("$1")
        shift
        ;;
    esac
  done
}

# has_flag <flag>: whether parse_args saw it.
has_flag() { [[ " ${FLAGS[*]} " == *" $1 "* ]]; }

# known_envs <separator>: the environments rendered into dist/, the registry as synth wrote it.
known_envs() {
  local dir
  for dir in "$ROOT"/dist/*/; do
    # An if, not `&&`: a last folder without bootstrap.env must not fail the pipeline (pipefail) and end the script in silence.
    if [[ -f "$dir/bootstrap/bootstrap.env" ]]; then basename "$dir"; fi
  done | LC_ALL=C sort | paste -sd "$1" -
}

# load_env <env>: checks the name and sources its rendered bootstrap.env.
load_env() {
  local env=$1 known
  known=$(known_envs ' ')
  [[ -n "$env" ]] || die 2 "missing --env; use --env with one of: ${known:-none (run npm run synth first)}"
  BOOTSTRAP_DIR="$ROOT/dist/$env/bootstrap"
  if [[ "$env" =~ ^[a-z0-9-]+$ && -d "$ROOT/dist/$env" && ! -f "$BOOTSTRAP_DIR/bootstrap.env" ]]; then
    die 2 "dist/$env has no bootstrap/bootstrap.env (an old or partial render); run npm run synth, then run this again"
  fi
  if [[ ! "$env" =~ ^[a-z0-9-]+$ || ! -f "$BOOTSTRAP_DIR/bootstrap.env" ]]; then
    die 2 "unknown environment '$env'; use --env with one of: ${known:-none (run npm run synth first)}"
  fi
  # shellcheck source=/dev/null
  source "$BOOTSTRAP_DIR/bootstrap.env"
}

# select_env <usage> "$@": --env with --light and --skip-istio, as setup.sh takes them. Loads the
# rendered folder of dist/ they name (--skip-istio: the variant of the environment without Istio), or
# stops with one line. The flags pick a folder, never change files: Argo CD renders from git.
# With --env omitted and ENV_FROM_CONTEXT=1, the lab of the current kubectl context.
select_env() {
  local usage=$1
  shift
  parse_args "$usage" "--light --skip-istio" "$@"
  if [[ -z "$ENV_ARG" && "${ENV_FROM_CONTEXT:-}" == 1 ]]; then
    ENV_ARG=$(env_of_current_context) || exit $?
  fi
  load_env "$ENV_ARG"
  if has_flag --skip-istio && [[ "$SKIP_ISTIO" != true ]]; then
    [[ -n "$SKIP_ISTIO_ENV" ]] || die 2 "--skip-istio: $ENV_NAME has no variant without Istio; add one with variantOf: '$ENV_NAME' in config/environments/, or run without --skip-istio"
    load_env "$SKIP_ISTIO_ENV"
  fi
  if has_flag --light && [[ "$LIGHT" != true ]]; then
    die 2 "--light asks for features.light, but dist/$ENV_NAME was rendered without it; set features.light: true in config/environments/$ENV_NAME.ts, run npm run synth, commit and push"
  fi
}

# env_of_current_context: the environment whose Kind cluster is kubectl's current context (kind-lab-<env>).
env_of_current_context() {
  local context env file_context contexts="" known
  known=$(known_envs ' ')
  command -v kubectl >/dev/null 2>&1 || die 2 "missing --env, and kubectl is not installed to read the current context; use --env with one of: $known"
  context=$(kubectl config current-context 2>/dev/null) || die 2 "missing --env, and kubectl has no current context; use --env with one of: $known"
  for env in $known; do
    file_context=$(sed -n "s/^KUBE_CONTEXT='\\(.*\\)'$/\\1/p" "$ROOT/dist/$env/bootstrap/bootstrap.env")
    contexts+="${contexts:+, }$file_context"
    if [[ "$file_context" == "$context" ]]; then
      echo "$env"
      return 0
    fi
  done
  die 2 "missing --env, and the current kubectl context '$context' is none of the labs' ($contexts); use --env with one of: $known"
}

# version_of <tool>: the first x.y.z in the tool's own version output.
version_of() {
  local out
  case $1 in
    docker) out=$(docker version --format '{{.Client.Version}}' 2>/dev/null || docker --version 2>/dev/null) ;;
    kind) out=$(kind version 2>/dev/null) ;;
    kubectl) out=$(kubectl version --client 2>/dev/null) ;;
    helm) out=$(helm version --short 2>/dev/null) ;;
    openssl) out=$(openssl version 2>/dev/null) ;;
  esac
  grep -oE '[0-9]+\.[0-9]+\.[0-9]+' <<<"$out" | head -n1
}

# require <tool>...: each must be on PATH at its MIN_<TOOL> version or newer.
require() {
  local tool upper min install have
  for tool in "$@"; do
    upper=$(tr '[:lower:]' '[:upper:]' <<<"$tool")
    min="MIN_$upper" install="INSTALL_$upper"
    command -v "$tool" >/dev/null 2>&1 || die 1 "$tool is not installed; install $tool >= ${!min} (${!install})"
    have=$(version_of "$tool")
    [[ -n "$have" ]] || die 1 "cannot read the version of $tool; install $tool >= ${!min} (${!install})"
    if [[ "$(printf '%s\n%s\n' "${!min}" "$have" | sort -V | head -n1)" != "${!min}" ]]; then
      die 1 "$tool $have is too old; install $tool >= ${!min} (${!install})"
    fi
  done
}

# recommend <tool>...: one line for each tool that the seed's exercises use and this machine lacks (none is needed to set up).
recommend() {
  local tool upper used install
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 && continue
    upper=$(tr '[:lower:]' '[:upper:]' <<<"$tool")
    used="USED_BY_$upper" install="INSTALL_$upper"
    echo "    note: $tool is not installed; ${!used} use it: install it from ${!install}"
  done
}

# require_docker_engine: kind needs a running engine, not only the client; found here, before anything is created.
require_docker_engine() {
  docker info >/dev/null 2>&1 || die 1 "the Docker engine is not running (docker info failed); start Docker, check that this user may use it (docker info), and run again"
}

# step <description> <command...>: runs one step, or stops with its name.
step() {
  local description=$1
  shift
  info "$description"
  # Not `"$@" || die`: bash turns errexit off inside anything tested by ||, so a
  # failing command in the middle of a step would go unnoticed. A subshell with
  # errexit on, whose status is read afterwards, stops at the first failure.
  local status=0
  set +e
  (
    set -e
    "$@"
  )
  status=$?
  set -e
  [[ $status -eq 0 ]] || die 1 "step '$description' failed (exit $status); fix the cause and run the same command again, finished steps are skipped"
}
