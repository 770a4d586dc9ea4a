#!/usr/bin/env bash
# Command 1 of the README: set up the controller toolchain and build the lab.
#   scripts/lab.sh [ansible-playbook options...]   e.g. -i inventories/classroom --limit student01
# Toolchain: .venv (pinned ansible-core) and .collections (dependency collections + this one).
set -euo pipefail
# shellcheck source=scripts/toolchain.sh
. "$(dirname "$0")/toolchain.sh"
cd "$REPO"

apt_need python3-venv python3-apt
make_venv "$REPO/.venv" "$REPO/requirements.txt"
install_collections "$REPO/.venv" "$REPO/.collections" "$REPO/.cache"
# This checkout, as the collection meshlab.linkerd (a symlink is fine for ansible-playbook).
mkdir -p "$REPO/.collections/ansible_collections/meshlab"
ln -sfn "$REPO" "$REPO/.collections/ansible_collections/meshlab/linkerd"

args=()
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  args+=(--ask-become-pass)
fi
export ANSIBLE_CONFIG="$REPO/ansible.cfg"
exec "$REPO/.venv/bin/ansible-playbook" playbooks/site.yml "${args[@]}" "$@"
