package main

// Small accessors for decoded YAML/JSON objects.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

type obj = map[string]interface{}

// path walks maps by key; nil when any step is missing.
func path(v interface{}, keys ...string) interface{} {
	for _, k := range keys {
		m, ok := v.(map[string]interface{})
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func pathObj(v interface{}, keys ...string) obj {
	m, _ := path(v, keys...).(map[string]interface{})
	return m
}

func pathList(v interface{}, keys ...string) []interface{} {
	l, _ := path(v, keys...).([]interface{})
	return l
}

func pathStr(v interface{}, keys ...string) string {
	x := path(v, keys...)
	if x == nil {
		return ""
	}
	return fmt.Sprint(x)
}

func strList(v []interface{}) []string {
	out := make([]string, 0, len(v))
	for _, e := range v {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// asInt reads a YAML number as an int (-1 when it is not one).
func asInt(v interface{}) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}

// runTool runs a program and returns its exit code and combined output.
func runTool(env []string, name string, args ...string) (int, string) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		return -1, err.Error()
	}
	return 0, string(out)
}

// expandK8s applies Kubernetes' $(VAR) expansion to a container argument:
// $$ becomes $, a known variable is replaced, anything else stays.
func expandK8s(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if s[i+1] == '(' {
			if end := strings.IndexByte(s[i:], ')'); end > 0 {
				if v, ok := env[s[i+2:i+end]]; ok {
					b.WriteString(v)
					i += end
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func writeTemp(dir, name, content string) string {
	p := dir + "/" + name
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		panic(err)
	}
	return p
}
