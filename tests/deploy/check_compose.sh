#!/usr/bin/env bash
# deploy/compose: `docker-compose config` accepts the file with a test .env
# (made from .env.example), refuses it without the TURN secret, and
# deploycheck checks the interpolated result (and runs check-config on both
# Switchboard services as they would start).
# Usage: check_compose.sh DOCKER_COMPOSE DEPLOYCHECK SWITCHBOARD_BINARY SOURCE_DIR
set -euo pipefail
compose=$1 deploycheck=$2 bin=$3 src=$4
dir="$src/deploy/compose"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -e 's/^TURN_SECRET=.*/TURN_SECRET=compose-test-secret/' \
    -e 's/^GRAFANA_ADMIN_PASSWORD=.*/GRAFANA_ADMIN_PASSWORD=compose-test-password/' \
    "$dir/.env.example" > "$tmp/test.env"
"$compose" --env-file "$tmp/test.env" -f "$dir/docker-compose.yml" config > "$tmp/rendered.yml" 2> "$tmp/err" ||
  { echo "FAIL: docker-compose config:"; cat "$tmp/err"; exit 1; }
echo "ok: docker-compose config"

# .env.example ships without secrets: compose must refuse to start without them.
if "$compose" --env-file "$dir/.env.example" -f "$dir/docker-compose.yml" config > /dev/null 2> "$tmp/err"; then
  echo "FAIL: docker-compose config accepted an empty TURN_SECRET"; exit 1
fi
grep -q 'TURN_SECRET' "$tmp/err" || { echo "FAIL: the error does not name TURN_SECRET:"; cat "$tmp/err"; exit 1; }
echo "ok: an empty TURN_SECRET is refused"

exec "$deploycheck" compose --rendered "$tmp/rendered.yml" --compose-dir "$dir" --switchboard "$bin"
