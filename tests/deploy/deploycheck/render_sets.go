package main

// render-sets: every value set of the chart test (chartValueSets) rendered
// into DIR/<set>.yaml, one YAML stream each in the form `helm template`
// prints, for checkers outside this program (tests/deploy/schema validates
// them against the Kubernetes OpenAPI schemas).

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// staticJWKS is a public JWKS (one Ed25519 key from a fixed seed), what the
// defaults need as auth.jwks.value; only `deploy_chart` needs a key it can
// sign with, so this one is made here and the render is reproducible.
func staticJWKS() string {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "switchboard chart schema test")
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	key := map[string]string{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
		"kid": "schema-test", "x": base64.RawURLEncoding.EncodeToString(pub)}
	out, err := json.Marshal(map[string]interface{}{"keys": []interface{}{key}})
	if err != nil {
		panic(err)
	}
	return string(out) + "\n"
}

func writeStream(w io.Writer, docs []document) error {
	for _, d := range docs {
		if _, err := fmt.Fprintf(w, "---\n# Source: %s\n%s\n", d.source, strings.Trim(d.text, "\n")); err != nil {
			return err
		}
	}
	return nil
}

func renderSetsCommand(chartDir, prod, cluster, outDir string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	if chartDir == "" || prod == "" || cluster == "" || outDir == "" {
		return fail(fmt.Errorf("render-sets needs --chart, --prod, --cluster and --out"))
	}
	ch, err := loadChart(chartDir)
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp("", "deploycheck-render-sets-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	jwksValues := writeValues(tmp, "jwks-values.yaml", staticJWKS())
	for _, vs := range chartValueSets(prod, cluster, jwksValues) {
		vals, err := ch.values(vs.files, vs.sets)
		if err != nil {
			return fail(fmt.Errorf("%s: values: %v", vs.name, err))
		}
		out, err := ch.render(vals, release2("sb", "rtc"))
		if err != nil {
			return fail(fmt.Errorf("%s: render: %v", vs.name, err))
		}
		docs, err := out.documents()
		if err != nil {
			return fail(fmt.Errorf("%s: %v", vs.name, err))
		}
		f, err := os.Create(filepath.Join(outDir, vs.name+".yaml"))
		if err != nil {
			return fail(err)
		}
		err = writeStream(f, docs)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(err)
		}
		fmt.Printf("%s: %d documents\n", vs.name, len(docs))
	}
	return 0
}
