package gitsource

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gitBin is Debian's git, which the tests drive to make and inspect
// repositories.
const gitBin = "/usr/bin/git"

// origin is a bare repository on branch main and a work tree cloned from
// it, driven by the git CLI with no user or system configuration.
type origin struct {
	tb   testing.TB
	bare string
	work string
	env  []string
	// pushed is true once main is in the bare repository.
	pushed bool
}

// newOrigin makes a bare repository and pushes files to it as its first
// commit on main.
func newOrigin(tb testing.TB, files map[string]string) *origin {
	tb.Helper()
	if _, err := os.Stat(gitBin); err != nil {
		tb.Fatalf("the tests need git at %s: %v", gitBin, err)
	}
	o := &origin{tb: tb, bare: filepath.Join(tb.TempDir(), "origin.git"), work: tb.TempDir()}
	o.env = []string{
		"HOME=" + tb.TempDir(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Tester", "GIT_AUTHOR_EMAIL=tester@example.com",
		"GIT_COMMITTER_NAME=Tester", "GIT_COMMITTER_EMAIL=tester@example.com",
		"PATH=" + os.Getenv("PATH"),
	}
	o.run("", "init", "-q", "--bare", "-b", "main", o.bare)
	o.run(o.work, "init", "-q", "-b", "main")
	o.run(o.work, "config", "commit.gpgSign", "false")
	o.run(o.work, "remote", "add", "origin", o.bare)
	o.commit(files, "first")
	return o
}

// run runs git in dir and returns its trimmed output.
func (o *origin) run(dir string, args ...string) string {
	o.tb.Helper()
	cmd := exec.Command(gitBin, args...)
	cmd.Dir = dir
	cmd.Env = o.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		o.tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// bareGit runs git in the bare repository.
func (o *origin) bareGit(args ...string) string {
	o.tb.Helper()
	return o.run(o.bare, args...)
}

// commit writes files in the work tree ("" removes one), commits them
// and pushes main; it returns the commit's hash.
func (o *origin) commit(files map[string]string, msg string) string {
	o.tb.Helper()
	if o.pushed {
		o.run(o.work, "pull", "-q", "--ff-only", "origin", "main")
	}
	for name, content := range files {
		p := filepath.Join(o.work, filepath.FromSlash(name))
		if content == "" {
			if err := os.Remove(p); err != nil {
				o.tb.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			o.tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			o.tb.Fatal(err)
		}
	}
	o.run(o.work, "add", "-A")
	o.run(o.work, "commit", "-q", "--allow-empty", "-m", msg)
	o.run(o.work, "push", "-q", "origin", "main")
	o.pushed = true
	return o.run(o.work, "rev-parse", "HEAD")
}

// tip is the hash of main in the bare repository.
func (o *origin) tip() string {
	o.tb.Helper()
	return o.bareGit("rev-parse", "main")
}

// url is the bare repository's file URL.
func (o *origin) url() string { return "file://" + o.bare }

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

// commit2 commits one file on the work tree's current branch without
// pushing; it returns the commit's hash.
func (o *origin) commit2(name, content, msg string) string {
	o.tb.Helper()
	p := filepath.Join(o.work, filepath.FromSlash(name))
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		o.tb.Fatal(err)
	}
	o.run(o.work, "commit", "-q", "-am", msg)
	return o.run(o.work, "rev-parse", "HEAD")
}
