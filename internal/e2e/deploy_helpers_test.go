package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/testapp"
)

// deployEnv is a berth with the test app pushed to its registry as v1 and
// v2, and an app name of the test's own.
type deployEnv struct {
	t    testing.TB
	b    *berth
	app  string
	host string
	repo string
	dir  string
}

func newDeployEnv(t testing.TB, b *berth, builder *testapp.Builder, repo string) *deployEnv {
	t.Helper()
	e := &deployEnv{t: t, b: b, app: "e2e-" + randomSuffix(t), repo: b.addr + "/" + repo, dir: t.TempDir()}
	e.host = e.app + ".test"
	t.Cleanup(e.removeContainers)
	return e
}

// pushVersions builds and pushes the test app once per version.
func pushVersions(t testing.TB, b *berth, builder *testapp.Builder, repo string, versions ...string) {
	t.Helper()
	for _, v := range versions {
		builder.Build(t, b.addr, repo, v)
	}
}

// removeContainers removes the app through berth, so that it does not
// bring the containers back, then whatever is left by hand, even when
// the test failed halfway.
func (e *deployEnv) removeContainers() {
	_ = exec.Command(berthBin, "remove", e.app, "--yes", "--server", "http://"+e.b.addr).Run()
	removeLeftovers(e.app)
}

// removeLeftovers removes by hand what of app is left on the host, once
// berth removed it or could not.
func removeLeftovers(app string) {
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=berth.app="+app).Output()
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
	}
	out, _ = exec.Command("docker", "network", "ls", "-q", "--filter", "label=berth.app="+app).Output()
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		_ = exec.Command("docker", append([]string{"network", "rm"}, ids...)...).Run()
	}
}

// spec writes a compose file for the app: one service "web" at version,
// with the given environment and x-berth/update_config extras (YAML
// indented for the service level).
func (e *deployEnv) spec(version, extra string) string {
	e.t.Helper()
	body := fmt.Sprintf(`name: %s
services:
  web:
    image: %s:%s
%s`, e.app, e.repo, version, extra)
	p := filepath.Join(e.dir, "compose.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// routed is the deploy and x-berth part of a routed test service: three
// replicas, update_config with update (e.g. ", order: stop-first"), and
// more x-berth lines.
func (e *deployEnv) routed(strategy, update, more string) string {
	return fmt.Sprintf(`    deploy:
      replicas: 3
      update_config: {parallelism: 1, monitor: 1s, delay: 500ms%s}
      rollback_config: {parallelism: 1, monitor: 1s}
    stop_grace_period: 5s
    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 300ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 2}
      strategy: %s
%s`, update, e.host, strategy, more)
}

// berthCmd runs the berth CLI against the server and returns output and
// exit code.
func (e *deployEnv) berthCmd(args ...string) (string, int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, append(args, "--server", "http://"+e.b.addr)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return out.String(), code
}

// deploy deploys file and fails the test unless the outcome is want.
func (e *deployEnv) deploy(file string, wantOK bool, args ...string) string {
	e.t.Helper()
	out, code := e.berthCmd(append([]string{"deploy", "-f", file}, args...)...)
	if (code == 0) != wantOK {
		e.t.Fatalf("berth deploy exited %d, want success=%v:\n%s\nberth log:\n%s", code, wantOK, out, e.b.output())
	}
	return out
}

// status reads the app's status through the API.
func (e *deployEnv) status() deploy.AppStatus {
	e.t.Helper()
	res, err := http.Get("http://" + e.b.addr + "/api/apps/" + e.app)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var st deploy.AppStatus
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// waitPaused waits until the app's rollout waits for a promote with the
// new set at traffic percent (any when traffic < 0).
func (e *deployEnv) waitPaused(msg string) {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		st := e.status()
		if st.Rollout != nil && st.Rollout.Outcome == deploy.OutcomePaused && st.Rollout.LastEvent != nil &&
			strings.Contains(st.Rollout.LastEvent.Message, msg) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.t.Fatalf("the rollout never paused at %q; berth log:\n%s", msg, e.b.output())
}

// get asks the proxy for the app on host and returns status and body.
func (e *deployEnv) get(client *http.Client, host string) (int, string, error) {
	code, body, err := getWith(client, e.b.proxy, host)
	return code, strings.TrimSpace(body), err
}

// load is steady traffic through the proxy: clients with kept-alive
// connections and clients with a new connection per request.
type load struct {
	e       *deployEnv
	stop    chan struct{}
	wg      sync.WaitGroup
	ok      atomic.Int64
	mu      sync.Mutex
	failed  []string
	answers map[string]int // body -> count
}

func (e *deployEnv) startLoad() *load {
	l := &load{e: e, stop: make(chan struct{}), answers: map[string]int{}}
	for i := range 6 {
		client := &http.Client{Timeout: 15 * time.Second}
		if i%2 == 1 {
			client.Transport = &http.Transport{DisableKeepAlives: true}
		}
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				code, body, err := e.get(client, e.host)
				l.mu.Lock()
				switch {
				case err != nil:
					l.failed = append(l.failed, err.Error())
				case code != http.StatusOK:
					l.failed = append(l.failed, fmt.Sprintf("%d %s", code, body))
				default:
					l.ok.Add(1)
					l.answers[body]++
				}
				l.mu.Unlock()
			}
		})
	}
	return l
}

