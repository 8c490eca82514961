package plan

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/spec"
)

// Output is one export of a node, parsed once here so that every stage
// (the rules, the skip decision, the executor, the renderers) reads the
// same answer to "does it push?", "where does it write?" and "what is it
// called?". The spec keeps outputs as the user wrote them.
type Output struct {
	// Type is the exporter: image, registry, local, tar, oci, docker or
	// cacheonly.
	Type string
	// Dest is an absolute path, "-" for stdout, or "" for an exporter
	// that writes nowhere on this machine (image, registry, cacheonly,
	// and docker, which then loads into the Docker engine).
	Dest string
	// Push: the image goes to a registry. A registry output always
	// pushes; an image output's push= is read as BuildKit reads it (a
	// Go boolean: 1, t, true, True, ...; empty is true).
	Push bool
	// Names are what the image is called: the output's name= (comma
	// separated) or else the target's tags.
	Names []string
	// Attrs are the exporter's attributes as written, without type and
	// dest, with push= written as "true" or "false".
	Attrs map[string]string
	Range hcl.Range

	written spec.Entry // as the spec has it, for rendering
	problem string     // why BuildKit would refuse it, "" if it would not
}

// Pushes reports whether the output sends the image to a registry.
func (o Output) Pushes() bool { return o.Push }

// Loads reports whether the output goes into a Docker engine's image
// store (type=docker without a dest, or --load).
func (o Output) Loads() bool { return o.Type == "docker" && o.Dest == "" }

// WritesFile reports whether the output writes a file or directory on
// this machine.
func (o Output) WritesFile() bool {
	switch o.Type {
	case "local", "tar", "oci", "docker":
		return o.Dest != "" && o.Dest != "-"
	}
	return false
}

// IsImage reports whether the output is an image exporter (image or
// registry).
func (o Output) IsImage() bool { return o.Type == "image" || o.Type == "registry" }

// Fields renders the output as bake prints it, paths as written.
func (o Output) Fields(cwd string) map[string]string { return o.written.Fields(cwd) }

// destRequired are the exporters that must be told where to write, with
// an example of a dest.
var destRequired = map[string]string{
	"local": "type=local,dest=out (a directory)",
	"tar":   "type=tar,dest=rootfs.tar, or dest=- for stdout",
	"oci":   "type=oci,dest=image.tar, or dest=- for stdout",
}

// newOutput parses an output entry of target, whose tags are given.
func newOutput(target string, e spec.Entry, tags []string) Output {
	o := Output{Type: e.Type, Dest: e.Dest, Attrs: maps.Clone(e.Attrs), Range: e.Range, written: e}
	if o.Attrs == nil {
		o.Attrs = map[string]string{}
	}
	o.Push = o.Type == "registry"
	if o.Type != "cacheonly" {
		// Every boolean option as BuildKit's exporters parse it, once: the
		// run reads "true" or "false", never tar=0 or push=False.
		for _, k := range slices.Sorted(maps.Keys(o.Attrs)) {
			if !booleanOptions[k] {
				continue
			}
			b, err := parseBool(o.Attrs[k])
			if err != nil {
				o.problem = fmt.Sprintf("The output of target %q has %s=%s, which BuildKit would refuse after the build: %s is a boolean. Write %s=true or %s=false.", target, k, o.Attrs[k], k, k, k)
				continue
			}
			o.Attrs[k] = strconv.FormatBool(b)
		}
		o.Push = o.Push || (o.Attrs["push"] == "true" && o.IsImage())
	}
	if example, ok := destRequired[o.Type]; ok && o.Dest == "" && o.problem == "" {
		o.problem = fmt.Sprintf("The type=%s output of target %q has no dest, so BuildKit has nowhere to write it. Add one: %s.", o.Type, target, example)
	}
	if name := o.Attrs["name"]; name != "" {
		o.Names = strings.Split(name, ",")
	} else if o.Type != "tar" && o.Type != "local" && o.Type != "cacheonly" {
		o.Names = tags
	}
	return o
}

// booleanOptions are the exporter options BuildKit reads as booleans.
var booleanOptions = map[string]bool{
	"push": true, "push-by-digest": true, "insecure": true, "registry.insecure": true, "unpack": true, "store": true,
	"tar": true, "oci-mediatypes": true, "oci-artifact": true, "force-compression": true, "rewrite-timestamp": true,
	"buildinfo": true, "attestation-inline": true,
}

// CacheOnly reports whether every output of the node is the build cache:
// its build is complete once its result exists, nothing is exported.
func (n *Node) CacheOnly() bool {
	for _, o := range n.Outputs {
		if o.Type != "cacheonly" {
			return false
		}
	}
	return true
}

// Tar reports whether an oci or docker output is a tarball (tar=false
// writes an OCI layout directory instead).
func (o Output) Tar() bool { return o.Attrs["tar"] != "false" }

// parseBool reads a boolean attribute as BuildKit's exporters do: empty
// (the key alone) is true, anything else as strconv.ParseBool.
func parseBool(v string) (bool, error) {
	if v == "" {
		return true, nil
	}
	return strconv.ParseBool(v)
}
