package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// The commands the "plan" and "run" code lenses carry: the client asks
// the server to run them (workspace/executeCommand).
const (
	commandPlan = "xbake.plan"
	commandRun  = "xbake.run"
)

// commandArgs say which project's target a command is about.
type commandArgs struct {
	Dir    string   `json:"dir"`
	Files  []string `json:"files,omitempty"` // -f files; empty: the dir's defaults
	Target string   `json:"target"`
}

// codeLenses are "plan" and "run" above each target the project builds
// and each group declared in the file.
func (s *Server) codeLenses(a *analysis, path string) []codeLens {
	src, _ := a.source(path)
	buildable := a.spec.Buildable()
	out := []codeLens{}
	for _, n := range a.names(path) {
		if !n.decl || n.kind != kindTarget || (n.typ == "target" && !slices.Contains(buildable, n.name)) {
			continue
		}
		args := commandArgs{Dir: a.project.dir, Files: a.project.files, Target: n.name}
		r := rng{Start: lspPosition(src, n.rng.Start), End: lspPosition(src, n.rng.End)}
		out = append(out,
			codeLens{Range: r, Command: &command{Title: "▶ plan", Command: commandPlan, Arguments: []any{args}}},
			codeLens{Range: r, Command: &command{Title: "▶ run", Command: commandRun, Arguments: []any{args}}})
	}
	return out
}

// execute runs a code lens's command: xbake plan TARGET, its output in
// the reply and in the client's log; xbake run TARGET in the
// background, its output in the log and its outcome in a message.
func (s *Server) execute(ctx context.Context, m *message) error {
	var p struct {
		Command   string        `json:"command"`
		Arguments []commandArgs `json:"arguments"`
	}
	if err := json.Unmarshal(m.Params, &p); err != nil || len(p.Arguments) != 1 || p.Arguments[0].Target == "" {
		return s.conn.fail(m.ID, codeInvalidParams, "xbake.plan and xbake.run take one argument: {dir, files, target}")
	}
	args := p.Arguments[0]
	verb := map[string]string{commandPlan: "plan", commandRun: "run"}[p.Command]
	if verb == "" {
		return s.conn.fail(m.ID, codeInvalidParams, "unknown command "+p.Command)
	}
	cmd, err := s.command(ctx, args, verb)
	if err != nil {
		return s.conn.fail(m.ID, codeInvalidParams, err.Error())
	}
	if verb == "plan" {
		out, code := runCommand(cmd)
		s.conn.notify("window/logMessage", logMessage{Type: messageLog, Message: out})
		return s.conn.reply(m.ID, map[string]any{"exitCode": code, "output": out})
	}
	s.commands.Add(1)
	go func() {
		defer s.commands.Done()
		out, code := runCommand(cmd)
		s.conn.notify("window/logMessage", logMessage{Type: messageLog, Message: out})
		msg := logMessage{Type: messageInfo, Message: fmt.Sprintf("xbake run %s: done", args.Target)}
		if code != 0 {
			msg = logMessage{Type: messageError, Message: fmt.Sprintf("xbake run %s failed (exit %d): see the log", args.Target, code)}
		}
		s.conn.notify("window/showMessage", msg)
	}()
	return s.conn.reply(m.ID, nil)
}

// command is xbake VERB [-f FILE]... TARGET in the project's directory.
func (s *Server) command(ctx context.Context, args commandArgs, verb string) (*exec.Cmd, error) {
	exe := s.opts.Command
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	argv := []string{verb}
	for _, f := range args.Files {
		argv = append(argv, "-f", f)
	}
	if verb == "run" {
		argv = append(argv, "--progress=plain")
	}
	// "--" ends the flags: a target named like a flag stays a target.
	cmd := exec.CommandContext(ctx, exe, append(argv, "--", args.Target)...)
	cmd.Dir = args.Dir
	// When the session ends, the command is interrupted as by Ctrl-C,
	// so that xbake run cleans up; killed only if it does not stop.
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" { // no interrupt to send a process there
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = 30 * time.Second
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return cmd, nil
}

// runCommand runs cmd and returns its output (stdout, then stderr) and
// exit code.
func runCommand(cmd *exec.Cmd) (string, int) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	out := strings.Join([]string{"$ " + strings.Join(cmd.Args, " "), stdout.String(), stderr.String()}, "\n")
	if err != nil && code <= 0 {
		out += "\n" + err.Error()
		code = 1
	}
	return out, code
}

// inlayHints show, after each reference to a variable in the range, the
// value it resolves to now (primitive values, shortened): what ${TAG}
// will be without hovering it.
func (s *Server) inlayHints(a *analysis, path string, in rng) []inlayHint {
	src, _ := a.source(path)
	out := []inlayHint{}
	for _, n := range a.names(path) {
		if n.kind != kindVar || n.decl {
			continue
		}
		at := lspPosition(src, n.rng.End)
		if at.Line < in.Start.Line || at.Line > in.End.Line {
			continue
		}
		if value, ok := a.variableText(n.name); ok {
			out = append(out, inlayHint{Position: at, Label: "= " + value, PaddingLeft: true})
		}
	}
	return out
}

// variableText is a variable's primitive value as a hint shows it.
func (a *analysis) variableText(nm string) (string, bool) {
	for _, v := range a.spec.Variables {
		if v.Name != nm || !v.Value.IsWhollyKnown() || v.Value.IsNull() {
			continue
		}
		var text string
		switch v.Value.Type() {
		case cty.String:
			text = fmt.Sprintf("%q", v.Value.AsString())
		case cty.Number:
			text = v.Value.AsBigFloat().Text('g', -1)
		case cty.Bool:
			text = fmt.Sprint(v.Value.True())
		default:
			return "", false
		}
		if r := []rune(text); len(r) > 40 {
			text = string(r[:37]) + "…"
		}
		return text, true
	}
	return "", false
}
