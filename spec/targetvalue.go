package spec

import (
	"github.com/zclconf/go-cty/cty"
)

// targetValue is a resolved target as seen by target.NAME.ATTR
// references: every attribute present, null when unset.
func targetValue(t *Target) cty.Value {
	str := func(s *String) cty.Value {
		if s == nil {
			return cty.NullVal(cty.String)
		}
		return cty.StringVal(s.Value)
	}
	boolean := func(b *Bool) cty.Value {
		if b == nil {
			return cty.NullVal(cty.Bool)
		}
		return cty.BoolVal(b.Value)
	}
	list := func(l []String) cty.Value { return stringList(Values(l), l == nil) }
	m := func(mm map[string]String) cty.Value {
		if mm == nil {
			return cty.NullVal(cty.Map(cty.String))
		}
		if len(mm) == 0 {
			return cty.MapValEmpty(cty.String)
		}
		vals := map[string]cty.Value{}
		for k, v := range mm {
			vals[k] = cty.StringVal(v.Value)
		}
		return cty.MapVal(vals)
	}
	entries := func(es []Entry) cty.Value {
		var s []string
		for _, e := range es {
			s = append(s, e.String())
		}
		return stringList(s, es == nil)
	}
	var secrets, ssh, attest []string
	for _, x := range t.Secrets {
		secrets = append(secrets, x.String())
	}
	for _, x := range t.SSH {
		ssh = append(ssh, x.String())
	}
	for _, x := range t.Attest {
		attest = append(attest, x.String())
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name":              cty.StringVal(t.Name),
		"description":       str(t.Description),
		"context":           str(t.Context),
		"contexts":          m(t.Contexts),
		"dockerfile":        str(t.Dockerfile),
		"dockerfile-inline": str(t.DockerfileInline),
		"args":              m(t.Args),
		"labels":            m(t.Labels),
		"annotations":       list(t.Annotations),
		"tags":              list(t.Tags),
		"target":            str(t.Target),
		"platforms":         list(t.Platforms),
		"output":            entries(t.Outputs),
		"cache-from":        entries(t.CacheFrom),
		"cache-to":          entries(t.CacheTo),
		"secret":            stringList(secrets, t.Secrets == nil),
		"ssh":               stringList(ssh, t.SSH == nil),
		"attest":            stringList(attest, t.Attest == nil),
		"pull":              boolean(t.Pull),
		"no-cache":          boolean(t.NoCache),
		"network":           str(t.Network),
		"no-cache-filter":   list(t.NoCacheFilter),
		"shm-size":          str(t.ShmSize),
		"ulimits":           list(t.Ulimits),
		"call":              str(t.Call),
		"entitlements":      list(t.Entitlements),
		"extra-hosts":       m(t.ExtraHosts),
		"resources":         m(t.Resources),
		"builder":           str(t.Builder),
		"depends_on":        list(t.DependsOn),
	})
}

func stringList(s []string, null bool) cty.Value {
	if null {
		return cty.NullVal(cty.List(cty.String))
	}
	if len(s) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(s))
	for i, v := range s {
		vals[i] = cty.StringVal(v)
	}
	return cty.ListVal(vals)
}
