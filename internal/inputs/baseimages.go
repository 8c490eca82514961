package inputs

import (
	"bytes"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// BaseImages lists the images a Dockerfile pulls: each FROM that names
// no earlier stage, no named context (which replaces it) and not
// scratch, with its variables expanded as the frontend expands them:
// the ARGs before the first FROM, overridden by args, and for each of
// platforms the TARGET* args. A FROM that still names a variable with
// no value (BUILDPLATFORM, an ARG without a default) is left out: what
// it pulls is decided on the build machine. The image of a "# syntax="
// line is listed too. A Dockerfile that does not parse has none; the
// build reports it.
func BaseImages(dockerfile []byte, args map[string]string, namedContexts map[string]bool, platforms []string) []string {
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil
	}
	var out []string
	add := func(ref string) {
		if ref != "" && !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	if syntax, _, _, ok := parser.DetectSyntax(dockerfile); ok {
		add(syntax)
	}
	lex := shell.NewLex(res.EscapeToken)
	envs := platformEnvs(platforms)
	stages := map[string]bool{}
	seenFrom := false
	for _, node := range res.AST.Children {
		switch {
		case strings.EqualFold(node.Value, "arg") && !seenFrom:
			for n := node.Next; n != nil; n = n.Next {
				k, v, hasDefault := strings.Cut(n.Value, "=")
				if given, ok := args[k]; ok {
					v, hasDefault = given, true
				} else if hasDefault {
					v, _, _ = lex.ProcessWord(v, envs[0])
				}
				for _, env := range envs {
					if hasDefault {
						env[k] = v
					}
				}
			}
		case strings.EqualFold(node.Value, "from") && node.Next != nil:
			seenFrom = true
			for _, env := range envs {
				r, err := lex.ProcessWordWithMatches(node.Next.Value, env)
				if err != nil || len(r.Unmatched) > 0 {
					continue
				}
				if !stages[strings.ToLower(r.Result)] && !namedContexts[r.Result] && !strings.EqualFold(r.Result, "scratch") {
					add(r.Result)
				}
			}
			if as := node.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
				stages[strings.ToLower(as.Next.Value)] = true
			}
		}
	}
	return out
}

// platformEnvs is one environment per platform, holding its TARGET*
// args; one without them when there are no platforms.
func platformEnvs(platforms []string) []mapEnv {
	if len(platforms) == 0 {
		return []mapEnv{{}}
	}
	var out []mapEnv
	for _, p := range platforms {
		parts := strings.SplitN(p, "/", 3)
		env := mapEnv{"TARGETPLATFORM": p, "TARGETOS": parts[0], "TARGETVARIANT": ""}
		if len(parts) > 1 {
			env["TARGETARCH"] = parts[1]
		}
		if len(parts) > 2 {
			env["TARGETVARIANT"] = parts[2]
		}
		out = append(out, env)
	}
	return out
}

// mapEnv is a map as the shell lexer's environment.
type mapEnv map[string]string

func (m mapEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }

func (m mapEnv) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
