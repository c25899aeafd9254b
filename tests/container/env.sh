# Sourced by the container suite's scripts: podman with the suite's own
# configuration and image storage, apart from the user's (their images,
# their tags and their containers are never touched).
#   SWITCHBOARD_CONTAINER_STATE  where the storage and the cached Debian base
#                                live (default ~/.cache/switchboard/container-tests)
#   SWITCHBOARD_IMAGE            the image the suite builds and runs
container_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SWITCHBOARD_CONTAINER_STATE=${SWITCHBOARD_CONTAINER_STATE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/switchboard/container-tests}
export SWITCHBOARD_IMAGE=${SWITCHBOARD_IMAGE:-localhost/switchboard:test}
mkdir -p "$SWITCHBOARD_CONTAINER_STATE"
# Runtime state on a tmpfs (/run), so that a reboot clears it as podman expects.
container_runroot=${XDG_RUNTIME_DIR:-/run}/switchboard-container-tests
[[ -w "${container_runroot%/*}" ]] || container_runroot=$SWITCHBOARD_CONTAINER_STATE/run
cat > "$SWITCHBOARD_CONTAINER_STATE/storage.conf" <<STORAGE
[storage]
driver = "overlay"
graphroot = "$SWITCHBOARD_CONTAINER_STATE/storage"
runroot = "$container_runroot"
STORAGE
# containers.conf as kept here, plus libpod's own runtime directory next to
# the storage's (the default, /run/libpod, is the user's podman's).
sed "s|^\[engine\]\$|[engine]\ntmp_dir = \"$container_runroot/libpod\"|" "$container_dir/containers.conf" \
  > "$SWITCHBOARD_CONTAINER_STATE/containers.conf"
export CONTAINERS_CONF="$SWITCHBOARD_CONTAINER_STATE/containers.conf"
export CONTAINERS_STORAGE_CONF="$SWITCHBOARD_CONTAINER_STATE/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$container_dir/registries.conf"
