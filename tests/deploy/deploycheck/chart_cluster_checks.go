package main

// Checks of the chart's signaling cluster (values `cluster`): replicas > 1
// only with it; then a PodDisruptionBudget, a preferred anti-affinity by
// hostname, the Redis URL and password reaching signaling (the password from
// a Secret, never the ConfigMap), and with cluster.redis.inChart a
// single-replica Redis StatefulSet, its Service, Secret and NetworkPolicy.
// Without the cluster none of it renders.

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

func (r *renderedSet) redisSecretName() string {
	if s := pathStr(r.vals, "cluster", "redis", "existingSecret"); s != "" {
		return s
	}
	return "sb-switchboard-redis"
}

func checkCluster(c *checker, r *renderedSet) {
	dep, cm := r.one(c, "Deployment", "signaling"), r.configMap()
	if dep == nil || cm == nil {
		return
	}
	var cfg obj
	yaml.Unmarshal([]byte(pathStr(cm, "data", "signaling.yaml")), &cfg)
	ct := container(dep)
	pod := pathObj(dep, "spec", "template", "spec")
	redisEnv := envOf(ct, "SWITCHBOARD_REDIS_PASSWORD")
	if path(r.vals, "cluster", "enabled") != true {
		c.expect(path(cfg, "cluster") == nil, "without cluster.enabled signaling.yaml has no cluster section")
		c.expect(redisEnv == nil, "without cluster.enabled signaling gets no Redis password")
		c.expect(len(r.find("StatefulSet", "redis")) == 0 && len(r.find("Service", "redis")) == 0,
			"without cluster.enabled no Redis is rendered")
		c.expect(path(pod, "affinity") == nil || len(pathObj(r.vals, "signaling", "affinity")) > 0,
			"a single replica gets no anti-affinity of the chart's")
		return
	}

	replicas := asInt(path(dep, "spec", "replicas"))
	c.expect(replicas > 1, "the cluster value sets run several replicas, got %d", replicas)
	if r.set.name == "cluster" {
		c.expect(replicas == 3, "ci/cluster-values.yaml runs 3 replicas, got %d", replicas)
	}
	pdbs := r.find("PodDisruptionBudget", "signaling")
	c.expect(len(pdbs) == 1 && asInt(path(pdbs[0], "spec", "maxUnavailable")) == 1,
		"several replicas need a PodDisruptionBudget with maxUnavailable 1")
	checkAntiAffinity(c, dep)

	url := pathStr(cfg, "cluster", "redis", "url")
	c.expect(path(cfg, "cluster", "enabled") == true, "signaling.yaml: cluster.enabled must be true")
	c.expect(path(cfg, "cluster", "node_id") == nil, "signaling.yaml must not set cluster.node_id: every pod names itself")
	c.expect(!regexp.MustCompile(`^redis://[^/@]*:[^/@]*@`).MatchString(url), "a password in cluster.redis.url: %s", url)
	for k, v := range pathObj(r.vals, "config", "cluster") {
		c.expect(fmt.Sprint(path(cfg, "cluster", k)) == fmt.Sprint(v), "config.cluster.%s=%v did not reach signaling.yaml", k, v)
	}
	c.expect(pathStr(redisEnv, "valueFrom", "secretKeyRef", "name") == r.redisSecretName() &&
		pathStr(redisEnv, "valueFrom", "secretKeyRef", "key") == pathStr(r.vals, "cluster", "redis", "key"),
		"SWITCHBOARD_REDIS_PASSWORD must come from Secret %s key %s: %v", r.redisSecretName(), pathStr(r.vals, "cluster", "redis", "key"), redisEnv)

	redisPort := 6379
	if path(r.vals, "cluster", "redis", "inChart", "enabled") == true {
		checkInChartRedis(c, r, url)
	} else {
		c.expect(url == pathStr(r.vals, "cluster", "redis", "url"), "cluster.redis.url %q must reach signaling.yaml, got %q", pathStr(r.vals, "cluster", "redis", "url"), url)
		c.expect(len(r.find("StatefulSet", "redis")) == 0, "an external Redis, yet the chart renders one")
		c.expect(len(r.find("Secret", "redis")) == 0, "cluster.redis.existingSecret set, yet the chart renders a Redis Secret")
		if m := regexp.MustCompile(`:(\d+)(/|$)`).FindStringSubmatch(strings.TrimPrefix(url, "redis://")); m != nil {
			fmt.Sscan(m[1], &redisPort)
		}
	}
	checkRedisEgress(c, r, redisPort)
}

