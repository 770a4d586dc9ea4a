#!/usr/bin/env bash
# A real Kubernetes API for the tests: kube-apiserver, etcd, kube-controller-manager and
# kube-scheduler (built by tests/cluster/build.sh) started by kwokctl's binary runtime, with kwok
# simulating the nodes (pods become Running/Ready, no container ever runs).
#
#   cluster.sh up NAME RUNTIME [NODES]  RUNTIME docker|containerd; NODES a count (default 1) or a
#                                       comma-separated list of node names (default NAME-node-1..)
#   cluster.sh down NAME
#   cluster.sh stop-apiserver NAME      kube-apiserver stopped, its address refuses connections
#   cluster.sh start-apiserver NAME
#   cluster.sh coredns NAME             kube-system Deployment coredns (k8s-app=kube-dns), Ready
#   cluster.sh kubeconfig NAME          prints the kubeconfig path
#   cluster.sh status NAME
#
# Where: $MESHLAB_CLUSTER_CACHE/clusters/NAME/ (default $MESHLAB_WORK/cluster), kwokctl's own
# state in $MESHLAB_CLUSTER_CACHE/kwok/clusters/NAME/.
#   kubeconfig   server https://172.17.0.1:PORT (the docker bridge gateway, what the molecule
#                containers reach), user kwok-admin (client certificate, group system:masters)
#   port         the cluster's port (36443 and up, one per cluster, so clusters run side by side)
# kube-apiserver runs with TLS, --authorization-mode=Node,RBAC and its default admission plugins
# (kwokctl --secure-port --kube-authorization --kube-admission) and listens on 127.0.0.1:PORT;
# tcp_proxy.py forwards 172.17.0.1:PORT to it unchanged (TLS end to end; the serving certificate
# has 172.17.0.1 as a SAN). Nothing listens on other addresses.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${MESHLAB_WORK:-/var/tmp/meshlab-ci}
CACHE=${MESHLAB_CLUSTER_CACHE:-$WORK/cluster}
BRIDGE=${MESHLAB_CLUSTER_ADDRESS:-172.17.0.1}
export KWOK_WORKDIR=$CACHE/kwok

die() { echo "cluster.sh: $*" >&2; exit 1; }
log() { echo "cluster.sh: $*"; }

[[ -f $CACHE/bin.env ]] || die "no $CACHE/bin.env: run tests/cluster/build.sh first"
# shellcheck disable=SC1091
. "$CACHE/bin.env"
need() {
  local v
  for v; do [[ -n ${!v:-} && -x ${!v} ]] || die "$v not built (tests/cluster/build.sh)"; done
}

