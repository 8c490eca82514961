package spec

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
)

// Override is one parsed --set PATTERN.KEY[.NAME]=VALUE (or +=).
type Override struct {
	Raw      string
	Pattern  string // a target or group name, or a glob such as "*"
	Key      string // "args", "platform", "output", ...
	Name     string // for args.NAME, labels.NAME, contexts.NAME
	Value    string
	Append   bool // "+=": add to the list instead of replacing it
	HasValue bool // "args.NAME" without "=" takes NAME from the environment
}

// overrideKeys lists the keys of --set, as in bake, plus xbake's builder
// and depends_on. The value says whether the key takes a name (args.X)
// and whether += applies.
var overrideKeys = map[string]struct{ named, list bool }{
	"context": {}, "dockerfile": {}, "target": {}, "no-cache": {}, "pull": {}, "push": {}, "load": {},
	"shm-size": {}, "call": {}, "description": {}, "builder": {},
	"args": {named: true}, "labels": {named: true}, "contexts": {named: true}, "extra-hosts": {named: true},
	"resources": {named: true},
	"tags":      {list: true}, "platform": {list: true}, "output": {list: true}, "cache-from": {list: true},
	"cache-to": {list: true}, "secrets": {list: true}, "ssh": {list: true}, "attest": {list: true},
	"secret-source": {named: true},
	"entitlements":  {list: true}, "network": {}, "annotations": {list: true},
	"no-cache-filter": {list: true}, "ulimits": {list: true}, "depends_on": {list: true},
}

// overrideAliases are the other names bake accepts for --set keys.
var overrideAliases = map[string]string{
	"arg": "args", "label": "labels", "tag": "tags", "platforms": "platform", "secret": "secrets",
	"annotation": "annotations", "entitlement": "entitlements", "extra-host": "extra-hosts", "ulimit": "ulimits",
	"resource": "resources",
}

// ParseOverrides reads --set arguments. Its errors are command-line
// mistakes, without a source range.
func ParseOverrides(raws []string, lookupEnv func(string) (string, bool)) ([]*Override, hcl.Diagnostics) {
	var out []*Override
	var diags hcl.Diagnostics
	for _, raw := range raws {
		o, problem := parseOverride(raw, lookupEnv)
		if problem != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --set", Detail: problem})
			continue
		}
		if o != nil {
			out = append(out, o)
		}
	}
	return out, diags
}

func parseOverride(raw string, lookupEnv func(string) (string, bool)) (*Override, string) {
	lhs, value, hasValue := strings.Cut(raw, "=")
	o := &Override{Raw: raw, Value: value, HasValue: hasValue}
	lhs, o.Append = strings.CutSuffix(lhs, "+")
	parts := strings.SplitN(lhs, ".", 3)
	if len(parts) < 2 {
		return nil, fmt.Sprintf("%q must look like TARGET.KEY=VALUE, for example app.args.VERSION=1.2 or *.platform=linux/arm64.", raw)
	}
	o.Pattern, o.Key = parts[0], parts[1]
	if canonical, ok := overrideAliases[o.Key]; ok {
		o.Key = canonical
	}
	if o.Key == "secrets" && len(parts) == 3 { // secret.ID=... changes a declared secret
		o.Key = "secret-source"
	}
	spec, known := overrideKeys[o.Key]
	if !known {
		return nil, fmt.Sprintf("%q: %q is not a key --set can change.%s", raw, o.Key, didYouMean(o.Key, slices.Sorted(maps.Keys(overrideKeys))))
	}
	if spec.named != (len(parts) == 3) {
		if spec.named {
			return nil, fmt.Sprintf("%q: %s needs a name, as in %s.%s.NAME=VALUE.", raw, o.Key, o.Pattern, o.Key)
		}
		return nil, fmt.Sprintf("%q: %s takes no name; write %s.%s=VALUE.", raw, o.Key, o.Pattern, o.Key)
	}
	if len(parts) == 3 {
		o.Name = parts[2]
	}
	if o.Append && !spec.list {
		return nil, fmt.Sprintf("%q: += adds to lists; %s is not a list, use =.", raw, o.Key)
	}
	if !hasValue {
		if o.Key != "args" {
			return nil, fmt.Sprintf("%q has no value; write %s=VALUE.", raw, lhs)
		}
		v, ok := lookupEnv(o.Name) // bake: args.NAME alone passes $NAME through
		if !ok {
			return nil, ""
		}
		o.Value = v
	}
	return o, ""
}

