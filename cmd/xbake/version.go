package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionInfo is what xbake was built from: its version (-ldflags
// "-X main.version=..."), the commit Go recorded, and the BuildKit
// client it speaks (the version of bin/buildkitd that scripts/setup
// builds from the same module).
type versionInfo struct {
	Version, Commit, BuildKit, Go string
	Modified                      bool
}

func readVersion() versionInfo {
	v := versionInfo{Version: version, Commit: "unknown", BuildKit: "unknown", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	for _, dep := range bi.Deps {
		if dep.Path == "github.com/moby/buildkit" {
			v.BuildKit = dep.Version
			if dep.Replace != nil {
				v.BuildKit = dep.Replace.Version
			}
		}
	}
	return v
}

func (v versionInfo) write(w io.Writer) {
	commit := v.Commit
	if v.Modified {
		commit += " (with uncommitted changes)"
	}
	fmt.Fprintf(w, "xbake %s\ncommit    %s\nbuildkit  %s\ngo        %s\n", v.Version, commit, v.BuildKit, v.Go)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print xbake's version, commit and BuildKit version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			readVersion().write(cmd.OutOrStdout())
			return nil
		},
	}
}

// versionLine is --version's text: the version command's.
func versionLine() string {
	var b strings.Builder
	readVersion().write(&b)
	return b.String()
}
