package gitserver

import (
	"os"
	"strings"
	"testing"
)

// Work is a working clone, in which a test commits and pushes as a
// person would.
type Work struct {
	// Dir is the work tree.
	Dir string

	env []string
}

// Clone makes a working clone of the repository in tb.TempDir(), on main.
func (r *Repo) Clone(tb testing.TB) *Work {
	tb.Helper()
	return Clone(tb, r.URL)
}

// Clone makes a working clone of the repository at url in tb.TempDir(),
// on the branch the remote's HEAD names, with user.name and user.email
// set. Credentials for a server from Serve go in the URL, as in
// http://user:password@127.0.0.1:port/repo.git.
func Clone(tb testing.TB, url string) *Work {
	tb.Helper()
	w := &Work{Dir: tb.TempDir(), env: environ(tb)}
	git(tb, w.env, "", "clone", "-q", "-c", "user.name="+AuthorName, "-c", "user.email="+AuthorEmail, url, w.Dir)
	return w
}

// Git runs git with args in the work tree and returns its standard
// output without the final newline, for what the other methods do not
// ask.
func (w *Work) Git(tb testing.TB, args ...string) string {
	tb.Helper()
	return strings.TrimRight(git(tb, w.env, w.Dir, args...), "\n")
}

// Write writes content to the file at the slash path p, making its
// directories.
func (w *Work) Write(tb testing.TB, p, content string) {
	tb.Helper()
	writeFile(tb, w.Dir, p, content)
}

// Remove removes the file or directory at the slash path p, which must
// be there.
func (w *Work) Remove(tb testing.TB, p string) {
	tb.Helper()
	f := inTree(tb, w.Dir, p)
	if _, err := os.Lstat(f); err != nil {
		tb.Fatal(err)
	}
	if err := os.RemoveAll(f); err != nil {
		tb.Fatal(err)
	}
}

// Commit commits every change in the work tree (git add -A), even none,
// with message, and returns the commit's hash.
func (w *Work) Commit(tb testing.TB, message string) string {
	tb.Helper()
	w.Git(tb, "add", "-A")
	w.Git(tb, "commit", "-q", "--allow-empty", "-m", message)
	return w.Git(tb, "rev-parse", "HEAD")
}

// Push pushes main to origin.
func (w *Work) Push(tb testing.TB) {
	tb.Helper()
	w.Git(tb, "push", "-q", "origin", Branch)
}

// Pull fetches origin and resets the current branch and the work tree
// hard to origin's main, dropping what was not pushed.
func (w *Work) Pull(tb testing.TB) {
	tb.Helper()
	w.Git(tb, "fetch", "-q", "origin")
	w.Git(tb, "reset", "-q", "--hard", "origin/"+Branch)
}
