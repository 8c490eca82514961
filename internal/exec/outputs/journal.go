package outputs

// The publish journal. An atomic push moves its tags one request at a
// time; if the process dies, or the registry goes away, in the middle,
// some tags are new and others old, and the rollback itself may not
// reach the registry. So before the first tag moves, the run writes what
// each tag pointed to and what it is to point to, in a journal in the
// state directory, and removes the journal once every tag is where the
// run leaves it. A journal still there is an unfinished publish: the
// next run, whatever it builds, first completes it (the run died while
// tagging: every target had built, so every tag moves to the new image)
// or finishes its rollback (tagging had failed: every tag goes back),
// says which, and only then builds.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/builder"
)

// The phases of a publish, as its journal records them.
const (
	phaseTagging     = "tagging"
	phaseRollingBack = "rolling back"
)

// journal is the record of one publish in progress.
type journal struct {
	Phase string         `json:"phase"`
	Tags  []journalEntry `json:"tags"`

	path string
	lock *os.File // held while the run that writes the journal lives
}

type journalEntry struct {
	Tag    string `json:"tag"`
	Repo   string `json:"repo"`
	Target string `json:"target"`
	Before string `json:"before,omitempty"` // the digest it pointed to, "" when it did not exist
	After  string `json:"after"`
}

func journalDir() string { return filepath.Join(builder.StateDir(), "publish") }

// startJournal writes the journal of a publish about to begin.
func startJournal(pending []PendingTag, before []*remote.Descriptor) (*journal, error) {
	j := &journal{Phase: phaseTagging}
	for i, p := range pending {
		tag, digest, _ := strings.Cut(p.Tag, "@")
		e := journalEntry{Tag: tag, Repo: p.Repo, Target: p.Target, After: digest}
		if before[i] != nil {
			e.Before = before[i].Digest.String()
		}
		j.Tags = append(j.Tags, e)
	}
	if err := os.MkdirAll(journalDir(), 0o700); err != nil {
		return nil, err
	}
	f, err := createLocked(journalDir(), fmt.Sprintf("publish-%d-*.json", time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	j.path, j.lock = f.Name(), f
	return j, j.save()
}

// save writes the journal in place (through its locked file).
func (j *journal) save() error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	if err := j.lock.Truncate(0); err != nil {
		return err
	}
	if _, err := j.lock.WriteAt(b, 0); err != nil {
		return err
	}
	return j.lock.Sync()
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
	j.lock.Close()
}

// keep leaves the journal for the next run: some tag could not be put
// where it belongs.
func (j *journal) keep() { j.lock.Close() }

// RecoverPublishes finishes the publishes that earlier runs left
// unfinished (their journals, not held by a live run): it completes one
// that was tagging and finishes the rollback of one that was rolling
// back, and says which through say. A publish that still cannot be
// finished (the registry is down) keeps its journal for the next run.
func RecoverPublishes(ctx context.Context, say func(format string, args ...any)) {
	paths, _ := filepath.Glob(filepath.Join(journalDir(), "publish-*.json"))
	for _, path := range paths {
		recoverPublish(ctx, path, say)
	}
}

func recoverPublish(ctx context.Context, path string, say func(format string, args ...any)) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		f.Close() // a live run is publishing
		return
	}
	j := &journal{path: path, lock: f}
	b, _ := os.ReadFile(path)
	if json.Unmarshal(b, j) != nil || len(j.Tags) == 0 {
		j.done() // empty or damaged: nothing it says can be acted on
		return
	}
	forward := j.Phase == phaseTagging
	var failed []string
	for _, e := range j.Tags {
		var err error
		switch {
		case forward:
			err = retry(ctx, func() error { return CreateTag(ctx, e.Repo, e.After, e.Tag) })
		case e.Before != "":
			err = retry(ctx, func() error { return CreateTag(ctx, e.Repo, e.Before, e.Tag) })
		default:
			err = retry(ctx, func() error { return deleteTag(ctx, e.Tag) })
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", e.Tag, err))
		}
	}
	what := "rolled back (every tag as it was before)"
	if forward {
		what = "completed (every tag on its new image)"
	}
	if len(failed) > 0 {
		say("warning: an unfinished publish of an earlier run could not be %s yet: %s; the next run tries again", strings.Fields(what)[0], strings.Join(failed, "; "))
		j.keep()
		return
	}
	var tags []string
	for _, e := range j.Tags {
		tags = append(tags, e.Tag)
	}
	say("an earlier run's unfinished publish was %s: %s", what, strings.Join(tags, ", "))
	j.done()
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
