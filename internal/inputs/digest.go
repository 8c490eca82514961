package inputs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/xbake/xbake/spec"
)

// Hasher computes input digests, caching the digest of each directory
// (with its ignore rules) so that targets sharing a context hash it once.
// It is safe for concurrent use.
type Hasher struct {
	mu   sync.Mutex        // guards dirs
	dirs map[string]string // "dir\x00ignorefile" -> digest
}

// NewHasher returns an empty hasher.
func NewHasher() *Hasher { return &Hasher{dirs: map[string]string{}} }

// Digest hashes what determines a target's result: its context files
// (content and mode, after .dockerignore), its Dockerfile, its local named
// contexts, the attributes that change the build, and its parents'
// digests (which the caller passes, by context name or "depends_on").
func (h *Hasher) Digest(t *spec.Target, dockerfile string, parents map[string]string) (string, error) {
	w := sha256.New()
	field := func(k, v string) { fmt.Fprintf(w, "%s=%q\n", k, v) }
	field("context", "")
	if isLocal(t.Context.Value) {
		d, err := h.dir(t.Context.Value, dockerfile)
		if err != nil {
			return "", err
		}
		field("context-files", d)
	} else {
		field("context-url", t.Context.Value)
	}
	switch {
	case t.DockerfileInline != nil:
		field("dockerfile-inline", t.DockerfileInline.Value)
	case dockerfile != "":
		sum, err := fileSum(dockerfile)
		if err != nil {
			return "", err
		}
		field("dockerfile", sum)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
		v := t.Contexts[k].Value
		switch {
		case strings.HasPrefix(v, "target:"):
			field("context:"+k, "target "+parents[k])
		case isLocal(v):
			d, err := h.dir(v, "")
			if err != nil {
				return "", err
			}
			field("context:"+k, d)
		default:
			field("context:"+k, v)
		}
	}
	if d, ok := parents["depends_on"]; ok {
		field("depends_on", d)
	}
	for _, kv := range buildAttributes(t) {
		field(kv[0], kv[1])
	}
	return "sha256:" + hex.EncodeToString(w.Sum(nil)), nil
}

// buildAttributes are the resolved attributes that change what is built
// (not where it goes: tags and outputs are compared separately).
func buildAttributes(t *spec.Target) [][2]string {
	var out [][2]string
	add := func(k, v string) { out = append(out, [2]string{k, v}) }
	for _, k := range slices.Sorted(maps.Keys(t.Args)) {
		add("arg:"+k, t.Args[k].Value)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Labels)) {
		add("label:"+k, t.Labels[k].Value)
	}
	for _, k := range slices.Sorted(maps.Keys(t.ExtraHosts)) {
		add("extra-host:"+k, t.ExtraHosts[k].Value)
	}
	str := func(k string, s *spec.String) {
		if s != nil {
			add(k, s.Value)
		}
	}
	str("target", t.Target)
	str("network", t.Network)
	str("shm-size", t.ShmSize)
	str("call", t.Call)
	str("dockerfile", t.Dockerfile)
	if t.NoCache != nil {
		add("no-cache", fmt.Sprint(t.NoCache.Value))
	}
	list := func(k string, l []spec.String) {
		if len(l) > 0 {
			add(k, strings.Join(spec.Values(l), ","))
		}
	}
	list("platforms", t.Platforms)
	list("no-cache-filter", t.NoCacheFilter)
	list("ulimits", t.Ulimits)
	list("annotations", t.Annotations)
	list("entitlements", t.Entitlements)
	for _, s := range t.Secrets {
		add("secret", s.ID) // the id only: a secret's value never goes into a digest
	}
	for _, a := range t.Attest {
		add("attest:"+a.Type, fmt.Sprint(a.Disabled, a.Attrs))
	}
	return out
}

// dir hashes a directory's files that the ignore rules keep.
func (h *Hasher) dir(dir, dockerfile string) (string, error) {
	pm, ignoreFile, err := ignoreFor(dir, dockerfile)
	if err != nil {
		return "", err
	}
	key := dir + "\x00" + ignoreFile
	h.mu.Lock()
	if d, ok := h.dirs[key]; ok {
		h.mu.Unlock()
		return d, nil
	}
	h.mu.Unlock()
	w := sha256.New()
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		if excluded(pm, rel) {
			if e.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\x00%o\x00", filepath.ToSlash(rel), info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			fmt.Fprintf(w, "-> %s\n", target)
		case info.Mode().IsRegular():
			sum, err := fileSum(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s\n", sum)
		default:
			fmt.Fprintln(w)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	d := hex.EncodeToString(w.Sum(nil))
	h.mu.Lock()
	h.dirs[key] = d
	h.mu.Unlock()
	return d, nil
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	w := sha256.New()
	if _, err := io.Copy(w, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(w.Sum(nil)), nil
}

func isLocal(p string) bool {
	return filepath.IsAbs(p) && !strings.Contains(p, "://")
}
