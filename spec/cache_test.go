package spec

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/diag"
)

// cachedLoad loads files in dir through a cache in cacheDir and reports
// whether the load came from the cache.
func cachedLoad(t *testing.T, dir, cacheDir string, env map[string]string, opts Options, files ...string) (*Spec, bool) {
	t.Helper()
	opts.Dir, opts.CacheDir, opts.Files, opts.LookupEnv = dir, cacheDir, files, mapEnv(env)
	hits := cacheHits.Load()
	s, diags := Load(opts)
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	return s, cacheHits.Load() > hits
}

// sameSpec fails unless two loads hold the same model: every exported
// field, nil and empty told apart, and the variables' values.
func sameSpec(t *testing.T, want, got *Spec) {
	t.Helper()
	w, g := *want, *got
	for _, s := range []*Spec{&w, &g} {
		s.Reads.resolved = nil
		s.Variables = nil
		for _, target := range s.Targets {
			target.contextDefaulted = false
		}
		for _, group := range s.Groups {
			group.included = false
		}
	}
	if !reflect.DeepEqual(w, g) {
		for name := range w.Targets {
			if !reflect.DeepEqual(w.Targets[name], g.Targets[name]) {
				t.Fatalf("target %q differs:\nloaded %#v\ncached %#v", name, w.Targets[name], g.Targets[name])
			}
		}
		t.Fatalf("the cached spec differs:\nloaded %#v\ncached %#v", w, g)
	}
	if len(want.Variables) != len(got.Variables) {
		t.Fatalf("%d variables, cached %d", len(want.Variables), len(got.Variables))
	}
	for i, v := range want.Variables {
		c := got.Variables[i]
		if v.Name != c.Name || v.Source != c.Source || v.DeclRange != c.DeclRange || !v.Type.Equals(c.Type) || !v.Value.RawEquals(c.Value) {
			t.Errorf("variable %s: loaded %#v, cached %#v", v.Name, v, c)
		}
	}
}

// TestCacheKeepsTheModel loads every valid fixture twice through the
// cache: the second load must come from it and hold the same model.
func TestCacheKeepsTheModel(t *testing.T) {
	dir, _ := filepath.Abs("testdata/valid")
	files, _ := filepath.Glob("testdata/valid/*.*")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			cache := t.TempDir()
			loaded, hit := cachedLoad(t, dir, cache, nil, Options{}, filepath.Base(f))
			if hit {
				t.Fatal("an empty cache answered")
			}
			cached, hit := cachedLoad(t, dir, cache, nil, Options{}, filepath.Base(f))
			if !hit {
				t.Fatal("the second load parsed again")
			}
			sameSpec(t, loaded, cached)
			if string(cached.Sources[filepath.Base(f)].Bytes) != string(loaded.Sources[filepath.Base(f)].Bytes) {
				t.Error("the sources differ")
			}
		})
	}
	if n < 5 {
		t.Fatalf("found only %d fixtures", n)
	}
}

// TestCacheKeepsEmptyApartFromUnset: gob drops empty lists and maps;
// the cache must bring back "set to nothing".
func TestCacheKeepsEmptyApartFromUnset(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `
target "a" {
  tags      = []
  args      = {}
  platforms = []
  output    = ["type=cacheonly"]
}
target "b" {}
`)
	loaded, _ := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
	cached, hit := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
	if !hit {
		t.Fatal("not cached")
	}
	a := cached.Targets["a"]
	if a.Tags == nil || a.Args == nil || a.Platforms == nil {
		t.Fatalf("set-to-nothing came back unset: tags %#v args %#v platforms %#v", a.Tags, a.Args, a.Platforms)
	}
	if cached.Targets["b"].Tags != nil {
		t.Fatal("unset came back set")
	}
	sameSpec(t, loaded, cached)
}

