// deploycheck: offline checks of Switchboard's deployment files (Helm chart,
// docker-compose, Dockerfile, monitoring), run by ctest (tests/deploy).
//
//	deploycheck render   --chart DIR [-f VALUES]... [--set K=V]...   # like `helm template`
//	deploycheck render-sets --chart DIR --prod VALUES --cluster VALUES --out DIR  # every value set of `chart`, DIR/<set>.yaml
//	deploycheck chart    --chart DIR --prod VALUES --cluster VALUES --switchboard BIN --promtool BIN --monitoring DIR
//	deploycheck names    --monitoring DIR --chart DIR --prod VALUES [--matchers]  # metric names (label matchers) used
//	deploycheck rules-coverage --rules FILE --tests FILE
//	deploycheck compose  --rendered FILE --rendered-no-tls FILE --compose-dir DIR --switchboard BIN
//	deploycheck dockerfile --source DIR
//
// --monitoring DIR is the directory with alerts.yml and dashboards/*.json:
// helm/switchboard/files, their only copy (deploy/compose mounts it).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploycheck render|render-sets|chart|names|rules-coverage|compose|dockerfile [flags]")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	chartDir := fs.String("chart", "", "chart directory")
	prod := fs.String("prod", "", "production-like values file")
	cluster := fs.String("cluster", "", "cluster values file (signaling replicas with Redis)")
	bin := fs.String("switchboard", "", "switchboard binary")
	promtool := fs.String("promtool", "promtool", "promtool binary")
	monitoring := fs.String("monitoring", "", "alerts.yml and dashboards/ (helm/switchboard/files)")
	rules := fs.String("rules", "", "rule file")
	tests := fs.String("tests", "", "promtool rule test file")
	renderedCompose := fs.String("rendered", "", "output of `docker-compose --profile cluster config`")
	renderedNoTLS := fs.String("rendered-no-tls", "", "the same with TLS_CERT and TLS_KEY unset")
	composeDir := fs.String("compose-dir", "", "deploy/compose directory")
	source := fs.String("source", "", "source tree")
	outDir := fs.String("out", "", "render-sets: output directory")
	release := fs.String("release", "switchboard", "release name")
	namespace := fs.String("namespace", "default", "release namespace")
	matchers := fs.Bool("matchers", false, "names: print the label matchers instead of the names")
	var valueFiles, sets multiFlag
	fs.Var(&valueFiles, "f", "values file (repeatable)")
	fs.Var(&sets, "set", "key=value (repeatable)")
	fs.Parse(args)

	c := &checker{name: cmd}
	switch cmd {
	case "render":
		os.Exit(renderCommand(*chartDir, valueFiles, sets, release2(*release, *namespace)))
	case "render-sets":
		os.Exit(renderSetsCommand(*chartDir, *prod, *cluster, *outDir))
	case "chart":
		checkChart(c, *chartDir, *prod, *cluster, *bin, *promtool, *monitoring)
	case "names":
		os.Exit(namesCommand(*monitoring, *chartDir, *prod, valueFiles, *matchers))
	case "rules-coverage":
		checkRulesCoverage(c, *rules, *tests)
	case "compose":
		checkCompose(c, *renderedCompose, *renderedNoTLS, *composeDir, *bin)
	case "dockerfile":
		checkDockerfile(c, *source)
	default:
		usage()
	}
	os.Exit(c.finish())
}

func release2(name, namespace string) release {
	return release{Name: name, Namespace: namespace, Service: "Helm", IsInstall: true, Revision: 1}
}

func renderCommand(dir string, files, sets []string, rel release) int {
	ch, err := loadChart(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	vals, err := ch.values(files, sets)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	out, err := ch.render(vals, rel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	docs, err := out.documents()
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	if err := writeStream(os.Stdout, docs); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	fmt.Fprint(os.Stderr, "NOTES:\n"+out.notes+"\n")
	return 0
}

// checker counts and reports failed expectations.
type checker struct {
	name   string
	passed int
	failed int
	scope  string
}

func (c *checker) expect(ok bool, format string, args ...interface{}) bool {
	if ok {
		c.passed++
		return true
	}
	c.failed++
	msg := fmt.Sprintf(format, args...)
	if c.scope != "" {
		msg = c.scope + ": " + msg
	}
	fmt.Println("FAIL:", msg)
	return false
}

func (c *checker) fail(format string, args ...interface{}) { c.expect(false, format, args...) }

func (c *checker) finish() int {
	fmt.Printf("%s: %d passed, %d failed\n", c.name, c.passed, c.failed)
	if c.failed > 0 || c.passed == 0 {
		return 1
	}
	return 0
}
