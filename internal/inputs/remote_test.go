package inputs

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestBaseImages(t *testing.T) {
	cases := []struct {
		name, dockerfile string
		args             map[string]string
		named            map[string]bool
		platforms        []string
		want             []string
	}{
		{name: "plain", dockerfile: "FROM alpine:3.20\nRUN true\n", want: []string{"alpine:3.20"}},
		{name: "scratch and stages", dockerfile: "FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /x /\nFROM build AS again\n",
			want: []string{"golang:1.22"}},
		{name: "stage names ignore case", dockerfile: "FROM alpine AS Base\nFROM base\n", want: []string{"alpine"}},
		{name: "meta args and their defaults", dockerfile: "ARG GO=1.21\nARG REG=docker.io\nFROM ${REG}/library/golang:${GO}\n",
			args: map[string]string{"GO": "1.22"}, want: []string{"docker.io/library/golang:1.22"}},
		{name: "an arg without a value leaves the FROM out", dockerfile: "ARG V\nFROM alpine:$V\nFROM debian\n", want: []string{"debian"}},
		{name: "per platform", dockerfile: "FROM example.com/base-${TARGETARCH}:1\n", platforms: []string{"linux/amd64", "linux/arm64"},
			want: []string{"example.com/base-amd64:1", "example.com/base-arm64:1"}},
		{name: "build platform is the machine's", dockerfile: "FROM --platform=$BUILDPLATFORM golang:1.22\nFROM tool-$BUILDARCH\n",
			want: []string{"golang:1.22"}},
		{name: "a named context replaces the image", dockerfile: "FROM base\nFROM alpine\n", named: map[string]bool{"base": true},
			want: []string{"alpine"}},
		{name: "syntax frontend", dockerfile: "# syntax=docker/dockerfile:1.7\nFROM alpine\n", want: []string{"docker/dockerfile:1.7", "alpine"}},
		{name: "does not parse", dockerfile: "FROM alpine\nRUN <<EOF\n", want: nil},
	}
	for _, c := range cases {
		got := BaseImages([]byte(c.dockerfile), c.args, c.named, c.platforms)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPickCommit(t *testing.T) {
	listing := "aaaa\trefs/heads/v1\nbbbb\trefs/tags/v1\ncccc\trefs/tags/v1^{}\n"
	if got, _ := pickCommit(listing, "v1"); got != "cccc" {
		t.Errorf("an annotated tag's commit is its ^{} line: got %q", got)
	}
	if got, _ := pickCommit("dddd\tHEAD\neeee\trefs/heads/main\n", "HEAD"); got != "dddd" {
		t.Errorf("HEAD: got %q", got)
	}
	if _, err := pickCommit("", "main"); err == nil {
		t.Error("a missing ref must be an error")
	}
}

func TestFold(t *testing.T) {
	img := Remote{Kind: RemoteImage, Ref: "example.com/base:1"}
	resolved := map[Remote]Resolved{img: {ID: "sha256:1"}}
	// Nothing remote and parents as planned: the digest stays, so the
	// records of earlier runs stay valid.
	if got, _ := Fold("sha256:d", nil, resolved, []ParentDigest{{"p", "p"}}); got != "sha256:d" {
		t.Errorf("no remote inputs: %q", got)
	}
	one, _ := Fold("sha256:d", []Remote{img}, resolved, nil)
	if one == "" || one == "sha256:d" {
		t.Fatalf("a remote input must change the digest: %q", one)
	}
	resolved[img] = Resolved{ID: "sha256:2"}
	if two, _ := Fold("sha256:d", []Remote{img}, resolved, nil); two == one || two == "" {
		t.Errorf("a moved image must change the digest: %q, %q", one, two)
	}
	if got, _ := Fold("sha256:d", nil, resolved, []ParentDigest{{"p", "q"}}); got == "sha256:d" || got == "" {
		t.Errorf("a parent whose folded digest changed must change its user's: %q", got)
	}
	if got, _ := Fold("sha256:d", nil, resolved, []ParentDigest{{"p", ""}}); got != "" {
		t.Errorf("a parent always built makes its user always built: %q", got)
	}
	resolved[img] = Resolved{Err: errors.New("connection refused")}
	if got, err := Fold("sha256:d", []Remote{img}, resolved, nil); got != "" || err == nil {
		t.Errorf("an input that cannot be looked up: %q, %v; want a build and a reason", got, err)
	}
}

func TestResolveLooksUpEachReferenceOnce(t *testing.T) {
	pinned := Remote{Kind: RemoteImage, Ref: "example.com/a@sha256:0000000000000000000000000000000000000000000000000000000000000000"}
	url := Remote{Kind: RemoteURL, Ref: "https://example.com/ctx.tar.gz"}
	got := Resolve(context.Background(), []Remote{pinned, pinned, url})
	if len(got) != 2 {
		t.Fatalf("%d answers for 2 distinct inputs", len(got))
	}
	if got[pinned].ID != "sha256:0000000000000000000000000000000000000000000000000000000000000000" {
		t.Errorf("a pinned image is its digest, without asking: %+v", got[pinned])
	}
	if got[url].Err == nil {
		t.Error("what a URL serves cannot be known: it must be an error, so the target is built")
	}
}
