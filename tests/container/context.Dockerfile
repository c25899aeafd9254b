# Lists the build context as podman/Docker send it (after .dockerignore):
# tests/container/image.sh builds this with the repository root as context.
FROM debian:12-slim
COPY . /ctx
CMD ["find", "/ctx", "-type", "f", "-printf", "%P\n"]
