package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/testapp"
)

// pipelineConfig is berth.yaml with three environments: integration;
// qa, which takes what passes in integration by itself once it has run
// for two seconds; production, which takes what runs in qa when someone
// approves it.
const pipelineConfig = `environments:
  - name: integration
    host_suffix: int.test
  - name: qa
    host_suffix: qa.test
    promotion: {from: integration, auto: true, after: 2s}
  - name: production
    host_suffix: prod.test
    promotion: {from: qa, approval: manual}
`

// TestPipelineAcrossEnvironments runs one app through integration, qa
// and production on one host: a verified digest goes on by itself, a
// failed verification goes nowhere, production waits for an approval,
// and a bad promotion changes nothing.
func TestPipelineAcrossEnvironments(t *testing.T) {
	requireDocker(t)
	config := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(config, []byte(pipelineConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	b := startBerth(t, t.TempDir(), "--config", config)
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/pipeline", "v1", "v2")
	e := newDeployEnv(t, b, builder, "e2e/pipeline")
	t.Cleanup(func() {
		for _, env := range []string{"integration", "qa", "production"} {
			_, _ = e.berthCmd("remove", e.app, "--yes", "--env", env)
		}
		removeLeftovers(e.app)
	})
	p := pipelineClient{t: t, e: e}

	// v1 passes its verification in integration, then reaches qa alone.
	e.deploy(p.spec("v1", "v1"), true, "--env", "integration")
	integ := p.live("integration")
	if len(integ.Verify) == 0 || !integ.Verify[0].Passed {
		t.Fatalf("integration's revision has no passed verification: %+v", integ.Verify)
	}
	qa := p.waitLive("qa", 1)
	if qa.Services["web"].Digest != integ.Services["web"].Digest || qa.Promotion == nil || qa.Promotion.From != "integration" {
		t.Fatalf("qa runs %s promoted from %+v, integration %s", qa.Services["web"].Digest, qa.Promotion, integ.Services["web"].Digest)
	}
	p.serves("integration", "v1")
	p.serves("qa", "v1")

	// Production waits for an approval, and says so.
	out, code := e.berthCmd("promote", e.app, "--to", "production")
	if code != 0 || !strings.Contains(out, "berth approve "+e.app+" --env production") {
		t.Fatalf("berth promote exited %d:\n%s", code, out)
	}
	time.Sleep(time.Second)
	if st := p.status("production"); st != nil && st.Live != 0 {
		t.Fatalf("production went live before the approval: %+v", st)
	}
	out, code = e.berthCmd("pipeline", e.app)
	if code != 0 || !strings.Contains(out, "waits for approval") {
		t.Fatalf("berth pipeline exited %d, without the promotion waiting:\n%s", code, out)
	}
	out, code = e.berthCmd("approve", e.app, "--env", "production")
	if code != 0 {
		t.Fatalf("berth approve exited %d:\n%s", code, out)
	}
	prod := p.waitLive("production", 1)
	if prod.Services["web"].Digest != integ.Services["web"].Digest || prod.Promotion == nil || prod.Promotion.From != "qa" || prod.Promotion.Approver == "" {
		t.Fatalf("production runs %s, promoted %+v", prod.Services["web"].Digest, prod.Promotion)
	}
	for _, env := range []string{"integration", "qa", "production"} {
		p.serves(env, "v1")
	}

	// v2 fails its verification: integration rolls back, nothing moves on,
	// and the job's output is in the history.
	e.deploy(p.spec("v2", "not-v2"), false, "--env", "integration")
	revs := p.history("integration")
	failed := revs[0]
	if failed.Outcome != deploy.OutcomeRolledBack || len(failed.Verify) == 0 || failed.Verify[0].Passed {
		t.Fatalf("the failed verification: outcome %s, runs %+v", failed.Outcome, failed.Verify)
	}
	out, _ = e.berthCmd("logs", e.app, "--env", "integration", "--verify")
	if !strings.Contains(out, "probe: FAIL") {
		t.Errorf("berth logs --verify shows no output of the job:\n%s", out)
	}
	if out, _ := e.berthCmd("history", e.app, "--env", "integration"); !strings.Contains(out, "failed (exit code 1") {
		t.Errorf("berth history does not show the failed verification:\n%s", out)
	}
	p.serves("integration", "v1")
	time.Sleep(3 * time.Second)
	if got := p.live("qa"); got.Number != qa.Number {
		t.Fatalf("qa moved to revision %d after a failed verification in integration", got.Number)
	}

	// Bad promotions are refused and change nothing.
	before := p.live("production").Number
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"promote", "no-such-app", "--to", "qa"}, "does not run in integration"},
		{[]string{"promote", e.app, "--to", "staging"}, `"staging" is not one of berth's environments`},
		{[]string{"promote", e.app, "--to", "production"}, "already runs these digests"},
	} {
		out, code := e.berthCmd(c.args...)
		if code == 0 || !strings.Contains(out, c.says) {
			t.Errorf("berth %s exited %d, want an error saying %q:\n%s", strings.Join(c.args, " "), code, c.says, out)
		}
	}
	// The digest rolled back in integration is not promoted, even once it
	// runs there.
	e.deploy(p.spec("v2", "v2"), true, "--env", "integration")
	out, code = e.berthCmd("promote", e.app, "--to", "qa")
	if code == 0 || !strings.Contains(out, "was rolled back in integration") {
		t.Errorf("promoting a rolled-back digest exited %d:\n%s", code, out)
	}
	if got := p.live("production").Number; got != before {
		t.Errorf("production moved to revision %d", got)
	}
}

