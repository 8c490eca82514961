package report

import (
	"encoding/json"
	"fmt"
	"github.com/xbake/xbake/internal/atomicfile"
	"io"
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
	return atomicfile.Write(path, func(w io.Writer) error {
		if format == HTML {
			return WriteHTML(w, r)
		}
		return WriteJSON(w, r)
	})
}
