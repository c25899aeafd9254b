#!/usr/bin/env bash
# deploy/systemd: the unit passes `systemd-analyze verify` without a single
# complaint (it exits 0 on unknown keys, so any output fails), a broken copy
# does not, and the example config passes `switchboard check-config`.
# Usage: check_systemd.sh SWITCHBOARD_BINARY SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verify checks that ExecStart's program exists: point it at the built binary.
sed "s#/usr/local/bin/switchboard#$bin#g" "$src/deploy/systemd/switchboard.service" > "$tmp/switchboard.service"
verify() { systemd-analyze verify --man=no "$1" 2>&1; }

out=$(verify "$tmp/switchboard.service") || { echo "FAIL: systemd-analyze verify: $out"; exit 1; }
[[ -z "$out" ]] || { echo "FAIL: systemd-analyze verify complained:"; echo "$out"; exit 1; }
echo "ok: systemd-analyze verify switchboard.service"

sed 's/^ProtectSystem=strict/ProtectSystm=strict/' "$tmp/switchboard.service" > "$tmp/broken.service"
out=$(verify "$tmp/broken.service" || true)
[[ "$out" == *"Unknown key"* ]] || { echo "FAIL: a misspelt key went unnoticed: '$out'"; exit 1; }
echo "ok: a misspelt key is reported"

grep -q '^ExecStart=/usr/local/bin/switchboard serve --config /etc/switchboard/switchboard.yaml' \
  "$src/deploy/systemd/switchboard.service" || { echo "FAIL: ExecStart must run switchboard serve"; exit 1; }
for key in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes KillSignal=SIGTERM KillMode=mixed; do
  grep -qx "$key" "$src/deploy/systemd/switchboard.service" || { echo "FAIL: $key missing"; exit 1; }
done
# The stop timeout leaves room for the example config's drain period.
drain=$(sed -n 's/^  drain_period: \([0-9]*\)s.*/\1/p' "$src/deploy/systemd/switchboard.yaml")
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$src/deploy/systemd/switchboard.service")
(( drain > 0 && stop > drain )) || { echo "FAIL: TimeoutStopSec ($stop s) must exceed drain_period ($drain s)"; exit 1; }
echo "ok: hardening options, TimeoutStopSec $stop s > drain $drain s"

(umask 077; echo systemd-test-secret > "$tmp/turn-secrets")
"$bin" check-config "$src/deploy/systemd/switchboard.yaml" --set "turn.secret_file=$tmp/turn-secrets" > "$tmp/out" 2>&1 ||
  { echo "FAIL: check-config deploy/systemd/switchboard.yaml:"; cat "$tmp/out"; exit 1; }
"$bin" turn-config "$src/deploy/systemd/switchboard.yaml" --set "turn.secret_file=$tmp/turn-secrets" > "$tmp/out" 2>&1 ||
  { echo "FAIL: turn-config deploy/systemd/switchboard.yaml:"; cat "$tmp/out"; exit 1; }
echo "ok: switchboard check-config and turn-config accept deploy/systemd/switchboard.yaml"
echo "systemd: 5 passed, 0 failed"