// pipelineClient reads an app's state per environment through the API.
type pipelineClient struct {
	t *testing.T
	e *deployEnv
}

// spec writes the app at version with a verification job that expects
// body from the new version.
func (p pipelineClient) spec(version, body string) string {
	return p.e.spec(version, fmt.Sprintf(`    deploy:
      update_config: {monitor: 500ms}
    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 300ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 2}
      verify:
        image: %s:%s
        command: ["-probe"]
        environment: {EXPECT_BODY: %s}
        timeout: 1m
`, p.e.app, p.e.repo, version, body))
}

func (p pipelineClient) get(path string, q url.Values, out any) int {
	p.t.Helper()
	res, err := http.Get("http://" + p.e.b.addr + path + "?" + q.Encode())
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(out); err != nil {
			p.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return res.StatusCode
}

// status is the app's status in env, nil when it is not there.
func (p pipelineClient) status(env string) *deploy.AppStatus {
	var st deploy.AppStatus
	if p.get("/api/apps/"+p.e.app, url.Values{"env": {env}}, &st) != http.StatusOK {
		return nil
	}
	return &st
}

// history is the app's revisions in env, newest first.
func (p pipelineClient) history(env string) []api.Revision {
	var revs []api.Revision
	if code := p.get("/api/apps/"+p.e.app+"/revisions", url.Values{"env": {env}}, &revs); code != http.StatusOK {
		p.t.Fatalf("history of %s/%s: %d", env, p.e.app, code)
	}
	return revs
}

// live is the app's live revision in env.
func (p pipelineClient) live(env string) api.Revision {
	p.t.Helper()
	st := p.status(env)
	if st == nil || st.Live == 0 {
		p.t.Fatalf("%s/%s has no live revision", env, p.e.app)
	}
	for _, r := range p.history(env) {
		if r.Number == st.Live {
			return r
		}
	}
	p.t.Fatalf("%s/%s: live revision %d is not in its history", env, p.e.app, st.Live)
	return api.Revision{}
}

// waitLive waits until revision n of the app is live in env.
func (p pipelineClient) waitLive(env string, n int) api.Revision {
	p.t.Helper()
	waitFor(p.t, fmt.Sprintf("revision %d of %s/%s to go live", n, env, p.e.app), func() bool {
		st := p.status(env)
		return st != nil && st.Live == n
	})
	return p.live(env)
}

// serves checks that env's host answers with version.
func (p pipelineClient) serves(env, version string) {
	p.t.Helper()
	host := p.e.app + "." + map[string]string{"integration": "int", "qa": "qa", "production": "prod"}[env] + ".test"
	code, body, err := p.e.get(httpClient(), host)
	if err != nil || code != http.StatusOK || body != version {
		p.t.Fatalf("%s (%s) answered %d %q %v, want %s", env, host, code, body, err, version)
	}
}
