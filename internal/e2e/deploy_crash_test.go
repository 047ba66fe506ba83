package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/testapp"
)

// TestKillDuringRollingUpdate kills berth with SIGKILL while a rolling
// update has new and old containers side by side, starts it again on the
// same data and addresses, and checks that it settles the rollout: the
// app serves one version from exactly its replicas, and no container of
// the cut-short revision is left.
func TestKillDuringRollingUpdate(t *testing.T) {
	requireDocker(t)
	dir := t.TempDir()
	b := startBerth(t, dir)
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/crash", "v1", "v2")

	e := newDeployEnv(t, b, builder, "e2e/crash")
	// A long delay between batches keeps the rollout half done for a while.
	slow := strings.Replace(e.routed("rolling", "", ""), "delay: 500ms", "delay: 20s", 1)
	fast := e.routed("rolling", "", "")
	e.deploy(e.spec("v1", fast), true)
	e.deploy(e.spec("v2", slow), true, "--detach")
	waitFor(t, "a v2 container to take traffic beside v1", func() bool {
		var v1, v2 int
		for _, c := range e.containers() {
			v1 += b2i(strings.HasPrefix(c, "1/") && strings.HasSuffix(c, "_running"))
			v2 += b2i(strings.HasPrefix(c, "2/") && strings.HasSuffix(c, "_running"))
		}
		return v1 > 0 && v2 > 0 && e.share("v2", 30) > 0
	})
	t.Logf("killing berth mid-rollout with containers %v", e.containers())
	b.kill()

	b2 := startBerth(t, dir, "--listen", b.addr, "--proxy-listen", b.proxy)
	e.b = b2
	var st deploy.AppStatus
	// The restarted berth routes to what runs at once, and converges in
	// the background: wait until it has.
	waitFor(t, "the restarted berth to settle the rollout", func() bool {
		st = e.status()
		cs := e.containers()
		return st.Rollout == nil && len(cs) == 3 && !slices.ContainsFunc(cs, func(c string) bool {
			return !strings.HasPrefix(c, "1/") || !strings.HasSuffix(c, "_running")
		})
	})
	if st.Live != 1 {
		t.Errorf("live revision after the restart is %d, want 1 (the cut-short rollout rolled back)", st.Live)
	}
	hist, _ := e.berthCmd("history", e.app)
	if !strings.Contains(hist, "rolled-back") || !strings.Contains(hist, "berth stopped during the rollout") {
		t.Errorf("history does not record the rollback:\n%s", hist)
	}
	for _, c := range e.containers() {
		if !strings.HasPrefix(c, "1/") || !strings.HasSuffix(c, "_running") {
			t.Errorf("container %s left after recovery, want only revision 1", c)
		}
	}
	e.serves("v1", 30)

	// The recovered berth still deploys: the next rollout completes.
	e.deploy(e.spec("v2", fast), true)
	e.serves("v2", 30)
}

// TestSpecErrorsChangeNothing deploys broken specs: each is refused with
// the file and the key at fault, and no container, network or revision
// appears.
func TestSpecErrorsChangeNothing(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/spec", "v1")

	cases := []struct {
		name, spec string
		want       []string
	}{
		{"unknown key", `services:
  web:
    image: {{repo}}:v1
    x-berth:
      route: {host: a.test, port: 8080}
      helth: {path: /healthz}
`, []string{"compose.yaml:7", "helth"}},
		{"bad duration", `services:
  web:
    image: {{repo}}:v1
    x-berth:
      route: {host: a.test, port: 8080}
      health: {path: /healthz, interval: 5 parsecs}
`, []string{"compose.yaml:7", "interval"}},
		{"missing image", `services:
  web:
    environment: {A: "1"}
`, []string{"compose.yaml", "web", "image"}},
		{"image not in the registry", `services:
  web:
    image: {{repo}}:v9
`, []string{"compose.yaml", "web", "v9", "not in this registry"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newDeployEnv(t, b, builder, "e2e/spec")
			body := "name: " + e.app + "\n" + strings.ReplaceAll(c.spec, "{{repo}}", e.repo)
			file := filepath.Join(e.dir, "compose.yaml")
			if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			out := e.deploy(file, false)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("the error does not name %q:\n%s", w, out)
				}
			}
			if got := e.containers(); len(got) > 0 {
				t.Errorf("containers appeared: %v", got)
			}
			if out, err := exec.Command("docker", "network", "inspect", "berth-"+e.app).CombinedOutput(); err == nil {
				t.Errorf("a network appeared: %s", out)
			}
			res, err := http.Get("http://" + b.addr + "/api/apps/" + e.app)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET /api/apps/%s answered %d, want 404: the app must not exist", e.app, res.StatusCode)
			}
		})
	}
}

// waitFor polls cond for up to two minutes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRestartKeepsTheBlueGreenSetWarm restarts berth after a blue-green
// switch: the previous set is still running and still warm, so a
// rollback switches back to the very same containers at once.
func TestRestartKeepsTheBlueGreenSetWarm(t *testing.T) {
	requireDocker(t)
	dir := t.TempDir()
	b := startBerth(t, dir)
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/warm", "v1", "v2")

	e := newDeployEnv(t, b, builder, "e2e/warm")
	bg := e.routed("blue-green", "", "      keep_previous: 5m\n")
	e.deploy(e.spec("v1", bg), true)
	e.deploy(e.spec("v2", bg), true)
	before := containerIDs(t, e.app, "1")
	if len(before) != 3 {
		t.Fatalf("revision 1 runs %d containers after the switch, want 3 kept warm", len(before))
	}
	b.stop()

	b2 := startBerth(t, dir, "--listen", b.addr, "--proxy-listen", b.proxy)
	e.b = b2
	waitFor(t, "the restarted berth to serve v2", func() bool {
		code, body, err := e.get(httpClient(), e.host)
		return err == nil && code == http.StatusOK && body == "v2"
	})
	if got := containerIDs(t, e.app, "1"); !slices.Equal(got, before) {
		t.Fatalf("revision 1 containers after the restart: %v, want the warm set %v", got, before)
	}
	l := e.startLoad()
	e.rollbackToWarm()
	l.expectClean(t, "v1", "v2")
	e.serves("v1", 20)
	if got := containerIDs(t, e.app, "1"); !slices.Equal(got, before) {
		t.Errorf("v1 serves from %v, want the containers kept warm %v", got, before)
	}
}

// containerIDs lists the running containers of app with revision label
// rev, sorted.
func containerIDs(t *testing.T, app, rev string) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--no-trunc", "--filter", "label=berth.app="+app,
		"--filter", "label=berth.revision="+rev).Output()
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(string(out))
	slices.Sort(ids)
	return ids
}