// TestCacheSeesChanges: each input a load read, changed, makes the
// next load parse again and see the change.
func TestCacheSeesChanges(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `
include = ["teams/*.hcl"]
variable "TAG" { default = "dev" }
target "app" { tags = ["app:${TAG}"] }
`)
	writeFile(t, dir, "teams/a.hcl", `target "a" { args = { V = file("../VERSION") } }`)
	writeFile(t, dir, "VERSION", "1.0")
	load := func(env map[string]string, opts Options) (*Spec, bool) {
		return cachedLoad(t, dir, cache, env, opts, "xbuild.hcl")
	}
	tag := func(s *Spec) string { return s.Targets["app"].Tags[0].Value }
	load(nil, Options{})
	if _, hit := load(nil, Options{}); !hit {
		t.Fatal("an unchanged spec was parsed again")
	}

	if s, hit := load(map[string]string{"TAG": "v1"}, Options{}); hit || tag(s) != "app:v1" {
		t.Fatalf("an environment variable changed: hit %v, tag %s", hit, tag(s))
	}
	if s, hit := load(map[string]string{"TAG": "v1"}, Options{Vars: map[string]string{"TAG": "v2"}}); hit || tag(s) != "app:v2" {
		t.Fatalf("--var changed: hit %v, tag %s", hit, tag(s))
	}
	set, _ := ParseOverrides([]string{"app.tags=other"}, mapEnv(nil))
	if s, hit := load(nil, Options{Overrides: set}); hit || tag(s) != "other" {
		t.Fatalf("--set changed: hit %v, tag %s", hit, tag(s))
	}

	writeFile(t, dir, "VERSION", "1.1")
	if s, hit := load(nil, Options{}); hit || s.Targets["a"].Args["V"].Value != "1.1" {
		t.Fatalf("a file read by file() changed: hit %v", hit)
	}
	writeFile(t, dir, "teams/a.hcl", `target "a" { tags = ["changed"] }`)
	if s, hit := load(nil, Options{}); hit || len(s.Targets["a"].Tags) != 1 {
		t.Fatalf("an included file changed: hit %v", hit)
	}
	writeFile(t, dir, "teams/b.hcl", `target "b" {}`)
	if s, hit := load(nil, Options{}); hit || s.Targets["b"] == nil {
		t.Fatalf("a file joined the include glob: hit %v", hit)
	}
	writeFile(t, dir, "xbuild.hcl", `
include = ["teams/*.hcl"]
variable "TAG" { default = "prod" }
target "app" { tags = ["app:${TAG}"] }
`)
	if s, hit := load(nil, Options{}); hit || tag(s) != "app:prod" {
		t.Fatalf("the spec file changed: hit %v, tag %s", hit, tag(s))
	}
	if _, hit := load(nil, Options{}); !hit {
		t.Fatal("the new spec was not kept")
	}
}

// TestCacheNeverKeepsImpureLoads: a load that calls timestamp() or
// uuidv4() is parsed every time.
func TestCacheNeverKeepsImpureLoads(t *testing.T) {
	for name, src := range map[string]string{
		"timestamp": `target "a" { args = { T = timestamp() } }`,
		"uuidv4":    `target "a" { args = { T = uuidv4() } }`,
	} {
		t.Run(name, func(t *testing.T) {
			dir, cache := t.TempDir(), t.TempDir()
			writeFile(t, dir, "xbuild.hcl", src)
			cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
			if _, hit := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl"); hit {
				t.Fatalf("a load calling %s() came from the cache", name)
			}
		})
	}
}

// TestCacheSurvivesDamage: a damaged or foreign entry is a miss, never a
// failure, and is replaced.
func TestCacheSurvivesDamage(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `target "a" { tags = ["a"] }`)
	cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	entry := filepath.Join(cache, entries[0].Name())
	whole, _ := os.ReadFile(entry)
	for _, damaged := range [][]byte{nil, []byte("not gob"), whole[:len(whole)/2], append(append([]byte{}, whole[:len(whole)-8]...), "xxxxxxxx"...)} {
		if err := os.WriteFile(entry, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		s, _ := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
		if s.Targets["a"] == nil || s.Targets["a"].Tags[0].Value != "a" {
			t.Fatalf("after damage: %#v", s.Targets)
		}
	}
	if _, hit := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl"); !hit {
		t.Fatal("the damaged entry was not replaced")
	}
}

