#!/usr/bin/env bash
# Installs the Debian 12 packages Switchboard builds, runs and tests with.
# Idempotent and quiet when everything is already there: it asks dpkg first and
# only runs apt-get for what is missing. Usage: install-deps.sh [build|test]
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev prometheus-cpp-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libhiredis-dev
  coturn
)
test_pkgs=(
  libgtest-dev libgmock-dev openssl curl procps
  chromium
  prometheus docker-compose golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev
  clang-15 libfuzzer-15-dev gnuplot-nox
  redis-server haproxy
  # tests/container: the image built and run with podman (runc: crun fails
  # on hybrid cgroup hosts), its Debian base made by debootstrap.
  podman runc debootstrap uidmap slirp4netns fuse-overlayfs
  golang-github-containernetworking-plugin-dnsname
)

want=("${build_pkgs[@]}")
if [[ "${1:-build}" == "test" ]]; then
  want+=("${test_pkgs[@]}")
fi

# The browser tests need node and npm. Some images ship them outside Debian
# (with npm bundled, conflicting with Debian's npm): only add Debian's when absent.
if [[ "${1:-build}" == "test" ]] && ! command -v npm >/dev/null 2>&1; then
  want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts coturn's own system service on install; Switchboard supervises
# its own turnserver, so the packaged one must not hold port 3478.
# The same for Debian's Prometheus (test tools only need promtool), Redis and
# HAProxy: the cluster tests start their own on ports they pick.
for service in coturn prometheus redis-server haproxy; do
  if [[ " ${missing[*]} " == *" ${service} "* ]] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done
echo "install-deps: done"
