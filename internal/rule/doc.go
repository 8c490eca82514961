// Package rule names the checks xbake runs on a spec and a plan. Each has
// a stable ID that CI scripts can match on (plan --format json prints it)
// and that docs/rules.md documents with a failing example and the fix.
// A diagnostic carries its rule in Extra; Of reads it back. Start with
// rule.go; the checks themselves are in internal/plan/rules.go.
package rule
