package outputs

// The publish journal. An atomic push moves its tags one request at a
// time; if the process dies, or the registry goes away, in the middle,
// some tags are new and others old, and the rollback itself may not
// reach the registry. So before the first tag moves, the run writes what
// each tag pointed to and what it is to point to, in a journal, and
// removes the journal once every tag is where the run leaves it. A
// journal still there is an unfinished publish: the next run of the same
// project first completes it (the run died while tagging: every target
// had built, so every tag moves to the new image) or finishes its
// rollback (tagging had failed: every tag goes back), says which, and
// only then builds.
//
// The tags are shared with everyone who can push to the registry, so
// the recovery is careful with them:
//   - journals are per project (the working directory and the spec
//     files), in STATE/publish/PROJECT/: another project's run never
//     acts on this one's tags;
//   - a tag is moved only if it still points where the interrupted run
//     left it (before or after its move); one that someone else has
//     moved since is left as it is, and the run says so (compare and
//     swap: read, compare, write, the narrowest the registry API allows);
//   - the journal is written atomically (a crash leaves the old record or
//     the new, never an empty file) beside a lock file that its run holds
//     while it lives; a journal that cannot be read is kept and reported,
//     never deleted;
//   - recovery is bounded in time (recoverTimeout): a registry that does
//     not answer costs a warning, then the build goes on.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/atomicfile"
	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/flock"
)

// The phases of a publish, as its journal records them.
const (
	phaseTagging     = "tagging"
	phaseRollingBack = "rolling back"
)

// recoverTimeout bounds the recovery of earlier publishes before a run.
var recoverTimeout = 30 * time.Second

// journal is the record of one publish in progress.
type journal struct {
	Phase string         `json:"phase"`
	Tags  []journalEntry `json:"tags"`
	// Project says whose publish it was, for a person reading the file.
	Project string `json:"project,omitempty"`

	path string
	lock *os.File // the flock on path's .lock, held while the run that writes the journal lives
}

type journalEntry struct {
	Tag    string `json:"tag"`
	Repo   string `json:"repo"`
	Target string `json:"target"`
	Before string `json:"before,omitempty"` // the digest it pointed to, "" when it did not exist
	After  string `json:"after"`
}

// Project identifies the project whose tags a journal records: the
// working directory (links resolved) and the spec files.
type Project struct {
	Dir   string
	Files []string
}