cmd=${1:-}
name=${2:-}
[[ -n $cmd && -n $name ]] || die "usage: cluster.sh up|down|stop-apiserver|start-apiserver|coredns|kubeconfig|status NAME [RUNTIME] [NODES]"
[[ $name =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "cluster name '$name': lowercase letters, digits and '-'"
CDIR=$CACHE/clusters/$name
KWOKCTL_ARGS=(--name "$name")

# kwokctl calls kubectl from PATH
mkdir -p "$CACHE/clusters/.path"
ln -sf "${KUBECTL:-/nonexistent}" "$CACHE/clusters/.path/kubectl"
export PATH=$CACHE/clusters/.path:$PATH

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
alloc_port() {
  local p used
  exec 8>"$CACHE/clusters/.port.lock"
  flock 8
  for ((p = 36443; p < 36543; p++)); do
    used=0
    for f in "$CACHE"/clusters/*/port; do [[ -f $f && $(cat "$f") == "$p" ]] && used=1; done
    [[ $used == 0 ]] && port_free "$p" && { echo "$p" >"$CDIR/port"; break; }
  done
  flock -u 8
  [[ -f $CDIR/port ]] || die "no free port in 36443-36542"
}

proxy_running() { [[ -f $CDIR/proxy.pid ]] && kill -0 "$(cat "$CDIR/proxy.pid")" 2>/dev/null; }
proxy_start() {
  proxy_running && return
  local port; port=$(cat "$CDIR/port")
  nohup python3 "$HERE/tcp_proxy.py" "$BRIDGE" "$port" 127.0.0.1 "$port" >>"$CDIR/proxy.log" 2>&1 &
  echo $! >"$CDIR/proxy.pid"
  for _ in $(seq 100); do ss -Hltn "sport = :$port" | grep -qF "$BRIDGE:$port" && return; sleep 0.2; done
  die "proxy on $BRIDGE:$port did not start ($CDIR/proxy.log)"
}
proxy_stop() {
  if proxy_running; then kill "$(cat "$CDIR/proxy.pid")"; fi
  rm -f "$CDIR/proxy.pid"
}

kc() { "$KUBECTL" --kubeconfig "$CDIR/kubeconfig" "$@"; }

nodes_manifest() { # RUNTIME NODES
  local runtime=$1 spec=$2 names=() i=0 n crv
  case $runtime in
  docker) crv=docker://28.2.2 ;;
  containerd) crv=containerd://1.7.24 ;;
  *) die "RUNTIME must be docker or containerd, not '$runtime'" ;;
  esac
  if [[ $spec =~ ^[0-9]+$ ]]; then
    for ((i = 1; i <= spec; i++)); do names+=("$name-node-$i"); done
  else
    IFS=, read -ra names <<<"$spec"
  fi
  i=0
  for n in "${names[@]}"; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    type: kwok
$([[ $i == 0 ]] && echo '    node-role.kubernetes.io/control-plane: ""')
spec:
  podCIDR: 10.244.$i.0/24
  podCIDRs: [10.244.$i.0/24]
status:
  # 127.0.0.1: kube-apiserver reaches the simulated kubelet (kwok, on 127.0.0.1) there, and
  # sends nothing to other addresses
  addresses:
    - {type: InternalIP, address: 127.0.0.1}
    - {type: Hostname, address: $n}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110", ephemeral-storage: 50Gi}
  capacity: {cpu: "4", memory: 8Gi, pods: "110", ephemeral-storage: 50Gi}
  nodeInfo:
    architecture: amd64
    containerRuntimeVersion: $crv
    kernelVersion: $(uname -r)
    kubeProxyVersion: $K8S_VERSION
    kubeletVersion: $K8S_VERSION
    operatingSystem: linux
    osImage: Debian GNU/Linux 12 (bookworm)
EOF
    i=$((i + 1))
  done
}

up() {
  local runtime=${1:-} nodes=${2:-1} start port
  [[ $runtime == docker || $runtime == containerd ]] || die "RUNTIME must be docker or containerd, not '$runtime'"
  need KWOKCTL KWOK KUBECTL ETCD KUBE_APISERVER KUBE_CONTROLLER_MANAGER KUBE_SCHEDULER
  start=$(date +%s)
  if [[ -f $CDIR/kubeconfig ]] && kc get --raw /readyz >/dev/null 2>&1; then
    die "cluster $name is already up (cluster.sh down $name first)"
  fi
  if [[ -d $CDIR ]]; then down >/dev/null 2>&1 || true; fi
  mkdir -p "$CDIR"
  alloc_port
  port=$(cat "$CDIR/port")
  cat >"$CDIR/kwokctl.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
  kubeApiserverCertSANs: [$BRIDGE]
EOF
  # front-proxy (request header) authentication as kubeadm and minikube configure it: it
  # publishes requestheader-client-ca-file in kube-system/extension-apiserver-authentication,
  # which `linkerd check --pre` reads. kwokctl's proxy client certificate is its admin one.
  local pki=$KWOK_WORKDIR/clusters/$name/pki requestheader=()
  local a
  for a in "requestheader-client-ca-file=$pki/ca.crt" requestheader-allowed-names=kwok-admin \
    requestheader-extra-headers-prefix=X-Remote-Extra- requestheader-group-headers=X-Remote-Group \
    requestheader-username-headers=X-Remote-User; do
    requestheader+=(--extra-args "kube-apiserver=$a")
  done
  log "creating cluster $name (kube-apiserver 127.0.0.1:$port, forwarded from $BRIDGE:$port)"
  KWOK_KUBE_VERSION=$K8S_VERSION "$KWOKCTL" create cluster "${KWOKCTL_ARGS[@]}" \
    --config "$CDIR/kwokctl.yaml" --runtime binary --kubeconfig "$CDIR/kwokctl-kubeconfig" \
    --secure-port --kube-authorization --kube-admission \
    --kube-apiserver-port "$port" \
    "${requestheader[@]}" \
    --kube-apiserver-binary "$KUBE_APISERVER" \
    --kube-controller-manager-binary "$KUBE_CONTROLLER_MANAGER" \
    --kube-scheduler-binary "$KUBE_SCHEDULER" \
    --kwok-controller-binary "$KWOK" \
    --etcd-binary "$ETCD" \
    --wait 120s >"$CDIR/create.log" 2>&1 || { tail -20 "$CDIR/create.log" >&2; die "kwokctl create cluster failed ($CDIR/create.log)"; }
  write_kubeconfig "$port"
  proxy_start
  nodes_manifest "$runtime" "$nodes" >"$CDIR/nodes.yaml"
  kc apply -f "$CDIR/nodes.yaml" >/dev/null
  kc wait --for=condition=Ready node --all --timeout=60s >/dev/null
  # the API server must be reachable over the bridge address with a verified certificate
  kc get --raw /readyz >/dev/null || die "API not reachable at https://$BRIDGE:$port"
  echo "$runtime" >"$CDIR/runtime"
  log "cluster $name up in $(($(date +%s) - start))s: KUBECONFIG=$CDIR/kubeconfig"
}

write_kubeconfig() {
  local port=$1 src="$KWOK_WORKDIR/clusters/$name/kubeconfig.yaml" tmp=$CDIR/.kubeconfig.tmp
  [[ -f $src ]] || die "kwokctl wrote no $src"
  "$KUBECTL" --kubeconfig "$src" config view --raw --flatten --minify >"$tmp"
  "$KUBECTL" --kubeconfig "$tmp" config set-cluster "$("$KUBECTL" --kubeconfig "$tmp" config view -o jsonpath='{.clusters[0].name}')" \
    --server "https://$BRIDGE:$port" >/dev/null
  chmod 0644 "$tmp" # read by the molecule containers' users through a bind mount/copy
  mv "$tmp" "$CDIR/kubeconfig"
}

down() {
  if [[ -x ${KWOKCTL:-} ]] && [[ -d $KWOK_WORKDIR/clusters/$name ]]; then
    mkdir -p "$CDIR"
    "$KWOKCTL" delete cluster "${KWOKCTL_ARGS[@]}" --kubeconfig "$CDIR/kwokctl-kubeconfig" >"$CACHE/clusters/.delete-$name.log" 2>&1 ||
      { tail -5 "$CACHE/clusters/.delete-$name.log" >&2; die "kwokctl delete cluster $name failed"; }
  fi
  proxy_stop
  if [[ -f $CDIR/port ]]; then
    for _ in $(seq 100); do port_free "$(cat "$CDIR/port")" && break; sleep 0.2; done
  fi
  rm -rf "$CDIR"
  log "cluster $name down"
}

apiserver_pidfile() { echo "$KWOK_WORKDIR/clusters/$name/pids/kube-apiserver.pid"; }

stop_apiserver() {
  local pidf pid port
  pidf=$(apiserver_pidfile)
  port=$(cat "$CDIR/port")
  proxy_stop
  if [[ -f $pidf ]]; then
    pid=$(cat "$pidf")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidf"
  fi
  port_free "$port" || die "something still listens on :$port"
  log "kube-apiserver of $name stopped"
}

start_apiserver() {
  # kwokctl start cluster starts the components that are not running (here: kube-apiserver)
  "$KWOKCTL" start cluster "${KWOKCTL_ARGS[@]}" --wait 120s >"$CDIR/start.log" 2>&1 ||
    { tail -20 "$CDIR/start.log" >&2; die "kwokctl start cluster failed"; }
  proxy_start
  kc get --raw /readyz >/dev/null || die "API not reachable after start"
  log "kube-apiserver of $name started"
}

coredns() {
  kc apply -f - >/dev/null <<'EOF'
# Stand-in CoreDNS: kwok marks its pod Running/Ready, no container runs (the image is never pulled).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  replicas: 1
  selector:
    matchLabels: {k8s-app: kube-dns}
  template:
    metadata:
      labels: {k8s-app: kube-dns}
    spec:
      containers:
        - name: coredns
          image: registry.k8s.io/coredns/coredns:v1.11.3
          ports:
            - {name: dns, containerPort: 53, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  selector: {k8s-app: kube-dns}
  ports:
    - {name: dns, port: 53, protocol: UDP}
EOF
  kc -n kube-system rollout status deployment/coredns --timeout=60s >/dev/null
  log "coredns stand-in Ready in $name"
}

case $cmd in
up) up "${3:-}" "${4:-1}" ;;
down) down ;;
stop-apiserver) [[ -d $CDIR ]] || die "no cluster $name"; stop_apiserver ;;
start-apiserver) [[ -d $CDIR ]] || die "no cluster $name"; start_apiserver ;;
coredns) [[ -f $CDIR/kubeconfig ]] || die "no cluster $name"; coredns ;;
kubeconfig) [[ -f $CDIR/kubeconfig ]] || die "no cluster $name"; echo "$CDIR/kubeconfig" ;;
status)
  [[ -f $CDIR/kubeconfig ]] || die "no cluster $name"
  kc get --raw /readyz && echo && kc get nodes -o wide ;;
*) die "unknown command $cmd" ;;
esac