// matchOverrides finds the targets each --set applies to, once, and
// checks that each pattern names something.
func (l *loader) matchOverrides() {
	l.overrideMatches = make([]map[string]bool, len(l.opts.Overrides))
	for i, o := range l.opts.Overrides {
		l.overrideMatches[i] = l.overrideTargets(o)
		if len(l.overrideMatches[i]) == 0 {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown target", Extra: rule.Extra{Rule: rule.UnknownTarget},
				Detail: fmt.Sprintf("--set %s: no target or group matches %q.%s", o.Raw, o.Pattern, didYouMean(o.Pattern, l.allNames()))})
		}
	}
}

// overrideTargets lists the targets a pattern names: a glob over target
// names, or a group's members.
func (l *loader) overrideTargets(o *Override) map[string]bool {
	out := map[string]bool{}
	if l.isTarget(o.Pattern) { // as bake: a target's own name is that target, even if a group has it too
		out[o.Pattern] = true
		return out
	}
	for _, name := range l.spec.TargetNames {
		if ok, _ := path.Match(o.Pattern, name); ok {
			out[name] = true
		}
	}
	for _, g := range l.spec.Groups {
		if ok, _ := path.Match(o.Pattern, g.Name); ok {
			for _, t := range l.expandGroup(g.Name) {
				out[t] = true
			}
		}
	}
	return out
}

// applyOverrides applies every --set that matches t, in command-line
// order, with bake's rules for lists: the values of one key add up; an
// empty value (KEY=) clears, dropping the values before it; the last
// --set of the key decides whether the values replace the spec's list
// (=) or add to it (+=). annotations and entitlements always add (after
// a clear), attest replaces per type.
func (l *loader) applyOverrides(t *Target) {
	var mine []*Override
	for i, o := range l.opts.Overrides {
		if l.overrideMatches[i][t.Name] {
			mine = append(mine, o)
		}
	}
	lastClear, lastAppend := map[string]int{}, map[string]bool{}
	for i, o := range mine {
		if overrideKeys[o.Key].list {
			lastAppend[o.Key] = o.Append
			if isClear(o) {
				lastClear[o.Key] = i + 1
			}
		}
	}
	started := map[string]bool{}
	for i, o := range mine {
		if !overrideKeys[o.Key].list {
			l.applyOverride(t, o, false)
			continue
		}
		if i+1 < lastClear[o.Key] || isClear(o) && i+1 == lastClear[o.Key] && started[o.Key] {
			continue // dropped by a later clear
		}
		reset := false
		if !started[o.Key] {
			started[o.Key] = true
			switch o.Key {
			case "annotations", "entitlements", "attest":
				reset = lastClear[o.Key] > 0
			default:
				reset = lastClear[o.Key] > 0 || !lastAppend[o.Key]
			}
		}
		l.applyOverride(t, o, reset)
	}
}

// isClear reports whether o empties a list (KEY= without +).
func isClear(o *Override) bool { return o.Value == "" && !o.Append }

func overrideRange(o *Override) hcl.Range {
	return hcl.Range{Filename: "--set " + o.Raw}
}

