# shellcheck shell=bash
# Shared by scripts/lab.sh and scripts/test.sh (sourced, not run). Sets up, idempotently:
#   - Debian packages the scripts need (apt, with sudo when not root)
#   - a virtualenv with the pinned Python requirements
#   - the dependency collections, taken from the pinned `ansible` community wheel on PyPI
#     (Galaxy may be unreachable; users who have Galaxy can use requirements.yml instead)
ANSIBLE_COMMUNITY_VERSION=${ANSIBLE_COMMUNITY_VERSION:-12.3.0}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_need PKG... : install the Debian packages that are missing (one apt run for all of them)
apt_need() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "apt: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# make_venv DIR REQUIREMENTS [CONSTRAINTS]: (re)build DIR when the requirement files change
make_venv() {
  local dir=$1 req=$2 con=${3:-} stamp want
  want=$(cat "$req" "$REPO/requirements.txt" ${con:+"$con"} | sha256sum | cut -c1-16)
  stamp="$dir/.meshlab-requirements"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "venv: building $dir from $(basename "$req")"
  python3 -m venv --clear "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" ${con:+-c "$con"}
  echo "$want" >"$stamp"
}

# install_collections VENV DEST WORKDIR: dependency collections into DEST/ansible_collections
install_collections() {
  local venv=$1 dest=$2 work=$3 wheel
  if [ -f "$dest/.meshlab-ansible-$ANSIBLE_COMMUNITY_VERSION" ]; then
    return 0
  fi
  echo "collections: from ansible==$ANSIBLE_COMMUNITY_VERSION (PyPI) into $dest"
  mkdir -p "$work/wheels" "$dest"
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$work/wheels" "ansible==$ANSIBLE_COMMUNITY_VERSION"
  wheel="$work/wheels/ansible-$ANSIBLE_COMMUNITY_VERSION-py3-none-any.whl"
  rm -rf "$work/vendor"
  "$venv/bin/python" "$REPO/scripts/vendor_collections.py" "$wheel" "$work/vendor" >/dev/null
  "$venv/bin/ansible-galaxy" collection install --force -r "$work/vendor/requirements.yml" -p "$dest" >/dev/null
  rm -rf "$work/vendor"
  touch "$dest/.meshlab-ansible-$ANSIBLE_COMMUNITY_VERSION"
}
