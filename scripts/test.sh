#!/usr/bin/env bash
# Command 2 of the README: set up everything the tests need, run all of them, print a summary.
# Works offline except for PyPI and the Debian mirror. Caches (venv, collections, images) live in
# MESHLAB_WORK (default /var/tmp/meshlab-ci) and in Docker's image store; a warm rerun skips them.
#   scripts/test.sh                 everything
#   MESHLAB_SCENARIOS="docker" scripts/test.sh    only these molecule scenarios ("site check": the opt-in ones)
#   MESHLAB_MOLECULE_JOBS=2 scripts/test.sh       two scenarios at once (default 1: on 2 cores that is no faster)
#   MESHLAB_CLUSTER_BUILD=0 scripts/test.sh       skip the real-API harness (tests/cluster) and its role tests
#   MESHLAB_CLUSTER_STABLE=1 scripts/test.sh      also build linkerd stable-2.14.10 and run the role tests on that line too
#   MESHLAB_API_TESTS="mesh" scripts/test.sh     only these real-API role tests (default: mesh policy resilience)
set -uo pipefail
# shellcheck source=scripts/toolchain.sh
. "$(dirname "$0")/toolchain.sh"
WORK=${MESHLAB_WORK:-/var/tmp/meshlab-ci}
export MESHLAB_WORK=$WORK
LOGS="$WORK/logs"
VENV="$WORK/venv"
COLL="$WORK/collections"
TREE="$COLL/ansible_collections/meshlab/linkerd"
STATIC="$WORK/static"
STREE="$STATIC/ansible_collections/meshlab/linkerd"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log "$LOGS"/*.rc

names=() results=() secs=()
failed=0
T0=$SECONDS

logfile() { echo "$LOGS/${1//[^A-Za-z0-9_.-]/_}.log"; }

# record NAME RC SECONDS: add one finished stage to the summary (and show the log tail on failure)
record() {
  local name=$1 rc=$2 t=$3 log
  log=$(logfile "$name")
  names+=("$name") secs+=("$t")
  printf '=== %-28s ' "$name"
  if [ "$rc" -eq 0 ]; then
    results+=(pass)
    printf 'pass  %4ss\n' "$t"
  else
    results+=(FAIL) failed=$((failed + 1))
    printf 'FAIL  %4ss (rc %s, log %s)\n' "$t" "$rc" "$log"
    sed 's/\x1b\[[0-9;]*m//g' "$log" | tail -n 60 | sed 's/^/    | /'
  fi
  return "$rc"
}

# stage NAME CMD...: run, time and record one stage; its output goes to $LOGS/NAME.log
stage() {
  local name=$1 s=$SECONDS rc
  shift
  "$@" >"$(logfile "$name")" 2>&1
  rc=$?
  record "$name" "$rc" "$((SECONDS - s))"
}

summary() {
  local i passed=0
  echo
  echo "=== summary (logs in $LOGS)"
  for i in "${!names[@]}"; do
    printf '  %-30s %-5s %5ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
    [ "${results[$i]}" = pass ] && passed=$((passed + 1))
  done
  printf '  %-30s       %5ss\n' total "$((SECONDS - T0))"
  echo "$passed passed, $failed failed$(testinfra_counts)"
}

# testinfra_counts: the pytest-testinfra results of the molecule scenarios verified with it (the
# last pytest summary line of each log), e.g. " (testinfra, 4 scenarios: 61 passed, 0 failed, 3 skipped)"
testinfra_counts() {
  local log
  for log in "$LOGS"/molecule_*.log; do
    [ -e "$log" ] && grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$log" | tail -n 1
  done | awk '{ n++; for (i = 2; i <= NF; i++) { w = $i; sub(/,$/, "", w)
                  if (w == "passed") p += $(i - 1); if (w ~ /^(failed|errors?)$/) f += $(i - 1); if (w == "skipped") k += $(i - 1) } }
              END { if (n) printf " (testinfra, %d scenarios: %d passed, %d failed, %d skipped)", n, p, f, k }'
}

abort() { echo "setup failed: $1; the checks cannot run"; summary; exit 1; }  # (cluster_job sees $$ gone and stops)

# ---- setup ---------------------------------------------------------------------------------
setup_packages() {
  # chromium: the report test opens the HTML page in a real headless browser
  apt_need docker.io debootstrap shellcheck python3-venv python3-apt ca-certificates chromium
}

setup_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
    as_root systemctl start docker
  else
    # no systemd here (and docker.io does not start on install): run the daemon ourselves
    as_root sh -c "nohup dockerd >'$WORK/dockerd.log' 2>&1 &"
  fi
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  tail -20 "$WORK/dockerd.log" 2>/dev/null
  return 1
}

setup_images() {
  # the two debootstraps wait on the network mostly: side by side
  local rc=0
  bash "$REPO/scripts/images.sh" bookworm & local a=$!
  bash "$REPO/scripts/images.sh" trixie & local b=$!
  wait "$a" || rc=1
  wait "$b" || rc=1
  return $rc
}

setup_toolchain() {
  make_venv "$VENV" "$REPO/requirements-test.txt" "$REPO/constraints-test.txt" &&
    install_collections "$VENV" "$COLL" "$WORK"
}

setup_cluster_binaries() {
  # kube-apiserver, etcd, kwok, kubectl, helm, linkerd from Go modules, cached by version in
  # ${MESHLAB_CLUSTER_CACHE:-$WORK/cluster} (a warm run only checks they exist). Used by the
  # real-API role tests (stage api-test). Cold: ~9 min on 2 cores (535 s measured without
  # stable-2.14.10, 618 s with it).
  if [ "${MESHLAB_CLUSTER_BUILD:-1}" = 0 ]; then
    echo "skipped (MESHLAB_CLUSTER_BUILD=0): no real-API harness, no stage api-test"
    return 0
  fi
  bash "$REPO/tests/cluster/build.sh"
}

setup_tree() {
  # an installed copy in ~/.ansible/collections would shadow the tree under test (ansible-lint
  # puts that path first): remove it
  if [ -e "$HOME/.ansible/collections/ansible_collections/meshlab/linkerd" ]; then
    echo "removing the shadowing copy in ~/.ansible/collections/ansible_collections/meshlab/linkerd"
    rm -rf "$HOME/.ansible/collections/ansible_collections/meshlab/linkerd"
  fi
  # ansible-test needs a real (not symlinked) .../ansible_collections/meshlab/linkerd path. Two copies:
  # $TREE for molecule (its runs leave fact caches and __pycache__ in the tree), $STREE for the static
  # checks, which run beside them
  local t
  for t in "$TREE" "$STREE"; do
    rm -rf "$t" && mkdir -p "$t" &&
      tar -C "$REPO" --exclude=.git --exclude=./.venv --exclude=./.collections --exclude=./.cache \
        --exclude=./tests/output -c . | tar -C "$t" -x || return 1
  done &&
    # the dependency collections beside the static copy too (ansible-test and ansible-lint look there)
    for t in "$COLL"/ansible_collections/*; do
      [ "$(basename "$t")" = meshlab ] || ln -sfn "$t" "$STATIC/ansible_collections/"
    done &&
    # ansible-test bootstraps pip in its venvs from a host that is unreachable: use the stand-in
    install -D -m 0644 "$REPO/scripts/get_pip_24_2.py" "$HOME/.ansible/test/cache/get_pip_24_2.py"
}

# The real-API role tests (tests/cluster/api_test.sh) against a real kube-apiserver with kwok nodes and
# the real linkerd and helm, every built Linkerd line: `mesh` (control_plane, monitoring, viz, emojivoto,
# minikube's waits, summary, report, faults), `policy` and `resilience`; MESHLAB_API_TESTS="mesh" runs
# only the named ones. They need the harness build, CPU-bound Go compiling (~10-20 min cold, 0.3 s
# warm), and the toolchain. One ansible-playbook against one host keeps about one core busy, so build
# and tests run in the background beside the checks and the molecule scenarios, and are recorded at
# the end (logs setup_cluster-binaries.log and api-test.log).
TREE_READY="$WORK/.tree-ready"
rm -f "$TREE_READY"
# cluster_job: build the harness, wait for setup:tree (or for this script to end), run the api tests;
# each writes "<rc> <seconds>" to <log>.rc
cluster_job() {
  local s=$SECONDS rc
  setup_cluster_binaries >"$(logfile setup:cluster-binaries)" 2>&1
  rc=$?
  echo "$rc $((SECONDS - s))" >"$(logfile setup:cluster-binaries).rc"
  [ "$rc" -eq 0 ] && [ "${MESHLAB_CLUSTER_BUILD:-1}" != 0 ] || return 0
  while [ ! -e "$TREE_READY" ]; do kill -0 $$ 2>/dev/null || return 0; sleep 5; done
  s=$SECONDS
  # shellcheck disable=SC2086
  (cd "$TREE" && bash tests/cluster/api_test.sh ${MESHLAB_API_TESTS:-mesh policy resilience}) >"$(logfile api-test)" 2>&1
  echo "$? $((SECONDS - s))" >"$(logfile api-test).rc"
}
# bg_record NAME: a stage of cluster_job, once it has finished
bg_record() {
  local rc t
  read -r rc t <"$(logfile "$1").rc" 2>/dev/null || { rc=1 t=0; }
  record "$1" "$rc" "$t"
}

stage setup:packages setup_packages || abort "Debian packages"
stage setup:dockerd setup_dockerd || abort "no Docker engine"
rm -f "$WORK/.cluster-job-done"
{ cluster_job; touch "$WORK/.cluster-job-done"; } &
cluster_pid=$!
stage setup:images setup_images || abort "test images"
stage setup:toolchain setup_toolchain || abort "Python toolchain"
stage setup:tree setup_tree || abort "collection tree"
touch "$TREE_READY"

# ---- checks --------------------------------------------------------------------------------
# shellcheck disable=SC1091
. "$VENV/bin/activate"
export ANSIBLE_COLLECTIONS_PATH="$COLL" ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
cd "$TREE" || abort "cd $TREE"

syntax_check() {
  # one ansible-playbook per inventory for all playbooks (it names the playbook of an error)
  local inv rc=0
  for inv in inventories/local/hosts.yml inventories/classroom/hosts.yml; do
    echo "--- playbooks/*.yml ($inv)"
    ansible-playbook --syntax-check -i "$inv" playbooks/*.yml || rc=1
  done
  return $rc
}

module_docs() {
  local m rc=0
  for m in plugins/modules/*.py; do
    [ -e "$m" ] || continue
    m=$(basename "$m" .py)
    echo "--- meshlab.linkerd.$m"
    ansible-doc -t module "meshlab.linkerd.$m" >/dev/null || rc=1
  done
  return $rc
}

repo_pytest() {
  pytest -q -p no:cacheprovider tests/repo
}

# The static checks, the unit tests and the report test: CPU-bound like everything here, so they
# run in the background once cluster_job is done, while the molecule scenarios (longer than the
# harness build and stage api-test together) still run; recorded after them.
static_names="yamllint ansible-lint sanity units pytest report syntax-check ansible-doc galaxy-build"
static_check() {
  case $1 in
    yamllint) yamllint -s . ;;
    ansible-lint) ansible-lint ;;
    sanity) ansible-test sanity --venv --python 3.11 --color no ;;
    units) ansible-test units --venv --python 3.11 --color no ;;
    pytest) repo_pytest ;;
    # The class report from 30 fixture hosts: schema, golden Markdown, HTML in headless Chromium
    # (screenshot and page kept in $MESHLAB_WORK/artifacts/report/).
    report) pytest -q -p no:cacheprovider tests/report ;;
    syntax-check) syntax_check ;;
    ansible-doc) module_docs ;;
    galaxy-build) ansible-galaxy collection build --force --output-path "$WORK/build" . ;;
  esac
}
static_job() {
  local name s
  while [ ! -e "$WORK/.cluster-job-done" ]; do kill -0 $$ 2>/dev/null || return 0; sleep 5; done
  # their own copy of the tree, found first
  cd "$STREE" || return 1
  export ANSIBLE_COLLECTIONS_PATH="$STATIC:$COLL"
  for name in $static_names; do
    s=$SECONDS
    static_check "$name" >"$(logfile "$name")" 2>&1
    echo "$? $((SECONDS - s))" >"$(logfile "$name").rc"
  done
}
static_job &
static_pid=$!

# Molecule scenarios, MESHLAB_MOLECULE_JOBS at a time (own container names and servers each), the
# longest first; recorded in that order once all have finished.
scenario_job() {
  local s=$1 t=$SECONDS rc
  molecule test -s "$s" >"$(logfile "molecule:$s")" 2>&1
  rc=$?
  echo "$rc $((SECONDS - t))" >"$LOGS/molecule_$s.rc"
}
longest_first="artifact control_plane kubeadm mesh_apps minikube monitoring lab check docker"
# Opt-in (MESHLAB_SCENARIOS="site check"): `site`, the render-only chain of the mesh stage playbooks (the
# default run chains those stages in cluster mode against the real API instead: stage api-test,
# tests/cluster/mesh); `check`, the check module against a STAND-IN linkerd that replays recorded output
# (the module's cases are unit tests with the same fixtures, and stage api-test runs it with the real
# linkerd against the real API: healthy, --pre, viz's pod unreachable, the API down).
opt_in="site check"
all=$(for d in extensions/molecule/*/molecule.yml; do basename "$(dirname "$d")"; done | grep -vxF "$(echo "$opt_in" | tr ' ' '\n')")
scenarios=${MESHLAB_SCENARIOS:-$(for s in $longest_first; do echo "$all" | grep -qx "$s" && echo "$s"; done
                                 echo "$all" | grep -vxF "$(echo "$longest_first" | tr ' ' '\n')")}
jobs_max=${MESHLAB_MOLECULE_JOBS:-1}
echo "=== molecule: $(wc -w <<<"$scenarios") scenarios, $jobs_max at a time"
# (the pids of the scenario jobs only: cluster_job runs in the background too)
running=()
for s in $scenarios; do
  while :; do
    alive=()
    for p in "${running[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
    running=("${alive[@]}")
    [ "${#running[@]}" -lt "$jobs_max" ] && break
    sleep 2
  done
  scenario_job "$s" &
  running+=("$!")
done
for p in "${running[@]}"; do wait "$p"; done
for s in $scenarios; do
  read -r rc t <"$LOGS/molecule_$s.rc" 2>/dev/null || { rc=1 t=0; }
  record "molecule:$s" "$rc" "$t"
done

# The background jobs: cluster_job (the harness build, then stage api-test), then the static checks
wait "$cluster_pid"
bg_record setup:cluster-binaries && [ "${MESHLAB_CLUSTER_BUILD:-1}" != 0 ] && bg_record api-test
wait "$static_pid"
for name in $static_names; do bg_record "$name"; done

summary
[ "$failed" -eq 0 ]
