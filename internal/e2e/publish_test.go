package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// gitRepo is a temporary git repository holding the example app, built.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	g := &gitRepo{t: t, dir: t.TempDir()}
	for _, name := range []string{"main.go", "Dockerfile", ".dockerignore", ".gitignore"} {
		data, err := os.ReadFile(filepath.Join("../../examples/hello", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(g.dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(g.dir, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", "hello", ".")
	build.Dir = g.dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the example: %v\n%s", err, out)
	}
	g.git("init", "-q", "-b", "main")
	g.git("add", ".")
	g.git("commit", "-q", "-m", "first")
	return g
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// publish runs berth publish in the repository and returns stdout,
// stderr and the exit code.
func (g *gitRepo) publish(b *berth, args ...string) (string, string, int) {
	g.t.Helper()
	cmd := exec.Command(berthBin, append([]string{"publish", "--context", g.dir, "--progress", "plain",
		"--label", "berth.test=1", "--server", "http://" + b.addr}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		g.t.Fatal(err)
	}
	return strings.TrimSpace(stdout.String()), stderr.String(), code
}

func (g *gitRepo) mustPublish(b *berth, args ...string) string {
	g.t.Helper()
	out, errOut, code := g.publish(b, args...)
	if code != 0 {
		g.t.Fatalf("berth publish %v exited %d:\n%s", args, code, errOut)
	}
	return out
}

var pinnedRef = regexp.MustCompile(`^(\S+):(\S+)@(sha256:[0-9a-f]{64})$`)

// TestPublish takes a commit to the registry the ways CI would, with the
// real Docker daemon building the example app.
func TestPublish(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	repo := b.addr + "/pub/hello"
	g := newGitRepo(t)
	sha := g.git("rev-parse", "HEAD")

	var first string
	t.Run("an untagged commit is build-<sha>", func(t *testing.T) {
		first = g.mustPublish(b, "--image", repo)
		if m := pinnedRef.FindStringSubmatch(first); m == nil || m[1] != repo || m[2] != "build-"+sha {
			t.Fatalf("publish printed %q, want %s:build-%s@sha256:...", first, repo, sha)
		}
	})

	t.Run("publishing the same commit again pushes nothing and prints the digest", func(t *testing.T) {
		again, errOut, code := g.publish(b, "--image", repo)
		if code != 0 || again != first {
			t.Fatalf("second publish: %d %q, want %q:\n%s", code, again, first, errOut)
		}
		if !strings.Contains(errOut, "0 pushed") && !strings.Contains(errOut, "skipped") {
			t.Errorf("the second publish does not say it skipped the layers:\n%s", errOut)
		}
	})

	t.Run("the printed digest pulls, with the provenance labels", func(t *testing.T) {
		m := pinnedRef.FindStringSubmatch(first)
		if m == nil {
			t.Fatalf("no pinned reference: %q", first)
		}
		run(t, "docker", "rmi", "-f", repo+":build-"+sha)
		run(t, "docker", "pull", "-q", repo+"@"+m[3])
		var labels map[string]string
		if err := json.Unmarshal([]byte(run(t, "docker", "image", "inspect", "--format", "{{json .Config.Labels}}", repo+"@"+m[3])), &labels); err != nil {
			t.Fatal(err)
		}
		if labels["org.opencontainers.image.revision"] != sha || labels["org.opencontainers.image.version"] != "build-"+sha ||
			labels["org.opencontainers.image.created"] == "" || labels["berth.test"] != "1" {
			t.Errorf("labels on the pulled image: %v", labels)
		}
	})

	t.Run("a release tag on HEAD is the tag", func(t *testing.T) {
		g.git("tag", "v1.2.3")
		if out := g.mustPublish(b, "--image", repo); !strings.HasPrefix(out, repo+":v1.2.3@sha256:") {
			t.Fatalf("publish printed %q, want %s:v1.2.3@...", out, repo)
		}
	})

	t.Run("--bump minor takes the registry's highest version", func(t *testing.T) {
		g.mustPublish(b, "--image", repo, "--tag", "v1.10.0")
		g.git("commit", "-q", "--allow-empty", "-m", "next")
		if out := g.mustPublish(b, "--image", repo, "--bump", "minor"); !strings.HasPrefix(out, repo+":v1.11.0@sha256:") {
			t.Fatalf("publish --bump minor printed %q, want %s:v1.11.0@... (numeric, not lexical, order)", out, repo)
		}
	})

	t.Run("--bump again on the same commit reuses its version", func(t *testing.T) {
		out, errOut, code := g.publish(b, "--image", repo, "--bump", "minor")
		if code != 0 || !strings.HasPrefix(out, repo+":v1.11.0@sha256:") || !strings.Contains(errOut, "published as before") {
			t.Fatalf("a second publish --bump minor: exit %d, printed %q, want %s:v1.11.0@... and why:\n%s", code, out, repo, errOut)
		}
	})

	t.Run("a dirty work tree is refused", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(g.dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer g.git("checkout", "--", "main.go")
		out, errOut, code := g.publish(b, "--image", repo, "--tag", "v9.9.9")
		if code == 0 || out != "" || !strings.Contains(errOut, "main.go") || !strings.Contains(errOut, "--allow-dirty") {
			t.Fatalf("dirty publish: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
		tags := run(t, "curl", "-s", b.url("/v2/pub/hello/tags/list"))
		if strings.Contains(tags, "v9.9.9") {
			t.Errorf("a refused publish pushed: %s", tags)
		}
	})

	t.Run("a floating tag is refused with the reason", func(t *testing.T) {
		out, errOut, code := g.publish(b, "--image", repo, "--tag", "latest")
		if code == 0 || out != "" || !strings.Contains(errOut, "--allow-floating") {
			t.Fatalf("publish --tag latest: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("--output json says what was pushed", func(t *testing.T) {
		out := g.mustPublish(b, "--image", repo, "--output", "json")
		var res struct {
			Reference, Tag, Digest, Commit, TagFrom string
			Labels                                  map[string]string
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if res.Commit != g.git("rev-parse", "HEAD") || res.TagFrom != "build" || !strings.HasSuffix(res.Reference, "@"+res.Digest) {
			t.Errorf("json result: %+v", res)
		}
	})

	t.Run("--deploy rolls the new digest out and waits", func(t *testing.T) {
		app := "pub-" + randomSuffix(t)
		t.Cleanup(func() {
			_ = exec.Command(berthBin, "remove", app, "--yes", "--server", "http://"+b.addr).Run()
			out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=berth.app="+app).Output()
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
			}
		})
		spec := filepath.Join(t.TempDir(), "compose.yaml")
		body := "name: " + app + "\nservices:\n  web:\n    image: " + repo + ":v1.2.3\n" +
			"    x-berth:\n      route: {host: " + app + ".test, port: 8080}\n      health: {path: /healthz, interval: 300ms}\n"
		if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := g.publish(b, "--image", repo, "--deploy", spec)
		if code != 0 || !pinnedRef.MatchString(out) {
			t.Fatalf("publish --deploy: exit %d, stdout %q:\n%s", code, out, errOut)
		}
		if !strings.Contains(errOut, "revision 1 is live") {
			t.Errorf("the rollout was not followed:\n%s", errOut)
		}
		var st struct{ Services []struct{ Digest string } }
		if err := json.Unmarshal([]byte(run(t, "curl", "-s", b.url("/api/apps/"+app))), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Services) != 1 || !strings.HasSuffix(out, "@"+st.Services[0].Digest) {
			t.Errorf("the app runs %+v, want the published %s", st.Services, out)
		}
	})
}
