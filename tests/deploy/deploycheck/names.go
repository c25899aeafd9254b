package main

// The metric names the monitoring files use: alert rules, Grafana
// dashboards (panel targets and variable queries), and the chart's
// PrometheusRule rendered with the production values. Printed one per line
// as "NAME<TAB>WHERE" for the live cross-check in tests/deploy; with
// --matchers, their = and != label matchers instead, as
// "NAME<TAB>LABEL<TAB>OP<TAB>VALUE<TAB>WHERE" (a value no series has makes
// a rule that never fires or a filter that filters nothing).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type nameUse map[string][]string // metric name (or matcher line) -> where it is used

func (u nameUse) add(names []string, where string) {
	for _, n := range names {
		if !contains(u[n], where) {
			u[n] = append(u[n], where)
		}
	}
}

// uses: the metric names and the label matchers of the monitoring files.
type uses struct {
	names, matchers nameUse
}

func (u uses) addExpr(names []string, expr, where string) {
	u.names.add(names, where)
	for _, m := range labelMatchers(expr) {
		u.matchers.add([]string{strings.Join([]string{m.metric, m.label, m.op, m.value}, "\t")}, where)
	}
}

// ruleNames collects names from a rule-file object ({groups: [{rules: [...]}]}).
func ruleNames(u uses, rules obj, where string) int {
	count := 0
	for _, g := range pathList(rules, "groups") {
		for _, r := range pathList(g, "rules") {
			name := pathStr(r, "alert")
			if name == "" {
				name = pathStr(r, "record")
			}
			expr := pathStr(r, "expr")
			u.addExpr(metricNames(expr), expr, where+": "+name)
			count++
		}
	}
	return count
}

// dashboardNames walks a dashboard's panels (rows nest them) and variables.
func dashboardNames(u uses, data []byte, where string) (int, error) {
	var d obj
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, err
	}
	count := 0
	var walk func(panels []interface{})
	walk = func(panels []interface{}) {
		for _, p := range panels {
			for _, t := range pathList(p, "targets") {
				if e := pathStr(t, "expr"); e != "" {
					u.addExpr(metricNames(e), e, fmt.Sprintf("%s: %s", where, pathStr(p, "title")))
					count++
				}
			}
			walk(pathList(p, "panels"))
		}
	}
	walk(pathList(d, "panels"))
	for _, v := range pathList(d, "templating", "list") {
		if pathStr(v, "type") != "query" {
			continue
		}
		q := pathStr(v, "query", "query")
		if q == "" {
			q = pathStr(v, "query")
		}
		u.addExpr(grafanaQueryNames(q), q, where+": variable "+pathStr(v, "name"))
		count++
	}
	return count, nil
}

func collectNames(monitoring, chartDir, prod string, extraRules []string) (uses, error) {
	u := uses{nameUse{}, nameUse{}}
	ruleFiles := append([]string{filepath.Join(monitoring, "alerts.yml")}, extraRules...)
	for _, f := range ruleFiles {
		rules, err := loadRulesFile(f)
		if err != nil {
			return u, err
		}
		if ruleNames(u, rules, filepath.Base(f)) == 0 {
			return u, fmt.Errorf("%s: no rules", f)
		}
	}
	boards, _ := filepath.Glob(filepath.Join(monitoring, "dashboards", "*.json"))
	if len(boards) == 0 {
		return u, fmt.Errorf("no dashboards under %s", monitoring)
	}
	for _, b := range boards {
		data, err := os.ReadFile(b)
		if err != nil {
			return u, err
		}
		n, err := dashboardNames(u, data, filepath.Base(b))
		if err != nil || n == 0 {
			return u, fmt.Errorf("%s: %v (%d queries)", b, err, n)
		}
	}
	if chartDir != "" {
		ch, err := loadChart(chartDir)
		if err != nil {
			return u, err
		}
		vals, err := ch.values([]string{prod}, nil)
		if err != nil {
			return u, err
		}
		out, err := ch.render(vals, release2("sb", "rtc"))
		if err != nil {
			return u, err
		}
		docs, err := out.documents()
		if err != nil {
			return u, err
		}
		found := 0
		for _, d := range docs {
			switch {
			case pathStr(d.obj, "kind") == "PrometheusRule":
				found += ruleNames(u, pathObj(d.obj, "spec"), "chart PrometheusRule")
			case pathStr(d.obj, "metadata", "labels", "grafana_dashboard") != "":
				for name, v := range pathObj(d.obj, "data") {
					n, err := dashboardNames(u, []byte(fmt.Sprint(v)), "chart dashboard "+name)
					if err != nil {
						return u, err
					}
					found += n
				}
			}
		}
		if found == 0 {
			return u, fmt.Errorf("the chart rendered with %s has no PrometheusRule or dashboards", prod)
		}
	}
	return u, nil
}

func namesCommand(monitoring, chartDir, prod string, extraRules []string, matchers bool) int {
	all, err := collectNames(monitoring, chartDir, prod, extraRules)
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploycheck names:", err)
		return 1
	}
	u := all.names
	if matchers {
		u = all.matchers
	}
	names := make([]string, 0, len(u))
	for n := range u {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("%s\t%s\n", n, strings.Join(u[n], "; "))
	}
	return 0
}

// checkRulesCoverage: every alert in the rule file has a promtool test case
// where it fires and one where it is checked to stay quiet.
func checkRulesCoverage(c *checker, rulesFile, testsFile string) {
	rules, err := loadRulesFile(rulesFile)
	if !c.expect(err == nil, "%s: %v", rulesFile, err) {
		return
	}
	tests, err := loadRulesFile(testsFile)
	if !c.expect(err == nil, "%s: %v", testsFile, err) {
		return
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, t := range pathList(tests, "tests") {
		for _, a := range pathList(t, "alert_rule_test") {
			name := pathStr(a, "alertname")
			if len(pathList(a, "exp_alerts")) > 0 {
				fires[name] = true
			} else {
				quiet[name] = true
			}
		}
	}
	alerts := 0
	for _, g := range pathList(rules, "groups") {
		for _, r := range pathList(g, "rules") {
			name := pathStr(r, "alert")
			if name == "" {
				continue
			}
			alerts++
			c.expect(fires[name], "alert %s has no test case where it fires", name)
			c.expect(quiet[name], "alert %s has no test case where it stays quiet", name)
		}
	}
	c.expect(alerts > 0, "no alerts in %s", rulesFile)
}
