package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit code.
func run(args []string) int {
	root := newRootCommand()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.msg != "" {
			fmt.Fprintln(os.Stderr, "xbake: "+exit.msg)
		}
		return exit.code
	}
	// Anything cobra reports itself (unknown command, bad flag) is usage.
	fmt.Fprintln(os.Stderr, "xbake: "+err.Error())
	fmt.Fprintln(os.Stderr, "Run 'xbake --help' for usage.")
	return exitUsage
}
