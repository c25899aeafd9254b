#!/usr/bin/env bash
# ctest deploy_chart_schema: every value set of the chart test rendered by
# deploycheck, each manifest validated against the Kubernetes OpenAPI
# schemas (schema.mjs), after the validator's own tests (schema.test.mjs)
# show it can fail. Installs the pinned npm packages (package-lock.json)
# into node_modules/ here when the lock file changed.
#   run.sh DEPLOYCHECK CHART_DIR OUT_DIR
set -uo pipefail
deploycheck=$1 chart=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if (( major < 20 )); then
  echo "node 20 or later is needed (found: $(node --version 2>&1)): deploy/install-deps.sh test (make test-deps)"
  exit 1
fi
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.switchboard-package-lock.json"; then
  echo "npm ci in $here"
  if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error); then
    echo "npm ci failed: the npm registry must be reachable for the first run (node_modules/ is kept afterwards)"
    exit 1
  fi
  cp "$here/package-lock.json" "$here/node_modules/.switchboard-package-lock.json"
fi

status=0
node --test --test-reporter=spec "$here/schema.test.mjs" || status=1

rm -rf "$out"
if ! "$deploycheck" render-sets --chart "$chart" --prod "$chart/ci/production-values.yaml" \
    --cluster "$chart/ci/cluster-values.yaml" --out "$out"; then
  echo "FAIL: deploycheck render-sets"
  exit 1
fi
node "$here/validate.mjs" "$out"/*.yaml || status=1
exit $status
