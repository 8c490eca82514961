package builder

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/xbake/xbake/internal/builder/desc"
)

// Orphan is a container of xbake's that no builder of the spec names any
// more: its builder was removed from the spec (or lives on another
// branch), or its configuration changed while it ran. Only this
// project's containers count, and those an xbake from before the project
// label made for a builder this spec declares: another project's
// builders are not this one's to list or remove.
type Orphan struct {
	Name    string `json:"container"`
	Builder string `json:"builder"`
	State   string `json:"state"` // running, exited, created, ...
	Engine  string `json:"engine"`
	engine  DockerEngine
}

// Orphans lists the orphaned containers on the engines the spec's
// docker-container builders use (and the docker CLI's own engine).
func Orphans(ctx context.Context, builders desc.Builders, project string) ([]Orphan, error) {
	current := map[string]bool{}
	engines := map[string]DockerEngine{"": EngineFor("")}
	for _, name := range Names(builders) {
		d, err := For(builders, name)
		if err != nil {
			continue
		}
		if c, ok := d.(*Container); ok {
			current[c.ContainerName()] = true
			engines[c.engine.Host] = c.engine
		}
	}
	var out []Orphan
	var firstErr error
	for _, host := range slices.Sorted(maps.Keys(engines)) {
		e := engines[host]
		list, err := orphansOn(ctx, e, project, current, builders)
		if err != nil {
			if firstErr == nil && host != "" { // the CLI's own engine may simply not run
				firstErr = err
			}
			continue
		}
		out = append(out, list...)
	}
	return out, firstErr
}

func orphansOn(ctx context.Context, e DockerEngine, project string, current map[string]bool, builders desc.Builders) ([]Orphan, error) {
	cmd := e.Command(ctx, "container", "ls", "--all", "--filter", "label="+labelBuilder,
		"--format", "{{.Names}}\t{{.State}}\t{{.Label \""+labelBuilder+"\"}}\t{{.Label \""+labelProject+"\"}}")
	b, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var out []Orphan
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 || current[f[0]] {
			continue
		}
		_, declared := builders[f[2]]
		legacy := f[3] == "" && (declared || f[2] == BuiltinName)
		if f[3] != project && !legacy { // another project's
			continue
		}
		out = append(out, Orphan{Name: f[0], State: f[1], Builder: f[2], Engine: e.String(), engine: e})
	}
	return out, nil
}

// Busy reports whether the orphan's daemon is building for some run (a
// running container is not necessarily in use: builder containers keep
// running between runs).
func (o Orphan) Busy(ctx context.Context) bool {
	if o.State != "running" {
		return false
	}
	c := &Container{name: o.Builder, engine: o.engine}
	return c.busy(ctx, o.Name)
}

// Remove removes the orphan's container and its state volume.
func (o Orphan) Remove(ctx context.Context) error {
	c := &Container{name: o.Builder, engine: o.engine}
	return c.removeContainer(ctx, o.Name, false)
}
