// Package spec loads xbake's spec files into one model.
//
// A spec is written in HCL (xbuild.hcl, docker-bake.hcl), in YAML or JSON
// with plural top-level keys (xbuild.yaml, xbuild.json), or in bake's JSON
// (docker-bake.json). All three reach the same decoder as an hcl.Body: HCL
// natively, bake's JSON through HCL's JSON syntax, and YAML through package
// yamlhcl. Start with Load in load.go; it reads the files, then:
//
//  1. collects the declarations of each file (decls.go),
//  2. evaluates variables and user functions in dependency order
//     (variable.go, function.go, eval.go),
//  3. expands matrix targets and decodes groups (matrix.go, group.go),
//  4. resolves every target: its blocks merged, its parents inherited,
//     --set overrides applied (target.go, resolve.go, merge.go, set.go).
//
// Before any of that, Load asks the load cache (cache.go): a spec whose
// files, included globs, file() reads and environment lookups are all as
// they were when it last loaded without an error is decoded from
// there instead of parsed.
//
// Every value keeps the hcl.Range it came from, and every problem is an
// hcl.Diagnostic; Load keeps going after an error so one run reports all
// of them. Print (print.go) renders the bake-compatible --print JSON.
package spec
