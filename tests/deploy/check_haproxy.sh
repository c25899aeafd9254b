#!/usr/bin/env bash
# `haproxy -c` on deploy/compose/haproxy.cfg. The replicas' names resolve
# only on the compose network, so "could not resolve address" is the one
# warning allowed (init-addr none starts them as down); any other fails.
# Usage: check_haproxy.sh HAPROXY CONFIG
set -euo pipefail
haproxy=$1 config=$2
if ! out=$("$haproxy" -c -f "$config" 2>&1); then
  echo "FAIL: haproxy -c -f $config:"; echo "$out"; exit 1
fi
other=$(printf '%s\n' "$out" | grep -E '\[(WARNING|ALERT)\]' | grep -v "could not resolve address 'signaling-[ab]'" || true)
if [[ -n "$other" ]]; then
  echo "FAIL: haproxy -c warns about $config:"; echo "$other"; exit 1
fi
grep -q 'Configuration file is valid' <<< "$out" || { echo "FAIL: haproxy -c did not say valid:"; echo "$out"; exit 1; }
echo "ok: haproxy -c -f $config"
