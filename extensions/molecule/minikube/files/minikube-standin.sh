#!/bin/sh
# STAND-IN for minikube, used only by the molecule scenario extensions/molecule/minikube
# (installed by its prepare.yml as /usr/local/bin/minikube). It is NOT minikube and runs no cluster:
# - every call appends "<user>\t<arguments>" to /var/log/minikube-standin.log;
# - profiles live in $HOME/.minikube/standin/<profile>, one word each: Running, Stopped, Paused or
#   invalid (no file = no profile);
# - `profile list --output=json` and `status --output=json` answer in minikube's JSON shapes
#   ({"invalid": [...], "valid": [{"Name", "Status", "Config", "Active"}]} and
#   {"Name", "Host", "Kubelet", "APIServer", "Kubeconfig", "Worker"}, non-zero exit when not running);
# - `start` marks the profile Running and writes a kubeconfig (an existing one keeps its mode);
#   as root it refuses without --force, as minikube's docker driver does.
set -eu
LOG=/var/log/minikube-standin.log
STATE_DIR="$HOME/.minikube/standin"
printf '%s\t%s\n' "$(id -un)" "$*" >>"$LOG"

profile=minikube
force=no
prev=""
for a in "$@"; do
  case "$prev" in
    -p | --profile) profile=$a ;;
  esac
  case "$a" in
    --profile=*) profile=${a#--profile=} ;;
    --force) force=yes ;;
  esac
  prev=$a
done

state() { cat "$STATE_DIR/$1" 2>/dev/null || echo absent; }

status_json() {
  printf '{"Name":"%s","Host":"%s","Kubelet":"%s","APIServer":"%s","Kubeconfig":"%s","Worker":false}\n' "$profile" "$1" "$2" "$3" "$4"
}

case "${1:-}" in
  version) cat /etc/minikube-standin-version ;;
  completion) echo "# bash completion of the minikube STAND-IN" ;;
  profile)
    valid=""
    invalid=""
    for f in "$STATE_DIR"/*; do
      [ -f "$f" ] || continue
      n=$(basename "$f")
      s=$(cat "$f")
      if [ "$s" = invalid ]; then
        invalid="$invalid${invalid:+,}{\"Name\":\"$n\",\"Status\":\"\",\"Config\":null,\"Active\":false}"
      else
        valid="$valid${valid:+,}{\"Name\":\"$n\",\"Status\":\"$s\",\"Config\":{\"Name\":\"$n\",\"Driver\":\"docker\"},\"Active\":false}"
      fi
    done
    printf '{"invalid":[%s],"valid":[%s]}\n' "$invalid" "$valid"
    ;;
  status)
    case "$(state "$profile")" in
      Running) status_json Running Running Running Configured ;;
      Stopped) status_json Stopped Stopped Stopped Stopped; exit 7 ;;
      Paused) status_json Running Stopped Paused Configured; exit 2 ;;
      absent) status_json Nonexistent Nonexistent Nonexistent Nonexistent; exit 85 ;;
      *) status_json Error Nonexistent Nonexistent Nonexistent; exit 7 ;;
    esac
    ;;
  start)
    if [ "$(id -u)" = 0 ] && [ "$force" = no ]; then
      echo 'X Exiting due to DRV_AS_ROOT: The "docker" driver should not be used with root privileges.' >&2
      exit 1
    fi
    if [ "$(state "$profile")" = invalid ]; then
      echo "X profile $profile is invalid" >&2
      exit 1
    fi
    mkdir -p "$STATE_DIR" "$HOME/.kube"
    echo Running >"$STATE_DIR/$profile"
    cat >"$HOME/.kube/config" <<KUBECONFIG
apiVersion: v1
kind: Config
current-context: $profile
clusters:
  - name: $profile
    cluster: {server: "https://192.168.49.2:8443"}
contexts:
  - name: $profile
    context: {cluster: $profile, user: $profile}
users:
  - name: $profile
    user: {token: stand-in-not-a-secret}
KUBECONFIG
    echo "Done! kubectl is now configured to use \"$profile\" cluster (STAND-IN)"
    ;;
  stop) [ "$(state "$profile")" = absent ] || echo Stopped >"$STATE_DIR/$profile" ;;
  delete) rm -f "$STATE_DIR/$profile" ;;
  *) : ;;
esac
