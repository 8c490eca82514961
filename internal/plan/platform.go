package plan

// Platforms are checked against what Go and OCI images know, not only
// parsed: containerd's parser takes any word as an architecture, so a
// typo (linux/amd65) or the wrong case (Linux/ARM64) would reach the
// builder and fail there, or build something nobody asked for.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xbake/xbake/spec"
)

var (
	knownOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux",
		"netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle",
		"ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
	// knownVariants lists the variants an architecture may have; others
	// take none.
	knownVariants = map[string][]string{
		"amd64": {"v1", "v2", "v3", "v4"},
		"arm":   {"v5", "v6", "v7", "v8"},
		"arm64": {"v8"},
	}
)

// checkPlatform says what is wrong with a platform, and what was
// probably meant, or "" when it is fine. A comma-separated list (bake's
// "linux/amd64,linux/arm64") is checked item by item.
func checkPlatform(p string) string {
	for _, one := range strings.Split(p, ",") {
		if problem := checkOnePlatform(strings.TrimSpace(one)); problem != "" {
			return problem
		}
	}
	return ""
}

func checkOnePlatform(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Sprintf("%q is not a platform: write OS/ARCH[/VARIANT], such as linux/amd64, linux/arm64 or linux/arm/v7.", p)
	}
	if lower := strings.ToLower(p); lower != p && checkOnePlatform(lower) == "" {
		return fmt.Sprintf("%q is not a platform: platforms are lowercase. Did you mean %q?", p, lower)
	}
	osName, arch := parts[0], parts[1]
	if !slices.Contains(knownOS, osName) {
		return fmt.Sprintf("%q is not a platform: %q is no operating system.%s", p, osName, suggestPart(osName, knownOS, parts, 0))
	}
	if !slices.Contains(knownArch, arch) {
		return fmt.Sprintf("%q is not a platform: %q is no architecture.%s", p, arch, suggestPart(arch, knownArch, parts, 1))
	}
	if len(parts) == 3 {
		variants := knownVariants[arch]
		if !slices.Contains(variants, parts[2]) {
			if len(variants) == 0 {
				return fmt.Sprintf("%q is not a platform: %s has no variants. Did you mean %q?", p, arch, osName+"/"+arch)
			}
			return fmt.Sprintf("%q is not a platform: %s's variants are %s.%s", p, arch, strings.Join(variants, ", "), suggestPart(parts[2], variants, parts, 2))
		}
	}
	return ""
}

// suggestPart proposes the platform with part i replaced by the closest
// known name, if one is close.
func suggestPart(given string, known []string, parts []string, i int) string {
	best := closest(given, known)
	if best == "" {
		return ""
	}
	fixed := append([]string{}, parts...)
	fixed[i] = best
	return fmt.Sprintf(" Did you mean %q?", strings.Join(fixed, "/"))
}

// splitPlatforms is the list of platforms a target builds: bake lets one
// entry hold several ("linux/amd64,linux/arm64"), which every stage must
// count as several; each is trimmed, and one written twice (linux/arm64
// and linux/arm64/v8 are one platform) is kept once.
func splitPlatforms(list []spec.String) []string {
	var out []string
	seen := map[string]bool{}
	for _, entry := range list {
		for _, p := range strings.Split(entry.Value, ",") {
			p = strings.TrimSpace(p)
			key, ok := normalized(p)
			if !ok {
				key = p
			}
			if p == "" || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}
