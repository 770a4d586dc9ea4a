#!/usr/bin/env bash
# Benchmark (issue 16): the teacher's rerun. Three Debian hosts (molecule scenario `artifact`:
# Debian 12 + 2x Debian 13, stand-in artifacts from the counting HTTP server), the four binary
# roles cli, helm, kubectl, minikube: a first run on fresh hosts, then a rerun with everything
# installed. Prints wall time, task count and changed count of both and the rerun/first ratio.
# Not a timed test: numbers for the note. Needs what scripts/test.sh sets up (venv, images).
#   scripts/bench_rerun.sh             both runs
#   MESHLAB_BENCH_BASE=<git ref> ...   the same for that commit first (before/after in one run)
#   MESHLAB_BENCH_PROFILE=1 ...        also the 15 slowest tasks of each rerun (profile_tasks)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${MESHLAB_WORK:-/var/tmp/meshlab-ci}
[ -x "$WORK/venv/bin/molecule" ] || { echo "no toolchain in $WORK/venv: run scripts/test.sh once first"; exit 1; }
BENCH=$WORK/bench
TREE=$BENCH/ansible_collections/meshlab/linkerd
# shellcheck disable=SC1091
. "$WORK/venv/bin/activate"
# the tree under test first, the dependency collections of the test toolchain after it
export ANSIBLE_COLLECTIONS_PATH="$BENCH:$WORK/collections" ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
if [ "${MESHLAB_BENCH_PROFILE:-0}" = 1 ]; then
  export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks PROFILE_TASKS_TASK_OUTPUT_LIMIT=15
fi
LOG=$BENCH/logs
mkdir -p "$LOG" && rm -f "$LOG/all-times"
# one molecule run at a time on this machine (container names are shared with scripts/test.sh)
exec 9>/var/tmp/meshlab-molecule.lock
flock 9

# tree LABEL: put the code under test (the working tree, or MESHLAB_BENCH_BASE) in $TREE
tree() {
  rm -rf "$TREE" && mkdir -p "$TREE"
  if [ "$1" = base ]; then
    git -C "$REPO" archive "$MESHLAB_BENCH_BASE" | tar -C "$TREE" -x
  else
    tar -C "$REPO" --exclude=.git --exclude=./.venv --exclude=./.collections --exclude=./.cache \
      --exclude=./tests/output -c . | tar -C "$TREE" -x
  fi
}

converge() {
  local name=$1 t0 t1
  t0=$(date +%s.%N)
  molecule converge -s artifact >"$LOG/$name.log" 2>&1 || { tail -40 "$LOG/$name.log"; return 1; }
  t1=$(date +%s.%N)
  # shellcheck disable=SC2016
  awk -v t0="$t0" -v t1="$t1" -v name="$name" '
    /^TASK \[/ { tasks++ }
    /^PLAY RECAP/ { recap = 1; next }
    recap && /changed=/ { match($0, /changed=[0-9]+/); changed += substr($0, RSTART + 8, RLENGTH - 8) }
    END { printf "%-6s %6.1f s  %4d tasks  changed=%d\n", name, t1 - t0, tasks, changed
          printf "%s %.1f\n", name, t1 - t0 > "/dev/stderr" }' "$LOG/$name.log" 2>>"$LOG/times"
}

trap 'cd "$TREE" 2>/dev/null && molecule destroy -s artifact >"$LOG/destroy.log" 2>&1 || true' EXIT
echo "3 hosts (Debian 12, 13, 13), roles cli, helm, kubectl, minikube; logs in $LOG"
labels=(tree)
[ -n "${MESHLAB_BENCH_BASE:-}" ] && labels=(base tree)
for label in "${labels[@]}"; do
  tree "$label"
  cd "$TREE"
  rm -f "$LOG/times"
  molecule destroy -s artifact >"$LOG/destroy.log" 2>&1
  molecule create -s artifact >"$LOG/create.log" 2>&1
  molecule prepare -s artifact >"$LOG/prepare.log" 2>&1
  echo "--- $label${MESHLAB_BENCH_BASE:+ ($( [ "$label" = base ] && echo "$MESHLAB_BENCH_BASE" || echo working tree))}"
  converge "$label-first"
  converge "$label-rerun"
  awk -v l="$label" '{ t[$1] = $2 } END { printf "rerun/first = %.2f\n", t[l "-rerun"] / t[l "-first"] }' "$LOG/times"
  cat "$LOG/times" >>"$LOG/all-times"
  if [ "${MESHLAB_BENCH_PROFILE:-0}" = 1 ]; then
    echo "slowest tasks of the rerun:"
    grep -E -- ' -{3,} +[0-9.]+s$' "$LOG/$label-rerun.log" | head -n 15
  fi
  molecule destroy -s artifact >"$LOG/destroy.log" 2>&1
  cd "$REPO"
done
if [ "${#labels[@]}" = 2 ]; then
  awk '{ t[$1] = $2 } END { printf "rerun now / rerun at base = %.2f\n", t["tree-rerun"] / t["base-rerun"] }' "$LOG/all-times"
fi
