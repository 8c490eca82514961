package exec

// The image and registry exporters: pushes, by digest for an all-or-nothing run.

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/plan"
)

// pendingTag is a tag to create once every target has built: the image
// was pushed by digest to repo.
type pendingTag struct {
	target string
	repo   string // repository, without tag
	tag    string // the full reference to create
}

// prepareImage pushes by digest in atomic mode and remembers the tags.
func (r *runner) prepareImage(o *outputs, j *job, out plan.Output, attrs map[string]string, byDigest bool) error {
	names := out.Names
	push := out.Pushes()
	if push {
		r.recordAnnotations(attrs, j.digest, makesIndex(j.node.Program, j.platforms) && !byDigest)
	}
	if !push || (r.opts.PushMode == PushEager && !byDigest) {
		if push {
			attrs["push"] = "true"
		}
		if len(names) > 0 {
			attrs["name"] = strings.Join(names, ",")
		}
		o.exports = append(o.exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
		o.described = append(o.described, describeImage(names, push))
		return nil
	}
	var repos []string
	for _, n := range names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			return fmt.Errorf("image name %q: %w", n, err)
		}
		repo := named.Name()
		if !contains(repos, repo) {
			repos = append(repos, repo)
		}
		o.pending = append(o.pending, pendingTag{target: j.node.Name, repo: repo, tag: reference.TagNameOnly(named).String()})
	}
	attrs["name"] = strings.Join(repos, ",")
	attrs["push"] = "true"
	attrs["push-by-digest"] = "true"
	o.exports = append(o.exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
	o.described = append(o.described, describeImage(names, true))
	return nil
}

func describeImage(names []string, push bool) string {
	verb := "image"
	if push {
		verb = "push"
	}
	if len(names) == 0 {
		return verb
	}
	return verb + " " + strings.Join(names, ", ")
}
