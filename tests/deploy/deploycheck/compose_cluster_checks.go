package main

// Checks of deploy/compose's `cluster` profile (two signaling replicas,
// Redis, HAProxy), of the Prometheus configurations for both modes, and of
// what podman-compose 1.0.3 (Debian 12) needs from the file.

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

var clusterReplicas = []string{"signaling-a", "signaling-b"}

// The .env values check_compose.sh writes.
const composeRedisPassword = "compose-test-redis"

// checkComposeSource: podman-compose 1.0.3 leaves ${VAR-} and ${VAR:-}
// (an empty default) unexpanded, and ${VAR?} / ${VAR:?} without a message.
func checkComposeSource(c *checker, composeDir string) {
	c.scope = "docker-compose.yml"
	data, err := os.ReadFile(filepath.Join(composeDir, "docker-compose.yml"))
	if !c.expect(err == nil, "%v", err) {
		return
	}
	text := stripComments(string(data))
	empty := regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:?[-?]\}`).FindAllString(text, -1)
	c.expect(len(empty) == 0, "empty defaults or messages %v: podman-compose 1.0.3 leaves them unexpanded; give a non-empty one", empty)
	c.scope = ""
}

func publishedPorts(s obj) []string {
	return strList(pathList(s, "ports"))
}

func checkComposeCluster(c *checker, services obj, composeDir string) {
	c.scope = "cluster profile"
	for _, name := range append([]string{"redis", "haproxy"}, clusterReplicas...) {
		s := pathObj(services, name)
		if !c.expect(s != nil, "service %s missing", name) {
			continue
		}
		c.expect(reflect.DeepEqual(strList(pathList(s, "profiles")), []string{"cluster"}), "%s must be in the profile cluster only", name)
		c.expect(path(s, "read_only") == true, "%s: root filesystem must be read-only", name)
		c.expect(contains(strList(pathList(s, "cap_drop")), "ALL"), "%s: capabilities must be dropped", name)
		c.expect(contains(strList(pathList(s, "security_opt")), "no-new-privileges:true"), "%s: no-new-privileges missing", name)
		_, onCluster := pathObj(s, "networks")["cluster"]
		c.expect(onCluster || contains(strList(pathList(s, "networks")), "cluster"), "%s must be on the network cluster", name)
	}

	cfg := readYAML(filepath.Join(composeDir, "signaling-cluster.yaml"))
	c.expect(path(cfg, "cluster", "enabled") == true, "signaling-cluster.yaml: cluster.enabled must be true")
	c.expect(path(cfg, "cluster", "node_id") == nil, "signaling-cluster.yaml must not set cluster.node_id: each replica names itself")
	url := pathStr(cfg, "cluster", "redis", "url")
	c.expect(url == "redis://redis:6379", "signaling-cluster.yaml: cluster.redis.url must be the redis service without a password, got %q", url)
	drain := composeDrain(c, filepath.Join(composeDir, "signaling-cluster.yaml"))
	listen := pathStr(cfg, "server", "listen")
	for _, name := range clusterReplicas {
		s := pathObj(services, name)
		c.expect(pathStr(s, "environment", "SWITCHBOARD_REDIS_PASSWORD") == composeRedisPassword,
			"%s: the Redis password must come from .env (REDIS_PASSWORD) through SWITCHBOARD_REDIS_PASSWORD", name)
		c.expect(durationSeconds(strings.TrimSuffix(pathStr(s, "stop_grace_period"), "s")) > drain,
			"%s: stop_grace_period %s must exceed server.drain_period (%ds)", name, pathStr(s, "stop_grace_period"), drain)
		c.expect(contains(strList(pathList(s, "depends_on")), "redis") || path(s, "depends_on", "redis") != nil, "%s must depend on redis", name)
		for _, p := range publishedPorts(s) {
			c.expect(strings.HasPrefix(p, "127.0.0.1:") && strings.HasSuffix(p, ":9464/tcp"),
				"%s publishes %s: only its metrics, on loopback (HAProxy is the front)", name, p)
		}
		c.expect(strings.Join(strList(pathList(s, "healthcheck", "test")), " ") == "CMD switchboard-healthcheck live" &&
			pathStr(s, "environment", "SWITCHBOARD_HEALTH_PORT") == listen[strings.LastIndex(listen, ":")+1:],
			"%s: healthcheck must be /healthz on server.listen's port %s", name, listen)
	}
	checkComposeRedis(c, pathObj(services, "redis"))
	checkComposeHAProxy(c, pathObj(services, "haproxy"), composeDir, listen)
	c.scope = ""
}

func checkComposeRedis(c *checker, s obj) {
	if s == nil {
		return
	}
	c.expect(pathStr(s, "image") == "redis:7-alpine", "redis image: %s", pathStr(s, "image"))
	user := pathStr(s, "user")
	c.expect(user != "" && !strings.HasPrefix(user, "0") && !strings.HasPrefix(user, "root"), "redis must run as a non-root user, got %q", user)
	c.expect(pathStr(s, "environment", "REDIS_PASSWORD") == composeRedisPassword, "redis: REDIS_PASSWORD must come from .env")
	script := strings.Join(append(strList(pathList(s, "entrypoint")), strList(pathList(s, "command"))...), " ")
	// `docker-compose config` prints $ as $$ again.
	script = strings.ReplaceAll(script, "$$", "$")
	c.expect(strings.Contains(script, "requirepass $REDIS_PASSWORD") && strings.Contains(script, "redis-server -"),
		"redis must read its password from REDIS_PASSWORD on stdin: %q", script)
	c.expect(!strings.Contains(script, "--requirepass") && !strings.Contains(script, composeRedisPassword),
		"the Redis password must not be in the command line")
	c.expect(strings.Contains(script, `[ -n "$REDIS_PASSWORD" ]`), "redis must refuse to start without REDIS_PASSWORD")
	c.expect(len(publishedPorts(s)) == 0, "redis must not be published on the host")
}

// checkComposeHAProxy: the service mounts haproxy.cfg, whose servers are the
// replicas on their listen port, checked on /readyz, with WebSocket timeouts.
func checkComposeHAProxy(c *checker, s obj, composeDir, listen string) {
	if s == nil {
		return
	}
	c.expect(pathStr(s, "image") == "haproxy:2.6", "haproxy image: %s", pathStr(s, "image"))
	mount := filepath.Join(composeDir, "haproxy.cfg") + ":/usr/local/etc/haproxy/haproxy.cfg:ro"
	c.expect(contains(strList(pathList(s, "volumes")), mount), "haproxy must mount %s: %v", mount, pathList(s, "volumes"))
	ports := publishedPorts(s)
	c.expect(len(ports) == 1 && ports[0] == "127.0.0.1:8080:8080/tcp", "haproxy publishes CLUSTER_PUBLISH (127.0.0.1:8080 in .env.example): %v", ports)
	data, err := os.ReadFile(filepath.Join(composeDir, "haproxy.cfg"))
	if !c.expect(err == nil, "%v", err) {
		return
	}
	text := string(data)
	var servers []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+\S+\s+(\S+)`).FindAllStringSubmatch(text, -1) {
		servers = append(servers, m[1])
	}
	sort.Strings(servers)
	port := listen[strings.LastIndex(listen, ":")+1:]
	var want []string
	for _, r := range clusterReplicas {
		want = append(want, r+":"+port)
	}
	c.expect(reflect.DeepEqual(servers, want), "haproxy.cfg servers %v must be the replicas on server.listen's port: %v", servers, want)
	for _, line := range []string{`timeout tunnel 1h`, `option httpchk`, `http-check send meth GET uri /readyz`, `bind :8080`} {
		c.expect(regexp.MustCompile(`(?m)^\s*`+regexp.QuoteMeta(line)).MatchString(text), "haproxy.cfg lacks %q", line)
	}
	c.expect(regexp.MustCompile(`(?m)^\s*balance\s+(leastconn|roundrobin)`).MatchString(text), "haproxy.cfg: balance leastconn or roundrobin")
}

