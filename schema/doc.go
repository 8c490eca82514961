// Package schema holds the JSON Schema (draft 2020-12) of xbake's YAML and
// JSON spec format. It is embedded in the binary: Validate checks a parsed
// YAML document against it before the spec decoder runs, and `xbake schema`
// prints it for editors.
package schema
