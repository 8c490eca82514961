package spec

import "reflect"

// gob leaves zero values out, so an empty but non-nil slice or map comes
// back nil, and so does a pointer to a zero value. The model tells "set
// to nothing" from "not set" that way (see Target), so the cache records
// where each such value is and puts it back after decoding.

// emptyAt is the path from the kept spec to one such value.
type emptyAt []pathStep

// pathStep is one step of a path: a struct field, a map key or a slice
// index.
type pathStep struct {
	Kind  uint8 // stepField, stepKey or stepIndex
	Index int   // the field or element index
	Key   string
}

const (
	stepField uint8 = iota
	stepKey
	stepIndex
)

// findEmpties lists the paths, from v, of the values gob would lose.
func findEmpties(v any) []emptyAt {
	var out []emptyAt
	walkEmpties(reflect.ValueOf(v), nil, &out)
	return out
}

func walkEmpties(v reflect.Value, path []pathStep, out *[]emptyAt) {
	at := func(s pathStep) []pathStep { return append(clonePath(path), s) }
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Elem().IsZero() {
			*out = append(*out, clonePath(path))
			return
		}
		walkEmpties(v.Elem(), path, out)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkEmpties(v.Field(i), at(pathStep{Kind: stepField, Index: i}), out)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Len() == 0 {
			*out = append(*out, clonePath(path))
		}
		for i := range v.Len() {
			walkEmpties(v.Index(i), at(pathStep{Kind: stepIndex, Index: i}), out)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		if v.Len() == 0 {
			*out = append(*out, clonePath(path))
		}
		if v.Type().Key().Kind() != reflect.String { // the model's maps are all keyed by name
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			walkEmpties(iter.Value(), at(pathStep{Kind: stepKey, Key: iter.Key().String()}), out)
		}
	}
}

// clonePath copies a path, so that siblings do not share a backing array.
func clonePath(path []pathStep) []pathStep { return append([]pathStep(nil), path...) }

// restoreEmpties puts back the values findEmpties listed. A path that
// does not fit (a damaged entry) is skipped.
func restoreEmpties(v any, paths []emptyAt) {
	root := reflect.ValueOf(v)
	for _, p := range paths {
		restoreAt(root, p)
	}
}

func restoreAt(v reflect.Value, path []pathStep) {
	if len(path) == 0 {
		if !v.CanSet() {
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
		case reflect.Slice:
			if v.IsNil() {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
		case reflect.Map:
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
		}
		return
	}
	step := path[0]
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			restoreAt(v.Elem(), path)
		}
	case reflect.Struct:
		if step.Kind == stepField && step.Index < v.NumField() {
			restoreAt(v.Field(step.Index), path[1:])
		}
	case reflect.Slice:
		if step.Kind == stepIndex && step.Index < v.Len() {
			restoreAt(v.Index(step.Index), path[1:])
		}
	case reflect.Map:
		if step.Kind != stepKey || v.Type().Key().Kind() != reflect.String {
			return
		}
		key := reflect.ValueOf(step.Key).Convert(v.Type().Key())
		elem := v.MapIndex(key)
		if !elem.IsValid() {
			return
		}
		// A map's values cannot be set in place: change a copy and put
		// it back.
		changed := reflect.New(elem.Type()).Elem()
		changed.Set(elem)
		restoreAt(changed, path[1:])
		v.SetMapIndex(key, changed)
	}
}
