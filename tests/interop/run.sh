#!/usr/bin/env bash
# Runs the JWT interoperability tests (ctest: interop_jose, label
# integration): the jose npm package against `switchboard auth`. Installs the
# pinned npm package on first use (npm ci); needs node and npm
# (deploy/install-deps.sh test). Environment:
#   SWITCHBOARD_BINARY   the switchboard to test (default build/switchboard)
# Arguments: test files to run (default: every *.test.mjs here).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -d node_modules/jose ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
files=("$@")
(( ${#files[@]} )) || files=(./*.test.mjs)
exec node --test --test-reporter=spec "${files[@]}"
