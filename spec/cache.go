package spec

// The load cache. Parsing is most of a load's time (HCL's lexer and
// parser, then the collector freeing their tokens), and a spec rarely
// changes between two commands. So, like Gradle's configuration cache,
// a load that succeeded without an error is kept, with its warnings and
// everything it read: each file's content, what each include glob
// matched, each file file() read and each environment variable it
// looked up. The next load with the same command line reads those
// inputs again; when all are unchanged it decodes the kept model instead
// of parsing. A load that calls a function whose result is not a
// function of its arguments (timestamp, uuidv4, bcrypt, homedir), or
// reads a compose file (its .env) or stdin, is never kept.
//
// An entry is found by a key over the command line and the xbake binary
// itself, so a rebuilt xbake never reads an older one's entries.

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/containerd/platforms"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/xbake/xbake/internal/rule"
)

// cacheFormat changes whenever the entry's layout or the model changes
// meaning; it is part of every key.
const cacheFormat = "xbake-load-7"

// maxCacheEntries and maxCacheBytes bound the cache directory: each
// command line (its files, --var and --set) has its own entry.
const maxCacheEntries = 64

var maxCacheBytes int64 = 256 << 20 // a variable for tests

// impureFunctions are the functions whose result a cached load could
// not reproduce.
var impureFunctions = map[string]bool{"timestamp": true, "uuidv4": true, "bcrypt": true, "homedir": true}

// loadInputs is what one load read, in the order it read it.
type loadInputs struct {
	Files []inputFile // spec files
	Reads []inputFile // what file() read, by absolute path
	Globs []inputGlob
	Env   []inputEnv
	// uncacheable says why the load must not be kept ("" if it may).
	uncacheable string
}

type inputFile struct {
	Name string // as readFile is given it
	Sum  [sha256.Size]byte
	// Err is why file() could not read it ("" when it could): a read
	// that failed is an input too.
	Err string
}

type inputGlob struct {
	Pattern string
	Matches []string
}

type inputEnv struct {
	Name, Value string
	Set         bool
}

// cachedSpec is Spec as it is kept: Sources are the files read again,
// and cty values are kept as JSON.
type cachedSpec struct {
	Files       []string
	FilePaths   map[string]string
	BakeFiles   map[string]bool
	Root        string
	Trees       []string
	Granted     []string
	Variables   []cachedVariable
	Targets     map[string]*Target
	TargetNames []string
	Groups      map[string]*Group
	Builders    map[string]*Builder
}

type cachedVariable struct {
	Name, Description, Source string
	DeclRange                 hcl.Range
	Type, ValueType, Value    []byte // JSON, as go-cty's json package writes them
}

// cachedWarning is a warning of a kept load: what rendering it, as text
// or JSON, reads.
type cachedWarning struct {
	Summary, Detail  string
	Subject, Context *hcl.Range
	Rule             rule.ID
}

// keepWarnings converts a load's diagnostics to the form they are kept
// in; ok is false when they cannot be (an error, or an Extra this cache
// does not know).
func keepWarnings(diags hcl.Diagnostics) (kept []cachedWarning, ok bool) {
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning {
			return nil, false
		}
		if _, known := d.Extra.(rule.Extra); d.Extra != nil && !known {
			return nil, false
		}
		kept = append(kept, cachedWarning{Summary: d.Summary, Detail: d.Detail, Subject: d.Subject, Context: d.Context, Rule: rule.Of(d)})
	}
	return kept, true
}

func (w cachedWarning) diagnostic() *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: w.Summary, Detail: w.Detail, Subject: w.Subject, Context: w.Context}
	if w.Rule != "" {
		rule.Tag(w.Rule, d)
	}
	return d
}

// loadCache is the cache as one Load sees it.
type loadCache struct {
	path   string      // the entry's file
	inputs *loadInputs // filled by the load on a miss
}

// openCache returns the cache for opts, nil when opts do not use one or
// the load cannot be kept.
func openCache(opts Options) *loadCache {
	if opts.CacheDir == "" || len(opts.Files) == 0 || slices.Contains(opts.Files, "-") {
		return nil
	}
	exe := executableID()
	if exe == "" {
		return nil
	}
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	for _, s := range []string{cacheFormat, exe, platforms.Format(platforms.DefaultSpec()), opts.Dir} {
		field(s)
	}
	for _, list := range [][]string{opts.Files, opts.AllowRead} {
		field(fmt.Sprint(len(list)))
		for _, s := range list {
			field(s)
		}
	}
	vars := make([]string, 0, len(opts.Vars))
	for name := range opts.Vars {
		vars = append(vars, name)
	}
	sort.Strings(vars)
	for _, name := range vars {
		field(name)
		field(opts.Vars[name])
	}
	for _, o := range opts.Overrides {
		field(fmt.Sprintf("%#v", *o))
	}
	key := hex.EncodeToString(h.Sum(nil))
	return &loadCache{path: filepath.Join(opts.CacheDir, key[:32]), inputs: &loadInputs{}}
}