func (l *loader) applyOverride(t *Target, o *Override, reset bool) {
	rng := overrideRange(o)
	str := &String{Value: o.Value, Range: rng}
	list := func(dst []String) []String {
		if reset {
			dst = nil
		}
		if o.Value == "" { // KEY= clears the list, as in bake
			return dst
		}
		return appendList(dst, []String{*str})
	}
	setMap := func(m map[string]String) map[string]String {
		return mergeMap(m, map[string]String{o.Name: *str})
	}
	cwd := base{dir: l.opts.Dir, cwd: l.opts.Dir} // --set paths start at the working directory
	switch o.Key {
	case "context":
		str.Written, str.Value = o.Value, contextValue(cwd, o.Value)
		t.Context = str
	case "dockerfile":
		t.Dockerfile = str
	case "target":
		t.Target = str
	case "shm-size":
		t.ShmSize = str
	case "call":
		t.Call = str
	case "description":
		t.Description = str
	case "builder":
		t.Builder = str
	case "no-cache", "pull", "push", "load":
		l.applyBoolOverride(t, o)
	case "args":
		t.Args = setMap(t.Args)
	case "labels":
		t.Labels = setMap(t.Labels)
	case "extra-hosts":
		t.ExtraHosts = setMap(t.ExtraHosts)
	case "resources":
		if problem := checkResource(o.Name, o.Value); problem != "" {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --set", Detail: "--set " + o.Raw + ": " + problem})
			return
		}
		t.Resources = setMap(t.Resources)
	case "contexts":
		str.Written, str.Value = o.Value, contextValue(cwd, o.Value)
		t.Contexts = setMap(t.Contexts)
	case "tags":
		t.Tags = list(t.Tags)
	case "platform":
		t.Platforms = list(t.Platforms)
	case "annotations":
		t.Annotations = list(t.Annotations)
	case "entitlements":
		t.Entitlements = list(t.Entitlements)
	case "no-cache-filter":
		t.NoCacheFilter = list(t.NoCacheFilter)
	case "ulimits":
		t.Ulimits = list(t.Ulimits)
	case "depends_on":
		t.DependsOn = list(t.DependsOn)
	case "network":
		t.Network = str
	case "secret-source":
		l.applySecretSource(t, o)
	default:
		l.applyEntryOverride(t, o, reset)
	}
}

func contextValue(b base, v string) string {
	if IsLocal(v) {
		return b.abs(v)
	}
	return v
}

func (l *loader) applyBoolOverride(t *Target, o *Override) {
	b, err := strconv.ParseBool(o.Value)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --set",
			Detail: fmt.Sprintf("--set %s: %s takes true or false.", o.Raw, o.Key)})
		return
	}
	rng := overrideRange(o)
	switch o.Key {
	case "no-cache":
		t.NoCache = &Bool{Value: b, Range: rng}
	case "pull":
		t.Pull = &Bool{Value: b, Range: rng}
	case "push":
		if b {
			t.Outputs = WithPush(t.Outputs, rng)
		} else {
			t.Outputs = withoutPush(t.Outputs)
		}
	case "load":
		if b {
			t.Outputs = WithLoad(t.Outputs, rng)
		}
	}
}

// WithPush applies --push as bake does: image outputs get push=true,
// and a push is added only when every output (if any) is a docker load
// (a target writing a tar or a local directory is left alone). rng is
// where the push was asked for.
func WithPush(outputs []Entry, rng hcl.Range) []Entry {
	out := append([]Entry{}, outputs...)
	add := true
	for i, e := range out {
		if e.Type != "docker" {
			add = false
		}
		if e.Type == "image" {
			e.Attrs = mergeMap(e.Attrs, map[string]string{"push": "true"})
			out[i] = e
		}
	}
	if add {
		out = append(out, Entry{Type: "image", Attrs: map[string]string{"push": "true"}, Range: rng})
	}
	return out
}

// withoutPush turns pushing off, as bake's --set *.push=false: image
// outputs get push=false and registry outputs go.
func withoutPush(outputs []Entry) []Entry {
	var out []Entry
	for _, e := range outputs {
		switch e.Type {
		case "registry":
			continue
		case "image":
			e.Attrs = mergeMap(e.Attrs, map[string]string{"push": "false"})
		}
		out = append(out, e)
	}
	return out
}

