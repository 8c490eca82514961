package main

import "fmt"

// Exit codes.
const (
	exitOK    = 0
	exitSpec  = 1 // the spec has errors (or warnings, with --strict)
	exitUsage = 2 // the command line is wrong
)

// exitError carries an exit code out of a command; msg, if any, is
// printed as "xbake: msg". Diagnostics are printed before it is returned.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

var errSpec = &exitError{code: exitSpec}
