package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// gitEnv is a berth following a config repository made by the test.
type gitEnv struct {
	t      testing.TB
	b      *berth
	bare   *gitserver.Repo
	work   *gitserver.Work
	data   string
	config string
	run    string // a suffix of the test's own, in app names
	repo   string // the test app's repository in berth's registry
	apps   []string
	staged map[string]string // version -> image, by stage
}

// gitSourceConfig is berth.yaml with one source named config.
func gitSourceConfig(t testing.TB, url, auth string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "berth.yaml")
	body := fmt.Sprintf("sources:\n  - name: config\n    url: %s\n    interval: 1h\n%s", url, auth)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// newGitEnv starts berth with source config following url, whose
// working clone is work.
func newGitEnv(t testing.TB, bare *gitserver.Repo, work *gitserver.Work, config string) *gitEnv {
	t.Helper()
	requireDocker(t)
	requireTool(t, "git")
	e := &gitEnv{t: t, bare: bare, work: work, data: t.TempDir(), config: config, run: randomSuffix(t)}
	e.b = startBerth(t, e.data, "--config", config)
	e.repo = e.b.addr + "/e2e/git-" + e.run
	t.Cleanup(e.removeApps)
	return e
}

// restart starts berth again on the same data and address, after a
// kill or stop: the images in git name the registry by its address.
func (e *gitEnv) restart() {
	e.t.Helper()
	e.b = startBerth(e.t, e.data, "--config", e.config, "--listen", e.b.addr)
}

// app is the name of the test's app called short.
func (e *gitEnv) app(short string) string { return "git-" + short + "-" + e.run }

// host is the route host of app short.
func (e *gitEnv) host(short string) string { return e.app(short) + ".test" }

// compose is an app's Compose file: one routed service web on image
// (a tag of the test repository), with replicas and more lines at the
// service's level.
func (e *gitEnv) compose(short, tag string, replicas int, more string) string {
	name := e.app(short)
	for _, a := range e.apps {
		if a == name {
			name = ""
		}
	}
	if name != "" {
		e.apps = append(e.apps, name)
	}
	return fmt.Sprintf(`name: %s
services:
  web:
    # the image automation may move
    image: %s:%s
    deploy:
      replicas: %d
      update_config: {parallelism: 1, monitor: 500ms}
      rollback_config: {parallelism: 1, monitor: 500ms}
    stop_grace_period: 2s
    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 200ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 2}
%s`, e.app(short), e.repo, tag, replicas, e.host(short), more)
}

// commit writes files (path -> content, "" removes it), commits and
// pushes them as a person would.
func (e *gitEnv) commit(msg string, files map[string]string) string {
	e.t.Helper()
	e.work.Pull(e.t)
	for p, c := range files {
		if c == "" {
			e.work.Remove(e.t, p)
		} else {
			e.work.Write(e.t, p, c)
		}
	}
	h := e.work.Commit(e.t, msg)
	e.work.Push(e.t)
	return h
}

// cli runs the berth CLI against the server.
func (e *gitEnv) cli(args ...string) (string, int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, append(args, "--server", "http://"+e.b.addr)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return string(out), code
}

// sync runs berth sync config and wants it to end ready or not.
func (e *gitEnv) sync(wantReady bool) string {
	e.t.Helper()
	out, code := e.cli("sync", "config")
	if (code == 0) != wantReady {
		e.t.Fatalf("berth sync exited %d, want ready=%v:\n%s\nberth log:\n%s", code, wantReady, out, e.b.output())
	}
	return out
}

// source reads the source's status.
func (e *gitEnv) source() api.SourceStatus {
	e.t.Helper()
	var st api.SourceStatus
	e.getJSON("/api/sources/config", &st)
	return st
}

func (e *gitEnv) getJSON(path string, v any) int {
	e.t.Helper()
	res, err := http.Get(e.b.url(path))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			e.t.Fatal(err)
		}
	}
	return res.StatusCode
}

// history reads an app's revisions, newest first.
func (e *gitEnv) history(short string) []api.Revision {
	e.t.Helper()
	var revs []api.Revision
	if code := e.getJSON("/api/apps/"+e.app(short)+"/revisions?limit=100", &revs); code != http.StatusOK {
		e.t.Fatalf("history of %s: %d", short, code)
	}
	return revs
}

// replicas counts the running containers of app short.
func (e *gitEnv) replicas(short string) int {
	e.t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--filter", "label=berth.app="+e.app(short), "--filter", "status=running").Output()
	if err != nil {
		e.t.Fatal(err)
	}
	return len(strings.Fields(string(out)))
}

// serves waits up to a minute until every one of 20 requests for app
// short's host answers version.
func (e *gitEnv) serves(short, version string) {
	e.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		all, last := true, ""
		for range 20 {
			code, body, err := getWith(client, e.b.proxy, e.host(short))
			if err != nil || code != http.StatusOK || strings.TrimSpace(body) != version {
				all, last = false, fmt.Sprintf("%d %q %v", code, body, err)
				break
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s does not serve %s: %s\nberth log:\n%s", short, version, last, e.b.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eventually waits up to a minute for cond.
func (e *gitEnv) eventually(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within a minute\nberth log:\n%s", what, e.b.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// removeApps removes every app of the test, even when it failed
// halfway.
func (e *gitEnv) removeApps() {
	for _, app := range e.apps {
		// A rollout still going (a test ends once traffic moved) makes
		// the removal wait for it, or the host's events would bring
		// back what is removed by hand below.
		for deadline := time.Now().Add(time.Minute); e.b != nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			out, err := exec.Command(berthBin, "remove", app, "--yes", "--server", "http://"+e.b.addr).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "in progress") {
				break
			}
		}
		removeLeftovers(app)
	}
}

// push builds the test app as version and pushes it to the test's
// repository, before anything refers to it: Builder.Build removes the
// tag from the host once pushed, which would race with a rollout of it
// (use stage and publish for that).
func (e *gitEnv) push(builder *testapp.Builder, versions ...string) {
	e.t.Helper()
	pushVersions(e.t, e.b, builder, strings.TrimPrefix(e.repo, e.b.addr+"/"), versions...)
}

// stage builds versions into a repository beside the test's and pulls
// them, for publish to push into the test's repository later.
func (e *gitEnv) stage(builder *testapp.Builder, versions ...string) {
	e.t.Helper()
	if e.staged == nil {
		e.staged = map[string]string{}
	}
	for _, v := range versions {
		pinned := builder.Build(e.t, e.b.addr, strings.TrimPrefix(e.repo, e.b.addr+"/")+"-stage", v)
		run(e.t, "docker", "pull", "-q", pinned)
		e.staged[v] = pinned
	}
}

// publish pushes a staged version to the test's repository with docker
// push, as CI would; the tag leaves the host when the test ends.
func (e *gitEnv) publish(version string) {
	e.t.Helper()
	tag := e.repo + ":" + version
	run(e.t, "docker", "tag", e.staged[version], tag)
	e.t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", tag).Run() })
	run(e.t, "docker", "push", "-q", tag)
}

// httpPost posts body as JSON and returns the status.
func httpPost(url, body string) (int, error) {
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
