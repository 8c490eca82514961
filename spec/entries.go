package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// rawEntry is one element of output, cache-from, cache-to, secret, ssh or
// attest: either bake's CSV string or an object, as key/value fields.
type rawEntry struct {
	fields map[string]string
	keys   []string // in the order written, for CSV; sorted for objects
	bare   string   // a CSV string of one field without "=", such as "out/"
	extra  []string // further fields without "=": ssh paths, else an error
	rng    hcl.Range
}

func toRawEntry(v cty.Value) (rawEntry, string) {
	raw := rawEntry{fields: map[string]string{}}
	switch {
	case v.IsNull():
		return raw, "An entry cannot be null."
	case v.Type() == cty.String:
		return parseCSVEntry(v.AsString())
	case v.Type().IsObjectType() || v.Type().IsMapType():
		for it := v.ElementIterator(); it.Next(); {
			k, fv := it.Element()
			s, problem := fieldString(fv)
			if problem != "" {
				return raw, fmt.Sprintf("The field %q %s.", k.AsString(), problem)
			}
			raw.fields[k.AsString()] = s
			raw.keys = append(raw.keys, k.AsString())
		}
		sort.Strings(raw.keys)
		return raw, ""
	}
	return raw, fmt.Sprintf("An entry must be a string such as \"type=local,dest=out\" or an object such as { type = \"local\", dest = \"out\" }, not %s.", friendlyType(v.Type()))
}

// fieldString turns an object field into its CSV text: lists (ssh paths)
// are joined with commas.
func fieldString(v cty.Value) (string, string) {
	if v.IsNull() {
		return "", "is null"
	}
	if t := v.Type(); t.IsListType() || t.IsTupleType() {
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			s, problem := fieldString(e)
			if problem != "" {
				return "", problem
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), ""
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", "must be a string, number or boolean"
	}
	return s.AsString(), ""
}

func parseCSVEntry(s string) (rawEntry, string) {
	raw := rawEntry{fields: map[string]string{}}
	fields, ok := splitCSV(s)
	if !ok {
		return raw, fmt.Sprintf("%q has an unterminated quote; close it, or double a quote inside a quoted field (\"\").", s)
	}
	if len(fields) == 1 && !strings.Contains(fields[0], "=") {
		raw.bare = fields[0]
		return raw, ""
	}
	if !strings.Contains(s, "=") { // "ref1,ref2": several bare fields
		raw.bare, raw.extra = fields[0], fields[1:]
		return raw, ""
	}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			raw.extra = append(raw.extra, f)
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		raw.fields[k] = v
		raw.keys = append(raw.keys, k)
	}
	return raw, ""
}

// noExtra reports fields written without "=", which only ssh accepts.
func (raw rawEntry) noExtra() string {
	if len(raw.extra) == 0 {
		return ""
	}
	return fmt.Sprintf("The field %q has no \"=\"; write key=value pairs such as type=local,dest=out.", raw.extra[0])
}

// splitCSV splits one line of comma-separated fields as bake does: a
// field may be quoted, with "" for a quote inside. encoding/csv would do,
// but allocates a 4 KiB buffer per call, which shows with thousands of
// targets.
func splitCSV(s string) ([]string, bool) {
	var fields []string
	for {
		if !strings.HasPrefix(s, `"`) {
			field, rest, more := strings.Cut(s, ",")
			fields = append(fields, field)
			if !more {
				return fields, true
			}
			s = rest
			continue
		}
		var b strings.Builder
		i := 1
		for {
			j := strings.IndexByte(s[i:], '"')
			if j < 0 {
				return nil, false
			}
			b.WriteString(s[i : i+j])
			i += j + 1
			if i < len(s) && s[i] == '"' { // "" is a quote
				b.WriteByte('"')
				i++
				continue
			}
			break
		}
		// Anything after the closing quote up to the comma belongs to the
		// field (lazy quotes, as bake's parser allows).
		rest, after, more := strings.Cut(s[i:], ",")
		fields = append(fields, b.String()+rest)
		if !more {
			return fields, true
		}
		s = after
	}
}

var outputTypes = []string{"image", "registry", "local", "tar", "oci", "docker", "cacheonly"}

// parseOutput normalises an output entry. A bare path is a local output,
// "-" a tar stream to stdout, as in bake.
func parseOutput(raw rawEntry, b base) (Entry, string) {
	if problem := raw.noExtra(); problem != "" {
		return Entry{}, problem
	}
	if raw.bare != "" {
		if raw.bare == "-" {
			return Entry{Type: "tar", Dest: "-"}, ""
		}
		return Entry{Type: "local", Dest: b.abs(raw.bare), Written: map[string]string{"dest": raw.bare}}, ""
	}
	e := Entry{Type: raw.fields["type"], Attrs: map[string]string{}}
	if e.Type == "" {
		return e, "An output needs a type, one of " + quoteList(outputTypes) + "; for example type=local,dest=out."
	}
	if !contains(outputTypes, e.Type) {
		return e, fmt.Sprintf("%q is not an output type; use one of %s.%s", e.Type, quoteList(outputTypes), didYouMean(e.Type, outputTypes))
	}
	for _, k := range raw.keys {
		switch k {
		case "type":
		case "dest":
			e.Dest = raw.fields[k]
			if e.Dest != "-" && e.Dest != "" {
				e.Written = map[string]string{"dest": e.Dest}
				e.Dest = b.abs(e.Dest)
			}
		default:
			e.Attrs[k] = raw.fields[k]
		}
	}
	return e, ""
}

