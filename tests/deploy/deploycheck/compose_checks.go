package main

// Checks of deploy/compose on the output of `docker-compose config` (the
// file with .env interpolated and paths resolved; --profile cluster, so the
// cluster profile's services are there too).

import (
	"os"
	"path/filepath"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

func loadRendered(c *checker, file string) obj {
	data, err := os.ReadFile(file)
	if !c.expect(err == nil, "%v", err) {
		return nil
	}
	var doc obj
	if !c.expect(yaml.Unmarshal(data, &doc) == nil, "%s: docker-compose config output does not parse", file) {
		return nil
	}
	return doc
}

// checkCompose: noTLSFile is the same rendering with TLS_CERT and TLS_KEY
// unset in .env.
func checkCompose(c *checker, renderedFile, noTLSFile, composeDir, bin string) {
	doc := loadRendered(c, renderedFile)
	if doc == nil {
		return
	}
	services := pathObj(doc, "services")
	for _, name := range []string{"switchboard", "turn", "prometheus", "grafana"} {
		c.expect(services[name] != nil, "service %s missing", name)
		c.expect(path(services, name, "profiles") == nil, "service %s must start without a profile", name)
	}
	checkComposeSource(c, composeDir)
	sig, turn := pathObj(services, "switchboard"), pathObj(services, "turn")
	roles := map[string]obj{"switchboard": sig, "turn": turn}
	for _, name := range clusterReplicas {
		if s := pathObj(services, name); c.expect(s != nil, "cluster profile: service %s missing", name) {
			roles[name] = s
		}
	}
	for name, s := range roles {
		c.scope = name
		c.expect(pathStr(s, "build", "dockerfile") == "deploy/Dockerfile", "must build deploy/Dockerfile")
		c.expect(pathStr(s, "image") == pathStr(sig, "image"), "both roles must use one image")
		c.expect(path(s, "read_only") == true, "root filesystem must be read-only")
		c.expect(contains(strList(pathList(s, "cap_drop")), "ALL"), "capabilities must be dropped")
		c.expect(contains(strList(pathList(s, "security_opt")), "no-new-privileges:true"), "no-new-privileges missing")
		c.expect(pathStr(s, "stop_signal") == "SIGTERM", "stop_signal must be SIGTERM (the drain)")
		c.expect(len(pathList(s, "healthcheck", "test")) > 0, "healthcheck missing")
		c.expect(pathStr(s, "environment", "SWITCHBOARD_TURN_SECRET") == "compose-test-secret",
			"the TURN secret must come from .env (TURN_SECRET) through SWITCHBOARD_TURN_SECRET")
		checkComposeConfig(c, s, composeDir, bin)
	}
	c.scope = "switchboard"
	hc := strList(pathList(sig, "healthcheck", "test"))
	c.expect(strings.Join(hc, " ") == "CMD switchboard-healthcheck live", "signaling healthcheck must be /healthz (live): %v", hc)
	drain := composeDrain(c, filepath.Join(composeDir, "signaling.yaml"))
	c.expect(durationSeconds(strings.TrimSuffix(pathStr(sig, "stop_grace_period"), "s")) > drain,
		"stop_grace_period %s must exceed server.drain_period (%ds)", pathStr(sig, "stop_grace_period"), drain)
	publishedMetrics := false
	for _, p := range pathList(sig, "ports") {
		if s, ok := p.(string); ok && strings.HasSuffix(s, ":9464/tcp") {
			publishedMetrics = strings.HasPrefix(s, "127.0.0.1:")
		}
	}
	c.expect(publishedMetrics, "signaling metrics must be published on 127.0.0.1 only")
	checkComposeAuth(c, sig, turn, composeDir)
	c.scope = "turn"
	c.expect(pathStr(turn, "network_mode") == "host", "the TURN role must use the host network")
	c.expect(strings.Join(strList(pathList(turn, "healthcheck", "test")), " ") == "CMD switchboard-healthcheck turn-live",
		"TURN healthcheck must be turn-live (no HTTP port in that role)")
	checkComposeCluster(c, services, composeDir)
	checkComposeNoTLS(c, noTLSFile, composeDir, bin)
	c.scope = "monitoring"
	for _, name := range []string{"prometheus", "grafana"} {
		c.expect(pathStr(services, name, "network_mode") == "host", "%s must use the host network (loopback scrapes)", name)
		for _, v := range strList(pathList(services, name, "volumes")) {
			src := strings.SplitN(v, ":", 2)[0]
			if strings.HasPrefix(src, "/") {
				_, err := os.Stat(src)
				c.expect(err == nil, "%s mounts %s, which does not exist", name, src)
			}
		}
	}
	// One copy of the rules and dashboards: the chart's files, mounted here.
	mounts := strings.Join(strList(pathList(services, "prometheus", "volumes")), " ")
	c.expect(strings.Contains(mounts, "/helm/switchboard/files/alerts.yml:/etc/prometheus/alerts.yml:"),
		"Prometheus must load the alert rules from helm/switchboard/files/alerts.yml: %s", mounts)
	c.expect(strings.Contains(mounts, "/deploy/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:"),
		"Prometheus must get deploy/monitoring/prometheus.yml (PROMETHEUS_CONFIG unset): %s", mounts)
	mounts = strings.Join(strList(pathList(services, "grafana", "volumes")), " ")
	c.expect(strings.Contains(mounts, "/helm/switchboard/files/dashboards:/var/lib/grafana/dashboards/switchboard:") &&
		strings.Contains(mounts, "/deploy/monitoring/grafana/provisioning/datasources:"), "Grafana must get the datasource and the chart's dashboards: %s", mounts)
	monitoring := filepath.Join(composeDir, "..", "monitoring")
	for _, dup := range []string{"alerts.yml", "grafana/dashboards"} {
		_, err := os.Stat(filepath.Join(monitoring, dup))
		c.expect(os.IsNotExist(err), "deploy/monitoring/%s: a second copy; the rules and dashboards live in helm/switchboard/files only", dup)
	}
	checkPrometheusConfigs(c, services, monitoring)
	c.scope = ""
	ignore, _ := os.ReadFile(filepath.Join(composeDir, ".gitignore"))
	c.expect(contains(strings.Fields(string(ignore)), ".env"), "deploy/compose/.gitignore must ignore .env")
}

func composeDrain(c *checker, file string) int {
	data, _ := os.ReadFile(file)
	var cfg obj
	yaml.Unmarshal(data, &cfg)
	d := durationSeconds(path(cfg, "server", "drain_period"))
	c.expect(d > 0, "%s: server.drain_period missing", file)
	return d
}

// checkComposeConfig runs `switchboard check-config` on the service's config
// file (the bind mount's source) with the service's --set arguments and
// environment, as the container would start it.
func checkComposeConfig(c *checker, s obj, composeDir, bin string) {
	cmd := strList(pathList(s, "command"))
	if !c.expect(len(cmd) >= 3 && cmd[1] == "--config", "command must be ROLE --config FILE ...: %v", cmd) {
		return
	}
	host := ""
	for _, v := range strList(pathList(s, "volumes")) {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == cmd[2] {
			host = parts[0]
		}
	}
	if !c.expect(host != "", "config %s is not mounted from the host", cmd[2]) {
		return
	}
	c.expect(strings.HasPrefix(host, filepath.Clean(composeDir)+"/") || strings.Contains(host, "/deploy/compose/"),
		"config %s should come from deploy/compose", host)
	env := []string{}
	for k, v := range pathObj(s, "environment") {
		env = append(env, k+"="+pathStr(map[string]interface{}{"v": v}, "v"))
	}
	args := append([]string{"check-config", host}, cmd[3:]...)
	if cmd[0] == "turn" {
		args = append(args, "--role", "turn")
	}
	code, out := runTool(env, bin, args...)
	c.expect(code == 0, "switchboard %v failed (%d):\n%s", args, code, out)
	if cmd[0] == "turn" {
		code, out = runTool(env, bin, append([]string{"turn-config", host}, cmd[3:]...)...)
		c.expect(code == 0 && strings.Contains(out, "\nexternal-ip=203.0.113.7/10.0.0.5\n") &&
			strings.Contains(out, "\nlistening-ip=10.0.0.5\n") && strings.Contains(out, "\nmin-port=49160\n"),
			"coturn config of the TURN service lacks the .env addresses and relay range:\n%s", out)
	}
}

// checkComposeAuth: signaling verifies tokens (auth.mode jwt) against a JWKS
// in a read-only bind-mounted directory, not a single-file mount (a file
// replaced on the host by a rename would stay the old one in the container);
// the TURN role has no auth settings (it hands out no peer IDs).
func checkComposeAuth(c *checker, sig, turn obj, composeDir string) {
	c.scope = "switchboard auth"
	var cfg obj
	data, _ := os.ReadFile(filepath.Join(composeDir, "signaling.yaml"))
	yaml.Unmarshal(data, &cfg)
	c.expect(pathStr(cfg, "auth", "mode") == "jwt", "signaling.yaml: auth.mode must be jwt, got %q", pathStr(cfg, "auth", "mode"))
	jwks := pathStr(cfg, "auth", "jwks_file")
	if !c.expect(strings.HasPrefix(jwks, "/etc/switchboard/"), "signaling.yaml: auth.jwks_file %q must be under /etc/switchboard", jwks) {
		return
	}
	mount := ""
	for _, v := range strList(pathList(sig, "volumes")) {
		if parts := strings.Split(v, ":"); len(parts) >= 2 && parts[1] == filepath.Dir(jwks) {
			mount = v
		}
		c.expect(!strings.Contains(v, ":"+jwks), "the JWKS must not be a single-file mount: %s", v)
	}
	c.expect(strings.HasSuffix(mount, ":ro"), "the directory of %s must be bind-mounted read-only: %q", jwks, mount)
	c.expect(strings.HasPrefix(mount, filepath.Join(composeDir, "auth")+":"),
		"with .env.example the JWKS directory must be deploy/compose/auth (AUTH_DIR): %q", mount)
	c.expect(pathStr(sig, "environment", "SWITCHBOARD_AUTH_JWKS") == "",
		"SWITCHBOARD_AUTH_JWKS and auth.jwks_file cannot both be set")
	ignore, _ := os.ReadFile(filepath.Join(composeDir, ".gitignore"))
	c.expect(contains(strings.Fields(string(ignore)), "auth/"), "deploy/compose/.gitignore must ignore auth/")
	c.scope = "turn auth"
	data, _ = os.ReadFile(filepath.Join(composeDir, "turn.yaml"))
	cfg = nil
	yaml.Unmarshal(data, &cfg)
	c.expect(path(cfg, "auth") == nil, "turn.yaml needs no auth section (checked with --role turn)")
	for _, v := range strList(pathList(turn, "volumes")) {
		c.expect(!strings.Contains(v, ":/etc/switchboard/auth"), "the TURN role needs no JWKS: %s", v)
	}
	c.scope = ""
}