// checkAntiAffinity: a preferred anti-affinity by hostname on the signaling
// pods' own labels.
func checkAntiAffinity(c *checker, dep obj) {
	terms := pathList(dep, "spec", "template", "spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution")
	ok := false
	for _, t := range terms {
		ok = ok || (pathStr(t, "podAffinityTerm", "topologyKey") == "kubernetes.io/hostname" &&
			labelsMatch(pathObj(t, "podAffinityTerm", "labelSelector", "matchLabels"), pathObj(dep, "spec", "template", "metadata", "labels")))
	}
	c.expect(ok, "several replicas need a preferred pod anti-affinity by kubernetes.io/hostname on their own labels: %v", terms)
}

func checkInChartRedis(c *checker, r *renderedSet, url string) {
	sts := r.one(c, "StatefulSet", "redis")
	svc := r.one(c, "Service", "redis")
	if sts == nil || svc == nil {
		return
	}
	name := pathStr(svc, "metadata", "name")
	port := asInt(path(pathList(svc, "spec", "ports")[0], "port"))
	c.expect(url == fmt.Sprintf("redis://%s:%d", name, port), "cluster.redis.url %q must name the in-chart Service %s:%d", url, name, port)
	c.expect(asInt(path(sts, "spec", "replicas")) == 1, "the in-chart Redis runs one replica")
	c.expect(pathStr(sts, "spec", "serviceName") == name, "StatefulSet serviceName must be the Service %s", name)
	c.expect(labelsMatch(pathObj(svc, "spec", "selector"), pathObj(sts, "spec", "template", "metadata", "labels")), "the Redis Service must select the Redis pod")
	ct := container(sts)
	c.expect(pathStr(ct, "image") == pathStr(r.vals, "cluster", "redis", "inChart", "image"), "Redis image must be cluster.redis.inChart.image")
	pod := pathObj(sts, "spec", "template", "spec")
	c.expect(path(pod, "securityContext", "runAsNonRoot") == true && asInt(path(pod, "securityContext", "runAsUser")) > 0,
		"Redis must run as a non-root uid")
	c.expect(pathStr(pod, "securityContext", "seccompProfile", "type") == "RuntimeDefault", "Redis: no RuntimeDefault seccomp profile")
	c.expect(path(pod, "automountServiceAccountToken") == false, "Redis needs no Kubernetes API token")
	c.expect(path(ct, "securityContext", "readOnlyRootFilesystem") == true && path(ct, "securityContext", "allowPrivilegeEscalation") == false &&
		contains(strList(pathList(ct, "securityContext", "capabilities", "drop")), "ALL"),
		"Redis: read-only root filesystem, no privilege escalation, capabilities dropped")
	c.expect(pathStr(ct, "resources", "requests", "memory") != "" && pathStr(ct, "resources", "limits", "memory") != "",
		"Redis: memory request and limit missing")
	mounts := map[string]bool{}
	for _, m := range pathList(ct, "volumeMounts") {
		mounts[pathStr(m, "mountPath")] = true
	}
	c.expect(mounts["/data"], "Redis needs a writable /data")
	script := strings.Join(strList(pathList(ct, "args")), "\n")
	c.expect(strings.Contains(script, "requirepass $REDIS_PASSWORD") && strings.Contains(script, "redis-server -"),
		"Redis must read requirepass from REDIS_PASSWORD on stdin: %q", script)
	c.expect(!strings.Contains(strings.Join(strList(pathList(ct, "command")), " ")+script, "--requirepass"),
		"the Redis password must not be a command-line argument")
	for _, v := range []string{"REDIS_PASSWORD", "REDISCLI_AUTH"} {
		e := envOf(ct, v)
		c.expect(pathStr(e, "valueFrom", "secretKeyRef", "name") == r.redisSecretName(), "Redis %s must come from Secret %s", v, r.redisSecretName())
	}
	c.expect(pathStr(ct, "readinessProbe", "exec", "command") != "", "Redis needs a readiness probe")

	if pathStr(r.vals, "cluster", "redis", "existingSecret") == "" {
		secrets := r.find("Secret", "redis")
		if c.expect(len(secrets) == 1, "expected the generated Redis Secret") {
			raw, err := base64.StdEncoding.DecodeString(pathStr(secrets[0], "data", pathStr(r.vals, "cluster", "redis", "key")))
			c.expect(err == nil && len(raw) >= 32 && regexp.MustCompile(`^[A-Za-z0-9]+$`).Match(raw),
				"generated Redis password must be >= 32 alphanumerics, got %d bytes (%v)", len(raw), err)
			c.expect(pathStr(secrets[0], "metadata", "name") == r.redisSecretName(), "Redis Secret name %s", pathStr(secrets[0], "metadata", "name"))
		}
	}
	if path(r.vals, "networkPolicy", "enabled") == true {
		var redisPolicy obj
		for _, n := range r.find("NetworkPolicy", "redis") {
			redisPolicy = n
		}
		if c.expect(redisPolicy != nil, "networkPolicy.enabled: the in-chart Redis needs its NetworkPolicy") {
			rules := pathList(redisPolicy, "spec", "ingress")
			c.expect(len(rules) == 1 && len(pathList(rules[0], "from")) == 1 &&
				labelsMatch(pathObj(pathList(rules[0], "from")[0], "podSelector", "matchLabels"), pathObj(r.one(c, "Deployment", "signaling"), "spec", "template", "metadata", "labels")),
				"only the signaling pods may reach Redis: %v", rules)
		}
	}
}

