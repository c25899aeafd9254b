#!/usr/bin/env bash
# Runs container suite test files (node --test, through tests/e2e/run.sh for
# its pinned playwright-core) with podman configured by env.sh. The image is
# built first by image.sh (ctest: container_image).
# Usage: run.sh FILE.test.mjs...   (paths relative to tests/container)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"
files=()
for f in "$@"; do files+=("../container/$f"); done
exec bash "$here/../e2e/run.sh" "${files[@]}"
