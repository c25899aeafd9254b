package main

// Checks of helm/switchboard rendered with several value sets.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

// A value set the chart is rendered with.
type valueSet struct {
	name  string
	files []string
	sets  []string
}

// chartValueSets: jwksValues is a values file with auth.jwks.value, the
// least the defaults need (auth.mode jwt has no keyless default).
func chartValueSets(prod, cluster, jwksValues string) []valueSet {
	return []valueSet{
		{name: "defaults", files: []string{jwksValues}},
		{name: "production", files: []string{prod}},
		// Three replicas with the in-chart Redis (ci/cluster-values.yaml),
		// and two with an external Redis and its password Secret.
		{name: "cluster", files: []string{cluster}},
		{name: "cluster-external", files: []string{jwksValues}, sets: []string{
			"signaling.replicas=2", "cluster.enabled=true", "cluster.redis.url=redis://redis.example.org:6380/2",
			"cluster.redis.existingSecret=sb-redis", "cluster.redis.key=redis-password", "networkPolicy.enabled=true"}},
		// The remaining switches: node ExternalIP lookup, TURN as a
		// Deployment, the optional monitoring objects with default values,
		// no authentication.
		{name: "node-ip-deployment", sets: []string{
			"turn.externalIP.source=node", "turn.kind=Deployment", "turn.replicas=2",
			"monitoring.prometheusRule.enabled=true", "monitoring.grafanaDashboards.enabled=true",
			"monitoring.serviceMonitor.enabled=true", "auth.mode=none"}},
	}
}

type renderedSet struct {
	set  valueSet
	vals values
	out  *rendered
	docs []document
}

