package gitsource

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// origin is a bare repository on branch main, made by gitserver, and a
// clone of it in which the tests commit as a person would. Its methods
// end tb's test when git fails.
type origin struct {
	*gitserver.Repo
	tb    testing.TB
	clone *gitserver.Work
	// bare is the bare repository's directory, work the clone's.
	bare, work string
}

// newOrigin makes a bare repository whose main holds files in its first
// commit, and a clone of it.
func newOrigin(tb testing.TB, files map[string]string) *origin {
	tb.Helper()
	repo := gitserver.Bare(tb, files)
	clone := repo.Clone(tb)
	return &origin{Repo: repo, tb: tb, clone: clone, bare: repo.Dir, work: clone.Dir}
}

// run runs git in dir, which is o.bare or o.work, and returns its output
// without the final newline.
func (o *origin) run(dir string, args ...string) string {
	o.tb.Helper()
	switch dir {
	case o.bare:
		return o.Git(o.tb, args...)
	case o.work:
		return o.clone.Git(o.tb, args...)
	}
	o.tb.Fatalf("git %q in %s, which is neither the origin nor its clone", args, dir)
	return ""
}

// bareGit runs git in the bare repository.
func (o *origin) bareGit(args ...string) string {
	o.tb.Helper()
	return o.Git(o.tb, args...)
}

// commit brings the clone up to main, writes files in it ("" removes
// one), commits them and pushes main; it returns the commit's hash. A
// change made in the work tree beforehand, such as a mode or a link, is
// committed with them.
func (o *origin) commit(files map[string]string, msg string) string {
	o.tb.Helper()
	o.clone.Git(o.tb, "pull", "-q", "--ff-only", "origin", gitserver.Branch)
	for name, content := range files {
		if content == "" {
			o.clone.Remove(o.tb, name)
			continue
		}
		o.clone.Write(o.tb, name, content)
	}
	h := o.clone.Commit(o.tb, msg)
	o.clone.Push(o.tb)
	return h
}

// commit2 commits one file on the clone's current branch without
// pushing; it returns the commit's hash.
func (o *origin) commit2(name, content, msg string) string {
	o.tb.Helper()
	o.clone.Write(o.tb, name, content)
	return o.clone.Commit(o.tb, msg)
}

// tip is the hash of main in the bare repository.
func (o *origin) tip() string {
	o.tb.Helper()
	return o.Head(o.tb)
}

// url is the bare repository's file URL.
func (o *origin) url() string { return o.URL }

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testContext(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// open opens cfg in a new directory, failing the test on an error.
func open(tb testing.TB, cfg Config) *Repo {
	tb.Helper()
	r, err := Open(testContext(tb), filepath.Join(tb.TempDir(), "source"), cfg, discard())
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return r
}

// paths lists the paths of files.
func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}
