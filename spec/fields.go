package spec

import (
	"encoding/json"
	"reflect"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// Fields are the target's resolved attributes as --print shows them,
// by attribute name, with paths relative to cwd: what `xbake plan
// --diff` compares between two versions of a spec.
func (t *Target) Fields(cwd string) map[string]any {
	b, err := json.Marshal(printTargetOf(t, cwd))
	out := map[string]any{}
	if err == nil {
		json.Unmarshal(b, &out)
	}
	return out
}

// fieldOfAttr names, per attribute as Fields names it, the Target field
// that holds it.
var fieldOfAttr = map[string]string{
	"description": "Description", "context": "Context", "contexts": "Contexts", "dockerfile": "Dockerfile",
	"dockerfile-inline": "DockerfileInline", "args": "Args", "labels": "Labels", "annotations": "Annotations",
	"tags": "Tags", "target": "Target", "platforms": "Platforms", "output": "Outputs", "cache-from": "CacheFrom",
	"cache-to": "CacheTo", "secret": "Secrets", "ssh": "SSH", "attest": "Attest", "pull": "Pull", "no-cache": "NoCache",
	"network": "Network", "no-cache-filter": "NoCacheFilter", "shm-size": "ShmSize", "ulimits": "Ulimits",
	"call": "Call", "entitlements": "Entitlements", "extra-hosts": "ExtraHosts", "resources": "Resources",
	"builder": "Builder", "depends_on": "DependsOn",
}

// AttrRange is where the value of an attribute (as Fields names it) was
// written: the first range found in it, of its first item or, for a map,
// of its first key in order. ok is false for an attribute the target
// does not set or a value that came from no file (a default).
func (t *Target) AttrRange(attr string) (r hcl.Range, ok bool) {
	name, known := fieldOfAttr[attr]
	if !known {
		return hcl.Range{}, false
	}
	r = firstRange(reflect.ValueOf(t).Elem().FieldByName(name))
	return r, r.Filename != ""
}

var rangeType = reflect.TypeFor[hcl.Range]()

func firstRange(v reflect.Value) hcl.Range {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return hcl.Range{}
		}
		return firstRange(v.Elem())
	case reflect.Struct:
		if v.Type() == rangeType {
			return v.Interface().(hcl.Range)
		}
		if f := v.FieldByName("Range"); f.IsValid() && f.Type() == rangeType {
			return f.Interface().(hcl.Range)
		}
	case reflect.Slice:
		if v.Len() > 0 {
			return firstRange(v.Index(0))
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if a.String() < b.String() {
				return -1
			}
			return 1
		})
		for _, k := range keys {
			if r := firstRange(v.MapIndex(k)); r.Filename != "" {
				return r
			}
		}
	}
	return hcl.Range{}
}