// privateDir reports whether dir is a directory of this user's that no
// one else may write to: an entry planted by another user would be
// taken for a load. The cache reads and writes only there.
func privateDir(dir string) bool {
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm()&0o022 != 0 {
		return false
	}
	return ownedByMe(info)
}

// executableID names this build of xbake by its content, so entries
// written by another build are never read, even one rebuilt at the same
// path with the same size and time: the Go build ID the linker writes
// into the binary (a hash of its inputs and of its content), else a
// digest of the whole file.
var executableID = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if id := goBuildID(exe); id != "" {
		return "go-build-id:" + id
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
})

// goBuildID reads the Go build ID note of an ELF executable, "" when it
// has none.
func goBuildID(exe string) string {
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	// The note: namesz, descsz, type (4 bytes each), "Go\x00\x00", then the ID.
	desc := data[16:]
	if n := int(f.ByteOrder.Uint32(data[4:8])); n <= len(desc) {
		desc = desc[:n]
	}
	return string(bytes.TrimRight(desc, "\x00"))
}

// lookup returns the kept spec and its warnings when every input it
// read is unchanged, else a nil spec.
func (c *loadCache) lookup(opts Options) (*Spec, hcl.Diagnostics) {
	if c == nil {
		return nil, nil
	}
	if !privateDir(filepath.Dir(c.path)) {
		return nil, nil
	}
	data, err := os.ReadFile(c.path)
	if err != nil || len(data) < sha256.Size {
		return nil, nil
	}
	// The entry starts with the digest of the rest: a damaged entry that
	// still decodes must not pass for a load.
	payload := data[sha256.Size:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], data[:sha256.Size]) {
		return nil, nil
	}
	dec := gob.NewDecoder(bytes.NewReader(payload))
	var inputs loadInputs
	if dec.Decode(&inputs) != nil {
		return nil, nil
	}
	sources, ok := inputs.unchanged(opts)
	if !ok {
		return nil, nil
	}
	var kept cachedSpec
	var empties []emptyAt
	var warnings []cachedWarning
	if dec.Decode(&kept) != nil || dec.Decode(&empties) != nil || dec.Decode(&warnings) != nil {
		return nil, nil
	}
	restoreEmpties(&kept, empties)
	s, err := kept.spec(sources)
	if err != nil {
		return nil, nil
	}
	s.Reads = readBoundary(opts)
	now := time.Now() // the entry was used: pruning goes by last use
	os.Chtimes(c.path, now, now)
	var diags hcl.Diagnostics
	for _, w := range warnings {
		diags = append(diags, w.diagnostic())
	}
	cacheHits.Add(1)
	return s, diags
}

// cacheHits counts the loads the cache answered, for tests.
var cacheHits atomic.Int64

// unchanged reads the inputs again and reports whether all are as they
// were; it returns the files read, for Spec.Sources.
func (in *loadInputs) unchanged(opts Options) (map[string]*hcl.File, bool) {
	for _, e := range in.Env {
		if v, set := opts.LookupEnv(e.Name); v != e.Value || set != e.Set {
			return nil, false
		}
	}
	reads := readBoundary(opts)
	for _, g := range in.Globs {
		matches, err := filepath.Glob(g.Pattern)
		if err != nil || !slices.Equal(matches, g.Matches) {
			return nil, false
		}
		for _, m := range matches { // a link may have moved one out of the tree
			if !reads.Allows(m) {
				return nil, false
			}
		}
	}
	for _, f := range in.Reads {
		data, err := readTextFile(f.Name, reads)
		if errText := errString(err); errText != f.Err || (err == nil && sha256.Sum256(data) != f.Sum) {
			return nil, false
		}
	}
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	sources := make(map[string]*hcl.File, len(in.Files))
	for _, f := range in.Files {
		src, err := read(specPath(f.Name, opts.Dir))
		if err != nil || sha256.Sum256(src) != f.Sum {
			return nil, false
		}
		sources[f.Name] = &hcl.File{Bytes: src}
	}
	return sources, true
}

