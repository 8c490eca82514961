package spec

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The types below are the --print document, field for field what
// `docker buildx bake --print` writes, so scripts written for bake keep
// working. They are an output format only; the model is Target.
type printFile struct {
	Group  map[string]*printGroup  `json:"group,omitempty"`
	Target map[string]*printTarget `json:"target"`
}

type printGroup struct {
	Description string   `json:"description,omitempty"`
	Targets     []string `json:"targets"`
}

type printTarget struct {
	Description      string              `json:"description,omitempty"`
	Annotations      []string            `json:"annotations,omitempty"`
	Attest           []map[string]any    `json:"attest,omitempty"`
	Context          string              `json:"context,omitempty"`
	Contexts         map[string]string   `json:"contexts,omitempty"`
	Dockerfile       string              `json:"dockerfile,omitempty"`
	DockerfileInline *string             `json:"dockerfile-inline,omitempty"`
	Args             map[string]string   `json:"args,omitempty"`
	Labels           map[string]string   `json:"labels,omitempty"`
	Tags             []string            `json:"tags,omitempty"`
	CacheFrom        []map[string]string `json:"cache-from,omitempty"`
	CacheTo          []map[string]string `json:"cache-to,omitempty"`
	Target           *string             `json:"target,omitempty"`
	Secret           []printSecret       `json:"secret,omitempty"`
	SSH              []printSSH          `json:"ssh,omitempty"`
	Platforms        []string            `json:"platforms,omitempty"`
	Output           []map[string]string `json:"output,omitempty"`
	Pull             *bool               `json:"pull,omitempty"`
	NoCache          *bool               `json:"no-cache,omitempty"`
	Network          *string             `json:"network,omitempty"`
	NoCacheFilter    []string            `json:"no-cache-filter,omitempty"`
	ShmSize          *string             `json:"shm-size,omitempty"`
	Ulimits          []string            `json:"ulimits,omitempty"`
	Call             *string             `json:"call,omitempty"`
	Entitlements     []string            `json:"entitlements,omitempty"`
	ExtraHosts       map[string]string   `json:"extra-hosts,omitempty"`
	Resources        map[string]any      `json:"resources,omitempty"`
	// xbake's own, absent from bake files.
	Builder   *string  `json:"builder,omitempty"`
	DependsOn []string `json:"depends_on,omitempty"`
}

type printSecret struct {
	ID  string `json:"id,omitempty"`
	Src string `json:"src,omitempty"`
	Env string `json:"env,omitempty"`
}

type printSSH struct {
	ID    string   `json:"id,omitempty"`
	Paths []string `json:"paths,omitempty"`
}

// Print renders the selection as bake's --print JSON: the selected
// targets, the targets they link to through target: contexts (with a
// cacheonly output, as bake gives them), and the groups. Paths are shown
// relative to cwd.
func (s *Spec) Print(sel *Selection, cwd string) ([]byte, error) {
	out := printFile{Group: map[string]*printGroup{}, Target: map[string]*printTarget{}}
	for _, name := range sel.Targets {
		out.Target[name] = s.printTarget(s.Targets[name], cwd)
	}
	for _, name := range s.LinkedTargets(sel.Targets) {
		pt := s.printTarget(s.Targets[name], cwd)
		pt.Output = []map[string]string{{"type": "cacheonly"}}
		out.Target[name] = pt
	}
	for _, name := range sel.Groups {
		g := s.Groups[name]
		out.Group[name] = &printGroup{Description: g.Description, Targets: Values(g.Targets)}
	}
	// bake's default group lists every name asked for, added to the
	// default group itself when that was asked for too, sorted.
	requested := sel.Names
	if sel.All {
		requested = sel.Targets
	}
	for _, n := range requested {
		if _, ok := out.Group["default"]; ok && n == "default" {
			continue
		}
		if _, ok := out.Group["default"]; !ok {
			out.Group["default"] = &printGroup{}
		}
		out.Group["default"].Targets = append(out.Group["default"].Targets, n)
	}
	if g, ok := out.Group["default"]; ok && g.Targets != nil { // nil (a compose file that builds nothing) prints as null, as bake's
		g.Targets = append([]string{}, slices.Compact(slices.Sorted(slices.Values(g.Targets)))...)
	}
	return json.MarshalIndent(out, "", "  ")
}

// printTarget is a target as --print shows it: as bake prints it, so a
// depends_on written in one of bake's files (an xbake attribute bake
// ignores) is left out; xbake still orders the build by it, and the
// plan says so at the attribute.
func (s *Spec) printTarget(t *Target, cwd string) *printTarget {
	p := printTargetOf(t, cwd)
	p.DependsOn = nil
	for _, d := range t.DependsOn {
		if !s.BakeFiles[d.Range.Filename] {
			p.DependsOn = append(p.DependsOn, d.Value)
		}
	}
	return p
}

