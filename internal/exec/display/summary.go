package display

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/xbake/xbake/internal/atomicfile"
	"github.com/xbake/xbake/internal/exec/result"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xbake/xbake/internal/plan"
)

// WriteSummary prints the closing table: one row per target, then each
// failure with its failing step and the end of its log, gathered here
// instead of buried among cancellations.
func WriteSummary(w io.Writer, res *result.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	pool := spreadOverNodes(res)
	if pool {
		fmt.Fprintln(tw, "TARGET\tSTATUS\tTIME\tCACHED\tNODE\tDIGEST\tOUTPUTS")
	} else {
		fmt.Fprintln(tw, "TARGET\tSTATUS\tTIME\tCACHED\tDIGEST\tOUTPUTS")
	}
	for _, t := range res.Targets {
		steps := cachedSteps(t)
		status := string(t.Status)
		if t.Reason != "" {
			status += " (" + t.Reason + ")"
		}
		node := ""
		if pool {
			node = orDash(strings.Join(t.Nodes, ",")) + "\t"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s%s\t%s\n", t.Name, status, duration(t.Duration), steps, node, short(t.Digest), strings.Join(t.Outputs, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range res.Targets {
		for _, m := range t.Moved {
			fmt.Fprintf(w, "%s moved: %s\n", t.Name, m)
		}
	}
	for _, t := range res.Targets {
		if t.CallResult != "" && t.Status != result.Failed {
			fmt.Fprintf(w, "\n%s:\n%s", t.Name, indent(t.CallResult))
		}
	}
	for _, t := range res.Targets {
		if t.Status != result.Failed {
			continue
		}
		fmt.Fprintf(w, "\n%s failed", t.Name)
		if t.FailedStep != "" {
			fmt.Fprintf(w, " at %s", t.FailedStep)
		}
		fmt.Fprintf(w, ":\n  %v\n", t.Err)
		for _, l := range t.Logs {
			fmt.Fprintf(w, "  | %s\n", l)
		}
	}
	if len(res.Tags) > 0 {
		fmt.Fprintf(w, "\npushed %s\n", strings.Join(res.Tags, ", "))
	}
	if res.Withheld != "" {
		fmt.Fprintf(w, "\n%s\n", res.Withheld)
	}
	if res.StateErr != nil {
		fmt.Fprintf(w, "\nwarning: %v\n", res.StateErr)
	}
	if res.PublishErr != nil {
		fmt.Fprintf(w, "\npublishing tags failed: %v\n", res.PublishErr)
		if len(res.TagStates) > 0 {
			fmt.Fprintln(w, "the registries now hold:")
			for _, s := range res.TagStates {
				fmt.Fprintf(w, "  %s: %s\n", s.Tag, s.Text())
			}
		}
	}
	return nil
}

// cachedSteps shows "cached/all" steps, or "-".
func cachedSteps(t *result.TargetResult) string {
	if t.TotalSteps == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", t.CachedSteps, t.TotalSteps)
}

func duration(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(100 * time.Millisecond).String()
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19]
	}
	if digest == "" {
		return "-"
	}
	return digest
}

// WriteMetadata writes the --metadata-file: per target, the keys bake
// writes (containerimage.digest, containerimage.descriptor, image.name,
// ...), JSON values decoded. The file is written atomically.
func WriteMetadata(path string, res *result.Result) error {
	doc := map[string]map[string]any{}
	for _, t := range res.Targets {
		m := map[string]any{}
		for k, v := range t.Response {
			m[k] = decodeValue(v)
		}
		if len(t.Warnings) > 0 {
			m["buildx.build.warnings"] = t.Warnings
		}
		m["xbake.status"] = statusRecord(t)
		doc[t.Name] = m
	}
	for _, s := range res.TagStates {
		if doc[s.Target] == nil {
			doc[s.Target] = map[string]any{}
		}
		states, _ := doc[s.Target]["xbake.tags"].(map[string]string)
		if states == nil {
			states = map[string]string{}
			doc[s.Target]["xbake.tags"] = states
		}
		states[s.Tag] = s.Text()
	}
	return atomicfile.WriteJSON(path, doc)
}

// NotBuilt is the status of every target of a run that stopped before
// building (its plan has errors).
const NotBuilt result.Status = "not built"

// WriteUnbuiltMetadata writes the --metadata-file of a run that built
// nothing: each planned target with xbake.status saying so and why (an
// empty object when there was no plan at all).
func WriteUnbuiltMetadata(path string, p *plan.Plan, reason string) error {
	res := &result.Result{}
	for _, n := range p.Nodes {
		res.Targets = append(res.Targets, &result.TargetResult{Name: n.Name, Status: NotBuilt, Reason: reason})
	}
	return WriteMetadata(path, res)
}

// spreadOverNodes: the targets ran on more than one node, or moved, so
// the summary says where each ran.
func spreadOverNodes(res *result.Result) bool {
	seen := map[string]bool{}
	for _, t := range res.Targets {
		if len(t.Moved) > 0 {
			return true
		}
		for _, n := range t.Nodes {
			seen[n] = true
		}
	}
	return len(seen) > 1
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// statusRecord is xbake.status in the metadata file: how the target
// ended and, when it was not built, why and because of which target, so
// that a pipeline reading the file blames the target that failed.
func statusRecord(t *result.TargetResult) map[string]string {
	rec := map[string]string{"status": string(t.Status)}
	if len(t.Nodes) > 0 {
		rec["nodes"] = strings.Join(t.Nodes, ",")
	}
	if len(t.Moved) > 0 {
		rec["moved"] = strings.Join(t.Moved, "; ")
	}
	if t.Reason != "" {
		rec["reason"] = t.Reason
	}
	if t.Cause != "" {
		rec["cause"] = t.Cause
	}
	if t.Status == result.Failed {
		if t.FailedStep != "" {
			rec["step"] = t.FailedStep
		}
		if t.Err != nil {
			rec["error"] = t.Err.Error()
		}
	}
	return rec
}

// decodeValue turns BuildKit's base64-encoded JSON values (such as
// containerimage.descriptor) into JSON, as bake does.
func decodeValue(v string) any {
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && json.Valid(b) {
		var out any
		if json.Unmarshal(b, &out) == nil {
			if _, isObject := out.(map[string]any); isObject {
				return out
			}
		}
	}
	return v
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
