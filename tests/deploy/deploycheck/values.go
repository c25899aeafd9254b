package main

// Chart values as Helm builds them: values.yaml, then each -f file, then each
// --set, merged key by key. Numbers from YAML files become float64, as in
// Helm (it decodes values through JSON), so templates that compare numbers
// without `int` fail here as they would there.

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

type values = map[string]interface{}

// readValuesFile parses a YAML values file; an empty file is an empty map.
func readValuesFile(path string) (values, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseValues(data, path)
}

func parseValues(data []byte, source string) (values, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	if raw == nil {
		return values{}, nil
	}
	asJSON, err := json.Marshal(normalise(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	var out values
	if err := json.Unmarshal(asJSON, &out); err != nil {
		return nil, fmt.Errorf("%s: top level must be a map: %v", source, err)
	}
	return out, nil
}

// normalise turns yaml.v3's map[interface{}]... (never produced for string
// keys, but possible for numeric ones) into JSON-encodable maps.
func normalise(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			t[k] = normalise(e)
		}
		return t
	case map[interface{}]interface{}:
		out := map[string]interface{}{}
		for k, e := range t {
			out[fmt.Sprint(k)] = normalise(e)
		}
		return out
	case []interface{}:
		for i, e := range t {
			t[i] = normalise(e)
		}
		return t
	}
	return v
}

// mergeValues copies src over dst: maps merge recursively, anything else
// (lists included) replaces; a null in src deletes the key, as in Helm.
func mergeValues(dst, src values) values {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := v.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = mergeValues(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

// applySet handles one `--set a.b.c=value`: integers become int64, true and
// false booleans, null deletes, anything else is a string (Helm's strvals,
// without list indexes or escaped dots, which the tests do not need).
func applySet(v values, assignment string) error {
	eq := strings.IndexByte(assignment, '=')
	if eq <= 0 {
		return fmt.Errorf("--set %q: expected key=value", assignment)
	}
	path := strings.Split(assignment[:eq], ".")
	raw := assignment[eq+1:]
	var value interface{} = raw
	if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
		value = i
	} else if raw == "true" || raw == "false" {
		value = raw == "true"
	} else if raw == "null" {
		value = nil
	}
	node := v
	for _, key := range path[:len(path)-1] {
		next, ok := node[key].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			node[key] = next
		}
		node = next
	}
	last := path[len(path)-1]
	if value == nil {
		delete(node, last)
	} else {
		node[last] = value
	}
	return nil
}
