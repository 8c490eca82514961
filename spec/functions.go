package spec

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// stdlibFunctions are the functions bake documents, from go-cty's stdlib
// and HCL's try/can, under bake's names.
func stdlibFunctions() map[string]function.Function {
	fns := bakeFunctions()
	for name, f := range map[string]function.Function{
		"absolute": stdlib.AbsoluteFunc, "add": stdlib.AddFunc, "and": stdlib.AndFunc,
		"byteslen": stdlib.BytesLenFunc, "bytesslice": stdlib.BytesSliceFunc,
		"can": tryfunc.CanFunc, "ceil": stdlib.CeilFunc, "chomp": stdlib.ChompFunc,
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
		"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc,
		"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"csvdecode": stdlib.CSVDecodeFunc, "distinct": stdlib.DistinctFunc,
		"divide": stdlib.DivideFunc, "element": stdlib.ElementFunc, "equal": stdlib.EqualFunc,
		"flatten": stdlib.FlattenFunc, "floor": stdlib.FloorFunc, "format": stdlib.FormatFunc,
		"formatdate": stdlib.FormatDateFunc, "formatlist": stdlib.FormatListFunc,
		"greaterthan": stdlib.GreaterThanFunc, "greaterthanorequalto": stdlib.GreaterThanOrEqualToFunc,
		"hasindex": stdlib.HasIndexFunc, "indent": stdlib.IndentFunc, "index": stdlib.IndexFunc,
		"int": stdlib.IntFunc, "join": stdlib.JoinFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "keys": stdlib.KeysFunc, "length": stdlib.LengthFunc,
		"lessthan": stdlib.LessThanFunc, "lessthanorequalto": stdlib.LessThanOrEqualToFunc,
		"log": stdlib.LogFunc, "lookup": stdlib.LookupFunc, "lower": stdlib.LowerFunc,
		"max": stdlib.MaxFunc, "merge": stdlib.MergeFunc, "min": stdlib.MinFunc,
		"modulo": stdlib.ModuloFunc, "multiply": stdlib.MultiplyFunc, "negate": stdlib.NegateFunc,
		"not": stdlib.NotFunc, "notequal": stdlib.NotEqualFunc, "or": stdlib.OrFunc,
		"parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc, "range": stdlib.RangeFunc,
		"regex": stdlib.RegexFunc, "regex_replace": stdlib.RegexReplaceFunc,
		"regexall": stdlib.RegexAllFunc, "replace": stdlib.ReplaceFunc, "reverse": stdlib.ReverseFunc,
		"reverselist": stdlib.ReverseListFunc, "sethaselement": stdlib.SetHasElementFunc,
		"setintersection": stdlib.SetIntersectionFunc, "setproduct": stdlib.SetProductFunc,
		"setsubtract": stdlib.SetSubtractFunc, "setsymmetricdifference": stdlib.SetSymmetricDifferenceFunc,
		"setunion": stdlib.SetUnionFunc, "signum": stdlib.SignumFunc, "slice": stdlib.SliceFunc,
		"sort": stdlib.SortFunc, "split": stdlib.SplitFunc, "strlen": stdlib.StrlenFunc,
		"substr": stdlib.SubstrFunc, "subtract": stdlib.SubtractFunc, "timeadd": stdlib.TimeAddFunc,
		"timestamp": timestampFunc, "title": stdlib.TitleFunc, "trim": stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc, "trimspace": stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "try": tryfunc.TryFunc, "upper": stdlib.UpperFunc,
		"values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
	} {
		fns[name] = f
	}
	return fns
}

// timestampFunc returns the current UTC time in RFC 3339, as in bake.
var timestampFunc = function.New(&function.Spec{
	Type: function.StaticReturnType(cty.String),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		return cty.StringVal(time.Now().UTC().Format(time.RFC3339)), nil
	},
})

// maxFileSize bounds file() so a typo naming a huge file fails quickly.
const maxFileSize = 16 << 20

// fileFunc reads a UTF-8 text file; a relative path resolves against dir,
// the directory of the spec file that calls it. Each file read is passed
// to record, for the load cache.
func fileFunc(dir string, reads Boundary, record func(path string, data []byte, err error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path := args[0].AsString()
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			data, err := readTextFile(path, reads)
			// A failed read is an input too: try(file("VERSION"), "dev")
			// gives another answer once the file exists.
			record(path, data, err)
			if err != nil {
				return cty.DynamicVal, function.NewArgError(0, err)
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

// readTextFile reads what file() may read: an ordinary UTF-8 file of at
// most 16 MiB inside the read boundary. The load cache calls it again to
// see whether the answer changed.
func readTextFile(path string, reads Boundary) ([]byte, error) {
	if !reads.Allows(path) {
		return nil, fmt.Errorf("%q lies outside %s, and was not read; allow it with --allow fs.read=%s",
			path, strings.Join(reads.Trees, " and "), filepath.Dir(path))
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %s", path, errText(err))
	}
	// Only ordinary files: a device or a /proc file may never end.
	clean := filepath.Clean(path)
	if !info.Mode().IsRegular() || strings.HasPrefix(clean, "/proc/") || strings.HasPrefix(clean, "/sys/") {
		return nil, fmt.Errorf("%q is not an ordinary file", path)
	}
	if info.Size() > maxFileSize {
		return nil, fmt.Errorf("%q is larger than 16 MiB", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %s", path, errText(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize))
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %s", path, errText(err))
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%q is not UTF-8 text", path)
	}
	return data, nil
}

// errFunctionDepth stops runaway recursion through user functions that a
// static check could not see (in bake's JSON syntax).
var errFunctionDepth = fmt.Errorf("user functions nested more than %d calls deep; a function probably calls itself", maxFunctionDepth)

const maxFunctionDepth = 64

// builtins are the built-in functions, made once for the editor's
// completion and hover.
var builtins = sync.OnceValue(stdlibFunctions)

// FunctionNames are the built-in functions a spec may call, sorted.
func FunctionNames() []string {
	return slices.Sorted(maps.Keys(builtins()))
}

// FunctionSignature is a built-in function's parameters, as
// name(a, b, rest...), and its description; false for no such function.
func FunctionSignature(name string) (signature, description string, ok bool) {
	f, ok := builtins()[name]
	if !ok {
		return "", "", false
	}
	var params []string
	for _, p := range f.Params() {
		params = append(params, p.Name)
	}
	if v := f.VarParam(); v != nil {
		params = append(params, v.Name+"...")
	}
	return name + "(" + strings.Join(params, ", ") + ")", f.Description(), true
}
