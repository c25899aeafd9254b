#!/usr/bin/env bash
# Runs the browser end-to-end suite (ctest: e2e_browser_calls, label e2e).
# Installs the pinned npm packages on first use; needs node, npm, Debian's
# chromium, and redis-server and haproxy for cluster.test.mjs
# (deploy/install-deps.sh test). Environment:
#   SWITCHBOARD_BINARY            the switchboard to test (default build/switchboard)
#   SWITCHBOARD_REDIS_SERVER      default /usr/bin/redis-server
#   SWITCHBOARD_HAPROXY           default /usr/sbin/haproxy
#   SWITCHBOARD_E2E_SCREENSHOTS   directory (relative to the source tree) for idle.png and call.png
#   SWITCHBOARD_E2E_DEBUG=1       print the pages' console messages
#   SWITCHBOARD_CHROMIUM          the browser (default /usr/bin/chromium)
# Arguments: test files to run (default: every *.test.mjs here).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -d node_modules/playwright-core ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
files=("$@")
(( ${#files[@]} )) || files=(./*.test.mjs)
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
