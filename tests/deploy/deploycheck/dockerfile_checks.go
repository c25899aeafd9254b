package main

// deploy/Dockerfile builds with the same deps script and `make build` as
// developers and CI, and its runtime stage is the documented one.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

type dockerStage struct {
	from  string
	lines []string // instructions, continuation lines joined
}

func parseDockerfile(text string) []dockerStage {
	var stages []dockerStage
	joined := strings.ReplaceAll(text, "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, dockerStage{from: line})
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
	}
	return stages
}

func (s dockerStage) find(instruction string) []string {
	var out []string
	for _, l := range s.lines {
		if strings.HasPrefix(strings.ToUpper(l), instruction+" ") {
			out = append(out, strings.TrimSpace(l[len(instruction):]))
		}
	}
	return out
}

func checkDockerfile(c *checker, source string) {
	read := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(source, rel))
		c.expect(err == nil, "%s: %v", rel, err)
		return string(data)
	}
	stages := parseDockerfile(read("deploy/Dockerfile"))
	if !c.expect(len(stages) >= 2, "multi-stage build expected, found %d stage(s)", len(stages)) {
		return
	}
	for _, s := range stages {
		c.expect(regexp.MustCompile(`^FROM debian:12(-slim)?( |$)`).MatchString(s.from), "every stage must be Debian 12: %s", s.from)
	}
	build, runtime := stages[0], stages[len(stages)-1]
	runs := strings.Join(build.find("RUN"), "\n")
	c.expect(strings.Contains(runs, "bash deploy/install-deps.sh build"), "the build stage must run deploy/install-deps.sh build")
	c.expect(regexp.MustCompile(`(^|\s)make build(\s|$)`).MatchString(runs), "the build stage must run `make build`")

	// ... which are what the Makefile (and through it CI) runs.
	makefile := read("Makefile")
	c.expect(regexp.MustCompile(`(?m)^deps:\s*\n\t@?bash deploy/install-deps.sh build`).MatchString(makefile),
		"Makefile deps must run deploy/install-deps.sh build")
	c.expect(regexp.MustCompile(`(?m)^build: deps\s*\n(\t.*\n)*\t@?cmake --build build .*--target switchboard`).MatchString(makefile),
		"Makefile build must depend on deps and build the switchboard target into build/")
	c.expect(regexp.MustCompile(`(?m)^\s*make test\b`).MatchString(read(".ci/run")), ".ci/run must run make test (which builds the same way)")
	c.expect(strings.Contains(runs, "build/switchboard"), "the build stage must take the binary from make build's build/switchboard")

	user := runtime.find("USER")
	c.expect(len(user) == 1 && regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(user[0]),
		"the runtime stage must run as a numeric non-root USER, got %v", user)
	c.expect(strings.Join(runtime.find("STOPSIGNAL"), "") == "SIGTERM", "STOPSIGNAL must be SIGTERM (Switchboard drains on it)")
	hc := strings.Join(runtime.find("HEALTHCHECK"), " ")
	c.expect(strings.Contains(hc, `CMD ["switchboard-healthcheck", "live"]`), "HEALTHCHECK must run switchboard-healthcheck live: %s", hc)
	script := read("deploy/image/switchboard-healthcheck")
	c.expect(regexp.MustCompile(`(?m)^\s*live\) get /healthz ;;`).MatchString(script), "switchboard-healthcheck live must GET /healthz")
	c.expect(strings.Contains(strings.Join(runtime.find("ENTRYPOINT"), ""), `["switchboard"]`), "ENTRYPOINT must be switchboard (serve and turn roles)")
	installs := strings.Join(runtime.find("RUN"), "\n")
	c.expect(strings.Contains(installs, "coturn"), "the runtime stage must install coturn (turnserver)")
	copies := strings.Join(runtime.find("COPY"), "\n")
	c.expect(strings.Contains(copies, "/switchboard /usr/local/bin/switchboard"), "the runtime stage must copy the switchboard binary")
	c.expect(strings.Contains(copies, "signaling/web /usr/share/switchboard/web"), "the runtime stage must copy the web client")
	c.expect(strings.Contains(copies, "deploy/image/switchboard-healthcheck"), "the health check script must be in the image")
	c.expect(!strings.Contains(installs, "build-essential"), "no compiler in the runtime image")

	ignore := read(".dockerignore")
	for _, pattern := range []string{".git", "build*/", "**/.env"} {
		c.expect(contains(strings.Fields(ignore), pattern), ".dockerignore must exclude %s", pattern)
	}
}
