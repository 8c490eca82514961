package spec

import (
	"maps"

	"slices"
	"sort"
	"strings"
)

// mergeTarget lays src over dst with bake's rules: scalars and most lists
// are replaced when src sets them; args, labels, contexts and extra-hosts
// merge key by key; annotations, no-cache-filter, ulimits, entitlements
// and cache-from add up; secrets and ssh merge by id, attest by type.
// Slices and maps are treated as immutable values: a merge builds new ones
// when it combines two, and shares src's when dst has none, so that the
// resolution of thousands of targets does not copy every map three times.
func mergeTarget(dst, src *Target) {
	replace(&dst.Description, src.Description)
	if !src.contextDefaulted {
		replace(&dst.Context, src.Context)
	}
	replace(&dst.Dockerfile, src.Dockerfile)
	replace(&dst.DockerfileInline, src.DockerfileInline)
	replace(&dst.Target, src.Target)
	replace(&dst.Call, src.Call)
	replace(&dst.Network, src.Network)
	replace(&dst.ShmSize, src.ShmSize)
	replace(&dst.Builder, src.Builder)
	replace(&dst.Pull, src.Pull)
	replace(&dst.NoCache, src.NoCache)

	dst.Args = mergeMap(dst.Args, src.Args)
	dst.Labels = mergeMap(dst.Labels, src.Labels)
	dst.Contexts = mergeMap(dst.Contexts, src.Contexts)
	dst.ExtraHosts = mergeMap(dst.ExtraHosts, src.ExtraHosts)
	dst.Resources = mergeMap(dst.Resources, src.Resources)

	dst.Tags = replaceList(dst.Tags, src.Tags)
	dst.Platforms = replaceList(dst.Platforms, src.Platforms)
	dst.Outputs = replaceList(dst.Outputs, src.Outputs)
	dst.CacheTo = replaceList(dst.CacheTo, src.CacheTo)

	dst.Annotations = appendList(dst.Annotations, src.Annotations)
	dst.NoCacheFilter = appendList(dst.NoCacheFilter, src.NoCacheFilter)
	dst.Ulimits = appendList(dst.Ulimits, src.Ulimits)
	dst.Entitlements = appendList(dst.Entitlements, src.Entitlements)
	if src.CacheFrom != nil { // bake merges cache-from, removing duplicates at each merge
		dst.CacheFrom = removeDupes(appendList(dst.CacheFrom, src.CacheFrom), Entry.String)
	}
	dst.Secrets = mergeBy(appendList(dst.Secrets, src.Secrets), func(s Secret) string { return s.ID })
	dst.SSH = mergeBy(appendList(dst.SSH, src.SSH), func(s SSH) string { return s.ID })
	dst.Attest = mergeBy(appendList(dst.Attest, src.Attest), func(a Attest) string { return a.Type })
	dst.Inherits = appendList(dst.Inherits, src.Inherits)
	dst.DependsOn = appendList(dst.DependsOn, src.DependsOn)
	dst.Files = dedupeBy(appendList(dst.Files, src.Files), func(s string) string { return s }, false)

}

func replace[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}

func mergeMap[V any](dst, src map[string]V) map[string]V {
	if src == nil {
		return dst
	}
	if dst == nil {
		return src
	}
	out := make(map[string]V, len(dst)+len(src))
	maps.Copy(out, dst)
	maps.Copy(out, src)
	return out
}

func replaceList[T any](dst, src []T) []T {
	if src == nil {
		return dst
	}
	return src
}

func appendList[T any](dst, src []T) []T {
	if src == nil {
		return dst
	}
	if dst == nil {
		return src
	}
	out := make([]T, 0, len(dst)+len(src))
	return append(append(out, dst...), src...)
}

// normalize removes duplicates the way bake does before printing or
// building: the last secret or ssh of an id wins, and so does the last
// attestation of a type; network=host implies the network.host
// entitlement.
func normalize(t *Target) {
	t.Tags = dedupeBy(t.Tags, func(s String) string { return s.Value }, false)
	t.Platforms = dedupeBy(t.Platforms, func(s String) string { return s.Value }, false)
	t.Annotations = dedupeBy(t.Annotations, func(s String) string { return s.Value }, false)
	t.NoCacheFilter = dedupeBy(t.NoCacheFilter, func(s String) string { return s.Value }, false)
	t.Ulimits = dedupeBy(t.Ulimits, func(s String) string { return s.Value }, false)
	t.Outputs = removeDupes(t.Outputs, Entry.String)
	t.CacheFrom = removeDupes(t.CacheFrom, Entry.String)
	t.CacheTo = removeDupes(t.CacheTo, Entry.String)
	t.Secrets = dedupeBy(t.Secrets, func(s Secret) string { return s.ID }, true)
	t.SSH = dedupeBy(t.SSH, func(s SSH) string { return s.ID }, true)
	t.Attest = dedupeBy(t.Attest, func(a Attest) string { return a.Type }, true)
	t.DependsOn = dedupeBy(t.DependsOn, func(s String) string { return s.Value }, false)
	if t.Network != nil && t.Network.Value == "host" {
		t.Entitlements = appendList(t.Entitlements, []String{{Value: "network.host", Range: t.Network.Range}})
	}
	t.Entitlements = dedupeBy(t.Entitlements, func(s String) string { return s.Value }, false)
	t.Contexts = withoutEmpty(t.Contexts)
}

