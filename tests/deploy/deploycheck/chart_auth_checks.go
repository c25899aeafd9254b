package main

// Checks of the chart's token authentication (values `auth`): the settings
// reach signaling.yaml (and only it), the JWKS is mounted from its Secret at
// the path the config names, a JWKS given as a value reaches the pod intact
// (a token signed with its key verifies against the Secret's bytes), a new
// JWKS does not restart the pod (Switchboard reloads it), and the render
// refuses auth.mode jwt without keys.

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

// authFixture: a signing key made by `switchboard auth keygen`, its JWKS,
// and a values file that passes that JWKS as auth.jwks.value.
type authFixture struct {
	key, kid, jwks, valuesFile string
}

func newAuthFixture(c *checker, bin, tmp string) *authFixture {
	a := &authFixture{key: filepath.Join(tmp, "chart-key.pem"), kid: "chart-test"}
	jwksFile := filepath.Join(tmp, "chart-jwks.json")
	code, out := runTool(nil, bin, "auth", "keygen", "--alg", "EdDSA", "--kid", a.kid, "--out", a.key, "--jwks", jwksFile)
	if !c.expect(code == 0, "switchboard auth keygen failed (%d):\n%s", code, out) {
		return nil
	}
	data, err := os.ReadFile(jwksFile)
	if !c.expect(err == nil, "%v", err) {
		return nil
	}
	a.jwks = string(data)
	a.valuesFile = writeValues(tmp, "chart-jwks-values.yaml", a.jwks)
	return a
}

// writeValues writes a values file with auth.jwks.value = jwks (what
// `helm --set-file auth.jwks.value=jwks.json` does).
func writeValues(tmp, name, jwks string) string {
	text, err := yaml.Marshal(values{"auth": values{"jwks": values{"value": jwks}}})
	if err != nil {
		panic(err)
	}
	return writeTemp(tmp, name, string(text))
}

func (r *renderedSet) jwksSecretName() string {
	if s := pathStr(r.vals, "auth", "jwks", "existingSecret"); s != "" {
		return s
	}
	return "sb-switchboard-jwks"
}

// podVolume returns the workload's volume called name.
func podVolume(workload obj, name string) obj {
	for _, v := range pathList(workload, "spec", "template", "spec", "volumes") {
		if pathStr(v, "name") == name {
			m, _ := v.(map[string]interface{})
			return m
		}
	}
	return nil
}

func checkSignalingAuth(c *checker, r *renderedSet, keys *authFixture, bin, tmp string) {
	deps, cm := r.find("Deployment", "signaling"), r.configMap()
	if len(deps) != 1 || cm == nil {
		return // reported by checkSignaling
	}
	var cfg obj
	yaml.Unmarshal([]byte(pathStr(cm, "data", "signaling.yaml")), &cfg)
	for k, v := range pathObj(r.vals, "auth") {
		if k != "jwks" {
			c.expect(reflect.DeepEqual(normaliseJSON(path(cfg, "auth", k)), normaliseJSON(v)),
				"auth.%s = %v did not reach signaling.yaml's auth.%s (%v)", k, v, k, path(cfg, "auth", k))
		}
	}
	volume := podVolume(deps[0], "config")
	var jwksSecrets []obj
	for _, s := range r.find("Secret", "") {
		if pathStr(s, "metadata", "name") == r.jwksSecretName() {
			jwksSecrets = append(jwksSecrets, s)
		}
	}
	if pathStr(r.vals, "auth", "mode") == "none" {
		c.expect(path(cfg, "auth", "jwks_file") == nil && path(volume, "projected") == nil && len(jwksSecrets) == 0,
			"auth.mode=none must mount no JWKS")
		c.expect(strings.Contains(r.out.notes, "WARNING: auth.mode=none"), "NOTES.txt must warn about auth.mode=none")
		return
	}
	jwksFile := pathStr(cfg, "auth", "jwks_file")
	c.expect(jwksFile == "/etc/switchboard/jwks.json", "auth.jwks_file must be /etc/switchboard/jwks.json, got %q", jwksFile)
	var fromSecret, fromConfigMap bool
	for _, src := range pathList(volume, "projected", "sources") {
		items := pathList(src, "secret", "items")
		if pathStr(src, "secret", "name") == r.jwksSecretName() && len(items) == 1 {
			fromSecret = pathStr(items[0], "key") == pathStr(r.vals, "auth", "jwks", "key") &&
				pathStr(items[0], "path") == filepath.Base(jwksFile)
		}
		for _, it := range pathList(src, "configMap", "items") {
			fromConfigMap = fromConfigMap || (pathStr(src, "configMap", "name") == pathStr(cm, "metadata", "name") &&
				pathStr(it, "path") == "signaling.yaml")
		}
	}
	c.expect(fromSecret && fromConfigMap, "the config volume must project signaling.yaml and Secret %s's key %s as %s: %v",
		r.jwksSecretName(), pathStr(r.vals, "auth", "jwks", "key"), filepath.Base(jwksFile), volume)
	for _, m := range pathList(container(deps[0]), "volumeMounts") {
		if pathStr(m, "name") == "config" {
			c.expect(pathStr(m, "mountPath") == filepath.Dir(jwksFile) && path(m, "subPath") == nil,
				"the config volume must be mounted whole at %s (a subPath mount never sees a new JWKS)", filepath.Dir(jwksFile))
		}
	}
	c.expect(strings.Contains(r.out.notes, "Secret "+r.jwksSecretName()), "NOTES.txt must name the JWKS Secret")
	if pathStr(r.vals, "auth", "jwks", "existingSecret") != "" {
		c.expect(len(jwksSecrets) == 0, "auth.jwks.existingSecret set, yet the chart renders Secret %s", r.jwksSecretName())
		return
	}
	if !c.expect(len(jwksSecrets) == 1, "expected the JWKS Secret %s", r.jwksSecretName()) {
		return
	}
	raw, err := base64.StdEncoding.DecodeString(pathStr(jwksSecrets[0], "data", pathStr(r.vals, "auth", "jwks", "key")))
	if !c.expect(err == nil && string(raw) == keys.jwks, "the JWKS Secret does not hold auth.jwks.value unchanged (%v)", err) {
		return
	}
	checkTokenVerifies(c, keys, bin, writeTemp(tmp, r.set.name+"-jwks.json", string(raw)), pathStr(cfg, "auth", "audience"))
}

