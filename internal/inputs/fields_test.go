package inputs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/xbake/xbake/spec"
	"github.com/xbake/xbake/spec/spectest"
)

// notInDigest are the attributes that do not change what is built: where
// it goes, what it is called, where it builds, and what other targets
// are (those come in through their own digests).
var notInDigest = map[string]string{
	"description": "text only",
	"inherits":    "its values are in the resolved target",
	"tags":        "names, compared separately by --skip-unchanged",
	"output":      "where the result goes, compared separately",
	"cache-from":  "speeds a build up, does not change it",
	"cache-to":    "where the cache goes",
	"builder":     "where it builds",
	"depends_on":  "the digests of the targets it names are hashed instead",
}

// TestEveryBuildAttributeChangesTheDigest sets each attribute of a target
// in turn and checks the digest moves, so that an attribute added to the
// spec cannot be forgotten here.
func TestEveryBuildAttributeChangesTheDigest(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"Dockerfile", "other.Dockerfile"} {
		os.WriteFile(filepath.Join(dir, f), []byte("FROM scratch\n"), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "ctx"), 0o755)
	os.WriteFile(filepath.Join(dir, "ctx", "f"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "ctx", "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	digest := func(body string) string {
		t.Helper()
		os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte("target \"_base\" {\n}\ntarget \"t\" {\n"+body+"}\n"), 0o644)
		s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}, LookupEnv: func(string) (string, bool) { return "", false }})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", body, diags.Error())
		}
		tg := s.Targets["t"]
		df := filepath.Join(tg.Context.Value, "Dockerfile")
		if tg.Dockerfile != nil {
			df = filepath.Join(tg.Context.Value, tg.Dockerfile.Value)
		}
		d, err := NewHasher().Digest(tg, df, map[string]string{})
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return d
	}
	plain := digest("")
	for _, attr := range spec.TargetAttributes() {
		sample, ok := spectest.TargetAttributeSamples[attr]
		if !ok {
			t.Errorf("%s: no sample in spectest.TargetAttributeSamples", attr)
			continue
		}
		if _, skip := notInDigest[attr]; skip {
			continue
		}
		if got := digest("  " + attr + " = " + sample + "\n"); got == plain {
			t.Errorf("%s = %s does not change the input digest; hash it in buildAttributes, or list it in notInDigest with the reason", attr, sample)
		}
	}
}

// The digest's lines are built by hand for speed; they must be the bytes
// fmt wrote before, or every recorded digest (state files) would change.
func TestDigestLinesAsFmtWroteThem(t *testing.T) {
	for _, s := range []string{"", "plain", `quo"te`, "tab\tnew\nline", "ünï\u2028cödé", "\x00\xff", "a=b\\c"} {
		if got, want := string(fieldLine(nil, "k", s)), fmt.Sprintf("%s=%q\n", "k", s); got != want {
			t.Errorf("field line %q, fmt wrote %q", got, want)
		}
		for _, mode := range []fs.FileMode{0o644, 0o755 | fs.ModeSetuid, 0o600 | fs.ModeSticky} {
			if got, want := string(fileLine(s, mode, "abc")), fmt.Sprintf("%s\x00%o\x00%s\n", s, mode, "abc"); got != want {
				t.Errorf("file line %q, fmt wrote %q", got, want)
			}
		}
	}
}
