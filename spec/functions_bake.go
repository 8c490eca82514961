package spec

// The functions bake adds to go-cty's standard library: hashing,
// encoding, CIDR and UUID functions from HashiCorp's go-cty-funcs (the
// library bake uses), and a few of bake's own, written here from their
// documented behaviour.

import (
	"errors"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/hashicorp/go-cty-funcs/cidr"
	"github.com/hashicorp/go-cty-funcs/crypto"
	"github.com/hashicorp/go-cty-funcs/encoding"
	"github.com/hashicorp/go-cty-funcs/uuid"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// bakeFunctions are the functions bake documents beyond go-cty's stdlib.
func bakeFunctions() map[string]function.Function {
	return map[string]function.Function{
		"base64decode": encoding.Base64DecodeFunc, "base64encode": encoding.Base64EncodeFunc,
		"urlencode": encoding.URLEncodeFunc,
		"bcrypt":    crypto.BcryptFunc, "md5": crypto.Md5Func, "rsadecrypt": crypto.RsaDecryptFunc,
		"sha1": crypto.Sha1Func, "sha256": crypto.Sha256Func, "sha512": crypto.Sha512Func,
		"cidrhost": cidr.HostFunc, "cidrnetmask": cidr.NetmaskFunc, "cidrsubnet": cidr.SubnetFunc,
		"cidrsubnets": cidr.SubnetsFunc,
		"uuidv4":      uuid.V4Func, "uuidv5": uuid.V5Func,
		"convert": typeexpr.ConvertFunc,
		"indexof": indexOfFunc, "basename": pathFunc(path.Base), "dirname": pathFunc(path.Dir),
		"sanitize": sanitizeFunc, "semvercmp": semvercmpFunc, "homedir": homedirFunc,
		"formattimestamp": formatTimestampFunc, "unixtimestampparse": unixTimestampParseFunc,
	}
}

// indexOfFunc returns the index of a value in a list or tuple.
var indexOfFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}, {Name: "value", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list := args[0]
		if !list.Type().IsListType() && !list.Type().IsTupleType() {
			return cty.NilVal, errors.New("argument must be a list or tuple")
		}
		if !list.IsKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if list.LengthInt() == 0 {
			return cty.NilVal, errors.New("cannot search an empty list")
		}
		for it := list.ElementIterator(); it.Next(); {
			i, v := it.Element()
			eq, err := stdlib.Equal(v, args[1])
			if err != nil {
				return cty.NilVal, err
			}
			if !eq.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if eq.True() {
				return i, nil
			}
		}
		return cty.NilVal, errors.New("item not found")
	},
})

// pathFunc wraps a function of a slash-separated path.
func pathFunc(f func(string) string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(f(args[0].AsString())), nil
		},
	})
}

// sanitizeFunc replaces every character a target name cannot hold with _.
var sanitizeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "name", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
				return r
			}
			return '_'
		}, args[0].AsString())), nil
	},
})

// semvercmpFunc reports whether a version meets a constraint.
var semvercmpFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "version", Type: cty.String}, {Name: "constraint", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, err := semver.NewVersion(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.Bool), err
		}
		c, err := semver.NewConstraint(args[1].AsString())
		if err != nil {
			return cty.UnknownVal(cty.Bool), err
		}
		return cty.BoolVal(c.Check(v)), nil
	},
})

// homedirFunc returns the user's home directory.
var homedirFunc = function.New(&function.Spec{
	Type: function.StaticReturnType(cty.String),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		home, err := os.UserHomeDir()
		if err != nil {
			return cty.DynamicVal, err
		}
		return cty.StringVal(home), nil
	},
})

// formatTimestampFunc formats an RFC 3339 string or a unix timestamp with
// formatdate's verbs; "X" gives the unix timestamp.
var formatTimestampFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "format", Type: cty.String}, {Name: "time", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		format := args[0].AsString()
		var t time.Time
		switch args[1].Type() {
		case cty.String:
			parsed, err := time.Parse(time.RFC3339, args[1].AsString())
			if err != nil {
				return cty.DynamicVal, function.NewArgErrorf(1, "timestamp string must be RFC3339")
			}
			t = parsed
		case cty.Number:
			parsed, err := unixTime(args[1])
			if err != nil {
				return cty.DynamicVal, function.NewArgError(1, err)
			}
			t = parsed
		default:
			return cty.DynamicVal, function.NewArgErrorf(1, "must be a string timestamp or a unix timestamp number")
		}
		if format == "X" {
			return cty.StringVal(strconv.FormatInt(t.Unix(), 10)), nil
		}
		return stdlib.FormatDateFunc.Call([]cty.Value{args[0], cty.StringVal(t.UTC().Format(time.RFC3339))})
	},
})

// unixTimestampParseFunc breaks a unix timestamp into its parts.
var unixTimestampParseFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "unix_timestamp", Type: cty.Number}},
	Type: function.StaticReturnType(cty.Object(map[string]cty.Type{
		"year": cty.Number, "year_day": cty.Number, "day": cty.Number, "month": cty.Number,
		"month_name": cty.String, "weekday": cty.Number, "weekday_name": cty.String,
		"hour": cty.Number, "minute": cty.Number, "second": cty.Number, "rfc3339": cty.String,
		"iso_year": cty.Number, "iso_week": cty.Number,
	})),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		t, err := unixTime(args[0])
		if err != nil {
			return cty.DynamicVal, function.NewArgError(0, err)
		}
		isoYear, isoWeek := t.ISOWeek()
		n := func(i int) cty.Value { return cty.NumberIntVal(int64(i)) }
		return cty.ObjectVal(map[string]cty.Value{
			"year": n(t.Year()), "year_day": n(t.YearDay()), "day": n(t.Day()), "month": n(int(t.Month())),
			"month_name": cty.StringVal(t.Month().String()), "weekday": n(int(t.Weekday())),
			"weekday_name": cty.StringVal(t.Weekday().String()), "hour": n(t.Hour()), "minute": n(t.Minute()),
			"second": n(t.Second()), "rfc3339": cty.StringVal(t.Format(time.RFC3339)),
			"iso_year": n(isoYear), "iso_week": n(isoWeek),
		}), nil
	},
})

// unixTime reads a whole number of seconds since 1970 as a UTC time.
func unixTime(v cty.Value) (time.Time, error) {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return time.Time{}, errors.New("unix timestamp must be a whole number")
	}
	secs, acc := f.Int64()
	if acc != 0 {
		return time.Time{}, errors.New("unix timestamp is out of range")
	}
	return time.Unix(secs, 0).UTC(), nil
}
