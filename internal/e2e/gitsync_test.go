package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// TestGitSyncAppliesAConfigRepository follows a repository served over
// HTTP with basic auth: apps appear, change, break and go as commits
// say.
func TestGitSyncAppliesAConfigRepository(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	url := bare.Serve(t, "deployer", "s3cret-pass")
	pass := filepath.Join(t.TempDir(), "git-password")
	if err := os.WriteFile(pass, []byte("s3cret-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	work := gitserver.Clone(t, strings.Replace(url, "http://", "http://deployer:s3cret-pass@", 1))
	e := newGitEnv(t, bare, work, gitSourceConfig(t, url, "    auth: {username: deployer, password_file: "+pass+"}\n"))
	builder := testapp.NewBuilder(t.TempDir())
	e.push(builder, "v1", "v2")

	e.commit("two apps", map[string]string{
		"apps/a/compose.yaml": e.compose("a", "v1", 1, ""),
		"apps/b/compose.yaml": e.compose("b", "v1", 1, ""),
		"README.yaml":         "title: not an app\n",
	})
	e.sync(true)
	e.serves("a", "v1")
	e.serves("b", "v1")
	st := e.source()
	if len(st.Apps) != 2 || st.Applied != bare.Head(t) {
		t.Fatalf("source status %+v, want two apps applied at %s", st, bare.Head(t))
	}
	if !slices.ContainsFunc(st.Notes, func(n string) bool { return strings.Contains(n, "README.yaml") }) {
		t.Errorf("notes %q do not say README.yaml was ignored", st.Notes)
	}
	if h := e.history("a"); !strings.HasPrefix(h[0].Source, "config@") || h[0].Actor != "git:config" {
		t.Errorf("revision %+v does not say it came from git", h[0])
	}
	short := bare.Head(t)[:7]
	if out, code := e.cli("history", e.app("a")); code != 0 || !strings.Contains(out, "from config@"+short) {
		t.Errorf("berth history does not name the commit %s (%d):\n%s", short, code, out)
	}
	out, code := e.cli("source", "status", "config")
	for _, want := range []string{e.app("a"), e.app("b"), "Ready", short, "README.yaml"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("berth source status (%d) lacks %q:\n%s", code, want, out)
		}
	}
	t.Logf("berth source status config:\n%s", out)

	t.Run("a replica count edited in git is applied", func(t *testing.T) {
		e.commit("two of a", map[string]string{"apps/a/compose.yaml": e.compose("a", "v1", 2, "")})
		e.sync(true)
		if n := e.replicas("a"); n != 2 {
			t.Fatalf("a runs %d replicas, want 2", n)
		}
	})
	t.Run("another sync of the same commit changes nothing", func(t *testing.T) {
		before := len(e.history("a"))
		e.sync(true)
		if after := len(e.history("a")); after != before {
			t.Fatalf("a has %d revisions after a sync of nothing new, had %d", after, before)
		}
	})
	t.Run("an app whose file is deleted is removed", func(t *testing.T) {
		e.commit("no more b", map[string]string{"apps/b/compose.yaml": ""})
		e.sync(true)
		if n := e.replicas("b"); n != 0 {
			t.Fatalf("b still runs %d containers", n)
		}
		var v any
		if code := e.getJSON("/api/apps/"+e.app("b"), &v); code != 404 {
			t.Fatalf("GET b: %d, want 404", code)
		}
	})
	t.Run("a broken file stalls its app only", func(t *testing.T) {
		broken := strings.Replace(e.compose("a", "v2", 2, ""), "    stop_grace_period: 2s\n", "    stop_grace_period: 2s\n    bogus_key: 1\n", 1)
		e.commit("break a, bring b back on v2", map[string]string{
			"apps/a/compose.yaml": broken,
			"apps/b/compose.yaml": e.compose("b", "v2", 1, ""),
		})
		out := e.sync(false)
		if !strings.Contains(out, "apps/a/compose.yaml:") || !strings.Contains(out, "bogus_key") {
			t.Errorf("berth sync does not name the file, line and key:\n%s", out)
		}
		e.serves("b", "v2")
		e.serves("a", "v1")
		if n := e.replicas("a"); n != 2 {
			t.Fatalf("a runs %d replicas, want the 2 it ran", n)
		}
		st := e.source()
		var stalled string
		for _, a := range st.Apps {
			if a.App == e.app("a") {
				stalled = a.Stalled
			}
		}
		if !strings.Contains(stalled, "apps/a/compose.yaml:") {
			t.Errorf("status of a: %q, want it stalled with file and line", stalled)
		}
		if ready := st.Conditions[0]; ready.Type != "Ready" || ready.Status {
			t.Errorf("Ready condition %+v, want false", ready)
		}
	})
	t.Run("a container removed by hand is brought back and recorded", func(t *testing.T) {
		e.commit("fix a", map[string]string{"apps/a/compose.yaml": e.compose("a", "v1", 2, "")})
		e.sync(true)
		drift(t, e, "a", 2)
	})
	t.Run("a push webhook without a secret is refused", func(t *testing.T) {
		res, err := httpPost(e.b.url("/api/hooks/git/config"), `{"ref":"refs/heads/main"}`)
		if err != nil {
			t.Fatal(err)
		}
		if res != 403 {
			t.Fatalf("webhook: %d, want 403 (the source has no secret)", res)
		}
	})
}

// drift removes, stops and starts by hand containers of app short, which
// runs want replicas, and checks that each is corrected and recorded.
func drift(t *testing.T, e *gitEnv, short string, want int) {
	t.Helper()
	ids := func() []string {
		out := run(t, "docker", "ps", "-q", "--filter", "label=berth.app="+e.app(short), "--filter", "status=running")
		return strings.Fields(out)
	}
	records := func() int {
		n := 0
		for _, r := range e.history(short) {
			if r.Outcome == "drift-corrected" {
				n++
			}
		}
		return n
	}
	before := records()
	run(t, "docker", "rm", "-f", ids()[0])
	e.eventually("a replica removed by hand is replaced", func() bool { return len(ids()) == want && records() > before })
	before = records()
	run(t, "docker", "stop", "-t", "1", ids()[0])
	e.eventually("a replica stopped by hand is replaced", func() bool { return len(ids()) == want && records() > before })
	before = records()
	labels := run(t, "docker", "inspect", "--format", `{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{"\n"}}{{end}}`, ids()[0])
	image := strings.TrimSpace(run(t, "docker", "inspect", "--format", "{{.Config.Image}}", ids()[0]))
	args := []string{"run", "-d", "--name", "by-hand-" + e.run}
	for l := range strings.Lines(labels) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "berth.index=") {
			args = append(args, "--label", l)
		}
	}
	args = append(args, "--label", "berth.index=9", image)
	run(t, "docker", args...)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", "by-hand-"+e.run).Run() })
	e.eventually("a container started by hand with berth's labels is removed", func() bool {
		return len(ids()) == want && records() > before
	})
	// A replica run again by hand under its own name and labels, with
	// another configuration.
	before = records()
	victim := ids()[0]
	name := strings.TrimPrefix(strings.TrimSpace(run(t, "docker", "inspect", "--format", "{{.Name}}", victim)), "/")
	labels = run(t, "docker", "inspect", "--format", `{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{"\n"}}{{end}}`, victim)
	run(t, "docker", "rm", "-f", victim)
	args = []string{"run", "-d", "--name", name, "-e", "CHANGED_BY_HAND=1", "--label", "berth.test.by-hand=1"}
	for l := range strings.Lines(labels) {
		if l = strings.TrimSpace(l); l != "" {
			args = append(args, "--label", l)
		}
	}
	// The name may be taken again already, by berth's replacement: then
	// there is nothing of the person's to correct.
	ranByHand := true
	if out, err := exec.Command("docker", append(args, image)...).CombinedOutput(); err != nil {
		ranByHand = false
		t.Logf("docker run by hand: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	e.eventually("a replica run again by hand with another configuration is replaced", func() bool {
		out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=berth.app="+e.app(short), "--filter", "label=berth.test.by-hand=1").Output()
		return len(ids()) == want && records() > before && strings.TrimSpace(string(out)) == ""
	})
	if ranByHand {
		e.eventually("the replacement is logged as such", func() bool {
			return strings.Contains(e.b.output(), name+" was not started by berth")
		})
	}
}
