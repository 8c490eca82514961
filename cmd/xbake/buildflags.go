package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/plan"
)

// buildFlags are the flags that change what a plan builds: the ones
// `xbake plan` and `xbake run` share.
type buildFlags struct {
	push, load, strict bool
	allow              []string
	builder            string
}

func (f *buildFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.push, "push", false, "push every target's image (shorthand for --set *.push=true)")
	fl.BoolVar(&f.load, "load", false, "load every target's image into Docker (shorthand for --set *.load=true)")
	fl.StringArrayVar(&f.allow, "allow", nil, "grant an entitlement: network.host, security.insecure, or fs.write=PATH for outputs outside the spec's directory (repeatable)")
	fl.StringVar(&f.builder, "builder", os.Getenv("XBAKE_BUILDER"), "builder for targets that name none (default: $XBAKE_BUILDER, else the builder marked default, else the local one)")
	fl.BoolVar(&f.strict, "strict", false, "treat warnings as errors")
}

func (f *buildFlags) planOptions() (plan.Options, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return plan.Options{}, usageErrorf("cannot read the working directory: %v", err)
	}
	allow, err := plan.ParseAllow(f.allow, cwd)
	if err != nil {
		return plan.Options{}, usageErrorf("%v", err)
	}
	return plan.Options{Push: f.push, Load: f.load, Allow: allow, Builder: f.builder, Strict: f.strict}, nil
}
