package main

// Helm's template functions on top of Sprig: the ones helm/switchboard uses.
// Written from Helm's documented behaviour, not copied from Helm.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v3"
)

func funcMap(root *template.Template) template.FuncMap {
	m := sprig.TxtFuncMap()
	// Helm removes these two: a chart must not read the renderer's environment.
	delete(m, "env")
	delete(m, "expandenv")
	m["toYaml"] = toYAML
	m["fromYaml"] = fromYAML
	m["toJson"] = toJSON
	m["fromJson"] = fromJSON
	m["required"] = required
	m["lookup"] = lookup
	m["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	m["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	return m
}

// toYAML marshals like Helm: through JSON first (so numbers print as JSON
// does: 1000000, not 1e+06), map keys sorted, two-space indent, no trailing
// newline. Errors render as an empty string, as in Helm.
func toYAML(v interface{}) string {
	asJSON, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(asJSON))
	dec.UseNumber()
	var generic interface{}
	if err := dec.Decode(&generic); err != nil {
		return ""
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(plainNumbers(generic)); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// plainNumbers replaces json.Number (which yaml.v3 would quote) by int64
// when it is integral as JSON printed it, float64 otherwise.
func plainNumbers(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			t[k] = plainNumbers(e)
		}
	case []interface{}:
		for i, e := range t {
			t[i] = plainNumbers(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// fromYAML parses a YAML map; on error the map holds the message under
// "Error", as Helm does.
func fromYAML(text string) map[string]interface{} {
	v, err := parseValues([]byte(text), "fromYaml")
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return v
}

func toJSON(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(out)
}

func fromJSON(text string) map[string]interface{} {
	var out map[string]interface{}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return out
}

// required fails the render with `msg` when the value is missing or empty.
func required(msg string, v interface{}) (interface{}, error) {
	if v == nil {
		return nil, errors.New(msg)
	}
	if s, ok := v.(string); ok && s == "" {
		return nil, errors.New(msg)
	}
	return v, nil
}

// lookup finds nothing, as under `helm template` (no cluster to ask).
func lookup(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
	if apiVersion == "" || kind == "" {
		return nil, fmt.Errorf("lookup: apiVersion and kind are required")
	}
	return map[string]interface{}{}, nil
}
