#!/usr/bin/env bash
# Builds Ink's Debian base image (localhost/ink/base:bookworm) from Debian's packages with
# mmdebstrap, since no container registry is reachable. Skips the work if the image exists.
set -euo pipefail
IMAGE=${INK_BASE_IMAGE:-localhost/ink/base:bookworm}
if podman image exists "$IMAGE" && [ "${1:-}" != "--force" ]; then
  echo "base image: $IMAGE already present"; exit 0
fi
mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "base image: mmdebstrap bookworm from $mirror"
mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$tmp/rootfs.tar" "$mirror"
podman import --quiet --change 'CMD ["/bin/bash"]' "$tmp/rootfs.tar" "$IMAGE" >/dev/null
echo "base image: $IMAGE built"
