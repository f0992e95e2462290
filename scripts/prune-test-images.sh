#!/usr/bin/env bash
# Removes images that earlier test runs built (instances named e2e*, from test/e2e/harness.py)
# once they are older than ${INK_TEST_IMAGE_MAX_AGE_HOURS:-48} hours, then the dangling layers
# they leave. Newer ones stay as the build cache that keeps the next run quick. Holds the
# host's image-store lock (as inkd's image GC does) so no running build loses a cached layer.
set -euo pipefail
max_age=$(( ${INK_TEST_IMAGE_MAX_AGE_HOURS:-48} * 3600 ))
now=$(date +%s)
# The same path inkd uses (src/common/file_lock.cc: ImageStoreLockPath).
if [ -n "${INK_IMAGE_STORE_LOCK:-}" ]; then lock=$INK_IMAGE_STORE_LOCK
elif [ -w /run/lock ]; then lock=/run/lock/ink-image-store.lock
else lock=${TMPDIR:-/tmp}/ink-image-store.lock
fi
if ! exec 9>>"$lock"; then
  echo "prune-test-images: cannot open $lock; nothing removed" >&2
  exit 0
fi
if ! flock -w 120 9; then
  echo "prune-test-images: the image store stayed busy; nothing removed" >&2
  exit 0
fi
old=()
declare -A instances=()
while read -r id instance created_date created_time _; do
  [[ $instance == e2e* ]] || continue
  created=$(date -d "$created_date $created_time UTC" +%s 2>/dev/null) || continue
  if (( now - created > max_age )); then
    old+=("$id")
    instances[$instance]=1
  fi
done < <(podman images --filter label=ink.instance \
  --format '{{.ID}} {{index .Labels "ink.instance"}} {{.CreatedAt}}')
if ((${#old[@]})); then
  echo "prune-test-images: removing ${#old[@]} images of earlier test runs"
  printf '%s\n' "${old[@]}" | sort -u | xargs podman rmi >/dev/null 2>&1 || true
fi
for instance in "${!instances[@]}"; do
  podman image prune -f --filter "label=ink.instance=$instance" >/dev/null 2>&1 || true
done