// applySecretSource changes where a declared secret comes from:
// --set t.secret.ID=src=FILE or =env=VAR.
func (l *loader) applySecretSource(t *Target, o *Override) {
	raw, problem := parseCSVEntry(o.Value)
	var next Secret
	if problem == "" {
		if raw.bare != "" {
			raw = rawEntry{fields: map[string]string{"src": raw.bare}, keys: []string{"src"}}
		}
		raw.fields["id"], raw.keys = o.Name, append(raw.keys, "id")
		next, problem = parseSecret(raw, base{dir: l.opts.Dir, cwd: l.opts.Dir})
	}
	i := slices.IndexFunc(t.Secrets, func(s Secret) bool { return s.ID == o.Name })
	if problem == "" && i < 0 {
		problem = fmt.Sprintf("target %q declares no secret %q to change; declare it first, or add one with %s.secrets=id=%s,...", t.Name, o.Name, o.Pattern, o.Name)
	}
	if problem != "" {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --set", Detail: fmt.Sprintf("--set %s: %s", o.Raw, problem)})
		return
	}
	secrets := slices.Clone(t.Secrets)
	secrets[i].Src, secrets[i].SrcWritten, secrets[i].Env = next.Src, next.SrcWritten, next.Env
	t.Secrets = secrets
}

// WithLoad applies --load as bake does: a docker output is added unless
// one loads already, or an output writes files (local, tar).
func WithLoad(outputs []Entry, rng hcl.Range) []Entry {
	for _, e := range outputs {
		switch e.Type {
		case "docker":
			if e.Dest == "" {
				return outputs // loads already
			}
		case "image", "registry", "oci":
		default:
			return outputs // writes files: bake adds no load
		}
	}
	return append(append([]Entry{}, outputs...), Entry{Type: "docker", Attrs: map[string]string{}, Range: rng})
}

func (l *loader) applyEntryOverride(t *Target, o *Override, reset bool) {
	if reset {
		switch o.Key {
		case "output":
			t.Outputs = nil
		case "cache-from":
			t.CacheFrom = nil
		case "cache-to":
			t.CacheTo = nil
		case "secrets":
			t.Secrets = nil
		case "ssh":
			t.SSH = nil
		case "attest":
			t.Attest = nil
		}
		reset = false
	}
	if o.Value == "" { // a clear: nothing to add
		return
	}
	raw, problem := parseCSVEntry(o.Value)
	raw.rng = overrideRange(o)
	dir := base{dir: l.opts.Dir, cwd: l.opts.Dir}
	if problem == "" {
		switch o.Key {
		case "output", "cache-from", "cache-to":
			parse := parseOutput
			if o.Key != "output" {
				parse = parseCache
			}
			raws := []rawEntry{raw}
			if o.Key != "output" {
				raws = splitRefs(raws) // --set t.cache-from=ref1,ref2
			}
			for i, raw := range raws {
				var e Entry
				if e, problem = parse(raw, dir); problem != "" {
					break
				}
				e.Range = raw.rng
				first := reset && i == 0
				t.Outputs, t.CacheFrom, t.CacheTo = addEntry(o.Key, "output", t.Outputs, e, first),
					addEntry(o.Key, "cache-from", t.CacheFrom, e, first), addEntry(o.Key, "cache-to", t.CacheTo, e, first)
			}
		case "secrets":
			var s Secret
			if s, problem = parseSecret(raw, dir); problem == "" {
				t.Secrets = mergeBy(addItem(t.Secrets, s, reset), func(s Secret) string { return s.ID })
			}
		case "ssh":
			var s SSH
			if s, problem = parseSSH(raw, dir); problem == "" {
				t.SSH = addItem(t.SSH, s, reset)
			}
		case "attest":
			var a Attest
			if a, problem = parseAttest(raw); problem == "" { // one per type: a later one replaces it
				t.Attest = mergeBy(appendList(t.Attest, []Attest{a}), func(a Attest) string { return a.Type })
			}
		}
	}
	if problem != "" {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --set",
			Detail: fmt.Sprintf("--set %s: %s", o.Raw, problem)})
	}
}

// addEntry adds e to list when key is the attribute being overridden.
func addEntry(key, attr string, list []Entry, e Entry, reset bool) []Entry {
	if key != attr {
		return list
	}
	return addItem(list, e, reset)
}

func addItem[T any](list []T, item T, reset bool) []T {
	if reset {
		return []T{item}
	}
	return appendList(list, []T{item})
}
