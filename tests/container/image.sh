#!/usr/bin/env bash
# The container suite's first step (ctest container_image): builds the image
# users build, then checks what is in it.
#   1. A Debian 12 base made here, because no registry is reachable:
#      `debootstrap --variant=minbase bookworm` from the mirror apt already
#      uses, trimmed the way debian:12-slim is, imported with `podman import`
#      as debian:12-slim (in the suite's own storage, env.sh). The rootfs is
#      cached per day in SWITCHBOARD_CONTAINER_STATE.
#   2. `podman build --format docker -f deploy/Dockerfile` (podman's default
#      OCI format drops HEALTHCHECK). When ccache is installed, the host's
#      cache is mounted into the build stage (CCACHE_DIR build argument):
#      the image compiles every file, most of them as cache hits.
#   3. Checks: the HEALTHCHECK is in the image; no compiler in it; no build
#      stage left behind; nothing ignored by .dockerignore reaches the build
#      context; the image size, printed for docs/deploy-compose.md.
# Usage: image.sh [SOURCE_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:-$here/../..}" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"
state=$SWITCHBOARD_CONTAINER_STATE
base_tag=docker.io/library/debian:12-slim
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($((SECONDS))s)"; }

[[ $(id -u) == 0 ]] || fail "the container suite runs as root (debootstrap, rootful podman), as make test does on the build machines"