// key is the project's directory name under STATE/publish.
func (p Project) key() string {
	dir := p.Dir
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", dir)
	for _, f := range p.Files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		fmt.Fprintf(h, "%s\n", f)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (p Project) String() string {
	return fmt.Sprintf("%s (%s)", p.Dir, strings.Join(p.Files, ", "))
}

// JournalDir is where the journals of a project's unfinished publishes are.
func JournalDir(p Project) string {
	return filepath.Join(builder.StateDir(), "publish", p.key())
}

// startJournal writes the journal of a publish about to begin.
func startJournal(p Project, pending []PendingTag, before []*remote.Descriptor) (*journal, error) {
	j := &journal{Phase: phaseTagging, Project: p.String()}
	for i, pt := range pending {
		tag, digest, _ := strings.Cut(pt.Tag, "@")
		e := journalEntry{Tag: tag, Repo: pt.Repo, Target: pt.Target, After: digest}
		if before[i] != nil {
			e.Before = before[i].Digest.String()
		}
		j.Tags = append(j.Tags, e)
	}
	dir := JournalDir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := createLocked(dir, fmt.Sprintf("publish-%d-*.lock", time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	j.path, j.lock = strings.TrimSuffix(f.Name(), ".lock")+".json", f
	if err := j.save(); err != nil {
		os.Remove(f.Name())
		f.Close()
		return nil, err
	}
	return j, nil
}

// save writes the journal atomically: a crash leaves the old record or
// the new one.
func (j *journal) save() error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(j.path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// setPhase records a new phase; a journal that cannot be written is not
// a reason to stop moving tags.
func (j *journal) setPhase(phase string) {
	j.Phase = phase
	j.save()
}

// done removes the journal: every tag is where the run leaves it.
func (j *journal) done() {
	os.Remove(j.path)
	os.Remove(j.lock.Name())
	j.lock.Close()
}

// keep leaves the journal for the next run: some tag could not be put
// where it belongs.
func (j *journal) keep() { j.lock.Close() }

// RecoverPublishes finishes the publishes that earlier runs of this
// project left unfinished (their journals, not held by a live run): it
// completes one that was tagging and finishes the rollback of one that
// was rolling back, and says which through say. A publish that still
// cannot be finished (the registry is down) keeps its journal for the
// next run; the recovery never takes longer than recoverTimeout.
func RecoverPublishes(ctx context.Context, p Project, say func(format string, args ...any)) {
	paths, _ := filepath.Glob(filepath.Join(JournalDir(p), "publish-*.json"))
	if len(paths) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, recoverTimeout)
	defer cancel()
	for _, path := range paths {
		recoverPublish(ctx, path, say)
	}
}

func recoverPublish(ctx context.Context, path string, say func(format string, args ...any)) {
	lockPath := strings.TrimSuffix(path, ".json") + ".lock"
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return
	}
	if flock.TryLock(f) != nil {
		f.Close() // a live run is publishing
		return
	}
	j := &journal{path: path, lock: f}
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, j)
	}
	if err == nil && len(j.Tags) == 0 {
		err = fmt.Errorf("it lists no tag")
	}
	if err != nil {
		say("warning: the journal of an earlier run's unfinished publish, %s, cannot be read (%v); it is kept: check the tags it names, then remove it", path, err)
		j.keep()
		return
	}
	forward := j.Phase == phaseTagging
	var failed, leftAlone, moved []string
	for _, e := range j.Tags {
		outcome, err := recoverTag(ctx, e, forward)
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("%s (%v)", e.Tag, err))
		case outcome != "":
			leftAlone = append(leftAlone, fmt.Sprintf("%s (%s)", e.Tag, outcome))
		default:
			moved = append(moved, e.Tag)
		}
	}
	what := "rolled back (every tag as it was before)"
	if forward {
		what = "completed (every tag on its new image)"
	}
	if len(leftAlone) > 0 {
		say("warning: an earlier run's unfinished publish left tags that someone else has moved since, as they are: %s", strings.Join(leftAlone, "; "))
	}
	if len(failed) > 0 {
		say("warning: an unfinished publish of an earlier run could not be %s yet: %s; the next run tries again", strings.Fields(what)[0], strings.Join(failed, "; "))
		j.keep()
		return
	}
	if len(moved) > 0 {
		say("an earlier run's unfinished publish was %s: %s", what, strings.Join(moved, ", "))
	}
	j.done()
}

// recoverTag puts one tag where the recovery wants it (After going
// forward, Before going back), if it still points where the interrupted
// run left it: at Before or at After (absent for a Before of ""). A tag
// anywhere else was moved by someone else: it is left, and the returned
// outcome says where it points.
func recoverTag(ctx context.Context, e journalEntry, forward bool) (leftAlone string, err error) {
	now, err := currentTag(ctx, e.Tag)
	if err != nil {
		return "", err
	}
	current := ""
	if now != nil {
		current = now.Digest.String()
	}
	want := e.Before
	if forward {
		want = e.After
	}
	switch {
	case current == want:
		return "", nil // already there
	case current != e.Before && current != e.After:
		if current == "" {
			return "removed by someone else", nil
		}
		return "now " + current, nil
	case want == "":
		return "", retry(ctx, func() error { return deleteTag(ctx, e.Tag) })
	default:
		return "", retry(ctx, func() error { return CreateTag(ctx, e.Repo, want, e.Tag) })
	}
}

// deleteTag removes tag, which did not exist before the publish; a tag
// already gone is fine.
func deleteTag(ctx context.Context, tag string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	err = remote.Delete(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if isNotFound(err) {
		return nil
	}
	return err
}
