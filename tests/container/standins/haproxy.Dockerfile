# Stand-in for haproxy:2.6 (deploy/compose's `haproxy`), which cannot be
# pulled where the container suite runs: Debian 12's HAProxy 2.6 on the
# suite's Debian base, run as the official image runs it (its config at
# /usr/local/etc/haproxy/haproxy.cfg, master-worker in the foreground, as
# user haproxy, soft stop on SIGUSR1).
FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/etc/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
