# Stand-in for redis:7-alpine (deploy/compose's `redis`), which cannot be
# pulled where the container suite runs: Debian 12's Redis 7.0 on the suite's
# Debian base. The compose service gives the user (999:999), the entrypoint
# (/bin/sh -c) and the command; redis-cli is there for its health check.
FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /data
CMD ["redis-server"]
