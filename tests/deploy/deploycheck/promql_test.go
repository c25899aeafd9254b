package main

import (
	"reflect"
	"testing"
)

func TestMetricNames(t *testing.T) {
	cases := []struct {
		expr string
		want []string
	}{
		{`up{job="switchboard"} == 0`, []string{"up"}},
		{`switchboard_turn_process_given_up == 1 or increase(switchboard_turn_process_restarts_total[15m]) > 3`,
			[]string{"switchboard_turn_process_given_up", "switchboard_turn_process_restarts_total"}},
		{`sum by (instance) (rate(switchboard_turn_auth_failures_total[5m])) > 1`,
			[]string{"switchboard_turn_auth_failures_total"}},
		{`sum without (side, instance) (rate(a_total{side="client",instance=~"$instance"}[$__rate_interval])) * 8`,
			[]string{"a_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m])))`, []string{"x_seconds_bucket"}},
		{`a / on (instance) group_left (version) b`, []string{"a", "b"}},
		{`rate(x_total[5m] offset 1h) > 0.8 * 1e+09`, []string{"x_total"}},
		{`absent(up{job="switchboard"})`, []string{"up"}},
		{`sum(rate(x{reason!="draining"}[5m])) by (reason)`, []string{"x"}},
		{`count(topk(3, m1)) + quantile(0.5, m2) - count_values("v", m3)`, []string{"m1", "m2", "m3"}},
		{`resets(exposer_scrapes_total{instance=~"$instance"}[1h])`, []string{"exposer_scrapes_total"}},
		{`"switchboard_in_a_string" and m`, []string{"m"}},
		{`m # switchboard_in_a_comment`, []string{"m"}},
		{`ns:recorded:rate5m`, []string{"ns:recorded:rate5m"}},
		{`vector(1)`, []string{}},
	}
	for _, c := range cases {
		got := metricNames(c.expr)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("metricNames(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}

func TestGrafanaQueryNames(t *testing.T) {
	cases := map[string][]string{
		"label_values(switchboard_build_info, instance)":       {"switchboard_build_info"},
		"label_values(switchboard_peers{job=\"x\"}, instance)": {"switchboard_peers"},
		"label_values(instance)":                               nil,
		"query_result(sum(m) by (instance))":                   {"m"},
	}
	for q, want := range cases {
		got := grafanaQueryNames(q)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("grafanaQueryNames(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestLabelMatchers(t *testing.T) {
	m := func(metric, label, op, value string) labelMatcher { return labelMatcher{metric, label, op, value} }
	cases := []struct {
		expr string
		want []labelMatcher
	}{
		{`up{job="switchboard"} == 0`, []labelMatcher{m("up", "job", "=", "switchboard")}},
		{`increase(a_total{result="failed"}[10m]) > 0`, []labelMatcher{m("a_total", "result", "=", "failed")}},
		{`sum by (instance) (rate(a{reason!="expired", instance=~"$instance"}[5m])) > sum(rate(b{ side = 'peer' }[5m]))`,
			[]labelMatcher{m("a", "reason", "!=", "expired"), m("b", "side", "=", "peer")}},
		{"rate(x{a!~\"y\",b=`raw\\q`,c=\"q\\\"x\"}[1m])", []labelMatcher{m("x", "b", "=", `raw\q`), m("x", "c", "=", `q"x`)}},
		{`a{} + b`, nil},
		{`sum(a) by (reason)`, nil},
	}
	for _, c := range cases {
		got := labelMatchers(c.expr)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("labelMatchers(%q) = %v, want %v", c.expr, got, c.want)
		}
		// The names are unchanged by the matcher parsing.
		if names := metricNames(c.expr); len(names) == 0 {
			t.Errorf("metricNames(%q) found nothing", c.expr)
		}
	}
}
