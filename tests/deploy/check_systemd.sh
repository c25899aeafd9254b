#!/usr/bin/env bash
# deploy/systemd: the unit passes `systemd-analyze verify` without a single
# complaint (it exits 0 on unknown keys, so any output fails), a broken copy
# does not, the example config passes `switchboard check-config`, and the
# JWKS steps in the unit's install notes work as written.
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

# auth: production needs a mode; this config verifies tokens against the JWKS
# at the path the install notes write, and reload sends SIGHUP.
config="$src/deploy/systemd/switchboard.yaml"
unit="$src/deploy/systemd/switchboard.service"
grep -qx '  mode: jwt' "$config" || { echo "FAIL: auth.mode must be jwt in $config"; exit 1; }
grep -qx '  jwks_file: /etc/switchboard/jwks.json' "$config" || { echo "FAIL: auth.jwks_file must be /etc/switchboard/jwks.json"; exit 1; }
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || { echo "FAIL: ExecReload must send SIGHUP (JWKS rotation)"; exit 1; }
sed '/^auth:/,/^$/d' "$config" > "$tmp/no-auth.yaml"
if "$bin" check-config "$tmp/no-auth.yaml" --set "turn.secret_file=$tmp/turn-secrets" > "$tmp/out" 2>&1; then
  echo "FAIL: the test copy without auth.mode was accepted: the check above proves nothing"; exit 1
fi
grep -q 'auth.mode' "$tmp/out" || { echo "FAIL: the error does not name auth.mode:"; cat "$tmp/out"; exit 1; }
# The documented keygen command, run with /etc/switchboard replaced by a
# scratch directory.
keygen=$(sed -n 's/^#  *\(switchboard auth keygen .*\)$/\1/p' "$unit")
[[ "$keygen" == *"--jwks /etc/switchboard/jwks.json"* ]] || { echo "FAIL: no keygen command for /etc/switchboard/jwks.json in $unit"; exit 1; }
read -r -a words <<< "${keygen//\/etc\/switchboard/$tmp}"
"$bin" "${words[@]:1}" > "$tmp/out" 2>&1 || { echo "FAIL: $keygen:"; cat "$tmp/out"; exit 1; }
[[ "$(stat -c %a "$tmp/signing-key.pem")" == 600 ]] || { echo "FAIL: the private key is not mode 0600"; exit 1; }
! grep -q '"d"' "$tmp/jwks.json" || { echo "FAIL: jwks.json holds private key material"; exit 1; }
kid=$(sed -n 's/.*--kid \([^ ]*\).*/\1/p' <<< "$keygen")
"$bin" auth token --key "$tmp/signing-key.pem" --kid "$kid" --sub alice > "$tmp/token" 2> "$tmp/out" ||
  { echo "FAIL: auth token:"; cat "$tmp/out"; exit 1; }
"$bin" auth verify --jwks "$tmp/jwks.json" - < "$tmp/token" > "$tmp/out" 2>&1 && grep -q '"sub":"alice"' "$tmp/out" ||
  { echo "FAIL: a token signed with the documented key does not verify against its jwks.json:"; cat "$tmp/out"; exit 1; }
echo "ok: auth.mode jwt with /etc/switchboard/jwks.json; the documented keygen makes a JWKS that verifies tokens"
echo "systemd: 6 passed, 0 failed"
