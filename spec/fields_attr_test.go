package spec

import (
	"reflect"
	"testing"
)

func reflectField(t *Target, name string) (reflect.Value, bool) {
	f := reflect.ValueOf(t).Elem().FieldByName(name)
	return f, f.IsValid()
}

// TestAttrRange: every attribute Fields shows has a Target field, and the
// range of a written value is found.
func TestAttrRange(t *testing.T) {
	var target Target
	for attr, name := range fieldOfAttr {
		if _, ok := reflectField(&target, name); !ok {
			t.Errorf("attribute %q names the field %s, which Target does not have", attr, name)
		}
	}
	src := "target \"app\" {\n  tags = [\"a:1\"]\n  args = { B = \"2\", A = \"1\" }\n  output = [\"type=cacheonly\"]\n}\n"
	s, diags := Load(Options{Files: []string{"xbuild.hcl"}, Dir: t.TempDir(), LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(string) ([]byte, error) { return []byte(src), nil }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	tg := s.Targets["app"]
	for attr, line := range map[string]int{"tags": 2, "args": 3, "output": 4} {
		r, ok := tg.AttrRange(attr)
		if !ok || r.Start.Line != line {
			t.Errorf("%s: range %v (%v), want line %d", attr, r, ok, line)
		}
	}
	if _, ok := tg.AttrRange("platforms"); ok {
		t.Errorf("an attribute never written has no range")
	}
	for attr := range tg.Fields("/") {
		if _, known := fieldOfAttr[attr]; !known {
			t.Errorf("Fields shows %q, which AttrRange does not know", attr)
		}
	}
}
