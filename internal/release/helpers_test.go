package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testRepo is a git repository in a temporary directory, driven by the
// git CLI with no user or system configuration.
type testRepo struct {
	tb  testing.TB
	dir string
	env []string
}

// newRepo makes a repository on branch main with one commit of README.
func newRepo(tb testing.TB) *testRepo {
	tb.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		tb.Skip("git is not installed")
	}
	dir := tb.TempDir()
	env := []string{
		"HOME=" + tb.TempDir(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=2024-03-05T06:07:08+02:00", "GIT_COMMITTER_DATE=2024-03-05T06:07:08+02:00",
		"PATH=" + os.Getenv("PATH"),
	}
	r := &testRepo{tb: tb, dir: dir, env: env}
	r.git("init", "-q", "-b", "main")
	r.git("config", "user.name", "Test")
	r.git("config", "user.email", "test@example.com")
	r.git("config", "tag.gpgSign", "false")
	r.git("config", "commit.gpgSign", "false")
	r.write("README", "hello\n")
	r.commit("first")
	return r
}

// git runs git in the repository and returns its trimmed output.
func (r *testRepo) git(args ...string) string {
	r.tb.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// write writes a file of the work tree, making its directory.
func (r *testRepo) write(name, content string) {
	r.tb.Helper()
	path := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		r.tb.Fatal(err)
	}
}

// commit commits everything and returns the commit hash.
func (r *testRepo) commit(msg string) string {
	r.tb.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// compute runs Compute on the repository with env as the environment.
func (r *testRepo) compute(opts Options, existing ...string) (Result, error) {
	r.tb.Helper()
	return Compute(r.dir, opts, existing)
}

// mustCompute is compute failing the test on an error.
func (r *testRepo) mustCompute(opts Options, existing ...string) Result {
	r.tb.Helper()
	res, err := r.compute(opts, existing...)
	if err != nil {
		r.tb.Fatalf("Compute: %v", err)
	}
	return res
}

// envOf is an Options.Env holding vars.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}