// store keeps a load's result when it may be kept. Failing to write is
// not an error: the next load parses again.
func (c *loadCache) store(s *Spec, diags hcl.Diagnostics) {
	if c == nil || c.inputs.uncacheable != "" {
		return
	}
	warnings, ok := keepWarnings(diags)
	if !ok {
		return
	}
	kept, err := keep(s)
	if err != nil {
		return
	}
	var buf bytes.Buffer
	buf.Write(make([]byte, sha256.Size)) // the payload's digest, below
	enc := gob.NewEncoder(&buf)
	if enc.Encode(c.inputs) != nil || enc.Encode(kept) != nil || enc.Encode(findEmpties(kept)) != nil || enc.Encode(warnings) != nil {
		return
	}
	entry := buf.Bytes()
	sum := sha256.Sum256(entry[sha256.Size:])
	copy(entry, sum[:])
	dir := filepath.Dir(c.path)
	if os.MkdirAll(dir, 0o700) != nil || !privateDir(dir) {
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(entry)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil || os.Rename(tmp.Name(), c.path) != nil {
		os.Remove(tmp.Name())
		return
	}
	pruneCache(dir)
}

// pruneCache removes the least recently used entries beyond
// maxCacheEntries or maxCacheBytes (the newest one always stays): an
// entry of a 10,000-target spec is about 11 MB.
func pruneCache(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type aged struct {
		name       string
		mod, bytes int64
	}
	var all []aged
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			all = append(all, aged{e.Name(), info.ModTime().UnixNano(), info.Size()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	var total int64
	for i, a := range all {
		total += a.bytes
		if i > 0 && (i >= maxCacheEntries || total > maxCacheBytes) {
			os.Remove(filepath.Join(dir, a.name))
		}
	}
}

// keep converts a spec to the form it is kept in.
func keep(s *Spec) (*cachedSpec, error) {
	kept := &cachedSpec{Files: s.Files, FilePaths: s.FilePaths, BakeFiles: s.BakeFiles, Root: s.Root, Trees: s.Reads.Trees, Granted: s.Reads.Granted,
		Targets: s.Targets, TargetNames: s.TargetNames, Groups: s.Groups, Builders: s.Builders}
	for _, v := range s.Variables {
		typ, err := ctyjson.MarshalType(v.Type)
		if err != nil {
			return nil, err
		}
		valueType, err := ctyjson.MarshalType(v.Value.Type())
		if err != nil {
			return nil, err
		}
		value, err := ctyjson.Marshal(v.Value, v.Value.Type())
		if err != nil {
			return nil, err
		}
		kept.Variables = append(kept.Variables, cachedVariable{Name: v.Name, Description: v.Description, Source: v.Source,
			DeclRange: v.DeclRange, Type: typ, ValueType: valueType, Value: value})
	}
	return kept, nil
}

// spec converts a kept spec back.
func (kept *cachedSpec) spec(sources map[string]*hcl.File) (*Spec, error) {
	s := &Spec{Files: kept.Files, FilePaths: kept.FilePaths, BakeFiles: kept.BakeFiles, Root: kept.Root, Sources: sources,
		Targets: kept.Targets, TargetNames: kept.TargetNames, Groups: kept.Groups, Builders: kept.Builders}
	for _, v := range kept.Variables {
		typ, err := ctyjson.UnmarshalType(v.Type)
		if err != nil {
			return nil, err
		}
		valueType, err := ctyjson.UnmarshalType(v.ValueType)
		if err != nil {
			return nil, err
		}
		value, err := ctyjson.Unmarshal(v.Value, valueType)
		if err != nil {
			return nil, err
		}
		s.Variables = append(s.Variables, &Variable{Name: v.Name, Description: v.Description, Source: v.Source,
			DeclRange: v.DeclRange, Type: typ, Value: value})
	}
	return s, nil
}

// The recording side, called by the loader.

func (in *loadInputs) file(name string, src []byte) {
	if in != nil {
		in.Files = append(in.Files, inputFile{Name: name, Sum: sha256.Sum256(src)})
	}
}

// read records what file() read, or why it could not.
func (in *loadInputs) read(path string, data []byte, err error) {
	if in != nil {
		in.Reads = append(in.Reads, inputFile{Name: path, Sum: sha256.Sum256(data), Err: errString(err)})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (in *loadInputs) glob(pattern string, matches []string) {
	if in != nil {
		in.Globs = append(in.Globs, inputGlob{Pattern: pattern, Matches: matches})
	}
}

func (in *loadInputs) env(name, value string, set bool) {
	if in != nil {
		in.Env = append(in.Env, inputEnv{Name: name, Value: value, Set: set})
	}
}

func (in *loadInputs) notKept(why string) {
	if in != nil && in.uncacheable == "" {
		in.uncacheable = why
	}
}

// watch wraps an impure function so that calling it keeps the load out
// of the cache.
func (in *loadInputs) watch(name string, f function.Function) function.Function {
	if in == nil || !impureFunctions[name] {
		return f
	}
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			in.notKept(name + "()")
			return f.Call(args)
		},
	})
}
