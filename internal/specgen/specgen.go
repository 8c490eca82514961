package specgen

import (
	"fmt"
	"strings"
)

// Shape says how the generated targets link to each other.
type Shape string

const (
	// Wide: every target links to one of ten shared bases.
	Wide Shape = "wide"
	// Deep: targets form chains of 100, each linking to the one before.
	Deep Shape = "deep"
)

// HCL returns an xbuild.hcl with n targets of the given shape.
func HCL(n int, shape Shape) []byte {
	var b strings.Builder
	b.Grow(n * 300)
	b.WriteString(`variable "REGISTRY" {
  default = "registry.example.com"
}
variable "TAG" {
  default = "1.0.0"
}
variable "PLATFORMS" {
  type    = list(string)
  default = ["linux/amd64", "linux/arm64"]
}
function "image" {
  params = [name]
  result = "${REGISTRY}/${name}:${TAG}"
}
target "_common" {
  args      = { GO_VERSION = "1.26", TAG = TAG }
  labels    = { "org.opencontainers.image.vendor" = "example" }
  platforms = PLATFORMS
}
`)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%05d", i)
		fmt.Fprintf(&b, "target %q {\n  inherits = [\"_common\"]\n  context  = \"services/%s\"\n", name, name)
		fmt.Fprintf(&b, "  tags     = [image(%q), \"${REGISTRY}/%s:latest\"]\n", name, name)
		fmt.Fprintf(&b, "  args     = { INDEX = \"%d\" }\n", i)
		if parent := parentOf(i, shape); parent >= 0 {
			fmt.Fprintf(&b, "  contexts = { parent = \"target:svc-%05d\" }\n", parent)
		}
		b.WriteString("  output   = [\"type=image,push=true\"]\n}\n")
	}
	return []byte(b.String())
}

// parentOf returns the target i links to, or -1.
func parentOf(i int, shape Shape) int {
	switch shape {
	case Deep:
		if i%100 == 0 {
			return -1
		}
		return i - 1
	default:
		if i < 10 {
			return -1
		}
		return i % 10
	}
}
