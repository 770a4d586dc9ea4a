#!/usr/bin/env bash
# Build the Debian 12/13 systemd test images (no registry is reachable): debootstrap + docker import.
# Cached by name: an image that exists is left alone. Usage: ci/images.sh [suite ...]
set -euo pipefail
DOCKER=${DOCKER:-docker}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${MESHLAB_WORK:-/var/tmp/meshlab-ci}
INCLUDE=python3,python3-apt,systemd,systemd-sysv,sudo,ca-certificates,iproute2,procps,gnupg
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
for suite in "${suites[@]}"; do
  image="local/debian:$suite"
  if $DOCKER image inspect "$image" >/dev/null 2>&1; then
    echo "image $image: present"
    continue
  fi
  rootfs="$WORK/rootfs-$suite"
  rm -rf "$rootfs"
  mkdir -p "$WORK"
  echo "image $image: debootstrap $suite from $MIRROR"
  debootstrap --variant=minbase --include="$INCLUDE" "$suite" "$rootfs" "$MIRROR" >"$WORK/debootstrap-$suite.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap-$suite.log"; exit 1; }
  # the image keeps the mirror it was built from; apt inside uses it
  tar -C "$rootfs" -c . | $DOCKER import --change 'CMD ["/lib/systemd/systemd"]' - "$image" >/dev/null
  rm -rf "$rootfs"
  echo "image $image: built"
done
