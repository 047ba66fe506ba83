package gitserver

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Repo is a bare repository on disk.
type Repo struct {
	// Dir is the bare repository's directory; its last element is Name.
	Dir string
	// URL is the repository's file:// URL.
	URL string
	// Name is "repo.git", the repository's path on a server from Handler.
	Name string

	env []string
}

// Commit is a commit as Log reads it.
type Commit struct {
	Hash    string
	Subject string
	// Body is the message after the subject and the blank line, without
	// its final newline.
	Body string
	// Author is "Name <email>".
	Author string
}

// Bare makes a bare repository in tb.TempDir() whose branch main holds
// files (slash path to content; directories are made as needed) in one
// first commit, with the message "first". With no files the commit
// holds a README.md.
func Bare(tb testing.TB, files map[string]string) *Repo {
	tb.Helper()
	r := &Repo{Dir: filepath.Join(tb.TempDir(), "repo.git"), Name: "repo.git", env: environ(tb)}
	r.URL = "file://" + filepath.ToSlash(r.Dir)
	git(tb, r.env, "", "init", "-q", "--bare", "-b", Branch, r.Dir)
	if len(files) == 0 {
		files = map[string]string{"README.md": "A repository for tests.\n"}
	}
	tree := tb.TempDir()
	for p, content := range files {
		writeFile(tb, tree, p, content)
	}
	// The first commit goes from tree straight into the bare repository,
	// through an index of its own, with no clone to push from.
	env := append(slices.Clip(r.env), "GIT_INDEX_FILE="+filepath.Join(tb.TempDir(), "index"))
	git(tb, env, "", "--git-dir="+r.Dir, "--work-tree="+tree, "add", "-A")
	git(tb, env, "", "--git-dir="+r.Dir, "--work-tree="+tree, "commit", "-q", "-m", "first")
	return r
}

// Git runs git with args in the bare repository and returns its standard
// output without the final newline, for what the other methods do not
// ask.
func (r *Repo) Git(tb testing.TB, args ...string) string {
	tb.Helper()
	return strings.TrimRight(git(tb, r.env, r.Dir, args...), "\n")
}

// Head is the hash of main.
func (r *Repo) Head(tb testing.TB) string {
	tb.Helper()
	return r.Git(tb, "rev-parse", "--verify", "refs/heads/"+Branch)
}

// Show is the content of the file at the slash path p on main, and false
// when main has no such file.
func (r *Repo) Show(tb testing.TB, p string) (string, bool) {
	tb.Helper()
	return r.ShowAt(tb, "refs/heads/"+Branch, p)
}

// ShowAt is the content of the file at the slash path p in the commit
// rev, and false when the commit has no such file.
func (r *Repo) ShowAt(tb testing.TB, rev, p string) (string, bool) {
	tb.Helper()
	checkPath(tb, p)
	object := rev + ":" + p
	out, err := run(r.env, r.Dir, "cat-file", "blob", object)
	if err == nil {
		return out, true
	}
	// rev-parse --quiet says nothing and exits 1 for a missing object
	// only; for a directory it succeeds, and cat-file's error stands.
	if _, missing := run(r.env, r.Dir, "rev-parse", "--verify", "--quiet", object); exitCode(missing) == 1 {
		return "", false
	}
	tb.Fatal(err)
	return "", false
}

// Log is the last n commits on main, newest first; all of them when n
// is 0 or less.
func (r *Repo) Log(tb testing.TB, n int) []Commit {
	tb.Helper()
	args := []string{"log", "--format=%H%x00%an <%ae>%x00%s%x00%b%x1e"}
	if n > 0 {
		args = append(args, "-n", strconv.Itoa(n))
	}
	out := git(tb, r.env, r.Dir, append(args, "refs/heads/"+Branch)...)
	var log []Commit
	for _, record := range strings.Split(out, "\x1e") {
		record = strings.TrimPrefix(record, "\n")
		if record == "" {
			continue
		}
		f := strings.SplitN(record, "\x00", 4)
		if len(f) != 4 {
			tb.Fatalf("git log printed a record %q", record)
		}
		log = append(log, Commit{Hash: f[0], Author: f[1], Subject: f[2], Body: strings.TrimRight(f[3], "\n")})
	}
	return log
}

// Diff is what `git diff from to` prints: the change from the commit from
// to the commit to.
func (r *Repo) Diff(tb testing.TB, from, to string) string {
	tb.Helper()
	return git(tb, r.env, r.Dir, "diff", from, to, "--")
}
