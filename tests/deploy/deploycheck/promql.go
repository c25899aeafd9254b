package main

// Metric names referenced by a PromQL expression, found by a small lexer:
// identifiers that are not functions or aggregations (followed by "("), not
// keywords, not label names (inside {...} or the label list of by, without,
// on, ignoring, group_left, group_right) and not inside strings or [...]
// ranges. promtool has already checked the syntax; this only has to find
// the names. Grafana's $variables are skipped.

import (
	"sort"
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

// metricNames returns the sorted, distinct metric names in expr.
func metricNames(expr string) []string {
	found := map[string]bool{}
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
				found[word] = true
			}
			continue
		}
		i++
	}
	out := make([]string, 0, len(found))
	for n := range found {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
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
