package spec

import (
	"strconv"

	"fmt"
	units "github.com/docker/go-units"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// attrValue is one evaluated target attribute being decoded into the
// model. Its methods report wrong types and bad entries as diagnostics at
// the attribute, or at the element when the syntax shows elements.
type attrValue struct {
	attr  *hcl.Attribute
	val   cty.Value
	base  base // where the file's relative paths start
	diags hcl.Diagnostics
}

func (a *attrValue) wrongType(want string) {
	a.diags = append(a.diags, errorf(a.attr.Expr.Range(), "Incorrect attribute value type",
		"The %q attribute must be %s, but this value is %s.", a.attr.Name, want, friendlyType(a.val.Type())))
}

func (a *attrValue) str() *String {
	v, err := convert.Convert(a.val, cty.String)
	if err != nil {
		a.wrongType("a string")
		return nil
	}
	return &String{Value: v.AsString(), Range: a.attr.Expr.Range()}
}

func (a *attrValue) boolean() *Bool {
	v, err := convert.Convert(a.val, cty.Bool)
	if err != nil {
		a.wrongType("true or false")
		return nil
	}
	return &Bool{Value: v.True(), Range: a.attr.Expr.Range()}
}

// elementRanges returns one range per element when the syntax shows the
// elements (a literal list), else the attribute's range for each.
func (a *attrValue) elementRanges(n int) []hcl.Range {
	out := make([]hcl.Range, n)
	exprs, diags := hcl.ExprList(a.attr.Expr)
	for i := range out {
		if !diags.HasErrors() && len(exprs) == n {
			out[i] = exprs[i].Range()
		} else {
			out[i] = a.attr.Expr.Range()
		}
	}
	return out
}

// elements returns the elements of a list, tuple or set value.
func (a *attrValue) elements(want string) ([]cty.Value, bool) {
	ty := a.val.Type()
	if !(ty.IsListType() || ty.IsTupleType() || ty.IsSetType()) {
		a.wrongType(want)
		return nil, false
	}
	out := make([]cty.Value, 0, a.val.LengthInt())
	for it := a.val.ElementIterator(); it.Next(); {
		_, v := it.Element()
		out = append(out, v)
	}
	return out, true
}

func (a *attrValue) list() []String {
	elems, ok := a.elements("a list of strings")
	if !ok {
		return nil
	}
	ranges := a.elementRanges(len(elems))
	out := make([]String, 0, len(elems))
	for i, e := range elems {
		s, err := convert.Convert(e, cty.String)
		if err != nil || s.IsNull() {
			a.diags = append(a.diags, errorf(ranges[i], "Incorrect attribute value type",
				"Each element of %q must be a string; element %d is %s.", a.attr.Name, i+1, describe(e)))
			continue
		}
		if !s.IsKnown() {
			continue // an expression that failed: its error is reported already
		}
		if s.AsString() == "" {
			continue // bake drops empty entries: ["${EXTRA}"] with an empty EXTRA is no entry
		}
		out = append(out, String{Value: s.AsString(), Range: ranges[i]})
	}
	return out
}

// strMap decodes a map of strings. A null value leaves that key unset, so
// a child can keep a parent's value, as in bake.
func (a *attrValue) strMap() map[string]String {
	ty := a.val.Type()
	if !(ty.IsObjectType() || ty.IsMapType()) {
		a.wrongType("a map of strings")
		return nil
	}
	valueRanges := map[string]hcl.Range{}
	if pairs, diags := hcl.ExprMap(a.attr.Expr); !diags.HasErrors() {
		for _, p := range pairs {
			if k, d := p.Key.Value(nil); !d.HasErrors() && k.Type() == cty.String && k.IsKnown() && !k.IsNull() {
				valueRanges[k.AsString()] = p.Value.Range()
			}
		}
	}
	out := map[string]String{}
	for it := a.val.ElementIterator(); it.Next(); {
		k, v := it.Element()
		key := k.AsString()
		rng, ok := valueRanges[key]
		if !ok {
			rng = a.attr.Expr.Range()
		}
		if v.IsNull() {
			continue
		}
		s, err := convert.Convert(v, cty.String)
		if err != nil {
			a.diags = append(a.diags, errorf(rng, "Incorrect attribute value type",
				"The value of %q in %q must be a string; it is %s.", key, a.attr.Name, describe(v)))
			continue
		}
		out[key] = String{Value: s.AsString(), Range: rng}
	}
	return out
}

// contextPath resolves a local build context against the file's
// directory (cwd:// against the working directory); remote contexts stay
// as written.
func (a *attrValue) contextPath() *String {
	s := a.str()
	if s != nil && IsLocal(s.Value) {
		s.Written, s.Value = s.Value, a.base.context().abs(s.Value)
	}
	return s
}

// namedContexts resolves the local directories among named contexts.
func (a *attrValue) namedContexts() map[string]String {
	m := a.strMap()
	b := a.base.context()
	for k, v := range m {
		if IsLocal(v.Value) {
			v.Written, v.Value = v.Value, b.abs(v.Value)
			m[k] = v
		} else if p, ok := strings.CutPrefix(v.Value, "oci-layout://"); ok && !filepath.IsAbs(p) {
			v.Written, v.Value = v.Value, "oci-layout://"+b.abs(p) // the layout is a local directory too
			m[k] = v
		}
	}
	return m
}

// base is where relative paths of one file start: dir for most paths,
// ctxDir for build contexts (see sourceFile), and for cwd:// paths the
// working directory.
type base struct{ dir, ctxDir, cwd string }

// context is the base of build contexts.
func (b base) context() base {
	if b.ctxDir != "" {
		b.dir = b.ctxDir
	}
	return b
}

// abs resolves p: absolute as it is, cwd:// against the working
// directory, anything else against the file's directory.
func (b base) abs(p string) string {
	if rest, ok := strings.CutPrefix(p, "cwd://"); ok {
		return absPath(b.cwd, rest)
	}
	return absPath(b.dir, p)
}

func absPath(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// entries decodes output, cache-from and cache-to: each element a CSV
// string or an object, normalised to an Entry by parse.
// cacheEntries decodes cache-from and cache-to: "ref1,ref2" is two
// registry refs.
func (a *attrValue) cacheEntries() []Entry {
	return a.parseEntries(splitRefs(a.rawEntries()), parseCache)
}

// entries decodes a list of outputs.
func (a *attrValue) entries(parse func(raw rawEntry, b base) (Entry, string)) []Entry {
	return a.parseEntries(a.rawEntries(), parse)
}

func (a *attrValue) parseEntries(raws []rawEntry, parse func(raw rawEntry, b base) (Entry, string)) []Entry {
	out := make([]Entry, 0, len(raws))
	for _, raw := range raws {
		e, problem := parse(raw, a.base)
		if problem != "" {
			a.entryError(raw, problem)
			continue
		}
		e.Range = raw.rng
		out = append(out, e)
	}
	return out
}

func (a *attrValue) entryError(raw rawEntry, problem string) {
	a.diags = append(a.diags, errorf(raw.rng, "Invalid "+a.attr.Name+" entry", "%s", problem))
}

func (a *attrValue) secrets() []Secret {
	var out []Secret
	for _, raw := range a.rawEntries() {
		s, problem := parseSecret(raw, a.base)
		if problem != "" {
			a.entryError(raw, problem)
			continue
		}
		out = append(out, s)
	}
	if out == nil {
		out = []Secret{}
	}
	return out
}

func (a *attrValue) ssh() []SSH {
	var out []SSH
	for _, raw := range a.rawEntries() {
		s, problem := parseSSH(raw, a.base)
		if problem != "" {
			a.entryError(raw, problem)
			continue
		}
		out = append(out, s)
	}
	if out == nil {
		out = []SSH{}
	}
	return out
}

func (a *attrValue) attests() []Attest {
	var out []Attest
	for _, raw := range a.rawEntries() {
		s, problem := parseAttest(raw)
		if problem != "" {
			a.entryError(raw, problem)
			continue
		}
		out = append(out, s)
	}
	if out == nil {
		out = []Attest{}
	}
	return out
}

// rawEntries splits the value into elements and each element into fields.
func (a *attrValue) rawEntries() []rawEntry {
	elems, ok := a.elements("a list of entries, each a string such as \"type=local,dest=out\" or an object")
	if !ok {
		return nil
	}
	ranges := a.elementRanges(len(elems))
	out := make([]rawEntry, 0, len(elems))
	for i, e := range elems {
		if e.Type() == cty.String && !e.IsNull() && e.IsKnown() && e.AsString() == "" {
			continue // an empty entry is none, as in bake
		}
		raw, problem := toRawEntry(e)
		raw.rng = ranges[i]
		if problem != "" {
			a.entryError(raw, problem)
			continue
		}
		out = append(out, raw)
	}
	return out
}

// friendlyType names a cty type the way a spec author thinks of it.
func friendlyType(t cty.Type) string {
	switch {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "a boolean"
	case t.IsListType(), t.IsTupleType(), t.IsSetType():
		return "a list"
	case t.IsMapType(), t.IsObjectType():
		return "a map"
	}
	return t.FriendlyName()
}

func describe(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return fmt.Sprintf("%s (%s)", friendlyType(v.Type()), showValue(v))
}

// splitRefs turns a cache entry "ref1,ref2" into one entry per ref, as
// bake reads it.
func splitRefs(raws []rawEntry) []rawEntry {
	var out []rawEntry
	for _, raw := range raws {
		if raw.bare == "" || len(raw.extra) == 0 {
			out = append(out, raw)
			continue
		}
		for _, ref := range append([]string{raw.bare}, raw.extra...) {
			if ref != "" {
				out = append(out, rawEntry{fields: map[string]string{}, bare: ref, rng: raw.rng})
			}
		}
	}
	return out
}

// ResourceKeys are the keys of resources, as bake and docker run name them.
var ResourceKeys = []string{"memory", "memory-swap", "cpu-shares", "cpu-period", "cpu-quota", "cpuset-cpus", "cpuset-mems"}

// resources decodes the resources map: known keys, sizes and whole
// numbers checked, as bake checks them.
func (a *attrValue) resources() map[string]String {
	m := a.strMap()
	for k, v := range m {
		if problem := checkResource(k, v.Value); problem != "" {
			a.diags = append(a.diags, errorf(v.Range, "Invalid resource", "%s", problem))
			delete(m, k)
		}
	}
	return m
}

// checkResource says what is wrong with one resource, or "".
func checkResource(k, v string) string {
	switch k {
	case "memory", "memory-swap":
		if k == "memory-swap" && v == "-1" {
			return ""
		}
		if _, err := units.RAMInBytes(v); err != nil {
			return fmt.Sprintf("%s = %q is not a size; write it as 512m or 2g.", k, v)
		}
	case "cpu-shares", "cpu-period", "cpu-quota":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Sprintf("%s = %q is not a whole number.", k, v)
		}
	case "cpuset-cpus", "cpuset-mems":
	default:
		return fmt.Sprintf("%q is not a resource; use one of %s.%s", k, quoteList(ResourceKeys), didYouMean(k, ResourceKeys))
	}
	return ""
}
