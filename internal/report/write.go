package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is how a report file is written, chosen by its name.
type Format string

const (
	HTML Format = "html"
	JSON Format = "json"
)

// FormatOf picks the format from the file's extension: .html or .htm,
// and .json.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return HTML, nil
	case ".json":
		return JSON, nil
	}
	return "", fmt.Errorf("--report %s: name the file .html (a page to open in a browser) or .json (the same data for scripts)", path)
}

// WriteJSON writes the report as the document schema/report.schema.json
// describes.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteFile writes the report to path in the format its name asks for,
// through a temporary file beside it: a reader never sees half a report.
func WriteFile(path string, r *Report) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".xbake-tmp-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing
	w := bufio.NewWriter(tmp)
	if format == HTML {
		err = WriteHTML(w, r)
	} else {
		err = WriteJSON(w, r)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
