package specgen

import (
	"fmt"
	"strings"
)

// BakeDir is the directory every target of BakeHCL shares as its named
// context "tools"; the generator for the files on disk creates it.
const BakeDir = "tools"

// BakeHCL returns a docker-bake.hcl shaped like the files platform teams
// write, not like HCL's simplest case: every target inherits _common,
// which interpolates ${TAG}, picks its output with a conditional and
// shares the named context "tools"; a fifth of the targets link to
// another by target:; targets are grouped per team of 50; one matrix
// target expands to four. The file's targets are named svc-00000 on.
func BakeHCL(n int) []byte {
	var b strings.Builder
	b.Grow(n * 360)
	b.WriteString(`variable "REGISTRY" {
  default = "registry.example.com"
}
variable "TAG" {
  default = "dev"
}
variable "PUSH" {
  default = false
}
target "_common" {
  args = {
    TAG        = TAG
    GO_VERSION = "1.26"
    BUILD_DATE = "${TAG}-build"
  }
  labels = {
    "org.opencontainers.image.version" = "${TAG}"
    "org.opencontainers.image.vendor"  = "example"
  }
  contexts  = { tools = "./` + BakeDir + `" }
  output    = [PUSH ? "type=registry" : "type=cacheonly"]
  platforms = ["linux/amd64"]
}
target "matrix" {
  name     = "matrix-${os}-${variant}"
  inherits = ["_common"]
  context  = "./` + BakeDir + `"
  matrix = {
    os      = ["alpine", "debian"]
    variant = ["slim", "full"]
  }
  args = { BASE = "${os}:${variant}" }
  tags = ["${REGISTRY}/matrix/${os}:${variant}-${TAG}"]
}
`)
	for i := 0; i < n; i++ {
		writeBakeTarget(&b, i)
	}
	writeBakeGroups(&b, n)
	return []byte(b.String())
}

func writeBakeTarget(b *strings.Builder, i int) {
	name := fmt.Sprintf("svc-%05d", i)
	team := i / 50
	fmt.Fprintf(b, "target %q {\n  inherits   = [\"_common\"]\n", name)
	fmt.Fprintf(b, "  context    = \"./services/%s\"\n  dockerfile = \"Dockerfile\"\n", name)
	fmt.Fprintf(b, "  tags = [\n    \"${REGISTRY}/team-%03d/%s:${TAG}\",\n    notequal(TAG, \"dev\") ? \"${REGISTRY}/team-%03d/%s:latest\" : \"\",\n  ]\n", team, name, team, name)
	fmt.Fprintf(b, "  args = { SERVICE = %q, TEAM = \"team-%03d\" }\n", name, team)
	// A fifth link to the first target of their team: bake merges this
	// map with _common's, so they keep "tools".
	if i%5 == 4 {
		fmt.Fprintf(b, "  contexts = { base = \"target:svc-%05d\" }\n", team*50)
	}
	b.WriteString("}\n")
}

func writeBakeGroups(b *strings.Builder, n int) {
	var teams []string
	for team := 0; team*50 < n; team++ {
		var members []string
		for i := team * 50; i < n && i < (team+1)*50; i++ {
			members = append(members, fmt.Sprintf("%q", fmt.Sprintf("svc-%05d", i)))
		}
		fmt.Fprintf(b, "group \"team-%03d\" {\n  targets = [%s]\n}\n", team, strings.Join(members, ", "))
		teams = append(teams, fmt.Sprintf("\"team-%03d\"", team))
	}
	teams = append(teams, `"matrix"`)
	fmt.Fprintf(b, "group \"default\" {\n  targets = [%s]\n}\n", strings.Join(teams, ", "))
}
