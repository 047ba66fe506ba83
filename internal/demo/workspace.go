package demo

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/berth-dev/berth/examples"
)

// exampleFiles are what the demo copies out of the example directory.
var exampleFiles = []string{"main.go", "Dockerfile", ".dockerignore", ".gitignore", "compose.yaml"}

// workspace is the example app in a throwaway git repository.
type workspace struct {
	dir  string
	repo *git.Repository
}

// exampleFS is the example in directory dir, or the one built into
// berth when dir is "".
func exampleFS(dir string) (fs.FS, error) {
	if dir != "" {
		return os.DirFS(dir), nil
	}
	return fs.Sub(examples.Hello, "hello")
}

// newWorkspace copies the example (a directory, or "" for the one
// built in) into dir/hello and makes it a git repository of its own, as
// a user's project would be.
func newWorkspace(example, dir string) (*workspace, error) {
	w := &workspace{dir: filepath.Join(dir, "hello")}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, err
	}
	src, err := exampleFS(example)
	if err != nil {
		return nil, fmt.Errorf("reading the example: %w", err)
	}
	for _, name := range exampleFiles {
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, fmt.Errorf("reading the example: %w", err)
		}
		if err := os.WriteFile(filepath.Join(w.dir, name), data, 0o644); err != nil {
			return nil, err
		}
	}
	// The example builds on its own, outside berth's module.
	if err := os.WriteFile(filepath.Join(w.dir, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644); err != nil {
		return nil, err
	}
	repo, err := git.PlainInit(w.dir, false)
	if err != nil {
		return nil, fmt.Errorf("creating the demo's git repository: %w", err)
	}
	w.repo = repo
	return w, nil
}

// build compiles the app into the build context as a static binary, which
// is all its FROM scratch image needs.
func (w *workspace) build(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", "hello", ".")
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// commitAndTag commits everything and tags the commit.
func (w *workspace) commitAndTag(msg, tag string) (string, error) {
	wt, err := w.repo.Worktree()
	if err != nil {
		return "", err
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return "", fmt.Errorf("git add: %w", err)
	}
	sig := &object.Signature{Name: "berth demo", Email: "demo@berth.invalid", When: time.Now()}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		return "", fmt.Errorf("git commit: %w", err)
	}
	if _, err := w.repo.CreateTag(tag, h, nil); err != nil {
		return "", fmt.Errorf("git tag %s: %w", tag, err)
	}
	return h.String(), nil
}

// setGreeting changes what the app says, as the change that makes
// version two.
func (w *workspace) setGreeting(greeting string) error {
	p := filepath.Join(w.dir, "main.go")
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	const decl = `const greeting = "`
	i := strings.Index(string(data), decl)
	if i < 0 {
		return fmt.Errorf("%s has no greeting constant to change", p)
	}
	end := strings.IndexByte(string(data[i+len(decl):]), '"')
	out := string(data[:i+len(decl)]) + greeting + string(data[i+len(decl)+end:])
	return os.WriteFile(p, []byte(out), 0o644)
}
