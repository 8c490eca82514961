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
	"strconv"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"

	"github.com/xbake/xbake/spec"
)

// Hasher computes input digests, caching the digest of each directory
// (with its ignore rules) so that targets sharing a context hash it once.
// It is safe for concurrent use.
type Hasher struct {
	mu   sync.Mutex               // guards dirs, tops and sums
	dirs map[string]string        // "dir\x00ignorefile" -> digest
	tops map[string][]fs.DirEntry // context dir -> its listing
	sums map[string]fileDigest    // file path -> content digest and mode
	// SkipVCS leaves out every entry named .git (git's metadata), for
	// comparing a checkout with a working tree (plan.Options.IgnoreVCS).
	SkipVCS bool
}

// NewHasher returns an empty hasher.
func NewHasher() *Hasher {
	return &Hasher{dirs: map[string]string{}, tops: map[string][]fs.DirEntry{}, sums: map[string]fileDigest{}}
}

// list reads a context directory once per run: which ignore file applies
// depends on its listing, so a directory shared by many targets (a named
// context) would otherwise be listed for each before the digest cache
// answers.
func (h *Hasher) list(dir string) ([]fs.DirEntry, error) {
	h.mu.Lock()
	top, ok := h.tops[dir]
	h.mu.Unlock()
	if ok {
		return top, nil
	}
	top, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.tops[dir] = top
	h.mu.Unlock()
	return top, nil
}

// sum hashes a file once per run: a Dockerfile inside its context is
// read by the walk and again as the Dockerfile.
func (h *Hasher) sum(path string) (string, error) {
	s, _, err := h.sumAndMode(path)
	return s, err
}

// sumAndMode returns a file's content digest and mode, reading it once
// per run.
func (h *Hasher) sumAndMode(path string) (string, fs.FileMode, error) {
	h.mu.Lock()
	f, ok := h.sums[path]
	h.mu.Unlock()
	if ok {
		return f.sum, f.mode, nil
	}
	sum, mode, err := fileSum(path)
	if err != nil {
		return "", 0, err
	}
	h.mu.Lock()
	h.sums[path] = fileDigest{sum, mode}
	h.mu.Unlock()
	return sum, mode, nil
}

type fileDigest struct {
	sum  string
	mode fs.FileMode
}

// Digest hashes what determines a target's result: its context files
// (content and mode, after .dockerignore), its Dockerfile, its local named
// contexts, the attributes that change the build, and its parents'
// digests (which the caller passes, by context name or "depends_on").
func (h *Hasher) Digest(t *spec.Target, dockerfile string, parents map[string]string) (string, error) {
	w := sha256.New()
	var line []byte
	field := func(k, v string) { line = fieldLine(line[:0], k, v); w.Write(line) }
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
		sum, err := h.sum(dockerfile)
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
		case strings.HasPrefix(v, "oci-layout://"):
			// The layout's index names every manifest by digest, and
			// those name every blob: its content is the layout's.
			// The layout's path is not part of it: the same layout read
			// from another checkout (the base of a diff) is the same input.
			layout, _ := spec.ParseOCILayout(v)
			sum, err := h.sum(filepath.Join(layout.Dir, "index.json"))
			if err != nil {
				return "", err
			}
			field("context:"+k, "oci-layout "+layout.Tag+"@"+layout.Digest+" index "+sum)
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
	for _, k := range slices.Sorted(maps.Keys(t.Resources)) {
		add("resource:"+k, t.Resources[k].Value)
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
	if t.Pull != nil {
		add("pull", fmt.Sprint(t.Pull.Value))
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
	for _, x := range t.SSH {
		add("ssh", x.ID) // which agents or keys, not their content
	}
	for _, a := range t.Attest {
		add("attest:"+a.Type, fmt.Sprint(a.Disabled, a.Attrs))
	}
	return out
}

// dir hashes a directory's files that the ignore rules keep: each path,
// mode and content digest, in name order.
func (h *Hasher) dir(dir, dockerfile string) (string, error) {
	top, err := h.list(dir)
	if err != nil {
		return "", err
	}
	pm, ignoreFile, err := ignoreFor(dir, dockerfile, top)
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
	if err := h.walk(w, dir, "", top, pm); err != nil {
		return "", err
	}
	d := hex.EncodeToString(w.Sum(nil))
	h.mu.Lock()
	h.dirs[key] = d
	h.mu.Unlock()
	return d, nil
}

// walk writes the entries of one directory (already listed, in name
// order) and recurses into subdirectories.
func (h *Hasher) walk(w io.Writer, root, relDir string, entries []fs.DirEntry, pm *patternmatcher.PatternMatcher) error {
	for _, e := range entries {
		if h.SkipVCS && e.Name() == ".git" {
			continue
		}
		rel := filepath.Join(relDir, e.Name())
		path := filepath.Join(root, rel)
		if excluded(pm, rel) {
			if !e.IsDir() || !pm.Exclusions() {
				continue // an excluded directory may still hold re-included files only with "!" rules
			}
		}
		switch {
		case e.Type().IsRegular():
			sum, mode, err := h.sumAndMode(path)
			if err != nil {
				return err
			}
			w.Write(fileLine(filepath.ToSlash(rel), mode, sum))
		case e.IsDir() && kernelDirs[path]:
			continue // a context of "/" must not read /proc's endless files
		case e.IsDir():
			fmt.Fprintf(w, "%s\x00dir\n", filepath.ToSlash(rel))
			sub, err := os.ReadDir(path)
			if err != nil {
				return err
			}
			if err := h.walk(w, root, rel, sub, pm); err != nil {
				return err
			}
		case e.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			fmt.Fprintf(w, "%s\x00-> %s\n", filepath.ToSlash(rel), target)
		default:
			fmt.Fprintf(w, "%s\x00%s\n", filepath.ToSlash(rel), e.Type())
		}
	}
	return nil
}

// fieldLine appends an attribute's line in a target's digest to buf:
// k=%q and a newline, built without fmt, as this runs for every
// attribute of every target.
func fieldLine(buf []byte, k, v string) []byte {
	buf = append(append(buf, k...), '=')
	return append(strconv.AppendQuote(buf, v), '\n')
}

// fileLine is a file's line in a directory's digest: path, mode in octal
// and content digest, NUL-separated.
func fileLine(rel string, mode fs.FileMode, sum string) []byte {
	line := make([]byte, 0, len(rel)+len(sum)+16)
	line = append(append(line, rel...), 0)
	line = append(strconv.AppendUint(line, uint64(mode), 8), 0)
	return append(append(line, sum...), '\n')
}

// fileSum hashes a file's content and returns its mode, with one open.
// Small files (most of a context) are read whole; io.Copy would allocate
// a 32 KiB buffer for each.
func fileSum(path string) (string, fs.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	if info.Size() <= smallFile {
		b := make([]byte, info.Size())
		if _, err := io.ReadFull(f, b); err != nil {
			return "", 0, err
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:]), info.Mode(), nil
	}
	w := sha256.New()
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	if _, err := io.CopyBuffer(w, f, *buf); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(w.Sum(nil)), info.Mode(), nil
}

const smallFile = 64 << 10

// kernelDirs are never hashed: their files are not content.
var kernelDirs = map[string]bool{"/proc": true, "/sys": true, "/dev": true}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func isLocal(p string) bool { return spec.IsLocal(p) }
