#!/usr/bin/env bash
# Images deploy/compose's cluster profile names but the container suite
# cannot pull (no registry is reachable): redis:7-alpine and haproxy:2.6,
# built from Debian 12's Redis 7.0 and HAProxy 2.6 on the suite's Debian base
# (image.sh made it) and tagged with those names in the suite's own storage,
# never the user's. compose_cluster.test.mjs says so in its output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"
# build DOCKERFILE PROGRAM TAG
build() {
  local file=$1 name=$2 tag=$3
  echo "== stand-in for $tag: Debian's $name ($SECONDS s)"
  podman build --format docker --pull=never --layers=false -q -f "$here/standins/$file.Dockerfile" \
    -t "$tag" "$here/standins" > /dev/null
  podman image prune -f > /dev/null
  echo "ok: $tag = $(podman run --rm --entrypoint "$name" "$tag" -v | head -n 1)"
}
build redis redis-server docker.io/library/redis:7-alpine
build haproxy haproxy docker.io/library/haproxy:2.6
