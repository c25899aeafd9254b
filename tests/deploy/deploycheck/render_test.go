package main

import (
	"strings"
	"testing"
)

func TestToYAMLPrintsNumbersLikeHelm(t *testing.T) {
	v := map[string]interface{}{"uid": float64(10001), "big": float64(1e10), "ratio": 0.8, "name": "10001", "list": []interface{}{float64(1), "a"}}
	got := toYAML(v)
	want := "big: 10000000000\nlist:\n  - 1\n  - a\nname: \"10001\"\nratio: 0.8\nuid: 10001"
	if got != want {
		t.Errorf("toYAML = %q, want %q", got, want)
	}
}

func TestValuesNumbersAreFloatsAndSetsInts(t *testing.T) {
	v, err := parseValues([]byte("a: 1\nb: {c: x}\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v["a"].(float64); !ok {
		t.Errorf("a is %T, want float64 as in Helm", v["a"])
	}
	if err := applySet(v, "b.d=2"); err != nil {
		t.Fatal(err)
	}
	if _, ok := v["b"].(map[string]interface{})["d"].(int64); !ok {
		t.Errorf("--set integer should be int64")
	}
	merged := mergeValues(v, values{"b": map[string]interface{}{"c": nil, "e": true}})
	b := merged["b"].(map[string]interface{})
	if _, has := b["c"]; has || b["e"] != true || b["d"] == nil {
		t.Errorf("merge: %v", b)
	}
}

func TestKubeletExpansion(t *testing.T) {
	env := map[string]string{"HOST_IP": "10.0.0.5"}
	cases := map[string]string{
		"a=$(HOST_IP):3478":    "a=10.0.0.5:3478",
		"$$(cat f)/$(HOST_IP)": "$(cat f)/10.0.0.5",
		"$(UNKNOWN) $ x$":      "$(UNKNOWN) $ x$",
	}
	for in, want := range cases {
		if got := expandK8s(in, env); got != want {
			t.Errorf("expandK8s(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderFailsAndRequired(t *testing.T) {
	ch := &chart{meta: map[string]interface{}{"name": "x"}, defaults: values{}, files: chartFiles{},
		templates: map[string]string{"x/templates/a.yaml": `{{ required "need a.b" .Values.a }}`}}
	_, err := ch.render(values{}, release2("r", "n"))
	if err == nil || !strings.Contains(err.Error(), "need a.b") {
		t.Errorf("required: %v", err)
	}
	ch.templates["x/templates/a.yaml"] = `{{ include "t" . }}{{ .Values.missing }}{{ .Files.Get "f" }}`
	ch.templates["x/templates/_h.tpl"] = `{{ define "t" }}T{{ end }}`
	ch.files["f"] = []byte("F")
	out, err := ch.render(values{}, release2("r", "n"))
	if err != nil || out.manifests["x/templates/a.yaml"] != "TF" {
		t.Errorf("render: %v %q", err, out)
	}
}