// TestCacheIsBounded: old entries go once there are too many.
func TestCacheIsBounded(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `variable "V" {}
target "a" { tags = ["${V}"] }`)
	for i := range maxCacheEntries + 5 {
		cachedLoad(t, dir, cache, nil, Options{Vars: map[string]string{"V": strings.Repeat("x", i+1)}}, "xbuild.hcl")
	}
	if entries, _ := os.ReadDir(cache); len(entries) != maxCacheEntries {
		t.Fatalf("%d entries, want %d", len(entries), maxCacheEntries)
	}

	// By size, the least recently used go first: the entry just read
	// stays, older ones go.
	entries, _ := os.ReadDir(cache)
	info, _ := entries[0].Info()
	defer func(old int64) { maxCacheBytes = old }(maxCacheBytes)
	maxCacheBytes = 3*info.Size() + info.Size()/2
	used := Options{Vars: map[string]string{"V": "xxxxxx"}} // the oldest entry left
	if _, hit := cachedLoad(t, dir, cache, nil, used, "xbuild.hcl"); !hit {
		t.Fatal("the oldest entry left is gone already")
	}
	cachedLoad(t, dir, cache, nil, Options{Vars: map[string]string{"V": "new"}}, "xbuild.hcl")
	if entries, _ := os.ReadDir(cache); len(entries) != 3 {
		t.Fatalf("%d entries within %d bytes, want 3", len(entries), maxCacheBytes)
	}
	if _, hit := cachedLoad(t, dir, cache, nil, used, "xbuild.hcl"); !hit {
		t.Fatal("the entry used last was pruned")
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheKeepsWarnings: a bake file with an attribute bake ignores
// loads with a warning, and is still kept; the cached load gives the
// same warning, at the same place. An error is never kept.
func TestCacheKeepsWarnings(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "docker-bake.hcl", `target "app" {
  tags    = ["app"]
  unknown = "x"
}`)
	opts := Options{Dir: dir, CacheDir: cache, Files: []string{"docker-bake.hcl"}, LookupEnv: mapEnv(nil)}
	_, first := Load(opts)
	if len(first) != 1 || first[0].Severity != hcl.DiagWarning {
		t.Fatalf("want one warning, got %v", first)
	}
	hits := cacheHits.Load()
	_, again := Load(opts)
	if cacheHits.Load() == hits {
		t.Fatal("a load with only warnings was not kept")
	}
	if len(again) != 1 || diag.Line(again[0]) != diag.Line(first[0]) || *again[0].Subject != *first[0].Subject {
		t.Fatalf("the cached warning differs:\n%v\n%v", first, again)
	}

	writeFile(t, dir, "xbuild.hcl", `target "app" { unknown = "x" }`)
	opts.Files = []string{"xbuild.hcl"}
	Load(opts)
	hits = cacheHits.Load()
	if _, diags := Load(opts); !diags.HasErrors() || cacheHits.Load() != hits {
		t.Fatalf("a load with an error came from the cache: %v", diags)
	}
}

// FuzzCacheEntry: whatever the cache directory holds, a load answers as
// a parse would, and never panics. The seeds are a real entry and
// pieces of it.
func FuzzCacheEntry(f *testing.F) {
	dir, cache := f.TempDir(), f.TempDir()
	src := `variable "V" { default = "v" }
target "a" {
  tags = ["a:${V}"]
  args = {}
}`
	if err := os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(src), 0o644); err != nil {
		f.Fatal(err)
	}
	opts := Options{Dir: dir, CacheDir: cache, Files: []string{"xbuild.hcl"}, LookupEnv: mapEnv(nil)}
	Load(opts)
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		f.Fatalf("%d entries", len(entries))
	}
	entry := filepath.Join(cache, entries[0].Name())
	whole, _ := os.ReadFile(entry)
	f.Add(whole)
	f.Add(whole[:len(whole)/3])
	f.Add(whole[len(whole)/3:])
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(entry, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, diags := Load(opts)
		if diags.HasErrors() {
			t.Fatalf("load: %v", diags)
		}
		if a := s.Targets["a"]; a == nil || len(a.Tags) != 1 || a.Tags[0].Value != "a:v" || a.Args == nil {
			t.Fatalf("the load differs from a parse: %#v", a)
		}
	})
}

