#!/usr/bin/env bash
# Build the cluster harness binaries from Go modules and cache them, keyed by version.
#
#   bash tests/cluster/build.sh            # everything (the order below)
#   bash tests/cluster/build.sh kubectl helm linkerd-edge   # only those components
#
# Components (wrapper modules in tests/cluster/modules/, each with a committed go.sum):
#   kubectl, helm, linkerd-edge            the clients the other helpers need first
#   etcd, kwok (kwok + kwokctl)            the simulated cluster
#   kube-server (kube-apiserver, kube-controller-manager, kube-scheduler)
#   linkerd-stable                         the seed profile's stable-2.14.10 (opt-in:
#                                          MESHLAB_CLUSTER_STABLE=1, or name it)
# Versions: Kubernetes and helm come from the default profile (meshlab_profiles.default in the
# role defaults); the script stops if a wrapper module pins a different one. Every binary reports
# its real version (ldflags as upstream's release builds set them).
#
# Cache: ${MESHLAB_CLUSTER_CACHE:-$MESHLAB_WORK/cluster}
#   bin/<name>-<version>   the binaries (linkerd as linkerd-<release>)
#   bin.env                shell assignments of their paths and versions (rewritten after each
#                          component, so users can start before the whole build is done)
#   build-times.txt        one line per component and run: built/cached, wall and CPU seconds
#   go/mod, go/cache       GOMODCACHE and GOCACHE (a clean cache directory means a cold build)
# A warm run builds nothing: it only checks that the cached binaries exist ("cached").
# Parallel runs on one cache are safe: each component is built under its own lock.
#
# Go: the modules ask for Go 1.23 to 1.26; GOTOOLCHAIN=auto lets any Go >= 1.21 download the
# toolchain they need through the Go module proxy (GOPROXY default). On a Debian 12 machine
# without `go`, this script installs `golang` from bookworm-backports (adding the backports apt
# source as /etc/apt/sources.list.d/meshlab-backports.sources, deb822, only if no source lists
# bookworm-backports yet). Needs sudo or root for that step only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${MESHLAB_WORK:-/var/tmp/meshlab-ci}
CACHE=${MESHLAB_CLUSTER_CACHE:-$WORK/cluster}
BIN=$CACHE/bin
MODULES=$HERE/modules

die() { echo "build.sh: $*" >&2; exit 1; }
log() { echo "build.sh: $*"; }

