{{/* Names and labels. */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "switchboard.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "switchboard.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one role: (dict "ctx" $ "role" "signaling"). */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "switchboard.secretName" -}}
{{- default (printf "%s-turn-secret" (include "switchboard.fullname" .)) .Values.turnSecret.existingSecret -}}
{{- end -}}

{{- define "switchboard.jwksSecretName" -}}
{{- default (printf "%s-jwks" (include "switchboard.fullname" .)) .Values.auth.jwks.existingSecret -}}
{{- end -}}

{{/* "true" when signaling verifies tokens (auth.mode jwt). */}}
{{- define "switchboard.jwt" -}}
{{- if eq (toString .Values.auth.mode) "jwt" -}}true{{- end -}}
{{- end -}}

{{/*
Checks that stop the render with a clear message. Included by every
workload template, so `helm template` and `helm install` both fail early.
*/}}
{{- define "switchboard.validate" -}}
{{- if and (gt (int .Values.signaling.replicas) 1) (not .Values.cluster.enabled) -}}
{{- fail (printf "signaling.replicas=%v needs cluster.enabled=true: without clustering each replica keeps its own peers in memory and clients on different replicas cannot reach each other; enable the cluster with a Redis (cluster.redis.url or cluster.redis.inChart.enabled, docs/deploy-helm.md) or set signaling.replicas to 1" .Values.signaling.replicas) -}}
{{- end -}}
{{- include "switchboard.validateCluster" . -}}
{{- include "switchboard.validateGrace" . -}}
{{- if not (has .Values.turn.kind (list "DaemonSet" "Deployment")) -}}
{{- fail (printf "turn.kind=%v: must be DaemonSet or Deployment" .Values.turn.kind) -}}
{{- end -}}
{{- if not (has .Values.turn.externalIP.source (list "hostIP" "value" "node")) -}}
{{- fail (printf "turn.externalIP.source=%v: must be hostIP, value or node" .Values.turn.externalIP.source) -}}
{{- end -}}
{{- if and (eq .Values.turn.externalIP.source "value") (not .Values.turn.externalIP.value) -}}
{{- fail "turn.externalIP.source=value needs turn.externalIP.value (the relays' public address)" -}}
{{- end -}}
{{- if not (regexMatch "^[0-9]+-[0-9]+$" (toString .Values.turn.relayPorts)) -}}
{{- fail (printf "turn.relayPorts=%v: expected MIN-MAX, e.g. 49152-65535" .Values.turn.relayPorts) -}}
{{- end -}}
{{- include "switchboard.validateAuth" . -}}
{{- end -}}

{{- define "switchboard.validateCluster" -}}
{{- $redis := .Values.cluster.redis -}}
{{- $cfg := default (dict) (get .Values.config "cluster") -}}
{{- range $key := list "enabled" "redis" "node_id" -}}
{{- if hasKey $cfg $key -}}
{{- fail (printf "config.cluster.%s: the chart sets it (cluster.enabled, cluster.redis.* values; node_id is left to each pod, which names itself after its hostname)" $key) -}}
{{- end -}}
{{- end -}}
{{- if and $redis.inChart.enabled (not .Values.cluster.enabled) -}}
{{- fail "cluster.redis.inChart.enabled needs cluster.enabled=true (the Redis is only for the signaling cluster)" -}}
{{- end -}}
{{- if .Values.cluster.enabled -}}
{{- if and $redis.url $redis.inChart.enabled -}}
{{- fail "cluster.redis: set url (an external Redis) or inChart.enabled, not both" -}}
{{- end -}}
{{- if not (or $redis.url $redis.inChart.enabled) -}}
{{- fail "cluster.enabled=true needs a Redis: cluster.redis.url (an external one, redis://host:port) or cluster.redis.inChart.enabled=true" -}}
{{- end -}}
{{- if $redis.url -}}
{{- if not (hasPrefix "redis://" (toString $redis.url)) -}}
{{- fail "cluster.redis.url must start with redis:// (rediss://, TLS, is not supported: reach Redis over a private network)" -}}
{{- end -}}
{{- if regexMatch "^redis://[^/@]*:[^/@]*@" (toString $redis.url) -}}
{{- fail "cluster.redis.url holds a password, which would end up in the ConfigMap: put it in a Secret and name it in cluster.redis.existingSecret" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
terminationGracePeriodSeconds must cover the drain (SIGTERM closes the
clients over server.drain_period) plus a margin for the last writes.
*/}}
{{- define "switchboard.validateGrace" -}}
{{- $min := add (include "switchboard.drainSeconds" . | int) (int .Values.signaling.terminationMarginSeconds) -}}
{{- if lt (int .Values.signaling.terminationMarginSeconds) 1 -}}
{{- fail (printf "signaling.terminationMarginSeconds=%v: must be at least 1 (the time after the drain to close the last connections)" .Values.signaling.terminationMarginSeconds) -}}
{{- end -}}
{{- $set := .Values.signaling.terminationGracePeriodSeconds -}}
{{- if and (ne (toString $set) "") (lt (int $set) $min) -}}
{{- fail (printf "signaling.terminationGracePeriodSeconds=%v is below config.server.drain_period + signaling.terminationMarginSeconds (%vs): the kubelet would kill the pod mid-drain; raise it or leave it empty" $set $min) -}}
{{- end -}}
{{- end -}}