// TestCacheRefusesAnAlteredEntry: an entry changed inside, so that it
// still decodes (here a tag's value), is not taken for a load.
func TestCacheRefusesAnAlteredEntry(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `target "a" { tags = ["original"] }`)
	opts := Options{Dir: dir, CacheDir: cache, Files: []string{"xbuild.hcl"}, LookupEnv: mapEnv(nil)}
	Load(opts)
	entries, _ := os.ReadDir(cache)
	entry := filepath.Join(cache, entries[0].Name())
	whole, _ := os.ReadFile(entry)
	altered := strings.Replace(string(whole), "original", "tampered", 1)
	if altered == string(whole) {
		t.Fatal("the entry does not hold the tag as text")
	}
	os.WriteFile(entry, []byte(altered), 0o600)
	if s, _ := Load(opts); s.Targets["a"].Tags[0].Value != "original" {
		t.Fatalf("an altered entry was taken: %q", s.Targets["a"].Tags[0].Value)
	}
}

// TestCacheSeesWhatWasMissing: a read that failed and a glob that
// matched nothing are inputs too; a file that appears later changes the
// load's answer, so the kept one must not be used.
func TestCacheSeesWhatWasMissing(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `
include = ["teams/*.hcl"]
variable "V" { default = try(trimspace(file("VERSION")), "dev") }
target "app" { tags = ["app:${V}"] }
`)
	load := func() (*Spec, bool) { return cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl") }
	tag := func(s *Spec) string { return s.Targets["app"].Tags[0].Value }
	if s, _ := load(); tag(s) != "app:dev" {
		t.Fatalf("without VERSION: %s", tag(s))
	}
	if s, hit := load(); !hit || tag(s) != "app:dev" {
		t.Fatalf("unchanged: hit %v, %s", hit, tag(s))
	}
	writeFile(t, dir, "VERSION", "1.2\n")
	if s, hit := load(); hit || tag(s) != "app:1.2" {
		t.Fatalf("VERSION appeared: hit %v, tag %s (a stale load)", hit, tag(s))
	}
	writeFile(t, dir, "teams/a.hcl", `target "a" {}`)
	if s, hit := load(); hit || s.Targets["a"] == nil {
		t.Fatalf("the first file matching an empty include glob: hit %v", hit)
	}
}

// TestCacheIsPrivate: a cache directory another user could write to is
// neither read nor written.
func TestCacheIsPrivate(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `target "app" {}`)
	os.Chmod(cache, 0o777)
	cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Fatalf("a world-writable cache directory was written: %d entries", len(entries))
	}
	os.Chmod(cache, 0o700)
	cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl")
	if _, hit := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl"); !hit {
		t.Fatal("a private cache directory was not used")
	}
	os.Chmod(cache, 0o770)
	if _, hit := cachedLoad(t, dir, cache, nil, Options{}, "xbuild.hcl"); hit {
		t.Fatal("a group-writable cache directory was read")
	}
}

// TestExecutableIDIsTheBuildID: the cache's key names this binary by
// the build ID the Go linker wrote into it (a hash of its content), not
// by path, size and time, which a rebuilt binary can share with the old.
func TestExecutableIDIsTheBuildID(t *testing.T) {
	exe, _ := os.Executable()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	if want := "go-build-id:" + strings.TrimSpace(string(out)); executableID() != want {
		t.Errorf("executableID() = %q, want %q", executableID(), want)
	}
}
