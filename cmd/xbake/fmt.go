package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/atomicfile"
	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/spec"
)

type fmtOptions struct {
	check, diff bool
}

func newFmtCommand() *cobra.Command {
	var o fmtOptions
	cmd := &cobra.Command{
		Use:   "fmt [FILE...]",
		Short: "Rewrite HCL specs in the canonical layout",
		Long: `Rewrite HCL spec files in the canonical layout (HashiCorp's hclwrite, as
terraform fmt): indentation, aligned equals signs, spacing. Comments and
the order of everything are kept. With no FILE, the files of the spec in
this directory (its includes too). YAML and JSON files are left alone.

  --check   change nothing; list the files that would change and exit 1
            if there is one (for CI)
  --diff    print the changes as a unified diff (with --check: only print)

Exit status: 0 fine, 1 a file would change (--check) or does not parse,
2 usage.`,
		RunE: func(cmd *cobra.Command, args []string) error { return runFmt(cmd, &o, args) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.check, "check", false, "change nothing; list the files that would change, and exit 1 if any would")
	fl.BoolVar(&o.diff, "diff", false, "print the changes as a unified diff")
	return cmd
}

func runFmt(cmd *cobra.Command, o *fmtOptions, args []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	files := args
	if len(files) == 0 {
		var err error
		if files, err = specFiles(stderr); err != nil {
			return err
		}
	}
	changed, broken := 0, false
	for _, path := range files {
		if !isHCL(path) {
			fmt.Fprintf(stderr, "%s: left alone: xbake fmt rewrites HCL only\n", path)
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return usageErrorf("%s: %v", path, err)
		}
		out, diags := formatHCL(path, src)
		if diags.HasErrors() {
			diag.Write(stderr, diags, nil, colorOn(stderr))
			broken = true
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		changed++
		if o.diff {
			fmt.Fprint(stdout, udiff.Unified(path, path+" (formatted)", string(src), string(out)))
		}
		if o.check {
			if !o.diff {
				fmt.Fprintln(stdout, path)
			}
			continue
		}
		if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
			return &exitError{code: exitSpec, msg: fmt.Sprintf("%s: %v", path, err)}
		}
		if !o.diff {
			fmt.Fprintln(stdout, path)
		}
	}
	switch {
	case broken:
		return errSpec
	case o.check && changed > 0:
		return &exitError{code: exitSpec, msg: fmt.Sprintf("%d %s not formatted: run xbake fmt", changed, plural(changed, "file is", "files are"))}
	}
	return nil
}

// formatHCL lays out src canonically; a file that does not parse is
// left as it is, with the parser's diagnostics.
func formatHCL(path string, src []byte) ([]byte, hcl.Diagnostics) {
	if _, diags := hclwrite.ParseConfig(src, path, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}

// specFiles are the files of the spec in the working directory, in the
// order they are read.
func specFiles(stderr io.Writer) ([]string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, usageErrorf("cannot read the working directory: %v", err)
	}
	if !spec.HasDefaultFile(cwd) {
		return nil, usageErrorf("no spec here (xbuild.hcl, docker-bake.hcl, ...): name the files to format")
	}
	s, diags := spec.Load(spec.Options{Dir: cwd})
	if s == nil || len(s.Files) == 0 {
		diag.Write(stderr, diags, nil, colorOn(stderr))
		return nil, errSpec
	}
	files := make([]string, len(s.Files))
	for i, f := range s.Files {
		files[i] = f
		if !filepath.IsAbs(f) {
			files[i] = filepath.Join(cwd, f)
		}
		if rel, err := filepath.Rel(cwd, files[i]); err == nil && !strings.HasPrefix(rel, "..") {
			files[i] = rel
		}
	}
	return files, nil
}

func isHCL(path string) bool { return strings.EqualFold(filepath.Ext(path), ".hcl") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
