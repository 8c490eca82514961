package outputs

// The image and registry exporters: pushes, by digest for an all-or-nothing run.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/plan"
)

// PendingTag is a tag to create once every target has built: the image
// was pushed by digest to Repo.
type PendingTag struct {
	Target string
	Repo   string // repository, without tag
	Tag    string // the full reference to create; after the build, with "@DIGEST"
}

// prepareImage pushes by digest in atomic mode and remembers the tags.
func (o *Set) prepareImage(req *Request, out plan.Output, attrs map[string]string) error {
	names := out.Names
	push := out.Pushes()
	if push {
		if req.Record != nil {
			req.Record(attrs, MakesIndex(req.Node.Program, req.Platforms) && !req.ByDigest)
		}
	}
	if !push || (req.Eager && !req.ByDigest) {
		if push {
			attrs["push"] = "true"
		}
		if len(names) > 0 {
			attrs["name"] = strings.Join(names, ",")
		}
		o.Exports = append(o.Exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
		o.Described = append(o.Described, DescribeImage(names, push))
		return nil
	}
	var repos []string
	for _, n := range names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			return fmt.Errorf("image name %q: %w", n, err)
		}
		repo := named.Name()
		if !slices.Contains(repos, repo) {
			repos = append(repos, repo)
		}
		o.Pending = append(o.Pending, PendingTag{Target: req.Node.Name, Repo: repo, Tag: reference.TagNameOnly(named).String()})
	}
	attrs["name"] = strings.Join(repos, ",")
	attrs["push"] = "true"
	attrs["push-by-digest"] = "true"
	o.Exports = append(o.Exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
	o.Described = append(o.Described, DescribeImage(names, true))
	return nil
}

// DescribeImage says what an image output does, for the summary.
func DescribeImage(names []string, push bool) string {
	verb := "image"
	if push {
		verb = "push"
	}
	if len(names) == 0 {
		return verb
	}
	return verb + " " + strings.Join(names, ", ")
}