# ---- versions ------------------------------------------------------------------------------
# profile_value KEY: meshlab_profiles.default.KEY from the role defaults (common or artifact).
profile_value() {
  local f
  for f in "$REPO/roles/common/defaults/main.yml" "$REPO/roles/artifact/defaults/main.yml"; do
    if [[ ! -f $f ]] || ! grep -q '^meshlab_profiles:' "$f"; then continue; fi
    awk -v key="$1" '
      /^meshlab_profiles:/ {p = 1; next}
      p && /^[^ #]/ {exit}
      p && /^  default:/ {d = 1; next}
      p && d && /^  [^ ]/ {exit}
      p && d && $1 == key ":" {print $2; exit}' "$f"
    return
  done
}
K8S_VERSION=$(profile_value kubernetes)
HELM_VERSION=$(profile_value helm)
[[ $K8S_VERSION =~ ^v1\.[0-9]+\.[0-9]+$ ]] || die "cannot read meshlab_profiles.default.kubernetes (got '$K8S_VERSION')"
[[ $HELM_VERSION =~ ^v3\.[0-9]+\.[0-9]+$ ]] || die "cannot read meshlab_profiles.default.helm (got '$HELM_VERSION')"
K8S_COMMIT=59526cd4867447956156ae3a602fcbac10a2c335 # v1.32.4 (kubernetes/kubernetes tag)
# The default profile's edge-26.8.3 is not on the Go module proxy (proxy.golang.org answers 403
# "not available" for every edge after edge-26.1.1); edge-26.1.1 is the newest edge it serves.
LINKERD_EDGE_VERSION=edge-26.1.1
LINKERD_STABLE_VERSION=stable-2.14.10
ETCD_VERSION=v3.5.35
KWOK_VERSION=v0.8.0

# pinned MODULE_DIR MODULE: the version the wrapper go.mod requires.
pinned() {
  awk -v m="$2" '$1 == "require" && $2 == m {print $3; exit}
    $1 == m && $2 == "=>" {print $4; exit}
    $1 == m {print $2; exit}' "$MODULES/$1/go.mod"
}
check_pin() { # DIR MODULE WANT
  local got; got=$(pinned "$1" "$2")
  [[ $got == "$3" ]] || die "tests/cluster/modules/$1/go.mod pins $2 $got, expected $3: update the wrapper (go get $2@$3 && go mod tidy) or the profile"
}
check_pin kubernetes k8s.io/kubernetes "$K8S_VERSION"
check_pin kubernetes k8s.io/api "v0.${K8S_VERSION#v1.}"
check_pin helm helm.sh/helm/v3 "$HELM_VERSION"
check_pin etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin kwok sigs.k8s.io/kwok "$KWOK_VERSION"
[[ $K8S_VERSION == v1.32.4 ]] || die "K8S_COMMIT in build.sh is the commit of v1.32.4: set the one of $K8S_VERSION"

# ---- Go ----------------------------------------------------------------------------------
ensure_go() {
  command -v go >/dev/null && return
  local sudo=""
  [[ $(id -u) == 0 ]] || sudo=sudo
  # shellcheck disable=SC1091
  . /etc/os-release
  if [[ ${VERSION_CODENAME:-} == bookworm ]]; then
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      log "adding bookworm-backports (/etc/apt/sources.list.d/meshlab-backports.sources)"
      printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
        $sudo tee /etc/apt/sources.list.d/meshlab-backports.sources >/dev/null
    fi
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports golang-go ca-certificates
  else
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go ca-certificates
  fi
  command -v go >/dev/null || die "no go after installing golang-go"
}

mkdir -p "$BIN" "$CACHE/go/mod" "$CACHE/go/cache" "$CACHE/go/path"

export GOMODCACHE=$CACHE/go/mod GOCACHE=$CACHE/go/cache GOPATH=$CACHE/go/path
export GOTOOLCHAIN=auto GOFLAGS=-mod=readonly CGO_ENABLED=0 GOOS=linux
export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
export GOENV=off # ignore a user go.env (e.g. GOTOOLCHAIN=local)
JOBS=${MESHLAB_CLUSTER_JOBS:-2}
# "cold" in build-times.txt: this run started with an empty GOCACHE
GOCACHE_STATE=warm
[[ -n $(find "$GOCACHE" -mindepth 1 -maxdepth 1 -type d -print -quit) ]] || GOCACHE_STATE=cold

# ---- bin.env -------------------------------------------------------------------------------
write_env() {
  local tmp=$CACHE/.bin.env.$$ n v envfd
  exec {envfd}>"$CACHE/bin.env.lock"
  flock "$envfd"
  {
    echo "# written by tests/cluster/build.sh; paths of the cached harness binaries"
    echo "K8S_VERSION=$K8S_VERSION"
    echo "HELM_VERSION=$HELM_VERSION"
    echo "LINKERD_VERSION=$LINKERD_EDGE_VERSION"
    echo "LINKERD_STABLE_VERSION=$LINKERD_STABLE_VERSION"
    echo "ETCD_VERSION=$ETCD_VERSION"
    echo "KWOK_VERSION=$KWOK_VERSION"
    for n in KUBECTL:kubectl-$K8S_VERSION HELM:helm-$HELM_VERSION \
      LINKERD_EDGE:linkerd-$LINKERD_EDGE_VERSION LINKERD_STABLE:linkerd-$LINKERD_STABLE_VERSION \
      ETCD:etcd-$ETCD_VERSION KWOK:kwok-$KWOK_VERSION KWOKCTL:kwokctl-$KWOK_VERSION \
      KUBE_APISERVER:kube-apiserver-$K8S_VERSION \
      KUBE_CONTROLLER_MANAGER:kube-controller-manager-$K8S_VERSION \
      KUBE_SCHEDULER:kube-scheduler-$K8S_VERSION; do
      v=$BIN/${n#*:}
      [[ -x $v ]] && echo "${n%%:*}=$v"
    done
    [[ -x $BIN/linkerd-$LINKERD_EDGE_VERSION ]] && echo "LINKERD=$BIN/linkerd-$LINKERD_EDGE_VERSION"
  } >"$tmp"
  mv "$tmp" "$CACHE/bin.env"
  exec {envfd}>&-
}

# ---- one component -------------------------------------------------------------------------
# build NAME MODULE_DIR LDFLAGS OUT=PKG...: go build every PKG in one invocation (shared compile
# work), install as $BIN/OUT; skip when every OUT exists.
build() {
  local name=$1 dir=$2 ldflags=$3 start missing=0 spec out pkg tmp cold cpu b
  shift 3
  # one build of a component at a time per cache (helpers share it); a second caller waits,
  # then finds it cached. Different components build in parallel.
  local lockfd
  exec {lockfd}>"$CACHE/build-$name.lock"
  flock "$lockfd"
  start=$(date +%s)
  for spec; do [[ -x $BIN/${spec%%=*} ]] || missing=1; done
  if [[ $missing == 0 ]]; then
    log "$name: cached"
    echo "$(date -u +%FT%TZ) $name cached $(($(date +%s) - start))s" >>"$CACHE/build-times.txt"
    exec {lockfd}>&-
    return
  fi
  cold=$GOCACHE_STATE
  tmp=$BIN/.tmp-$name-$$
  rm -rf "$tmp" && mkdir -p "$tmp"
  local pkgs=()
  for spec; do pkgs+=("${spec#*=}"); done
  log "$name: building ${pkgs[*]} (go cache $cold)"
  local rc=0 TIMEFORMAT='%U %S'
  { time (cd "$MODULES/$dir" && go build -p "$JOBS" -gcflags=all=-dwarf=false -ldflags "-s -w $ldflags" -o "$tmp/" "${pkgs[@]}" \
    >"$CACHE/build-$name.log" 2>&1); } 2>"$tmp.cpu" || rc=$?
  cpu=$(awk '{printf "%d", $1 + $2}' "$tmp.cpu")
  rm -f "$tmp.cpu"
  if [[ $rc != 0 ]]; then
    tail -30 "$CACHE/build-$name.log" >&2
    rm -rf "$tmp"
    echo "$(date -u +%FT%TZ) $name FAILED $(($(date +%s) - start))s" >>"$CACHE/build-times.txt"
    exec {lockfd}>&-
    die "$name: go build failed (log: $CACHE/build-$name.log)"
  fi
  for spec; do
    out=${spec%%=*} pkg=${spec#*=}
    # go build names a binary after the last path element, a major version suffix (/v3) skipped
    b=$(basename "$pkg")
    [[ $b =~ ^v[0-9]+$ ]] && b=$(basename "$(dirname "$pkg")")
    mv "$tmp/$b" "$BIN/$out"
  done
  rm -rf "$tmp"
  echo "$(date -u +%FT%TZ) $name built($cold) $(($(date +%s) - start))s cpu=${cpu}s load=$(cut -d' ' -f1 /proc/loadavg)" >>"$CACHE/build-times.txt"
  log "$name: built in $(($(date +%s) - start))s (${cpu}s CPU)"
  write_env
  exec {lockfd}>&-
}

k8s_ldflags() {
  local p f="" minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    f+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    f+=" -X $p.gitCommit=$K8S_COMMIT -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  echo "$f"
}

helm_ldflags() {
  # as helm's Makefile: its version, commit, and the Kubernetes version of its client-go (+1 major)
  local cg major minor v=internal/version
  cg=$(cd "$MODULES/helm" && go list -m -f '{{.Version}}' k8s.io/client-go)
  cg=${cg#v}
  major=$((${cg%%.*} + 1)) minor=${cg#*.}
  minor=${minor%%.*}
  echo "-X helm.sh/helm/v3/$v.version=$HELM_VERSION -X helm.sh/helm/v3/$v.gitCommit=$HELM_COMMIT" \
    "-X helm.sh/helm/v3/$v.gitTreeState=clean" \
    "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$major -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor" \
    "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$major -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
}
HELM_COMMIT=e0878d41b711792be60777fd65ad23a101e6b85f # v3.21.0 (module proxy Origin.Hash)
[[ $HELM_VERSION == v3.21.0 ]] || die "HELM_COMMIT in build.sh is the commit of v3.21.0: set the one of $HELM_VERSION"

component() {
  case $1 in
  kubectl)
    build kubectl kubernetes "$(k8s_ldflags)" "kubectl-$K8S_VERSION=k8s.io/kubernetes/cmd/kubectl" ;;
  helm)
    build helm helm "$(helm_ldflags)" "helm-$HELM_VERSION=helm.sh/helm/v3/cmd/helm" ;;
  linkerd-edge)
    build linkerd-edge linkerd-edge "-X github.com/linkerd/linkerd2/pkg/version.Version=$LINKERD_EDGE_VERSION" \
      "linkerd-$LINKERD_EDGE_VERSION=github.com/linkerd/linkerd2/cli" ;;
  etcd)
    build etcd etcd "" "etcd-$ETCD_VERSION=go.etcd.io/etcd/server/v3" ;;
  kwok)
    build kwok kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
      "kwok-$KWOK_VERSION=sigs.k8s.io/kwok/cmd/kwok" "kwokctl-$KWOK_VERSION=sigs.k8s.io/kwok/cmd/kwokctl" ;;
  kube-server)
    build kube-server kubernetes "$(k8s_ldflags)" \
      "kube-apiserver-$K8S_VERSION=k8s.io/kubernetes/cmd/kube-apiserver" \
      "kube-controller-manager-$K8S_VERSION=k8s.io/kubernetes/cmd/kube-controller-manager" \
      "kube-scheduler-$K8S_VERSION=k8s.io/kubernetes/cmd/kube-scheduler" ;;
  linkerd-stable)
    # no -trimpath: without the `prod` tag the CLI reads its charts at run time from the
    # module source in GOMODCACHE (vfsgen), which must therefore stay in place.
    # sum.golang.org has no record of this pseudo-version (404); go.sum pins it.
    GONOSUMDB=github.com/linkerd/linkerd2 \
      build linkerd-stable linkerd-stable "-X github.com/linkerd/linkerd2/pkg/version.Version=$LINKERD_STABLE_VERSION" \
      "linkerd-$LINKERD_STABLE_VERSION=github.com/linkerd/linkerd2/cli" ;;
  *) die "unknown component $1 (kubectl helm linkerd-edge etcd kwok kube-server linkerd-stable)" ;;
  esac
}

ensure_go
if [[ $# == 0 ]]; then
  set -- kubectl helm linkerd-edge etcd kwok kube-server
  [[ ${MESHLAB_CLUSTER_STABLE:-0} == 0 ]] || set -- "$@" linkerd-stable
fi
total=$(date +%s)
write_env
for c; do component "$c"; done
write_env
log "done in $(($(date +%s) - total))s; paths in $CACHE/bin.env"
