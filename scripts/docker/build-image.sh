#!/usr/bin/env bash
# Build fauxcloud's image from the repository's own Dockerfile on a machine without a container
# registry: the base comes from base-image.sh, passed as the Dockerfile's BASE argument.
#   scripts/docker/build-image.sh [TAG]      (default fauxcloud:local)
set -euo pipefail
TAG=${1:-fauxcloud:local}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BASE=${FAUXCLOUD_BASE_IMAGE:-fauxcloud-base:node20}
bash "$here/base-image.sh" "$BASE" >/dev/null
# The preinstalled docker CLI may lack buildx: the classic builder needs nothing more.
DOCKER_BUILDKIT=0 docker build -q --build-arg BASE="$BASE" -t "$TAG" "$root" >/dev/null
docker image prune -f >/dev/null 2>&1 || true   # the dangling build stage
echo "$TAG"
