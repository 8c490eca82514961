package report

import "github.com/xbake/xbake/internal/plan"

// criticalPath is the chain of targets that decided when the run ended:
// from the last to finish of the targets that no started target waited
// for (a parent keeps running while its users use its result, so it
// cannot end a chain), back through the parent each one waited for
// longest, the one that became available last.
func criticalPath(r *Report) []string {
	byName := map[string]*Target{}
	for _, t := range r.Targets {
		byName[t.Name] = t
	}
	parents := map[string][]Edge{}
	for _, e := range r.Edges {
		parents[e.From] = append(parents[e.From], e)
	}
	waitedFor := map[string]bool{}
	for _, e := range r.Edges {
		if u := byName[e.From]; u != nil && u.StartedMS != nil {
			waitedFor[e.To] = true
		}
	}
	var last *Target
	for _, t := range r.Targets {
		if t.FinishedMS != nil && t.StartedMS != nil && !waitedFor[t.Name] && (last == nil || *t.FinishedMS > *last.FinishedMS) {
			last = t
		}
	}
	var path []string
	seen := map[string]bool{}
	for t := last; t != nil && !seen[t.Name]; {
		seen[t.Name] = true
		path = append(path, t.Name)
		var next *Target
		var nextAt int64 = -1
		for _, e := range parents[t.Name] {
			p := byName[e.To]
			if at, ok := availableAt(p, e); ok && at > nextAt {
				next, nextAt = p, at
			}
		}
		t = next
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	if path == nil {
		path = []string{}
	}
	return path
}

// availableAt is when the parent p released a target waiting on e.
func availableAt(p *Target, e Edge) (int64, bool) {
	if p == nil {
		return 0, false
	}
	if e.Waits == string(plan.WaitResult) && p.SharedMS != nil {
		return *p.SharedMS, true
	}
	if p.FinishedMS != nil {
		return *p.FinishedMS, true
	}
	return 0, false
}