// parseCache normalises a cache-from or cache-to entry. A bare string is a
// registry reference, as in bake; local src and dest resolve against dir.
func parseCache(raw rawEntry, b base) (Entry, string) {
	if problem := raw.noExtra(); problem != "" {
		return Entry{}, problem
	}
	if raw.bare != "" {
		return Entry{Type: "registry", Attrs: map[string]string{"ref": raw.bare}}, ""
	}
	e := Entry{Type: raw.fields["type"], Attrs: map[string]string{}}
	if e.Type == "" {
		return e, "A cache entry needs a type, such as type=registry,ref=user/app:cache or type=local,src=cache."
	}
	for _, k := range raw.keys {
		switch k {
		case "type":
		case "src", "dest":
			v := raw.fields[k]
			if e.Type == "local" && v != "" {
				if e.Written == nil {
					e.Written = map[string]string{}
				}
				e.Written[k] = v
				v = b.abs(v)
			}
			e.Attrs[k] = v
		default:
			e.Attrs[k] = raw.fields[k]
		}
	}
	return e, ""
}

// parseSecret reads id=…,src=… or id=…,env=… (type=file|env as in
// buildx). Only the source is recorded, never a value.
func parseSecret(raw rawEntry, b base) (Secret, string) {
	s := Secret{Range: raw.rng}
	if problem := raw.noExtra(); problem != "" {
		return s, problem
	}
	if raw.bare != "" {
		return s, fmt.Sprintf("%q is not a secret; write id=NAME,src=FILE or id=NAME,env=VAR.", raw.bare)
	}
	typ := ""
	for _, k := range raw.keys {
		v := raw.fields[k]
		switch k {
		case "type":
			typ = v
			if v != "file" && v != "env" {
				return s, fmt.Sprintf("Secret type %q is unknown; use file or env.", v)
			}
		case "id":
			s.ID = v
		case "src", "source":
			s.Src = v
		case "env":
			s.Env = v
		default:
			return s, fmt.Sprintf("Unknown secret field %q; a secret has id, src (or env) and optionally type.%s", k, didYouMean(k, []string{"id", "src", "env", "type"}))
		}
	}
	if typ == "env" && s.Env == "" {
		// As bake: the variable named by src; with neither, the build
		// reads the variable named by id if it is set, else the file.
		s.Env, s.Src = s.Src, ""
	}
	if s.ID == "" {
		return s, "A secret needs an id, the name the Dockerfile mounts it by (RUN --mount=type=secret,id=NAME)."
	}
	if s.Src != "" {
		s.SrcWritten, s.Src = s.Src, b.abs(s.Src)
	}
	return s, ""
}

// parseSSH reads "default", "id=path[,path…]" or {id, paths}.
func parseSSH(raw rawEntry, b base) (SSH, string) {
	s := SSH{Range: raw.rng}
	if raw.bare != "" {
		s.ID = raw.bare
		return s, ""
	}
	paths := ""
	if id, ok := raw.fields["id"]; ok {
		s.ID = id
		paths = raw.fields["paths"]
	} else if len(raw.keys) == 1 {
		s.ID, paths = raw.keys[0], raw.fields[raw.keys[0]]
	} else {
		return s, "An ssh entry is \"default\", \"ID=PATH[,PATH...]\" or an object { id = ..., paths = [...] }."
	}
	for _, p := range append(strings.Split(paths, ","), raw.extra...) {
		if p != "" {
			s.Paths = append(s.Paths, b.abs(p))
			s.PathsWritten = append(s.PathsWritten, p)
		}
	}
	return s, ""
}

func parseAttest(raw rawEntry) (Attest, string) {
	a := Attest{Range: raw.rng, Attrs: map[string]string{}}
	if problem := raw.noExtra(); problem != "" {
		return a, problem
	}
	if raw.bare != "" {
		return a, fmt.Sprintf("%q is not an attestation; write type=provenance,mode=max or type=sbom.", raw.bare)
	}
	for _, k := range raw.keys {
		v := raw.fields[k]
		switch k {
		case "type":
			a.Type = v
		case "disabled":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return a, fmt.Sprintf("disabled=%q must be true or false.", v)
			}
			a.Disabled = b
		default:
			a.Attrs[k] = v
		}
	}
	if a.Type == "" {
		return a, "An attestation needs a type: provenance or sbom."
	}
	return a, ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