// checkRedisEgress: with the NetworkPolicy on, signaling may reach Redis's port.
func checkRedisEgress(c *checker, r *renderedSet, port int) {
	if path(r.vals, "networkPolicy", "enabled") != true {
		return
	}
	for _, n := range r.find("NetworkPolicy", "") {
		if pathStr(n, "spec", "podSelector", "matchLabels", "app.kubernetes.io/component") != "signaling" {
			continue
		}
		found := false
		for _, rule := range pathList(n, "spec", "egress") {
			for _, p := range pathList(rule, "ports") {
				found = found || asInt(path(p, "port")) == port
			}
		}
		c.expect(found, "the signaling NetworkPolicy must let signaling reach Redis on port %d", port)
	}
}

// checkClusterRefused: each wrong combination of cluster values fails the
// render with a message naming the values to fix.
func checkClusterRefused(c *checker, ch *chart, keys *authFixture) {
	cases := []struct {
		sets []string
		want string
	}{
		{[]string{"cluster.enabled=true"}, "cluster.enabled=true needs a Redis"},
		{[]string{"cluster.enabled=true", "cluster.redis.url=redis://r:6379", "cluster.redis.inChart.enabled=true"}, "set url (an external Redis) or inChart.enabled, not both"},
		{[]string{"cluster.enabled=true", "cluster.redis.url=rediss://r:6379"}, "must start with redis://"},
		{[]string{"cluster.enabled=true", "cluster.redis.url=redis://default:hunter2@r:6379"}, "holds a password"},
		{[]string{"cluster.redis.inChart.enabled=true"}, "cluster.redis.inChart.enabled needs cluster.enabled=true"},
		{[]string{"cluster.enabled=true", "cluster.redis.url=redis://r:6379", "config.cluster.node_id=a"}, "config.cluster.node_id: the chart sets it"},
		{[]string{"cluster.enabled=true", "cluster.redis.url=redis://r:6379", "config.cluster.redis.url=redis://x:1"}, "config.cluster.redis: the chart sets it"},
		{[]string{"signaling.terminationGracePeriodSeconds=12"}, "signaling.terminationGracePeriodSeconds=12 is below config.server.drain_period + signaling.terminationMarginSeconds (15s)"},
		{[]string{"signaling.terminationMarginSeconds=0"}, "signaling.terminationMarginSeconds=0: must be at least 1"},
	}
	for _, tc := range cases {
		vals, err := ch.values([]string{keys.valuesFile}, tc.sets)
		if !c.expect(err == nil, "values %v: %v", tc.sets, err) {
			continue
		}
		_, err = ch.render(vals, release2("sb", "rtc"))
		c.expect(err != nil && strings.Contains(err.Error(), tc.want), "%v must fail with %q, got: %v", tc.sets, tc.want, err)
	}
	// The boundary: exactly drain + margin renders.
	vals, _ := ch.values([]string{keys.valuesFile}, []string{"signaling.terminationGracePeriodSeconds=15"})
	_, err := ch.render(vals, release2("sb", "rtc"))
	c.expect(err == nil, "terminationGracePeriodSeconds = drain + margin (15) must render: %v", err)
}
