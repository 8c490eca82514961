package plan

import (
	"maps"

	"github.com/xbake/xbake/internal/builder/desc"
	"github.com/xbake/xbake/spec"
)

// BuildersOf describes the spec's builders as the drivers take them: the
// plan carries them (Plan.Builders), and the builders commands, which
// plan nothing, read them from here too.
func BuildersOf(s *spec.Spec) desc.Builders {
	out := desc.Builders{}
	for name, b := range s.Builders {
		d := &desc.Builder{Name: name, Driver: b.Driver.Value, Default: b.Default, Platforms: spec.Values(b.Platforms),
			Local: desc.Local{MaxParallelism: b.Config.MaxParallelism}, Project: s.Root}
		if len(b.Config.Registries) > 0 {
			d.Local.Registries = map[string]desc.Registry{}
			for host, r := range b.Config.Registries {
				d.Local.Registries[host] = desc.Registry{HTTP: r.HTTP, Insecure: r.Insecure, Mirrors: r.Mirrors}
			}
		}
		for _, n := range b.Nodes {
			dn := desc.Node{Name: n.Name, Endpoint: n.Endpoint.Value, Platforms: spec.Values(n.Platforms), Capacity: n.MaxParallelism}
			if n.TLS != nil {
				dn.TLS = &desc.TLS{CA: n.TLS.CA, Cert: n.TLS.Cert, Key: n.TLS.Key, ServerName: n.TLS.ServerName}
			}
			d.Nodes = append(d.Nodes, dn)
		}
		c := b.Container
		d.Container = desc.Container{Image: valueOf(c.Image), BuildkitdFlags: valueOf(c.BuildkitdFlags), Network: valueOf(c.Network), Config: c.Config,
			NoIsolationFallback: c.IsolationFallback != nil && !c.IsolationFallback.Value}
		if len(c.Env) > 0 {
			d.Container.Env = map[string]string{}
			for k, v := range maps.All(c.Env) {
				d.Container.Env[k] = v.Value
			}
		}
		out[name] = d
	}
	return out
}

func valueOf(s *spec.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}
