package spec

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xbake/xbake/spec/spectest"
)

// printKey and setKey name an attribute where --print and --set spell it
// differently; "" means it has none there, on purpose.
var (
	printKey = map[string]string{"inherits": ""}
	setKey   = map[string]string{"inherits": "", "dockerfile-inline": "", "platforms": "platform", "secret": "secrets"}
)

// TestEveryTargetAttributeIsHandled: each attribute decodes, is printed,
// is inherited, is seen by target.NAME.ATTR, has a --set key and is in
// the JSON Schema.
func TestEveryTargetAttributeIsHandled(t *testing.T) {
	var schemaDoc struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	b, err := os.ReadFile("../schema/xbuild.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &schemaDoc); err != nil {
		t.Fatal(err)
	}
	value := targetValue(&Target{}).Type().AttributeTypes()
	for _, attr := range slices.Sorted(maps.Keys(targetAttrs)) {
		sample, ok := spectest.TargetAttributeSamples[attr]
		if !ok {
			t.Errorf("%s: no sample in spectest.TargetAttributeSamples", attr)
			continue
		}
		if _, ok := schemaDoc.Defs["target"].Properties[attr]; !ok {
			t.Errorf("%s: missing from the JSON Schema's target", attr)
		}
		if _, ok := value[attr]; !ok && attr != "inherits" {
			t.Errorf("%s: target.NAME.%s is not available", attr, attr)
		}
		key, renamed := setKey[attr]
		if !renamed {
			key = attr
		}
		if _, ok := overrideKeys[key]; key != "" && !ok {
			t.Errorf("%s: --set has no key %q", attr, key)
		}
		if attr == "inherits" || attr == "depends_on" {
			continue // they name other targets: covered by their own tests
		}
		pk, renamed := printKey[attr]
		if !renamed {
			pk = attr
		}
		for _, how := range []string{"declared", "inherited"} {
			src := "target \"_base\" {\n  context = \".\"\n}\ntarget \"t\" {\n  " + attr + " = " + sample + "\n}\n"
			if how == "inherited" {
				src = "target \"p\" {\n  " + attr + " = " + sample + "\n}\ntarget \"t\" {\n  inherits = [\"p\"]\n}\n"
			}
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(src), 0o644)
			s, diags := Load(Options{Dir: dir, Files: []string{"xbuild.hcl"}, LookupEnv: func(string) (string, bool) { return "", false }})
			if diags.HasErrors() {
				t.Errorf("%s (%s): %s", attr, how, diags.Error())
				continue
			}
			sel, _ := s.Select([]string{"t"})
			out, err := s.Print(sel, dir)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Target map[string]map[string]any `json:"target"`
			}
			json.Unmarshal(out, &doc)
			if _, ok := doc.Target["t"][pk]; !ok {
				t.Errorf("%s (%s): --print has no %q: %s", attr, how, pk, out)
			}
		}
	}
	for attr := range spectest.TargetAttributeSamples {
		if _, ok := targetAttrs[attr]; !ok {
			t.Errorf("sample for %q, which is no attribute", attr)
		}
	}
}
