package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/moby/buildkit/cmd/buildkitd/config"
	"github.com/pelletier/go-toml/v2"
)

// checkBuildkitdConfig reads a docker-container builder's buildkitd.toml
// as buildkitd reads it (BuildKit's own config type), at load time: a
// file buildkitd would refuse is an error at the attribute, naming the
// line and column in the file; a key buildkitd does not know (and would
// ignore) is a warning.
func (l *loader) checkBuildkitdConfig(attr hcl.Range, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		// A warning: the file may be made before the run (by CI, say);
		// the builder cannot start without it, and says so then.
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Subject: attr.Ptr(), Summary: "Unreadable buildkitd-config",
			Detail: fmt.Sprintf("The buildkitd.toml %s cannot be read: %v. Fix the path (relative to the spec file) or create the file: the builder cannot start without it.", path, err)})
		return
	}
	var cfg config.Config
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(&cfg)
	var decodeErr *toml.DecodeError
	var strictErr *toml.StrictMissingError
	switch {
	case err == nil:
	case errors.As(err, &strictErr):
		var keys []string
		for _, e := range strictErr.Errors {
			row, col := e.Position()
			keys = append(keys, fmt.Sprintf("%s (%s:%d:%d)", strings.Join(e.Key(), "."), filepath.Base(path), row, col))
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Subject: attr.Ptr(), Summary: "Unknown buildkitd setting",
			Detail: fmt.Sprintf("buildkitd does not know %s and ignores it. Check the spelling against BuildKit's buildkitd.toml documentation.", strings.Join(keys, ", "))})
	case errors.As(err, &decodeErr):
		row, col := decodeErr.Position()
		l.diags = append(l.diags, errorf(attr, "Invalid buildkitd-config",
			"%s:%d:%d: %s. buildkitd would not start with this file: fix it there.", filepath.Base(path), row, col, decodeErr.Error()))
	default:
		l.diags = append(l.diags, errorf(attr, "Invalid buildkitd-config",
			"%s: %v. buildkitd would not start with this file: fix it there.", filepath.Base(path), err))
	}
}
