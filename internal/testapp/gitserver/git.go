package gitserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The identity every commit is made with, as author and committer.
const (
	AuthorName  = "Tester"
	AuthorEmail = "tester@example.com"
	// Author is the identity as a log shows it.
	Author = AuthorName + " <" + AuthorEmail + ">"
)

// Branch is the branch every repository starts on.
const Branch = "main"

// commandTimeout ends a git command that hangs, such as one waiting on a
// server that never answers.
const commandTimeout = 2 * time.Minute

// environ is a hermetic environment for git: a HOME of its own, no
// system or global configuration, no prompt for credentials, the fixed
// identity, and main as every new repository's branch.
func environ(tb testing.TB) []string {
	tb.Helper()
	return []string{
		"HOME=" + tb.TempDir(),
		"PATH=" + os.Getenv("PATH"),
		"LC_ALL=C",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=" + AuthorName,
		"GIT_AUTHOR_EMAIL=" + AuthorEmail,
		"GIT_COMMITTER_NAME=" + AuthorName,
		"GIT_COMMITTER_EMAIL=" + AuthorEmail,
		"GIT_CONFIG_COUNT=2",
		"GIT_CONFIG_KEY_0=init.defaultBranch", "GIT_CONFIG_VALUE_0=" + Branch,
		"GIT_CONFIG_KEY_1=commit.gpgSign", "GIT_CONFIG_VALUE_1=false",
	}
}

// git runs git with args in dir (the current directory when "") and
// returns its standard output; a failure ends the test.
func git(tb testing.TB, env []string, dir string, args ...string) string {
	tb.Helper()
	out, err := run(env, dir, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// run runs git with args in dir and returns its standard output, or an
// error naming the command and holding all it printed.
func run(env []string, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var stdout bytes.Buffer
	var all lockedBuffer
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, &all), &all
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("running git: the tests need the git CLI: %w", err)
		}
		return stdout.String(), &commandError{args: args, dir: dir, output: all.String(), err: err}
	}
	return stdout.String(), nil
}

// commandError is a git command that failed, with everything it printed.
type commandError struct {
	args   []string
	dir    string
	output string
	err    error
}

func (e *commandError) Error() string {
	where := ""
	if e.dir != "" {
		where = " (in " + e.dir + ")"
	}
	return fmt.Sprintf("git %s%s: %v\n%s", strings.Join(e.args, " "), where, e.err, e.output)
}

func (e *commandError) Unwrap() error { return e.err }

// exitCode is the status git exited with, or -1 when err is not an exit.
func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

// lockedBuffer takes the writes of standard output and standard error,
// which come from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkPath ends the test unless p is a clean slash path inside a tree.
func checkPath(tb testing.TB, p string) {
	tb.Helper()
	if !fs.ValidPath(p) || p == "." {
		tb.Fatalf("path %q: want a clean slash path inside the repository", p)
	}
}

// inTree is the file at the slash path p under root.
func inTree(tb testing.TB, root, p string) string {
	tb.Helper()
	checkPath(tb, p)
	return filepath.Join(root, filepath.FromSlash(p))
}

// writeFile writes content to the slash path p under root, making its
// directories.
func writeFile(tb testing.TB, root, p, content string) {
	tb.Helper()
	f := inTree(tb, root, p)
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