// checkComposeNoTLS: with TLS_CERT and TLS_KEY unset, signaling gets the
// YAML empty string "" (no TLS), and its config still checks.
func checkComposeNoTLS(c *checker, file, composeDir, bin string) {
	c.scope = "no TLS"
	doc := loadRendered(c, file)
	sig := pathObj(doc, "services", "switchboard")
	if !c.expect(sig != nil, "no switchboard service") {
		c.scope = ""
		return
	}
	cmd := strList(pathList(sig, "command"))
	c.expect(contains(cmd, `server.tls.cert=""`) && contains(cmd, `server.tls.key=""`),
		`TLS_CERT and TLS_KEY unset must give server.tls.cert="" and server.tls.key="": %v`, cmd)
	checkComposeConfig(c, sig, composeDir, bin)
	c.scope = ""
}

func readYAML(file string) obj {
	data, _ := os.ReadFile(file)
	var v obj
	yaml.Unmarshal(data, &v)
	return v
}

// checkPrometheusConfigs: prometheus.yml scrapes what the default services
// publish, prometheus-cluster.yml what the cluster profile publishes, and
// the two differ in nothing else.
func checkPrometheusConfigs(c *checker, services obj, monitoring string) {
	single := readYAML(filepath.Join(monitoring, "prometheus.yml"))
	cluster := readYAML(filepath.Join(monitoring, "prometheus-cluster.yml"))
	targets := func(cfg obj) []string {
		var out []string
		for _, job := range pathList(cfg, "scrape_configs") {
			if pathStr(job, "job_name") != "switchboard" {
				continue
			}
			for _, sc := range pathList(job, "static_configs") {
				out = append(out, strList(pathList(sc, "targets"))...)
			}
		}
		sort.Strings(out)
		return out
	}
	metricsOf := func(names ...string) []string {
		var out []string
		for _, n := range names {
			for _, p := range publishedPorts(pathObj(services, n)) {
				if strings.HasSuffix(p, ":9464/tcp") {
					out = append(out, strings.TrimSuffix(p, ":9464/tcp"))
				}
			}
		}
		sort.Strings(out)
		return out
	}
	c.expect(reflect.DeepEqual(targets(single), metricsOf("switchboard")),
		"prometheus.yml job switchboard scrapes %v, switchboard publishes %v", targets(single), metricsOf("switchboard"))
	c.expect(reflect.DeepEqual(targets(cluster), metricsOf(clusterReplicas...)),
		"prometheus-cluster.yml job switchboard scrapes %v, the replicas publish %v", targets(cluster), metricsOf(clusterReplicas...))
	strip := func(cfg obj) string {
		for _, job := range pathList(cfg, "scrape_configs") {
			if pathStr(job, "job_name") == "switchboard" {
				for _, sc := range pathList(job, "static_configs") {
					delete(sc.(map[string]interface{}), "targets")
				}
			}
		}
		return fmt.Sprint(normaliseJSON(cfg))
	}
	c.expect(single != nil && strip(single) == strip(cluster), "prometheus-cluster.yml must differ from prometheus.yml only in the switchboard targets")
}