func printTargetOf(t *Target, cwd string) *printTarget {
	p := &printTarget{
		Context:    ".",
		Dockerfile: "Dockerfile",
		Tags:       Values(t.Tags), Platforms: Values(t.Platforms),
		Annotations: escapeAll(Values(t.Annotations)), NoCacheFilter: Values(t.NoCacheFilter),
		Ulimits: Values(t.Ulimits), Entitlements: Values(t.Entitlements), DependsOn: Values(t.DependsOn),
		Args: escapeMap(t.Args), Labels: escapeMap(t.Labels), ExtraHosts: escapeMap(t.ExtraHosts),
		Target: value(t.Target), Network: value(t.Network), ShmSize: value(t.ShmSize), Call: value(t.Call),
		Builder: value(t.Builder),
	}
	if t.Description != nil {
		p.Description = t.Description.Value
	}
	if t.Context != nil {
		p.Context = showContext(*t.Context, cwd)
	}
	if t.Dockerfile != nil && t.Dockerfile.Value != "" {
		p.Dockerfile = t.Dockerfile.Value
	}
	if t.DockerfileInline != nil {
		v := escape(t.DockerfileInline.Value)
		p.DockerfileInline = &v
	}
	if t.Contexts != nil {
		p.Contexts = map[string]string{}
		for k, v := range t.Contexts {
			p.Contexts[k] = showWritten(v.Value, v.Written, cwd)
		}
	}
	if t.Resources != nil {
		p.Resources = map[string]any{}
		for k, v := range t.Resources {
			p.Resources[k] = v.Value
			if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil && strings.HasPrefix(k, "cpu-") {
				p.Resources[k] = n // bake prints cpu-* as numbers
			}
		}
	}
	if t.Pull != nil {
		p.Pull = &t.Pull.Value
	}
	if t.NoCache != nil {
		p.NoCache = &t.NoCache.Value
	}
	for _, e := range t.Outputs {
		p.Output = append(p.Output, printEntry(e, cwd))
	}
	for _, e := range t.CacheFrom {
		p.CacheFrom = append(p.CacheFrom, printEntry(e, cwd))
	}
	for _, e := range t.CacheTo {
		p.CacheTo = append(p.CacheTo, printEntry(e, cwd))
	}
	for _, sec := range t.Secrets {
		p.Secret = append(p.Secret, printSecret{ID: sec.ID, Src: showWritten(sec.Src, sec.SrcWritten, cwd), Env: sec.Env})
	}
	for _, s := range t.SSH {
		ps := printSSH{ID: s.ID}
		for i, path := range s.Paths {
			written := ""
			if i < len(s.PathsWritten) {
				written = s.PathsWritten[i]
			}
			ps.Paths = append(ps.Paths, showWritten(path, written, cwd))
		}
		p.SSH = append(p.SSH, ps)
	}
	for _, a := range t.Attest {
		m := map[string]any{"type": a.Type}
		for k, v := range a.Attrs {
			m[k] = v
		}
		if a.Disabled {
			m["disabled"] = true
		}
		p.Attest = append(p.Attest, m)
	}
	return p
}

// printEntry flattens an entry as bake does.
func printEntry(e Entry, cwd string) map[string]string { return e.Fields(cwd) }

// Fields flattens an entry as bake prints it: type, dest and attributes in
// one map, with local paths relative to cwd.
func (e Entry) Fields(cwd string) map[string]string {
	m := maps.Clone(e.Attrs)
	if m == nil {
		m = map[string]string{}
	}
	m["type"] = e.Type
	if e.Dest != "" {
		m["dest"] = showWritten(e.Dest, e.Written["dest"], cwd)
	}
	if e.Type == "local" {
		for _, k := range []string{"src", "dest"} {
			if v, ok := m[k]; ok {
				m[k] = showWritten(v, e.Written[k], cwd)
			}
		}
	}
	return m
}

// showWritten shows a resolved local path as bake prints it: as the spec
// wrote it (./x, /abs, cwd://x, oci-layout://./x:tag), when that names
// the same place from the working directory, as it does for a spec there.
// A path written in a spec elsewhere, which xbake resolves against that
// spec's directory and bake against the working directory, is shown
// relative to the working directory.
func showWritten(value, written, cwd string) string {
	if written == "" || cwd == "" {
		return ShowPath(value, cwd)
	}
	inner := strings.TrimPrefix(written, "oci-layout://")
	resolved := strings.TrimPrefix(value, "oci-layout://")
	if sameFromCwd(inner, resolved, cwd) {
		return written
	}
	if inner != written { // an OCI layout
		return "oci-layout://" + ShowPath(resolved, cwd)
	}
	return ShowPath(value, cwd)
}

// showContext shows the build context as bake does: cleaned, without
// cwd://, when it names the same place from the working directory.
func showContext(s String, cwd string) string {
	if s.Written == "" || cwd == "" || !sameFromCwd(s.Written, s.Value, cwd) {
		return ShowPath(s.Value, cwd)
	}
	return filepath.Clean(strings.TrimPrefix(s.Written, "cwd://"))
}

// sameFromCwd reports whether the written path, read from cwd, is the
// resolved one (an OCI layout's tag or digest included).
func sameFromCwd(written, resolved, cwd string) bool {
	p := strings.TrimPrefix(written, "cwd://")
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	return filepath.Clean(p) == filepath.Clean(resolved)
}

// ShowPath shows an absolute path relative to cwd, and leaves anything
// else (URLs, "-") alone.
func ShowPath(p, cwd string) string {
	if p == "" || !filepath.IsAbs(p) || cwd == "" {
		return p
	}
	rel, err := filepath.Rel(cwd, p)
	if err != nil {
		return p
	}
	return rel
}

func value(s *String) *string {
	if s == nil {
		return nil
	}
	v := s.Value
	return &v
}

// escape doubles template markers so the printed JSON, read back by bake
// or xbake, gives the same strings.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "${", "$${"), "%{", "%%{")
}

func escapeAll(list []string) []string {
	for i, s := range list {
		list[i] = escape(s)
	}
	return list
}

func escapeMap(m map[string]String) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = escape(v.Value)
	}
	return out
}