// checkChart: monitoring is the chart's files/ directory, the one copy of
// the alert rules and dashboards (deploy/compose mounts it too).
func checkChart(c *checker, chartDir, prod, cluster, bin, promtool, monitoring string) {
	ch, err := loadChart(chartDir)
	if !c.expect(err == nil, "load chart: %v", err) {
		return
	}
	tmp, err := os.MkdirTemp("", "deploycheck-chart-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)

	keys := newAuthFixture(c, bin, tmp)
	if keys == nil {
		return
	}
	nonEmpty := map[string]bool{}
	for _, vs := range chartValueSets(prod, cluster, keys.valuesFile) {
		c.scope = vs.name
		r := renderSet(c, ch, vs)
		if r == nil {
			continue
		}
		for _, d := range r.docs {
			nonEmpty[d.source] = true
		}
		checkDocuments(c, r)
		checkSignaling(c, r, bin, tmp)
		checkSignalingAuth(c, r, keys, bin, tmp)
		checkCluster(c, r)
		checkTurn(c, r, bin, tmp)
		checkSelectors(c, r)
		checkIngress(c, r)
		checkSecret(c, r)
		checkMonitoringObjects(c, r, ch, promtool, monitoring, tmp)
		checkNotes(c, r)
	}
	c.scope = "all value sets"
	for name := range ch.templates {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		c.expect(nonEmpty[name], "%s renders nothing under any tested value set", name)
	}
	c.scope = ""
	checkReplicasRefused(c, ch)
	checkClusterRefused(c, ch, keys)
	checkAuthRefused(c, ch, keys)
	checkDashboards(c, monitoring)
}

func renderSet(c *checker, ch *chart, vs valueSet) *renderedSet {
	vals, err := ch.values(vs.files, vs.sets)
	if !c.expect(err == nil, "values: %v", err) {
		return nil
	}
	out, err := ch.render(vals, release2("sb", "rtc"))
	if !c.expect(err == nil, "render: %v", err) {
		return nil
	}
	docs, err := out.documents()
	if !c.expect(err == nil, "%v", err) {
		return nil
	}
	return &renderedSet{set: vs, vals: vals, out: out, docs: docs}
}

func (r *renderedSet) find(kind string, component string) []obj {
	var out []obj
	for _, d := range r.docs {
		if pathStr(d.obj, "kind") != kind {
			continue
		}
		if component != "" && pathStr(d.obj, "metadata", "labels", "app.kubernetes.io/component") != component {
			continue
		}
		out = append(out, d.obj)
	}
	return out
}

func (r *renderedSet) one(c *checker, kind, component string) obj {
	found := r.find(kind, component)
	if !c.expect(len(found) == 1, "expected one %s %q, found %d", kind, component, len(found)) {
		return nil
	}
	return found[0]
}

func checkDocuments(c *checker, r *renderedSet) {
	seen := map[string]bool{}
	for _, d := range r.docs {
		kind := pathStr(d.obj, "kind")
		name := pathStr(d.obj, "metadata", "name")
		c.expect(pathStr(d.obj, "apiVersion") != "" && kind != "" && name != "",
			"%s: a document without apiVersion, kind or metadata.name", d.source)
		c.expect(len(name) <= 63, "%s: name %q longer than 63", d.source, name)
		c.expect(pathStr(d.obj, "metadata", "labels", "app.kubernetes.io/name") == "switchboard",
			"%s %s: no app.kubernetes.io/name label", kind, name)
		key := kind + "/" + name
		c.expect(!seen[key], "%s rendered twice", key)
		seen[key] = true
	}
}

// container returns the first container of a workload's pod template.
func container(workload obj) obj {
	cs := pathList(workload, "spec", "template", "spec", "containers")
	if len(cs) == 0 {
		return nil
	}
	m, _ := cs[0].(map[string]interface{})
	return m
}

func checkSecurity(c *checker, what string, workload obj) {
	pod := pathObj(workload, "spec", "template", "spec")
	c.expect(path(pod, "securityContext", "runAsNonRoot") == true, "%s: pod runAsNonRoot is not true", what)
	c.expect(asInt(path(pod, "securityContext", "runAsUser")) > 0, "%s: pod runAsUser must be a non-zero uid", what)
	c.expect(pathStr(pod, "securityContext", "seccompProfile", "type") == "RuntimeDefault", "%s: no RuntimeDefault seccomp profile", what)
	var all []interface{}
	all = append(all, pathList(pod, "initContainers")...)
	all = append(all, pathList(pod, "containers")...)
	for _, x := range all {
		ct, _ := x.(map[string]interface{})
		name := pathStr(ct, "name")
		c.expect(path(ct, "securityContext", "readOnlyRootFilesystem") == true, "%s/%s: root filesystem not read-only", what, name)
		c.expect(path(ct, "securityContext", "allowPrivilegeEscalation") == false, "%s/%s: privilege escalation allowed", what, name)
		c.expect(contains(strList(pathList(ct, "securityContext", "capabilities", "drop")), "ALL"), "%s/%s: capabilities not dropped (ALL)", what, name)
	}
	ct := container(workload)
	c.expect(pathStr(ct, "resources", "requests", "cpu") != "" && pathStr(ct, "resources", "requests", "memory") != "",
		"%s: cpu and memory requests missing", what)
	c.expect(pathStr(ct, "resources", "limits", "memory") != "", "%s: memory limit missing", what)
	mounts := map[string]bool{}
	for _, m := range pathList(ct, "volumeMounts") {
		mounts[pathStr(m, "mountPath")] = true
	}
	c.expect(mounts["/tmp"] && mounts["/etc/switchboard"], "%s: /tmp (writable) and /etc/switchboard (config) must be mounted", what)
}

// configFromMap returns a rendered config file of the chart's ConfigMap.
func (r *renderedSet) configFile(c *checker, key string) string {
	cm := r.one(c, "ConfigMap", "")
	if cm == nil {
		for _, m := range r.find("ConfigMap", "") {
			if pathStr(m, "data", key) != "" {
				return pathStr(m, "data", key)
			}
		}
		return ""
	}
	return pathStr(cm, "data", key)
}

func (r *renderedSet) configMap() obj {
	for _, m := range r.find("ConfigMap", "") {
		if path(m, "data", "signaling.yaml") != nil {
			return m
		}
	}
	return nil
}

func durationSeconds(v interface{}) int {
	s := fmt.Sprint(v)
	m := regexp.MustCompile(`^(\d+)(ms|s|m|h|d)?$`).FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	switch m[2] {
	case "ms":
		return n / 1000
	case "m":
		return n * 60
	case "h":
		return n * 3600
	case "d":
		return n * 86400
	}
	return n
}

func envOf(ct obj, name string) obj {
	for _, e := range pathList(ct, "env") {
		if pathStr(e, "name") == name {
			m, _ := e.(map[string]interface{})
			return m
		}
	}
	return nil
}

func (r *renderedSet) secretName() string {
	if s := pathStr(r.vals, "turnSecret", "existingSecret"); s != "" {
		return s
	}
	return "sb-switchboard-turn-secret"
}

func checkSecretEnv(c *checker, what string, ct obj, r *renderedSet) {
	e := envOf(ct, "SWITCHBOARD_TURN_SECRET")
	c.expect(pathStr(e, "valueFrom", "secretKeyRef", "name") == r.secretName() &&
		pathStr(e, "valueFrom", "secretKeyRef", "key") == pathStr(r.vals, "turnSecret", "key"),
		"%s: SWITCHBOARD_TURN_SECRET must come from Secret %s", what, r.secretName())
}

func checkSignaling(c *checker, r *renderedSet, bin, tmp string) {
	dep := r.one(c, "Deployment", "signaling")
	cm := r.configMap()
	if dep == nil || !c.expect(cm != nil, "no ConfigMap with signaling.yaml") {
		return
	}
	text := pathStr(cm, "data", "signaling.yaml")
	var cfg obj
	c.expect(yaml.Unmarshal([]byte(text), &cfg) == nil, "signaling.yaml does not parse")
	file := writeTemp(tmp, r.set.name+"-signaling.yaml", text)
	env := []string{"SWITCHBOARD_TURN_SECRET=chart-test-secret"}
	if envOf(container(dep), "SWITCHBOARD_REDIS_PASSWORD") != nil {
		env = append(env, "SWITCHBOARD_REDIS_PASSWORD=chart-test-redis-password")
	}
	code, out := runTool(env, bin, "check-config", file)
	c.expect(code == 0, "switchboard check-config signaling.yaml failed (%d):\n%s\n%s", code, out, numbered(text))

	wantReplicas := 1
	if path(r.vals, "cluster", "enabled") == true {
		wantReplicas = asInt(path(r.vals, "signaling", "replicas"))
	}
	c.expect(asInt(path(dep, "spec", "replicas")) == wantReplicas, "signaling replicas must be %d", wantReplicas)
	ct := container(dep)
	c.expect(reflect.DeepEqual(strList(pathList(ct, "args")), []string{"serve", "--config", "/etc/switchboard/signaling.yaml"}),
		"signaling args: %v", pathList(ct, "args"))
	ports := map[string]int{}
	for _, p := range pathList(ct, "ports") {
		ports[pathStr(p, "name")] = asInt(path(p, "containerPort"))
	}
	c.expect(fmt.Sprintf("0.0.0.0:%d", ports["http"]) == pathStr(cfg, "server", "listen"),
		"containerPort http %d does not match server.listen %s", ports["http"], pathStr(cfg, "server", "listen"))
	c.expect(fmt.Sprintf("0.0.0.0:%d", ports["metrics"]) == pathStr(cfg, "metrics", "listen"),
		"containerPort metrics %d does not match metrics.listen %s (in a pod it must not be loopback)", ports["metrics"], pathStr(cfg, "metrics", "listen"))
	c.expect(path(cfg, "turn", "managed", "enabled") == false, "signaling must not run coturn itself")
	c.expect(path(cfg, "turn", "secrets") == nil && path(cfg, "turn", "secret_file") == nil, "a secret in the ConfigMap")

	ready, live := pathObj(ct, "readinessProbe"), pathObj(ct, "livenessProbe")
	c.expect(pathStr(ready, "httpGet", "path") == "/readyz" && pathStr(ready, "httpGet", "port") == "http",
		"readiness probe must GET /readyz on port http: %v", ready)
	c.expect(pathStr(live, "httpGet", "path") == "/healthz" && pathStr(live, "httpGet", "port") == "http",
		"liveness probe must GET /healthz on port http: %v", live)
	c.expect(asInt(path(live, "failureThreshold"))*asInt(path(live, "periodSeconds")) >= 20,
		"liveness must tolerate at least 20s of silence before a restart")

	drain := durationSeconds(path(cfg, "server", "drain_period"))
	margin := asInt(path(r.vals, "signaling", "terminationMarginSeconds"))
	grace := asInt(path(dep, "spec", "template", "spec", "terminationGracePeriodSeconds"))
	c.expect(drain > 0 && margin > 0 && grace >= drain+margin,
		"terminationGracePeriodSeconds %d must be at least server.drain_period %d + margin %d", grace, drain, margin)
	if set := path(r.vals, "signaling", "terminationGracePeriodSeconds"); fmt.Sprint(set) == "" {
		c.expect(grace == drain+margin, "terminationGracePeriodSeconds %d: unset, it must be drain %d + margin %d", grace, drain, margin)
	} else {
		c.expect(grace == asInt(set), "terminationGracePeriodSeconds %d must be the value set, %v", grace, set)
	}
	if r.set.name == "production" {
		c.expect(drain == 20, "production drain_period should be the 20s from the values file, got %d", drain)
	}
	checkSecurity(c, "signaling", dep)
	checkSecretEnv(c, "signaling", ct, r)
	c.expect(path(dep, "spec", "template", "spec", "automountServiceAccountToken") == false,
		"signaling needs no Kubernetes API token")
}

func checkTurn(c *checker, r *renderedSet, bin, tmp string) {
	kind := pathStr(r.vals, "turn", "kind")
	found := r.find(kind, "turn")
	if path(r.vals, "turn", "enabled") != true {
		c.expect(len(found) == 0, "turn.enabled=false renders a TURN workload")
		return
	}
	if !c.expect(len(found) == 1, "expected one TURN %s, found %d", kind, len(found)) {
		return
	}
	w := found[0]
	pod := pathObj(w, "spec", "template", "spec")
	c.expect(path(pod, "hostNetwork") == true, "TURN pods must use hostNetwork")
	c.expect(pathStr(pod, "dnsPolicy") == "ClusterFirstWithHostNet", "TURN dnsPolicy must be ClusterFirstWithHostNet")
	ct := container(w)
	port := asInt(path(r.vals, "turn", "port"))
	metricsPort := asInt(path(r.vals, "turn", "metricsPort"))
	want := map[string]bool{fmt.Sprintf("%d/UDP", port): false, fmt.Sprintf("%d/TCP", port): false, fmt.Sprintf("%d/TCP", metricsPort): false}
	for _, p := range pathList(ct, "ports") {
		key := fmt.Sprintf("%d/%s", asInt(path(p, "containerPort")), pathStr(p, "protocol"))
		if _, ok := want[key]; ok {
			want[key] = asInt(path(p, "hostPort")) == asInt(path(p, "containerPort"))
		}
	}
	for k, ok := range want {
		c.expect(ok, "TURN port %s missing or hostPort differs", k)
	}
	c.expect(reflect.DeepEqual(strList(pathList(ct, "readinessProbe", "exec", "command")), []string{"switchboard-healthcheck", "turn-ready"}),
		"TURN readiness probe must run switchboard-healthcheck turn-ready")
	c.expect(reflect.DeepEqual(strList(pathList(ct, "livenessProbe", "exec", "command")), []string{"switchboard-healthcheck", "turn-live"}),
		"TURN liveness probe must run switchboard-healthcheck turn-live")
	c.expect(pathStr(envOf(ct, "HOST_IP"), "valueFrom", "fieldRef", "fieldPath") == "status.hostIP", "HOST_IP must be status.hostIP")
	checkSecurity(c, "turn", w)
	checkSecretEnv(c, "turn", ct, r)
	if kind == "Deployment" {
		c.expect(pathStr(w, "spec", "strategy", "rollingUpdate", "maxSurge") == "0", "a surge would put two relays on one node's ports")
		c.expect(pathList(pod, "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution") != nil,
			"TURN Deployment replicas need anti-affinity (one per node)")
	}

	cm := r.configMap()
	text := pathStr(cm, "data", "turn.yaml")
	if !c.expect(text != "", "no turn.yaml in the ConfigMap") {
		return
	}
	var cfg obj
	yaml.Unmarshal([]byte(text), &cfg)
	c.expect(pathStr(cfg, "turn", "managed", "relay_ports") == pathStr(r.vals, "turn", "relayPorts"),
		"turn.managed.relay_ports %q differs from turn.relayPorts %q", pathStr(cfg, "turn", "managed", "relay_ports"), pathStr(r.vals, "turn", "relayPorts"))
	stop := durationSeconds(path(cfg, "turn", "managed", "stop_timeout"))
	grace := asInt(path(pod, "terminationGracePeriodSeconds"))
	c.expect(stop > 0 && grace > stop, "TURN terminationGracePeriodSeconds %d must exceed stop_timeout %d", grace, stop)

	// The arguments as the kubelet expands them on a node at 10.0.0.5.
	args := turnArgs(c, r, ct, pod)
	file := writeTemp(tmp, r.set.name+"-turn.yaml", text)
	env := []string{"SWITCHBOARD_TURN_SECRET=chart-test-secret"}
	c.expect(path(cfg, "auth") == nil, "turn.yaml needs no auth section (the TURN role hands out no peer IDs)")
	code, out := runTool(env, bin, append([]string{"check-config", file, "--role", "turn"}, args...)...)
	c.expect(code == 0, "switchboard check-config --role turn turn.yaml %v failed (%d):\n%s", args, code, out)
	code, out = runTool(env, bin, append([]string{"turn-config", file}, args...)...)
	if !c.expect(code == 0, "switchboard turn-config failed (%d):\n%s", code, out) {
		return
	}
	lo, hi, _ := strings.Cut(pathStr(r.vals, "turn", "relayPorts"), "-")
	for _, line := range []string{"listening-ip=10.0.0.5", fmt.Sprintf("listening-port=%d", port), "relay-ip=10.0.0.5",
		"min-port=" + lo, "max-port=" + hi} {
		c.expect(strings.Contains(out, "\n"+line+"\n"), "rendered coturn config lacks %q", line)
	}
	switch pathStr(r.vals, "turn", "externalIP", "source") {
	case "value":
		line := "external-ip=" + pathStr(r.vals, "turn", "externalIP", "value") + "/10.0.0.5"
		c.expect(strings.Contains(out, "\n"+line+"\n"), "rendered coturn config lacks %q", line)
	case "node":
		c.expect(strings.Contains(out, "\nexternal-ip=198.51.100.9/10.0.0.5\n"), "node external IP not passed to coturn")
		c.expect(len(pathList(pod, "initContainers")) == 1 && path(pod, "automountServiceAccountToken") == true,
			"node mode needs the external-ip init container and an API token")
		c.expect(len(r.find("ClusterRole", "")) == 1 && len(r.find("ClusterRoleBinding", "")) == 1, "node mode needs RBAC to read nodes")
	default:
		c.expect(!strings.Contains(out, "external-ip="), "hostIP mode must not set external-ip")
		c.expect(path(pod, "automountServiceAccountToken") == false, "TURN needs no API token unless it reads the node")
	}
}

// turnArgs returns the --set arguments of the TURN container after the
// kubelet's $(VAR) expansion (and, in node mode, the shell's).
func turnArgs(c *checker, r *renderedSet, ct obj, pod obj) []string {
	env := map[string]string{"HOST_IP": "10.0.0.5"}
	var words []string
	if cmd := strList(pathList(ct, "command")); len(cmd) > 0 {
		c.expect(reflect.DeepEqual(cmd, []string{"/bin/sh", "-c"}), "unexpected TURN command %v", cmd)
		script := expandK8s(strings.Join(strList(pathList(ct, "args")), " "), env)
		script = strings.ReplaceAll(script, "$(cat /run/switchboard/external-ip)", "198.51.100.9")
		words = strings.Fields(script)
		c.expect(len(words) > 2 && words[0] == "exec" && words[1] == "switchboard", "node-mode script must exec switchboard: %q", script)
		words = words[2:]
	} else {
		for _, a := range strList(pathList(ct, "args")) {
			words = append(words, expandK8s(a, env))
		}
	}
	c.expect(len(words) >= 3 && words[0] == "turn" && words[1] == "--config" && words[2] == "/etc/switchboard/turn.yaml",
		"TURN container must run `switchboard turn --config /etc/switchboard/turn.yaml`: %v", words)
	if len(words) < 3 {
		return nil
	}
	for _, w := range words[3:] {
		c.expect(!strings.Contains(w, "$("), "unexpanded variable in TURN argument %q", w)
	}
	return words[3:]
}

func labelsMatch(selector, labels obj) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if fmt.Sprint(labels[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// Every Service, PDB and NetworkPolicy selects the pods of some workload.
func checkSelectors(c *checker, r *renderedSet) {
	var podLabels []obj
	for _, kind := range []string{"Deployment", "DaemonSet", "StatefulSet"} {
		for _, w := range r.find(kind, "") {
			podLabels = append(podLabels, pathObj(w, "spec", "template", "metadata", "labels"))
			c.expect(labelsMatch(pathObj(w, "spec", "selector", "matchLabels"), pathObj(w, "spec", "template", "metadata", "labels")),
				"%s %s: selector does not match its pod labels", kind, pathStr(w, "metadata", "name"))
		}
	}
	selects := func(sel obj) bool {
		for _, l := range podLabels {
			if labelsMatch(sel, l) {
				return true
			}
		}
		return false
	}
	for _, s := range r.find("Service", "") {
		c.expect(selects(pathObj(s, "spec", "selector")), "Service %s selects no pods", pathStr(s, "metadata", "name"))
	}
	for _, p := range r.find("PodDisruptionBudget", "") {
		c.expect(selects(pathObj(p, "spec", "selector", "matchLabels")), "PDB %s selects no pods", pathStr(p, "metadata", "name"))
		c.expect(path(p, "spec", "minAvailable") == nil, "PDB %s: minAvailable would block node drains of a single pod", pathStr(p, "metadata", "name"))
	}
	for _, n := range r.find("NetworkPolicy", "") {
		c.expect(selects(pathObj(n, "spec", "podSelector", "matchLabels")), "NetworkPolicy selects no pods")
		if pathStr(n, "spec", "podSelector", "matchLabels", "app.kubernetes.io/component") != "signaling" {
			continue // the in-chart Redis's: checkCluster
		}
		var ports []string
		for _, rule := range pathList(n, "spec", "ingress") {
			for _, p := range pathList(rule, "ports") {
				ports = append(ports, pathStr(p, "port"))
			}
		}
		c.expect(contains(ports, "http") && contains(ports, "metrics"), "NetworkPolicy must admit http and metrics, got %v", ports)
	}
	if r.set.name == "production" {
		c.expect(len(r.find("NetworkPolicy", "")) == 1, "production enables the NetworkPolicy")
		c.expect(len(r.find("PodDisruptionBudget", "")) == 2, "a PDB for signaling and one for TURN")
	}
}

func checkIngress(c *checker, r *renderedSet) {
	ings := r.find("Ingress", "")
	if path(r.vals, "ingress", "enabled") != true {
		c.expect(len(ings) == 0, "ingress.enabled=false renders an Ingress")
		return
	}
	if !c.expect(len(ings) == 1, "expected one Ingress") {
		return
	}
	ing := ings[0]
	host := pathStr(r.vals, "publicHost")
	rule := pathList(ing, "spec", "rules")
	c.expect(len(rule) == 1 && pathStr(rule[0], "host") == host, "Ingress host must be %s", host)
	paths := pathList(rule[0], "http", "paths")
	c.expect(len(paths) == 1 && pathStr(paths[0], "path") == "/" && pathStr(paths[0], "backend", "service", "port", "name") == "http",
		"Ingress must route / (page and WebSocket) to port http")
	ann := pathObj(ing, "metadata", "annotations")
	idle := durationSeconds(path(r.vals, "config", "server", "idle_timeout"))
	for _, key := range []string{"nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout"} {
		v, _ := strconv.Atoi(fmt.Sprint(ann[key]))
		c.expect(v >= idle && v > 60, "Ingress %s=%v must exceed server.idle_timeout (%ds) and nginx's 60s default", key, ann[key], idle)
	}
	tls := pathList(ing, "spec", "tls")
	c.expect(len(tls) == 1 && contains(strList(pathList(tls[0], "hosts")), host), "Ingress TLS must cover %s", host)
	c.expect(pathStr(ing, "spec", "ingressClassName") != "", "Ingress without ingressClassName")
}

func checkSecret(c *checker, r *renderedSet) {
	var secrets []obj
	for _, s := range r.find("Secret", "") {
		if name := pathStr(s, "metadata", "name"); name != r.jwksSecretName() && name != r.redisSecretName() {
			secrets = append(secrets, s)
		}
	}
	if pathStr(r.vals, "turnSecret", "existingSecret") != "" {
		c.expect(len(secrets) == 0, "existingSecret set, yet the chart renders a Secret")
		return
	}
	if !c.expect(len(secrets) == 1, "expected the generated TURN Secret") {
		return
	}
	s := secrets[0]
	c.expect(pathStr(s, "metadata", "name") == r.secretName(), "Secret name %s", pathStr(s, "metadata", "name"))
	raw, err := base64.StdEncoding.DecodeString(pathStr(s, "data", pathStr(r.vals, "turnSecret", "key")))
	c.expect(err == nil && len(raw) >= 32 && regexp.MustCompile(`^[A-Za-z0-9]+$`).Match(raw),
		"generated secret must be >= 32 alphanumerics, got %d bytes (%v)", len(raw), err)
	c.expect(pathStr(s, "metadata", "annotations", "helm.sh/resource-policy") == "keep", "generated Secret must survive uninstall")
}

// loadRulesFile reads a Prometheus rule file as a generic object.
func loadRulesFile(file string) (obj, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var v obj
	return v, yaml.Unmarshal(data, &v)
}

func checkMonitoringObjects(c *checker, r *renderedSet, ch *chart, promtool, monitoring, tmp string) {
	for _, sm := range r.find("ServiceMonitor", "") {
		eps := pathList(sm, "spec", "endpoints")
		c.expect(len(eps) == 1 && pathStr(eps[0], "port") == "metrics", "ServiceMonitor must scrape the ports named metrics")
		var jobs []string
		for _, rl := range pathList(eps[0], "relabelings") {
			if pathStr(rl, "targetLabel") == "job" {
				jobs = append(jobs, pathStr(rl, "replacement"))
			}
		}
		sort.Strings(jobs)
		c.expect(reflect.DeepEqual(jobs, []string{"switchboard", "switchboard-turn"}), "ServiceMonitor job labels %v", jobs)
		metricsServices := 0
		for _, s := range r.find("Service", "") {
			for _, p := range pathList(s, "spec", "ports") {
				if pathStr(p, "name") == "metrics" && labelsMatch(pathObj(sm, "spec", "selector", "matchLabels"), pathObj(s, "metadata", "labels")) {
					metricsServices++
				}
			}
		}
		c.expect(metricsServices == 2, "ServiceMonitor must find both metrics Services, found %d", metricsServices)
	}
	for _, pr := range r.find("PrometheusRule", "") {
		spec := pathObj(pr, "spec")
		text, _ := yaml.Marshal(spec)
		file := writeTemp(tmp, r.set.name+"-rules.yml", string(text))
		code, out := runTool(nil, promtool, "check", "rules", file)
		c.expect(code == 0, "promtool check rules on the PrometheusRule failed:\n%s", out)
		canonical, err := loadRulesFile(filepath.Join(monitoring, "alerts.yml"))
		c.expect(err == nil, "%s: %v", filepath.Join(monitoring, "alerts.yml"), err)
		exprs := string(text)
		switch r.set.name {
		case "production":
			c.expect(strings.Contains(exprs, "switchboard_connections > 0.8 * 20000"), "connection limit rule must follow config.server.max_connections (20000)")
			c.expect(strings.Contains(exprs, "* 8 > 0.8 * 1e+10"), "relay capacity rules must follow monitoring.prometheusRule.relayCapacityBitsPerSecond")
			c.expect(!reflect.DeepEqual(normaliseJSON(spec), normaliseJSON(canonical)), "production thresholds left the rules unchanged")
		default:
			c.expect(reflect.DeepEqual(normaliseJSON(spec), normaliseJSON(canonical)),
				"with default thresholds the PrometheusRule must equal files/alerts.yml")
		}
	}
	for _, cm := range r.find("ConfigMap", "") {
		if path(cm, "metadata", "labels", "grafana_dashboard") == nil {
			continue
		}
		data := pathObj(cm, "data")
		boards, _ := filepath.Glob(filepath.Join(monitoring, "dashboards", "*.json"))
		c.expect(len(boards) > 0 && len(data) == len(boards), "dashboard ConfigMap must hold all %d dashboards of files/dashboards, has %d", len(boards), len(data))
		for name, v := range data {
			want, err := os.ReadFile(filepath.Join(monitoring, "dashboards", name))
			c.expect(err == nil && strings.TrimSpace(fmt.Sprint(v)) == strings.TrimSpace(string(want)),
				"dashboard %s in the ConfigMap differs from files/dashboards", name)
			var parsed interface{}
			c.expect(json.Unmarshal([]byte(fmt.Sprint(v)), &parsed) == nil, "dashboard %s is not JSON", name)
		}
	}
	if r.set.name == "production" {
		c.expect(len(r.find("ServiceMonitor", "")) == 1 && len(r.find("PrometheusRule", "")) == 1, "production enables ServiceMonitor and PrometheusRule")
	}
}

func normaliseJSON(v interface{}) interface{} {
	data, _ := json.Marshal(v)
	var out interface{}
	json.Unmarshal(data, &out)
	return out
}

func checkNotes(c *checker, r *renderedSet) {
	notes := r.out.notes
	c.expect(strings.Contains(notes, "/readyz") && strings.Contains(notes, "/healthz"), "NOTES.txt must say how to check /healthz and /readyz")
	if path(r.vals, "ingress", "enabled") == true {
		url := "https://" + pathStr(r.vals, "publicHost") + "/"
		c.expect(strings.Contains(notes, url), "NOTES.txt must give the URL %s", url)
	} else {
		c.expect(strings.Contains(notes, "port-forward"), "NOTES.txt without Ingress must explain the port-forward")
	}
	c.expect(!strings.Contains(notes, "<no value>"), "NOTES.txt has a missing value")
}

// Replicas above one without the cluster must fail, with the message.
func checkReplicasRefused(c *checker, ch *chart) {
	for _, n := range []string{"2", "3"} {
		vals, _ := ch.values(nil, []string{"signaling.replicas=" + n})
		_, err := ch.render(vals, release2("sb", "rtc"))
		c.expect(err != nil && strings.Contains(err.Error(), "signaling.replicas="+n+" needs cluster.enabled=true") &&
			strings.Contains(err.Error(), "or set signaling.replicas to 1"),
			"signaling.replicas=%s without cluster.enabled must fail with the cluster message, got: %v", n, err)
	}
	vals, _ := ch.values(nil, []string{"turn.externalIP.source=value"})
	_, err := ch.render(vals, release2("sb", "rtc"))
	c.expect(err != nil && strings.Contains(err.Error(), "turn.externalIP.value"), "externalIP source=value without a value must fail: %v", err)
}
