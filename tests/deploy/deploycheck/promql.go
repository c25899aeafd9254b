package main

// Metric names referenced by a PromQL expression, and the label matchers
// of their selectors, found by a small lexer:
// identifiers that are not functions or aggregations (followed by "("), not
// keywords, not label names (inside {...} or the label list of by, without,
// on, ignoring, group_left, group_right) and not inside strings or [...]
// ranges. promtool has already checked the syntax; this only has to find
// the names. Grafana's $variables are skipped.

import (
	"sort"
	"strconv"
	"strings"
)

var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true,
	"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true, "inf": true, "nan": true,
	"sum": true, "min": true, "max": true, "avg": true, "group": true,
	"stddev": true, "stdvar": true, "count": true, "count_values": true,
	"bottomk": true, "topk": true, "quantile": true, "atan2": true,
}

var labelListKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true,
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// A label matcher of a selector: metric{label op "value"}.
type labelMatcher struct {
	metric, label, op, value string
}

// metricNames returns the sorted, distinct metric names in expr.
func metricNames(expr string) []string {
	found := map[string]bool{}
	for _, s := range scanSelectors(expr) {
		found[s.metric] = true
	}
	out := make([]string, 0, len(found))
	for n := range found {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// labelMatchers returns the = and != matchers of expr's selectors (regex
// matchers name no single value), in order of appearance.
func labelMatchers(expr string) []labelMatcher {
	var out []labelMatcher
	for _, s := range scanSelectors(expr) {
		for _, m := range s.matchers {
			if m.op == "=" || m.op == "!=" {
				out = append(out, m)
			}
		}
	}
	return out
}

type selector struct {
	metric   string
	matchers []labelMatcher
}

// scanSelectors finds the metric names of expr and the matchers in the
// braces right after each.
func scanSelectors(expr string) []selector {
	var found []selector
	braces, brackets := 0, 0
	labelList := false // inside the (...) after by/without/on/...
	pendingLabelList := false
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(expr, i)
			continue
		case c == '#': // comment to end of line
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
			continue
		case c == '{':
			braces++
		case c == '}':
			braces--
		case c == '[':
			brackets++
		case c == ']':
			brackets--
		case c == '(':
			if pendingLabelList {
				labelList = true
				pendingLabelList = false
			}
		case c == ')':
			labelList = false
		case c == '$': // a Grafana variable such as $__rate_interval
			i++
			for i < len(expr) && (isIdentChar(expr[i]) || expr[i] == '{' || expr[i] == '}') {
				i++
			}
			continue
		case (c >= '0' && c <= '9') || c == '.':
			// A number or a duration (5m, 1e+09, 0x1f): skip the whole token.
			for i < len(expr) && (isIdentChar(expr[i]) || expr[i] == '.' ||
				((expr[i] == '+' || expr[i] == '-') && (expr[i-1] == 'e' || expr[i-1] == 'E'))) {
				i++
			}
			continue
		case isIdentStart(c):
			start := i
			for i < len(expr) && isIdentChar(expr[i]) {
				i++
			}
			word := expr[start:i]
			next := i
			for next < len(expr) && (expr[next] == ' ' || expr[next] == '\t' || expr[next] == '\n') {
				next++
			}
			lower := strings.ToLower(word)
			switch {
			case labelListKeywords[lower]:
				pendingLabelList = true
			case braces > 0 || brackets > 0 || labelList:
			case promqlKeywords[lower]:
			case next < len(expr) && expr[next] == '(':
			default:
				sel := selector{metric: word}
				if next < len(expr) && expr[next] == '{' {
					sel.matchers, i = parseMatchers(expr, next+1, word)
				}
				found = append(found, sel)
			}
			continue
		}
		i++
	}
	return found
}

// parseMatchers reads `label op "value", ...}` from i; it returns the
// matchers and the index after the closing brace.
func parseMatchers(expr string, i int, metric string) ([]labelMatcher, int) {
	var out []labelMatcher
	skipSpace := func() {
		for i < len(expr) && (expr[i] == ' ' || expr[i] == '\t' || expr[i] == '\n' || expr[i] == ',') {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(expr) || expr[i] == '}' || !isIdentStart(expr[i]) {
			break
		}
		start := i
		for i < len(expr) && isIdentChar(expr[i]) {
			i++
		}
		m := labelMatcher{metric: metric, label: expr[start:i]}
		skipSpace()
		for _, op := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(expr[i:], op) {
				m.op = op
				i += len(op)
				break
			}
		}
		skipSpace()
		if m.op == "" || i >= len(expr) || !strings.ContainsRune("\"'`", rune(expr[i])) {
			break
		}
		end := skipString(expr, i)
		m.value = unquote(expr[i:end])
		i = end
		out = append(out, m)
	}
	for i < len(expr) && expr[i] != '}' {
		i++
	}
	return out, i + 1
}

// unquote turns a PromQL string literal into its value (Go's escapes, as PromQL).
func unquote(lit string) string {
	if len(lit) >= 2 && lit[0] == '`' {
		return lit[1 : len(lit)-1]
	}
	if len(lit) >= 2 && lit[0] == '\'' {
		lit = `"` + strings.ReplaceAll(lit[1:len(lit)-1], `"`, `\"`) + `"`
	}
	if v, err := strconv.Unquote(lit); err == nil {
		return v
	}
	return strings.Trim(lit, "\"'")
}

// skipString returns the index after the string literal starting at i.
func skipString(expr string, i int) int {
	quote := expr[i]
	for i++; i < len(expr); i++ {
		if expr[i] == '\\' && quote != '`' {
			i++
			continue
		}
		if expr[i] == quote {
			return i + 1
		}
	}
	return i
}

// grafanaQueryNames handles a dashboard variable query: label_values(m, l)
// names metric m; label_values(l) names none; anything else is PromQL.
func grafanaQueryNames(query string) []string {
	q := strings.TrimSpace(query)
	if strings.HasPrefix(q, "label_values(") && strings.HasSuffix(q, ")") {
		args := q[len("label_values(") : len(q)-1]
		comma := strings.LastIndex(args, ",")
		if comma < 0 {
			return nil
		}
		return metricNames(args[:comma])
	}
	return metricNames(q)
}
