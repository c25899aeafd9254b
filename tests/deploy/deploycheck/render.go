package main

// A renderer for the subset of Helm 3 that helm/switchboard uses, so the
// chart can be rendered and checked offline, without a helm binary: Go's
// text/template with Sprig (as Helm uses them), plus Helm's own functions
// (include, tpl, required, toYaml, fromYaml, toJson, lookup) written here,
// and the built-in objects .Values, .Release, .Chart, .Files, .Template and
// .Capabilities. Semantics follow Helm's documentation: every file under
// templates/ shares one template set, files starting with "_" only define
// named templates, a missing key renders as empty, and NOTES.txt is rendered
// separately.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	yaml "gopkg.in/yaml.v3"
)

type chart struct {
	dir       string
	meta      map[string]interface{} // Chart.yaml
	defaults  values                 // values.yaml
	templates map[string]string      // "NAME/templates/x.yaml" -> text
	files     chartFiles             // every other file, for .Files.Get
}

// chartFiles is .Files: the chart's non-template files by relative path.
type chartFiles map[string][]byte

// Get returns a file's content, "" when there is no such file (as Helm does).
func (f chartFiles) Get(name string) string { return string(f[name]) }

type release struct {
	Name      string
	Namespace string
	Service   string
	IsInstall bool
	IsUpgrade bool
	Revision  int
}

type rendered struct {
	manifests map[string]string // template name -> rendered text (may be blank)
	notes     string
}

func loadChart(dir string) (*chart, error) {
	c := &chart{dir: dir, templates: map[string]string{}, files: chartFiles{}}
	metaData, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(metaData, &c.meta); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	if c.defaults, err = readValuesFile(filepath.Join(dir, "values.yaml")); err != nil {
		return nil, err
	}
	name := c.name()
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			c.templates[name+"/"+rel] = string(data)
		} else {
			c.files[rel] = data
		}
		return nil
	})
	return c, err
}

func (c *chart) name() string { return fmt.Sprint(c.meta["name"]) }

// chartObject is .Chart: Helm capitalises the Chart.yaml keys.
func (c *chart) chartObject() map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range c.meta {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	return out
}

// values builds the effective values: defaults, -f files in order, --set.
func (c *chart) values(files []string, sets []string) (values, error) {
	v, err := parseValues(mustYAML(c.defaults), "values.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		extra, err := readValuesFile(f)
		if err != nil {
			return nil, err
		}
		v = mergeValues(v, extra)
	}
	for _, s := range sets {
		if err := applySet(v, s); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func mustYAML(v interface{}) []byte {
	out, err := yaml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return out
}

// render executes every template with the given values, like `helm template`.
func (c *chart) render(vals values, rel release) (*rendered, error) {
	root := template.New("chart").Option("missingkey=zero")
	root.Funcs(funcMap(root))
	names := make([]string, 0, len(c.templates))
	for n := range c.templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := root.New(n).Parse(c.templates[n]); err != nil {
			return nil, err
		}
	}
	top := map[string]interface{}{
		"Values":       vals,
		"Release":      rel,
		"Chart":        c.chartObject(),
		"Files":        c.files,
		"Capabilities": capabilities(),
	}
	out := &rendered{manifests: map[string]string{}}
	for _, n := range names {
		base := n[strings.LastIndex(n, "/")+1:]
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": n, "BasePath": c.name() + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, n, data); err != nil {
			return nil, err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			out.notes = text
		} else {
			out.manifests[n] = text
		}
	}
	return out, nil
}

// capabilities is a fixed, recent cluster: the chart does not branch on it,
// but templates may read it.
func capabilities() map[string]interface{} {
	return map[string]interface{}{
		"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"},
	}
}

// documents splits rendered manifests into YAML documents, dropping blank
// ones; each is returned with the template it came from.
type document struct {
	source string
	text   string
	obj    map[string]interface{}
}

func (r *rendered) documents() ([]document, error) {
	var out []document
	names := make([]string, 0, len(r.manifests))
	for n := range r.manifests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, part := range splitDocuments(r.manifests[n]) {
			var obj map[string]interface{}
			if err := yaml.Unmarshal([]byte(part), &obj); err != nil {
				return nil, fmt.Errorf("%s: rendered YAML does not parse: %v\n%s", n, err, numbered(part))
			}
			if obj == nil {
				continue
			}
			out = append(out, document{source: n, text: part, obj: obj})
		}
	}
	return out, nil
}

func splitDocuments(text string) []string {
	var parts []string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " ") == "---" {
			parts = append(parts, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	parts = append(parts, strings.Join(cur, "\n"))
	var nonBlank []string
	for _, p := range parts {
		if strings.TrimSpace(stripComments(p)) != "" {
			nonBlank = append(nonBlank, p)
		}
	}
	return nonBlank
}

func stripComments(text string) string {
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func numbered(text string) string {
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		fmt.Fprintf(&b, "%4d | %s\n", i+1, line)
	}
	return b.String()
}
