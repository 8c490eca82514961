package spec

// Variables set from the environment, as bake reads them: a typed list,
// set, tuple or map in CSV form ("3,1,4", "k1:v1,k2:v2"), a primitive
// parsed to its type, anything else only as NAME_JSON (jsonEnv).

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// csvType reports whether a type can be written in CSV form.
func csvType(t cty.Type) bool {
	return t.IsListType() || t.IsSetType() || t.IsTupleType() || t.IsMapType()
}

// valueFromCSV reads a CSV value as t.
func valueFromCSV(raw string, t cty.Type) (cty.Value, error) {
	if raw == "" { // bake: "failed to parse  as CSV: EOF"
		return cty.NilVal, errors.New("an empty value, which is not CSV: give at least one element, or unset the variable to keep its default")
	}
	fields, ok := splitCSV(raw)
	if !ok {
		return cty.NilVal, errors.New("an unterminated quote")
	}
	elems := func(et cty.Type) ([]cty.Value, error) {
		if !et.IsPrimitiveType() {
			return nil, fmt.Errorf("%s cannot be written as CSV; set it as JSON with NAME_JSON", t.FriendlyName())
		}
		var out []cty.Value
		for _, f := range fields {
			v, err := primitiveFrom(f, et)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	switch {
	case t.IsListType(), t.IsSetType():
		list, err := elems(t.ElementType())
		if err != nil || len(list) == 0 {
			return cty.NilVal, err
		}
		if t.IsSetType() {
			return cty.SetVal(list), nil
		}
		return cty.ListVal(list), nil
	case t.IsTupleType():
		types := t.TupleElementTypes()
		if len(types) != len(fields) {
			return cty.NilVal, fmt.Errorf("%s needs %d elements, not %d", t.FriendlyName(), len(types), len(fields))
		}
		var out []cty.Value
		for i, f := range fields {
			v, err := primitiveFrom(f, types[i])
			if err != nil {
				return cty.NilVal, err
			}
			out = append(out, v)
		}
		return cty.TupleVal(out), nil
	case t.IsMapType():
		m := map[string]cty.Value{}
		for _, f := range fields {
			k, v, ok := strings.Cut(f, ":")
			if !ok {
				return cty.NilVal, fmt.Errorf("%q is not a key:value pair", f)
			}
			val, err := primitiveFrom(v, t.ElementType())
			if err != nil {
				return cty.NilVal, err
			}
			m[k] = val
		}
		return cty.MapVal(m), nil
	}
	return cty.NilVal, fmt.Errorf("%s cannot be written as CSV", t.FriendlyName())
}

// primitiveFrom reads a string, number or bool.
func primitiveFrom(s string, t cty.Type) (cty.Value, error) {
	switch {
	case t == cty.String:
		return cty.StringVal(s), nil
	case t == cty.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return cty.NilVal, fmt.Errorf("%q is not a boolean; use true or false", s)
		}
		return cty.BoolVal(b), nil
	case t == cty.Number:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return cty.NilVal, fmt.Errorf("%q is not a number", s)
		}
		return cty.NumberFloatVal(f), nil
	}
	return cty.NilVal, fmt.Errorf("%s is not a string, number or bool", t.FriendlyName())
}
