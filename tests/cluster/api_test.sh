#!/usr/bin/env bash
# Runner of the real-API role tests tests/cluster/NAME/NAME_test.yml (NAME: mesh, policy, resilience):
# for each Linkerd line the harness built (bin.env LINKERD and LINKERD_STABLE), start a harness
# cluster (tests/cluster/cluster.sh), run the test playbook (which runs the role several times
# against the real kube-apiserver with that line's real CRDs, and asserts), tear the cluster down.
#   bash tests/cluster/api_test.sh mesh policy resilience   # every built line
# The nodes' container runtime: docker for the edge line (LINKERD), containerd for stable
# (LINKERD_STABLE), so that control_plane's proxyInit.runAsRoot decision runs both ways.
#   API_TEST_LINES="LINKERD" bash tests/cluster/api_test.sh resilience
# Needs the test venv of scripts/test.sh ($MESHLAB_WORK/venv) and its collection tree; adds a
# small venv with the kubernetes library ($MESHLAB_WORK/api-test-k8s-venv, from PyPI).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[[ $# -gt 0 ]] || { echo "usage: api_test.sh NAME... (mesh, policy, resilience)"; exit 2; }
WORK=${MESHLAB_WORK:-/var/tmp/meshlab-ci}
CACHE=${MESHLAB_CLUSTER_CACHE:-$WORK/cluster}
export MESHLAB_CLUSTER_CACHE=$CACHE
[[ -f $CACHE/bin.env ]] || { echo "api_test.sh: no $CACHE/bin.env (tests/cluster/build.sh)"; exit 1; }
# shellcheck disable=SC1091
. "$CACHE/bin.env"
# shellcheck disable=SC1091
. "$WORK/venv/bin/activate"
# own collection tree (the one of scripts/test.sh may be in use), the dependency collections from test.sh
export ANSIBLE_COLLECTIONS_PATH=$WORK/api-test/collections:$WORK/collections ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0
TREE=$WORK/api-test/collections/ansible_collections/meshlab/linkerd
mkdir -p "$(dirname "$TREE")"
rm -rf "$TREE" && mkdir -p "$TREE" && (cd "$REPO" && tar --exclude=.git -cf - .) | (cd "$TREE" && tar -xf -)
K8S_VENV=$WORK/api-test-k8s-venv
if [[ ! -x $K8S_VENV/bin/python ]] || ! "$K8S_VENV/bin/python" -c 'import kubernetes' 2>/dev/null; then
  python3 -m venv "$K8S_VENV"
  "$K8S_VENV/bin/pip" install -q 'kubernetes==33.1.0'
fi
CLUSTER_SH=${API_TEST_CLUSTER_SH:-$REPO/tests/cluster/cluster.sh}
# Linkerd 2.19+ refuses `install --crds` without the Gateway API CRDs: the real ones of the Go module
# (the version the Linkerd docs recommend), from the Go module proxy.
GATEWAY_API=${API_TEST_GATEWAY_API:-v1.2.1}
export GOMODCACHE=$WORK/api-test-gomod GOFLAGS=-modcacherw
GW_DIR=$GOMODCACHE/sigs.k8s.io/gateway-api@$GATEWAY_API/config/crd/standard
[[ -d $GW_DIR ]] || (cd /tmp && "${GO:-$(command -v go || echo /usr/local/go/bin/go)}" mod download "sigs.k8s.io/gateway-api@$GATEWAY_API")
rc=0
for test in "$@"; do
  [[ -f $HERE/$test/${test}_test.yml ]] || { echo "=== $test: no tests/cluster/$test/${test}_test.yml"; rc=1; continue; }
  for var in ${API_TEST_LINES:-LINKERD LINKERD_STABLE}; do
    bin=${!var:-}
    if [[ -z $bin || ! -x $bin ]]; then echo "=== $test $var: not built, skipped"; continue; fi
    name=$test-$(echo "$var" | tr 'A-Z_' 'a-z-')
    dir=$WORK/api-test/$name
    rm -rf "$dir"; mkdir -p "$dir/bin"
    bash "$CLUSTER_SH" down "$name" >/dev/null 2>&1 || true
    runtime=docker; [[ $var == LINKERD_STABLE ]] && runtime=containerd
    bash "$CLUSTER_SH" up "$name" "$runtime"
    kc=$(bash "$CLUSTER_SH" kubeconfig "$name")
    echo "=== $test $var ($bin) on cluster $name ($runtime)"
    t0=$SECONDS
    if (cd "$TREE" && ansible-playbook -i localhost, "tests/cluster/$test/${test}_test.yml" \
          -e "api_test_kubeconfig=$kc api_test_linkerd=$bin api_test_python=$K8S_VENV/bin/python api_test_dir=$dir" \
          -e "api_test_gateway_api_dir=$GW_DIR api_test_helm=${HELM:-} api_test_kubectl=${KUBECTL:-} api_test_runtime=$runtime" \
          -e "api_test_cluster_sh=$CLUSTER_SH api_test_cluster=$name"); then
      echo "=== $test $var: pass ($((SECONDS - t0)) s)"
    else
      echo "=== $test $var: FAIL ($((SECONDS - t0)) s)"; rc=1
    fi
    bash "$CLUSTER_SH" down "$name" || true
  done
done
exit $rc