// withoutEmpty drops contexts set to "" (bake's way to unset an inherited
// one), copying the map only when there is one to drop.
func withoutEmpty(m map[string]String) map[string]String {
	empty := 0
	for _, v := range m {
		if v.Value == "" {
			empty++
		}
	}
	if empty == 0 {
		return m
	}
	if empty == len(m) {
		return nil
	}
	out := make(map[string]String, len(m)-empty)
	for k, v := range m {
		if v.Value != "" {
			out[k] = v
		}
	}
	return out
}

// removeDupes removes duplicate entries exactly as bake does (buildx's
// buildflags.removeDupes), whose order after a duplicate is its own:
// walking back from the second to last entry, a later duplicate of an
// entry is swapped with the last entry and cut off. bake applies it to
// outputs, cache-from (at every merge too) and cache-to, and a --print
// must list them in the same order.
func removeDupes[T any](items []T, key func(T) string) []T {
	if len(items) < 2 {
		return items
	}
	s := slices.Clone(items)
	for i := len(s) - 2; i >= 0; i-- {
		k := key(s[i])
		for j := i + 1; j < len(s); j++ {
			if key(s[j]) == k {
				s[j], s[len(s)-1] = s[len(s)-1], s[j]
				s = s[:len(s)-1]
				break
			}
		}
	}
	return s
}

// dedupeBy keeps the first of each key, or with lastWins the last value
// at the position of the first. Lists of one or none are returned as is.
func dedupeBy[T any](items []T, key func(T) string, lastWins bool) []T {
	if len(items) < 2 {
		return items
	}
	index := map[string]int{}
	out := make([]T, 0, len(items))
	for _, it := range items {
		k := key(it)
		if i, ok := index[k]; ok {
			if lastWins {
				out[i] = it
			}
			continue
		}
		index[k] = len(out)
		out = append(out, it)
	}
	return out
}

// String renders an entry in bake's CSV form, with sorted attributes.
func (e Entry) String() string {
	parts := []string{"type=" + e.Type}
	if e.Dest != "" {
		parts = append(parts, "dest="+e.Dest)
	}
	keys := slices.Collect(maps.Keys(e.Attrs))
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+e.Attrs[k])
	}
	return strings.Join(parts, ",")
}

// String renders a secret in bake's CSV form.
func (s Secret) String() string {
	parts := []string{"id=" + s.ID}
	if s.Src != "" {
		parts = append(parts, "src="+s.Src)
	}
	if s.Env != "" {
		parts = append(parts, "env="+s.Env)
	}
	return strings.Join(parts, ",")
}

// String renders an ssh entry as bake's ID=PATH,PATH form.
func (s SSH) String() string {
	if len(s.Paths) == 0 {
		return s.ID
	}
	return s.ID + "=" + strings.Join(s.Paths, ",")
}

// String renders an attestation in bake's CSV form.
func (a Attest) String() string {
	parts := []string{"type=" + a.Type}
	if a.Disabled {
		parts = append(parts, "disabled=true")
	}
	for _, k := range slices.Sorted(maps.Keys(a.Attrs)) {
		parts = append(parts, k+"="+a.Attrs[k])
	}
	return strings.Join(parts, ",")
}

// mergeBy keeps one item per key, as bake merges secrets (by id) and
// attestations (by type): a later item replaces an earlier one in its
// place. It returns list itself when nothing repeats.
func mergeBy[T any](list []T, key func(T) string) []T {
	seen := make(map[string]int, len(list))
	var out []T
	for i, item := range list {
		k := key(item)
		j, dup := seen[k]
		if !dup {
			seen[k] = len(seen)
			if out != nil {
				out = append(out, item)
			}
			continue
		}
		if out == nil {
			out = append([]T{}, list[:i]...)
		}
		out[j] = item
	}
	if out == nil {
		return list
	}
	return out
}