# --- 1. the base -------------------------------------------------------------
# The first Debian mirror in apt's sources (SWITCHBOARD_DEBIAN_MIRROR overrides).
mirror() {
  local m=${SWITCHBOARD_DEBIAN_MIRROR:-}
  [[ -n "$m" ]] || m=$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)
  [[ -n "$m" ]] || m=$(grep -hsE '^\s*deb\s' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n 1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# The rootfs as a tar, made once a day: a new day picks up security updates.
make_base() {
  local day tar root
  day=$(date -u +%F)
  tar="$state/base/bookworm-minbase-$day.tar"
  if [[ -f "$tar" ]]; then
    echo "base: cached $tar"
  else
    step "debootstrap --variant=minbase bookworm $(mirror)"
    mkdir -p "$state/base"
    root=$(mktemp -d "$state/base/rootfs.XXXXXX")
    if ! debootstrap --variant=minbase bookworm "$root" "$(mirror)" > "$state/base/debootstrap.log" 2>&1; then
      tail -n 30 "$state/base/debootstrap.log" >&2
      rm -rf "$root"
      fail "debootstrap failed (log above)"
    fi
    # apt in the image uses the sources this host's apt uses (main, updates,
    # security), as debian:12-slim does with deb.debian.org.
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
      cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
      rm -f "$root/etc/apt/sources.list"
    fi
    # What makes debian:12-slim slim: no documentation, manuals or package
    # caches, now or from later installs.
    cat > "$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    cat > "$root/etc/apt/apt.conf.d/slim" <<'EOF'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Acquire::Languages "none";
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$root"/usr/share/{man,info,locale}/* "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" --numeric-owner -cf "$tar.part" .
    mv "$tar.part" "$tar"
    rm -rf "$root"
    find "$state/base" -maxdepth 1 -name 'bookworm-minbase-*.tar' -not -name "${tar##*/}" -delete
  fi
  local label
  label=$(podman image inspect --format '{{index .Labels "org.switchboard.base"}}' "$base_tag" 2>/dev/null || true)
  if [[ "$label" != "${tar##*/}" ]]; then
    step "podman import $tar as $base_tag"
    podman import --change 'CMD ["bash"]' --change "LABEL org.switchboard.base=${tar##*/}" "$tar" "$base_tag" > /dev/null
  fi
}

# --- 2. the image ------------------------------------------------------------
build_image() {
  local args=(--format docker --pull=never --layers=false -f deploy/Dockerfile -t "$SWITCHBOARD_IMAGE")
  local cache=''
  if [[ "${SWITCHBOARD_CONTAINER_CCACHE:-1}" == 1 ]] && command -v ccache > /dev/null; then
    cache=$(ccache --get-config cache_dir)
    mkdir -p "$cache"
    args+=(--volume "$cache:/ccache" --build-arg CCACHE_DIR=/ccache)
    # The flags and the locale variables (which ccache hashes) of the host's
    # release build, so that its objects match: make test WERROR=ON in CI.
    args+=(--build-arg "WERROR=${WERROR:-OFF}")
    [[ -z "${LANG:-}" ]] || args+=(--build-arg "LANG=$LANG")
    [[ -z "${LC_ALL:-}" ]] || args+=(--build-arg "LC_ALL=$LC_ALL")
  fi
  step "podman build ${args[*]} $src"
  (cd "$src" && podman build "${args[@]}" .)
  podman image prune -f > /dev/null
}

# --- 3. checks ---------------------------------------------------------------
check_image() {
  local hc size others
  step "checks"
  hc=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$SWITCHBOARD_IMAGE")
  [[ "$hc" == *'"switchboard-healthcheck","live"'* ]] || fail "the image has no HEALTHCHECK running switchboard-healthcheck live: $hc"
  echo "ok: HEALTHCHECK in the image: $hc"

  [[ "$(podman image inspect --format '{{.Config.User}}' "$SWITCHBOARD_IMAGE")" == 10001:10001 ]] ||
    fail "the image must run as 10001:10001"
  echo "ok: runs as 10001:10001"

  local found
  found=$(podman run --rm --entrypoint /bin/sh "$SWITCHBOARD_IMAGE" -c \
    'for c in cc gcc g++ c++ clang cpp ld as make cmake; do command -v "$c"; done;
     dpkg-query -W -f "\${Package}\n" | grep -E "^(gcc|g\+\+|cpp|clang|binutils|build-essential|libc6-dev|make|cmake)(-[0-9.]+)?$"' || true)
  [[ -z "$found" ]] || fail "a compiler or build tool is in the runtime image: $found"
  echo "ok: no compiler, linker or build tool in the image"

  # Only the base and the image remain: the build stage is gone (with
  # --layers=false it is never committed; prune removes anything dangling).
  others=$(podman images -a --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
    grep -vE "^(${base_tag}|${SWITCHBOARD_IMAGE}|docker.io/library/(redis|haproxy):[0-9a-z.-]+) " || true)
  [[ -z "$others" ]] || fail "images left behind by the build: $others"
  echo "ok: no build stage left behind"

  size=$(podman image inspect --format '{{.Size}}' "$SWITCHBOARD_IMAGE")
  echo "image size: $((size / 1000000)) MB ($size bytes; base $(( $(podman image inspect --format '{{.Size}}' "$base_tag") / 1000000 )) MB)"
}

# What the build context holds after .dockerignore: copied into a throwaway
# image and listed (podman reads .dockerignore at the context's root, as
# Docker does, whatever -f names).
check_context() {
  local listing
  decoys=(build-sbtest-decoy/decoy signaling/node_modules/sbtest-decoy tests/container/sbtest-decoy/.env)
  step "build context"
  # Files that must never be sent, planted where a build tree, an npm install
  # or a secrets file would be (whether or not the real ones exist now).
  local d
  for d in "${decoys[@]}"; do mkdir -p "$src/$(dirname "$d")" && echo decoy > "$src/$d"; done
  remove_decoys() {
    for d in "${decoys[@]}"; do
      rm -f "$src/$d"
      (cd "$src" && rmdir -p --ignore-fail-on-non-empty "$(dirname "$d")" 2> /dev/null) || true
    done
  }
  trap remove_decoys EXIT
  listing=$(cd "$src" && podman build --pull=never --layers=false -q -f "$here/context.Dockerfile" -t localhost/switchboard-context:test . > /dev/null &&
    podman run --rm localhost/switchboard-context:test)
  podman rmi -f localhost/switchboard-context:test > /dev/null
  remove_decoys
  trap - EXIT
  local leaked
  leaked=$(grep -E '(^|/)(node_modules|build[^/]*|\.git|\.env|\.cache|test-results)(/|$)' <<< "$listing" | head -n 5 || true)
  [[ -z "$leaked" ]] || fail "ignored paths reached the build context: $leaked"
  ! grep -q sbtest-decoy <<< "$listing" || fail "a planted decoy reached the build context: $(grep sbtest-decoy <<< "$listing")"
  grep -qx 'signaling/web/index.html' <<< "$listing" || fail "the context misses signaling/web/index.html: is .dockerignore too broad?"
  echo "ok: build context: $(wc -l <<< "$listing") files; no build output, node_modules, .git or .env (planted decoys stayed out)"
}

make_base
check_context
build_image
check_image
step "done"
