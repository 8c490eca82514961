// Package yamlhcl presents a YAML (or JSON) document as an hcl.Body, so the
// spec decoder reads xbuild.yaml and xbuild.json through the same code path
// as xbuild.hcl and reports the same diagnostics at the YAML node's line and
// column.
//
// Start with Parse, which returns an *hcl.File whose Body is a *Body. Mapping
// keys become attributes or blocks depending on the schema the caller asks
// for, exactly as HCL's own JSON syntax does. String scalars are HCL
// templates, so "${TAG}" works in YAML as it does in HCL.
package yamlhcl
