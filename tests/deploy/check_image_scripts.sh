#!/usr/bin/env bash
# deploy/image scripts that run without a cluster or a server:
# switchboard-node-external-ip on Node objects (both key orders, none),
# runtime-packages on the built binary, and the image's default config.
# Usage: check_image_scripts.sh SWITCHBOARD_BINARY SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
fail() { echo "FAIL: $*"; exit 1; }

node_ip() { SWITCHBOARD_NODE_JSON="$1" sh "$src/deploy/image/switchboard-node-external-ip" "$tmp/ip" > /dev/null; }
cat > "$tmp/node.json" <<'JSON'
{
  "kind": "Node",
  "status": {
    "addresses": [
      { "type": "InternalIP", "address": "10.0.0.5" },
      { "type": "ExternalIP", "address": "203.0.113.7" },
      { "type": "Hostname", "address": "node-1" }
    ]
  }
}
JSON
node_ip "$tmp/node.json" && [[ "$(cat "$tmp/ip")" == 203.0.113.7 ]] || fail "ExternalIP not found"
passed=$((passed + 1))
printf '{"status":{"addresses":[{"address":"10.0.0.5","type":"InternalIP"},{"address":"198.51.100.9","type":"ExternalIP"}]}}' > "$tmp/node2.json"
node_ip "$tmp/node2.json" && [[ "$(cat "$tmp/ip")" == 198.51.100.9 ]] || fail "ExternalIP (address first) not found"
passed=$((passed + 1))
printf '{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.5"}]}}' > "$tmp/node3.json"
rm -f "$tmp/ip"
if node_ip "$tmp/node3.json" 2> /dev/null; then fail "a node without ExternalIP must fail"; fi
[[ ! -e "$tmp/ip" ]] || fail "no file may be written without an ExternalIP"
passed=$((passed + 1))

pkgs=$(sh "$src/deploy/image/runtime-packages" "$bin")
for p in libssl3 libyaml-cpp0.7 libprometheus-cpp-core1.0 libhiredis0.14 libstdc++6; do
  grep -qx "$p" <<< "$pkgs" || fail "runtime-packages misses $p: $pkgs"
done
for p in $pkgs; do
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p")" == installed ]] || fail "runtime-packages names $p, which is not a package"
done
passed=$((passed + 1))
# The image's /etc/switchboard/switchboard.yaml starts as its header says
# (secret, origins and a JWKS from the environment or a mounted file given),
# and not without the origins or without keys (production, auth.mode jwt).
config="$src/deploy/image/switchboard.yaml"
origins='server.allowed_origins=["https://call.example.org"]'
"$bin" auth keygen --alg EdDSA --kid image-test --out "$tmp/key.pem" --jwks "$tmp/jwks.json" > /dev/null 2>&1 ||
  fail "switchboard auth keygen"
image_check() { SWITCHBOARD_TURN_SECRET=image-test-secret "$bin" check-config "$config" "$@"; }
SWITCHBOARD_AUTH_JWKS="$(cat "$tmp/jwks.json")" image_check --set "$origins" > "$tmp/out" 2>&1 ||
  { cat "$tmp/out"; fail "check-config deploy/image/switchboard.yaml (JWKS in SWITCHBOARD_AUTH_JWKS)"; }
grep -q '^  listen: 0.0.0.0:9464$' "$tmp/out" || fail "the image must serve metrics on 0.0.0.0:9464"
grep -q '^  mode: jwt$' "$tmp/out" || fail "the image must require tokens (auth.mode jwt)"
image_check --set "$origins" --set auth.jwks_file=/etc/switchboard/auth/jwks.json > "$tmp/out" 2>&1 ||
  { cat "$tmp/out"; fail "check-config deploy/image/switchboard.yaml (auth.jwks_file)"; }
if SWITCHBOARD_AUTH_JWKS="$(cat "$tmp/jwks.json")" image_check > /dev/null 2>&1; then
  fail "the image config must require allowed_origins (production profile)"
fi
image_check --set "$origins" > "$tmp/out" 2>&1 && fail "the image config must require a JWKS (auth.mode jwt)"
grep -q 'SWITCHBOARD_AUTH_JWKS' "$tmp/out" || { cat "$tmp/out"; fail "the missing-JWKS error must name SWITCHBOARD_AUTH_JWKS"; }
grep -q '^  static_dir: /usr/share/switchboard/web$' "$config" || fail "static_dir must be where the Dockerfile copies the web client"
passed=$((passed + 1))
echo "image-scripts: $passed passed, 0 failed"
