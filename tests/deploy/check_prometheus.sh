#!/usr/bin/env bash
# `promtool check config` on both compose Prometheus configurations, each
# with the alert rules beside it as docker-compose.yml mounts them
# (/etc/prometheus/prometheus.yml and /etc/prometheus/alerts.yml from
# helm/switchboard/files/alerts.yml, their only copy).
# Usage: check_prometheus.sh PROMTOOL SOURCE_DIR
set -euo pipefail
promtool=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src/helm/switchboard/files/alerts.yml" "$tmp/alerts.yml"
for config in prometheus.yml prometheus-cluster.yml; do
  cp "$src/deploy/monitoring/$config" "$tmp/prometheus.yml"
  "$promtool" check config "$tmp/prometheus.yml" || { echo "FAIL: promtool check config $config"; exit 1; }
  echo "ok: $config"
done