// checkTokenVerifies: a token signed with the fixture's key verifies
// against the JWKS file as Switchboard would load it.
func checkTokenVerifies(c *checker, keys *authFixture, bin, jwksFile, audience string) {
	code, token := runTool(nil, bin, "auth", "token", "--key", keys.key, "--kid", keys.kid, "--sub", "alice", "--aud", audience)
	if !c.expect(code == 0, "switchboard auth token failed (%d): %s", code, token) {
		return
	}
	code, out := runTool(nil, bin, "auth", "verify", "--jwks", jwksFile, "--aud", audience, strings.TrimSpace(token))
	c.expect(code == 0 && strings.Contains(out, `"sub":"alice"`), "a token does not verify against the mounted JWKS (%d): %s", code, out)
}

// checkAuthRefused: renders that must fail, with a message naming the fix;
// and a new JWKS value leaves the signaling pod template (so the pod) alone.
func checkAuthRefused(c *checker, ch *chart, keys *authFixture) {
	private := `{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}`
	cases := []struct {
		what  string
		files []string
		sets  []string
		want  []string
	}{
		{"no JWKS", nil, nil, []string{"auth.mode=jwt needs the JWKS", "auth.jwks.existingSecret", "auth.jwks.value", "auth.mode=none"}},
		{"unknown mode", nil, []string{"auth.mode=maybe"}, []string{"auth.mode=maybe: must be jwt"}},
		{"config.auth", []string{keys.valuesFile}, []string{"config.auth.mode=none"}, []string{"config.auth: set the chart's auth.* values"}},
		{"both sources", []string{keys.valuesFile}, []string{"auth.jwks.existingSecret=mine"}, []string{"set existingSecret or value, not both"}},
		{"not a JWKS", nil, []string{"auth.jwks.value=jwks.json"}, []string{"auth.jwks.value is not a JWKS"}},
		{"a private key", []string{writeValues(filepath.Dir(keys.valuesFile), "private-values.yaml", private)}, nil,
			[]string{"holds a private key", "token-minting backend"}},
	}
	for _, tc := range cases {
		vals, err := ch.values(tc.files, tc.sets)
		if err == nil {
			_, err = ch.render(vals, release2("sb", "rtc"))
		}
		ok := err != nil
		for _, w := range tc.want {
			ok = ok && strings.Contains(err.Error(), w)
		}
		c.expect(ok, "%s: the render must fail naming %q, got: %v", tc.what, tc.want, err)
	}
	rotated := writeValues(filepath.Dir(keys.valuesFile), "rotated-values.yaml", strings.Replace(keys.jwks, `"keys"`, ` "keys"`, 1))
	var templates []interface{}
	for _, f := range []string{keys.valuesFile, rotated} {
		if r := renderSet(c, ch, valueSet{name: "rotation", files: []string{f}}); r != nil {
			if deps := r.find("Deployment", "signaling"); len(deps) == 1 {
				templates = append(templates, normaliseJSON(path(deps[0], "spec", "template")))
			}
		}
	}
	c.expect(len(templates) == 2 && reflect.DeepEqual(templates[0], templates[1]),
		"a new auth.jwks.value must not change the signaling pod template (Switchboard reloads the file; no restart)")
}
