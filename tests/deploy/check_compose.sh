#!/usr/bin/env bash
# deploy/compose: `docker-compose config` accepts the file with a test .env
# (made from .env.example), with and without the cluster profile, refuses it
# without the TURN secret, and deploycheck checks the interpolated result
# (and runs check-config on every Switchboard service as it would start),
# also with TLS_CERT and TLS_KEY unset.
# Usage: check_compose.sh DOCKER_COMPOSE DEPLOYCHECK SWITCHBOARD_BINARY SOURCE_DIR
set -euo pipefail
compose=$1 deploycheck=$2 bin=$3 src=$4
dir="$src/deploy/compose"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -e 's/^TURN_SECRET=.*/TURN_SECRET=compose-test-secret/' \
    -e 's/^GRAFANA_ADMIN_PASSWORD=.*/GRAFANA_ADMIN_PASSWORD=compose-test-password/' \
    -e 's/^REDIS_PASSWORD=.*/REDIS_PASSWORD=compose-test-redis/' \
    "$dir/.env.example" > "$tmp/test.env"
grep -v '^TLS_\(CERT\|KEY\)=' "$tmp/test.env" > "$tmp/no-tls.env"
for env in test no-tls; do
  "$compose" --env-file "$tmp/$env.env" -f "$dir/docker-compose.yml" --profile cluster config > "$tmp/$env.yml" 2> "$tmp/err" ||
    { echo "FAIL: docker-compose --profile cluster config ($env.env):"; cat "$tmp/err"; exit 1; }
  # A warning here is a variable .env.example does not set.
  if grep -qi 'warn' "$tmp/err"; then echo "FAIL: docker-compose config ($env.env) warns:"; cat "$tmp/err"; exit 1; fi
done
echo "ok: docker-compose --profile cluster config"

# .env.example ships without secrets: compose must refuse to start without them.
if "$compose" --env-file "$dir/.env.example" -f "$dir/docker-compose.yml" config > /dev/null 2> "$tmp/err"; then
  echo "FAIL: docker-compose config accepted an empty TURN_SECRET"; exit 1
fi
grep -q 'TURN_SECRET' "$tmp/err" || { echo "FAIL: the error does not name TURN_SECRET:"; cat "$tmp/err"; exit 1; }
echo "ok: an empty TURN_SECRET is refused"

exec "$deploycheck" compose --rendered "$tmp/test.yml" --rendered-no-tls "$tmp/no-tls.yml" --compose-dir "$dir" --switchboard "$bin"