// finish stops the load and returns what it saw.
func (l *load) finish() (ok int64, failed []string, answers map[string]int) {
	close(l.stop)
	l.wg.Wait()
	return l.ok.Load(), l.failed, l.answers
}

// expectClean stops the load and fails the test on any failed request or
// an answer from a version outside allowed.
func (l *load) expectClean(t *testing.T, allowed ...string) map[string]int {
	t.Helper()
	ok, failed, answers := l.finish()
	if len(failed) > 0 {
		t.Errorf("%d of %d requests failed during the rollout, first: %q", len(failed), ok+int64(len(failed)), failed[0])
	}
	for body := range answers {
		if !contains(allowed, body) {
			t.Errorf("got an answer from version %q, allowed %v", body, allowed)
		}
	}
	if ok < 50 {
		t.Errorf("only %d requests succeeded: the load did not run", ok)
	}
	t.Logf("%d requests, none failed: %v", ok, answers)
	return answers
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// serves checks that every one of n requests answers with version.
func (e *deployEnv) serves(version string, n int) {
	e.t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	for range n {
		code, body, err := e.get(client, e.host)
		if err != nil || code != http.StatusOK || body != version {
			e.t.Fatalf("got %d %q %v, want %s", code, body, err, version)
		}
	}
}

// share sends n requests and returns the fraction answered by version.
func (e *deployEnv) share(version string, n int) float64 {
	e.t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	hits := 0
	for range n {
		code, body, err := e.get(client, e.host)
		if err != nil || code != http.StatusOK {
			e.t.Fatalf("request failed: %d %v", code, err)
		}
		if body == version {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// containers lists the app's containers as "revision/set state".
func (e *deployEnv) containers() []string {
	out, err := exec.Command("docker", "ps", "-a", "--filter", "label=berth.app="+e.app,
		"--format", `{{.Label "berth.revision"}}/{{.Label "berth.set"}} {{.State}}`).Output()
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(out)), " ", "_"))
}

// rollbackToWarm runs berth rollback, which must succeed by switching back
// to the previous set kept warm.
func (e *deployEnv) rollbackToWarm() {
	e.t.Helper()
	out, code := e.berthCmd("rollback", e.app)
	if code != 0 {
		e.t.Fatalf("rollback: %s", out)
	}
	if !strings.Contains(out, "kept warm") {
		e.t.Errorf("the rollback did not reuse the warm set:\n%s", out)
	}
}