{{/* The signaling pod's terminationGracePeriodSeconds (checked by validateGrace). */}}
{{- define "switchboard.signalingGrace" -}}
{{- $set := .Values.signaling.terminationGracePeriodSeconds -}}
{{- if ne (toString $set) "" -}}
{{- int $set -}}
{{- else -}}
{{- add (include "switchboard.drainSeconds" .) .Values.signaling.terminationMarginSeconds -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.redisName" -}}
{{- printf "%s-redis" (include "switchboard.fullname" .) -}}
{{- end -}}

{{- define "switchboard.redisSecretName" -}}
{{- default (include "switchboard.redisName" .) .Values.cluster.redis.existingSecret -}}
{{- end -}}

{{/* "true" when signaling gets SWITCHBOARD_REDIS_PASSWORD from a Secret. */}}
{{- define "switchboard.redisPassword" -}}
{{- if and .Values.cluster.enabled (or .Values.cluster.redis.existingSecret .Values.cluster.redis.inChart.enabled) -}}true{{- end -}}
{{- end -}}

{{/* Switchboard's cluster.redis.url: the external one or the in-chart Service. */}}
{{- define "switchboard.redisURL" -}}
{{- if .Values.cluster.redis.inChart.enabled -}}
{{- printf "redis://%s:%v" (include "switchboard.redisName" .) .Values.cluster.redis.inChart.port -}}
{{- else -}}
{{- .Values.cluster.redis.url -}}
{{- end -}}
{{- end -}}

{{/* The TCP port signaling connects to Redis on (for the NetworkPolicy). */}}
{{- define "switchboard.redisPort" -}}
{{- $port := regexFind ":[0-9]+(/|$)" (regexReplaceAll "^redis://([^@/]*@)?" (include "switchboard.redisURL" .) "") | trimPrefix ":" | trimSuffix "/" -}}
{{- default "6379" $port -}}
{{- end -}}

{{- define "switchboard.validateAuth" -}}
{{- $auth := .Values.auth -}}
{{- if not (has (toString $auth.mode) (list "jwt" "none")) -}}
{{- fail (printf "auth.mode=%v: must be jwt (tokens from your backend, docs/auth.md) or none (anyone who reaches the WebSocket gets a peer ID and TURN credentials)" $auth.mode) -}}
{{- end -}}
{{- if hasKey .Values.config "auth" -}}
{{- fail "config.auth: set the chart's auth.* values instead (auth.mode, auth.jwks, auth.audience, ...)" -}}
{{- end -}}
{{- if include "switchboard.jwt" . -}}
{{- if and $auth.jwks.existingSecret $auth.jwks.value -}}
{{- fail "auth.jwks: set existingSecret or value, not both" -}}
{{- end -}}
{{- if not (or $auth.jwks.existingSecret $auth.jwks.value) -}}
{{- fail "auth.mode=jwt needs the JWKS with your token signers' public keys: auth.jwks.existingSecret (a Secret with key auth.jwks.key) or auth.jwks.value (e.g. --set-file auth.jwks.value=jwks.json); see docs/deploy-helm.md. Or set auth.mode=none to let anyone use the server" -}}
{{- end -}}
{{- if $auth.jwks.value -}}
{{- $keys := get (fromJson (toString $auth.jwks.value)) "keys" -}}
{{- if not (kindIs "slice" $keys) -}}
{{- fail "auth.jwks.value is not a JWKS: expected a JSON document {\"keys\": [...]}" -}}
{{- end -}}
{{- range $keys -}}
{{- if and (kindIs "map" .) (hasKey . "d") -}}
{{- fail "auth.jwks.value holds a private key (member \"d\"): give Switchboard the public JWKS only; the signing key belongs to your token-minting backend" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A Switchboard duration (30s, 10m, 1h, 2d or a bare number of seconds) in
whole seconds.
*/}}
{{- define "switchboard.seconds" -}}
{{- $s := toString . -}}
{{- $n := regexFind "^[0-9]+" $s | int -}}
{{- $unit := trimPrefix (regexFind "^[0-9]+" $s) $s -}}
{{- if eq $unit "ms" -}}{{ div $n 1000 }}
{{- else if eq $unit "m" -}}{{ mul $n 60 }}
{{- else if eq $unit "h" -}}{{ mul $n 3600 }}
{{- else if eq $unit "d" -}}{{ mul $n 86400 }}
{{- else -}}{{ $n }}
{{- end -}}
{{- end -}}

{{/* The signaling drain period in seconds (Switchboard's default: 10s). */}}
{{- define "switchboard.drainSeconds" -}}
{{- include "switchboard.seconds" (dig "server" "drain_period" "10s" .Values.config) -}}
{{- end -}}

{{/*
The configuration both roles share: values.config with the chart's own
keys set. Secrets never appear: SWITCHBOARD_TURN_SECRET comes from the Secret.
*/}}
{{- define "switchboard.baseConfig" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $_ := unset $cfg "auth" -}}
{{- $_ := unset $cfg "cluster" -}}
{{- $server := default (dict) (get $cfg "server") -}}
{{- if not (get $server "allowed_origins") -}}
{{- $_ := set $server "allowed_origins" (list (printf "https://%s" .Values.publicHost)) -}}
{{- end -}}
{{- $_ := set $server "listen" (printf "0.0.0.0:%v" .Values.signaling.port) -}}
{{- $_ := set $server "static_dir" "/usr/share/switchboard/web" -}}
{{- $_ := set $cfg "server" $server -}}
{{- $turn := default (dict) (get $cfg "turn") -}}
{{- $_ := unset $turn "secrets" -}}
{{- $_ := unset $turn "secret_file" -}}
{{- if and (not (get $turn "uris")) .Values.turn.enabled -}}
{{- $_ := set $turn "uris" (list (printf "turn:%s:%v?transport=udp" .Values.turn.publicHost .Values.turn.port) (printf "turn:%s:%v?transport=tcp" .Values.turn.publicHost .Values.turn.port)) -}}
{{- end -}}
{{- $_ := set $cfg "turn" $turn -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
`switchboard serve`: no coturn of its own; auth.* from the chart's `auth`
values, the JWKS as a file from its Secret (the pod's config volume).
*/}}
{{- define "switchboard.signalingConfig" -}}
{{- $cfg := include "switchboard.baseConfig" . | fromYaml -}}
{{- $_ := set $cfg "metrics" (dict "enabled" true "listen" (printf "0.0.0.0:%v" .Values.signaling.metricsPort)) -}}
{{- $_ := set $cfg.turn "managed" (dict "enabled" false) -}}
{{- $auth := omit (deepCopy .Values.auth) "jwks" -}}
{{- if include "switchboard.jwt" . -}}
{{- $_ := set $auth "jwks_file" "/etc/switchboard/jwks.json" -}}
{{- end -}}
{{- $_ := set $cfg "auth" $auth -}}
{{- if .Values.cluster.enabled -}}
{{- $cluster := deepCopy (default (dict) (get .Values.config "cluster")) -}}
{{- $_ := set $cluster "enabled" true -}}
{{- $_ := set $cluster "redis" (dict "url" (include "switchboard.redisURL" .)) -}}
{{- $_ := set $cfg "cluster" $cluster -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
`switchboard turn`: coturn on the node's address. listen, relay_ip,
external_ip and metrics.listen depend on the node and are passed as --set
arguments (see the TURN workload).
*/}}
{{- define "switchboard.turnConfig" -}}
{{- $cfg := include "switchboard.baseConfig" . | fromYaml -}}
{{- $_ := set $cfg.turn "managed" (dict "enabled" true "profile" "production" "relay_ports" (toString .Values.turn.relayPorts) "user_quota" .Values.turn.userQuota "total_quota" .Values.turn.totalQuota "max_bps" .Values.turn.maxBps "stop_timeout" .Values.turn.stopTimeout) -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* The Redis password variable of signaling pods (cluster with a password). */}}
{{- define "switchboard.redisEnv" -}}
{{- if include "switchboard.redisPassword" . -}}
- name: SWITCHBOARD_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "switchboard.redisSecretName" . }}
      key: {{ .Values.cluster.redis.key }}
{{- end -}}
{{- end -}}

{{/* The pod's TURN secret variable. */}}
{{- define "switchboard.secretEnv" -}}
- name: SWITCHBOARD_TURN_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "switchboard.secretName" . }}
      key: {{ .Values.turnSecret.key }}
{{- end -}}
