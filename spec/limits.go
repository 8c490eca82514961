package spec

// Bounds on evaluation. A few lines of HCL can ask for more than any
// machine holds: a variable that doubles itself forty times, a chain of
// functions that square a string, setproduct of long lists. Every value
// a function returns, every variable and every user function result is
// measured, the output of functions that multiply their input is
// predicted before they run, and all function results of one load share
// a budget. A spec that passes a bound fails where it did, with the
// function call or the variable as the position. docs/limits.md lists
// them.

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

const (
	// maxValueUnits bounds one value: a unit is an element, a key, or 16
	// bytes of a string (so the largest string is 16 MiB, what file()
	// reads at most).
	maxValueUnits = 1 << 20
	// maxLoadUnits bounds what all function calls of one load return
	// together: nested for expressions over range() multiply quickly.
	maxLoadUnits = 1 << 23
	// maxNumberDigits bounds the digits of a number, which a template
	// would otherwise print in full.
	maxNumberDigits = 4096
)

// budget counts the units function results have used in one load.
type budget struct{ used int }

// errTooLarge says a value passed a bound.
func errTooLarge(what string, units int) error {
	return fmt.Errorf("%s is too large (more than %d elements, or a string over %d MiB); a spec never needs that much. See docs/limits.md",
		what, units, units*16>>20)
}

// valueUnits measures v, stopping as soon as it passes limit.
func valueUnits(v cty.Value, limit int) int {
	if !v.IsKnown() || v.IsNull() {
		return 1
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return max(1, len(v.AsString())/16)
	case ty == cty.Number:
		if numberDigits(v) > maxNumberDigits {
			return limit + 1
		}
		return 1
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
		n := 1
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if !ty.IsListType() && !ty.IsSetType() && !ty.IsTupleType() {
				n += valueUnits(k, limit)
			}
			n += valueUnits(e, limit-n)
			if n > limit {
				return n
			}
		}
		return n
	}
	return 1
}

// numberDigits estimates the decimal digits of a number's integer part.
func numberDigits(v cty.Value) int {
	f := v.AsBigFloat()
	if f.IsInf() {
		return 0
	}
	exp := f.MantExp(nil) // |v| < 2^exp
	return int(math.Abs(float64(exp)) * math.Log10(2))
}

// limited wraps a function so that its result is measured against one
// value's bound and the load's budget, after a prediction for functions
// whose output can dwarf their input.
func (b *budget) limited(name string, f function.Function) function.Function {
	spec := &function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if b.used > maxLoadUnits {
				return cty.DynamicVal, errBudget
			}
			if err := predict(name, args); err != nil {
				return cty.DynamicVal, err
			}
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			return v, b.charge(name+"()'s result", v)
		},
	}
	return function.New(spec)
}

// charge measures v and adds it to the budget.
func (b *budget) charge(what string, v cty.Value) error {
	if b.used > maxLoadUnits {
		return errBudget
	}
	n := valueUnits(v, maxValueUnits)
	if n > maxValueUnits {
		return errTooLarge(what, maxValueUnits)
	}
	b.used += n
	if b.used > maxLoadUnits {
		return errBudget
	}
	return nil
}

var errBudget = fmt.Errorf("evaluating this spec produced more than %d values in function calls; "+
	"nested for expressions or functions multiply quickly. See docs/limits.md", maxLoadUnits)

// formatWidth finds the widths and precisions of a format string's verbs.
var formatWidth = regexp.MustCompile(`%[-+# 0]*(\d*)(?:\.(\d*))?`)

// predict refuses calls whose result would be too large before they
// allocate it.
func predict(name string, args []cty.Value) error {
	known := func(v cty.Value) bool { return v.IsKnown() && !v.IsNull() }
	switch name {
	case "setproduct":
		total := 1
		for _, a := range args {
			if !known(a) || !a.CanIterateElements() {
				return nil
			}
			total *= max(a.LengthInt(), 1)
			if total > maxValueUnits {
				return errTooLarge("setproduct()'s result", maxValueUnits)
			}
		}
	case "format", "formatlist":
		if len(args) > 0 && known(args[0]) && args[0].Type() == cty.String {
			for _, m := range formatWidth.FindAllStringSubmatch(args[0].AsString(), -1) {
				for _, num := range m[1:] {
					if n, err := strconv.Atoi(num); num != "" && (err != nil || n > 10000) {
						return fmt.Errorf("a width or precision of %s in the format is too large (at most 10000)", num)
					}
				}
			}
		}
	case "indent":
		if len(args) > 0 && known(args[0]) && args[0].Type() == cty.Number {
			if n, _ := args[0].AsBigFloat().Int64(); n > 10000 {
				return fmt.Errorf("an indent of %d spaces is too large (at most 10000)", n)
			}
		}
	case "replace":
		if len(args) == 3 && known(args[0]) && known(args[1]) && known(args[2]) &&
			args[0].Type() == cty.String && args[1].Type() == cty.String && args[2].Type() == cty.String {
			s, old, repl := len(args[0].AsString()), len(args[1].AsString()), len(args[2].AsString())
			if s+(s/max(old, 1)+1)*repl > maxValueUnits*16 {
				return errTooLarge("replace()'s result", maxValueUnits)
			}
		}
	case "pow":
		if len(args) == 2 && known(args[0]) && known(args[1]) {
			base, _ := args[0].AsBigFloat().Float64()
			exp, _ := args[1].AsBigFloat().Float64()
			if math.Abs(exp)*math.Log10(math.Max(math.Abs(base), 1)) > maxNumberDigits {
				return fmt.Errorf("pow(%g, %g) has more than %d digits", base, exp, maxNumberDigits)
			}
		}
	}
	return nil
}

// Evaluating tells a watchdog which expression a load is evaluating, so
// that a spec stopped for its time or memory can be named with a
// position. The bounds above catch what they can predict; a for
// expression nested over a long list runs inside HCL where nothing can
// be measured, and only a watchdog can end it (cmd/xbake does).
type Evaluating struct{ current atomic.Pointer[hcl.Range] }

// Range is the expression being evaluated now, if any.
func (e *Evaluating) Range() (hcl.Range, bool) {
	if e == nil {
		return hcl.Range{}, false
	}
	r := e.current.Load()
	if r == nil {
		return hcl.Range{}, false
	}
	return *r, true
}

// eval evaluates expr, recording where it is written (at, a range the
// spec holds anyway, so that recording allocates nothing) as the
// expression being evaluated.
func (l *loader) eval(expr hcl.Expression, ctx *hcl.EvalContext, at *hcl.Range) (cty.Value, hcl.Diagnostics) {
	if l.opts.Evaluating != nil {
		prev := l.opts.Evaluating.current.Swap(at)
		defer l.opts.Evaluating.current.Store(prev)
	}
	return expr.Value(ctx)
}
