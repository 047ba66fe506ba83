package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// TestPromotionIntoAnAppOfGit runs one app in integration and in
// production from two folders of one repository, and promotes what
// integration runs into production: the digest is committed to
// production's file first, then rolled out, and the revision says where
// it came from.
func TestPromotionIntoAnAppOfGit(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	cfg := filepath.Join(t.TempDir(), "berth.yaml")
	body := fmt.Sprintf(`environments:
  - name: integration
    host_suffix: int.test
  - name: production
    host_suffix: prod.test
    promotion: {from: integration}
sources:
  - name: config
    url: %s
    path: envs
    interval: 1h
    environments: {integration: integration, production: production}
`, bare.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newGitEnv(t, bare, bare.Clone(t), cfg)
	app := e.app("shop")
	// Cleanups run last first: this one before newGitEnv's, which
	// removes the app of the first environment only.
	t.Cleanup(func() { removeIn(e, "production", app) })
	builder := testapp.NewBuilder(t.TempDir())
	e.push(builder, "v1", "v2")
	integration, production := e.host("shop")+".int.test", e.host("shop")+".prod.test"

	e.commit("shop in integration and production", map[string]string{
		"envs/integration/shop/compose.yaml": e.compose("shop", "v1", 1, ""),
		"envs/production/shop/compose.yaml":  e.compose("shop", "v1", 1, ""),
	})
	e.sync(true)
	servesHost(e, integration, "v1")
	servesHost(e, production, "v1")
	out, code := e.cli("source", "status", "config")
	for _, want := range []string{"ENV", "integration  " + app, "production   " + app} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("berth source status (%d) lacks %q:\n%s", code, want, out)
		}
	}

	e.commit("integration on v2", map[string]string{"envs/integration/shop/compose.yaml": e.compose("shop", "v2", 1, "")})
	e.sync(true)
	servesHost(e, integration, "v2")
	servesHost(e, production, "v1")
	source := revisionsIn(e, "integration", app)[0]
	digest := source.Services["web"].Digest
	if source.Outcome != "succeeded" || digest == "" {
		t.Fatalf("integration's last revision %d is %s with digest %q", source.Number, source.Outcome, digest)
	}

	before := bare.Head(t)
	res, err := http.Post(e.b.url("/api/apps/"+app+"/promotions"), "application/json", strings.NewReader(`{"to":"production"}`))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST promotions: %d %s\nberth log:\n%s", res.StatusCode, data, e.b.output())
	}
	var answer api.PromotionAnswer
	if err := json.Unmarshal(data, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.Source != "config" || answer.Revision == nil || answer.Revision.Env != "production" {
		t.Fatalf("the promotion answered %s, want a production revision through source config", data)
	}

	log := bare.Log(t, 2)
	if log[1].Hash != before {
		t.Fatalf("the promotion is not one commit on %s: %+v", before, log)
	}
	msg := log[0].Subject + "\n" + log[0].Body
	if want := fmt.Sprintf("revision %d of integration", source.Number); !strings.Contains(msg, want) || !strings.Contains(msg, digest) {
		t.Errorf("the promotion's message %q does not say %q and the digest %s", msg, want, digest)
	}
	diff := bare.Diff(t, before, log[0].Hash)
	if !strings.Contains(diff, "envs/production/shop/compose.yaml") || strings.Contains(diff, "envs/integration/") ||
		!strings.Contains(diff, "+    image: "+e.repo+":v2@"+digest) {
		t.Errorf("the promotion's commit changes:\n%s\nwant production's image set to v2@%s alone", diff, digest)
	}

	servesHost(e, production, "v2")
	var rev api.Revision
	e.eventually("production's rollout ends", func() bool {
		rev = revisionsIn(e, "production", app)[0]
		return rev.Outcome != "running"
	})
	if rev.Number != answer.Revision.Number || rev.Outcome != "succeeded" || rev.Services["web"].Digest != digest {
		t.Fatalf("production's last revision is %d %s on %s, want %d on %s", rev.Number, rev.Outcome, rev.Services["web"].Digest,
			answer.Revision.Number, digest)
	}
	if p := rev.Promotion; p == nil || p.From != "integration" || p.Revision != source.Number {
		t.Errorf("production's revision records promotion %+v, want from revision %d of integration", p, source.Number)
	}
	if want := "config@" + log[0].Hash[:7]; rev.Source != want || rev.Actor != "git:config" {
		t.Errorf("production's revision came from %s by %s, want %s by git:config", rev.Source, rev.Actor, want)
	}
	// Git says what runs: another sync changes nothing.
	e.sync(true)
	if n := revisionsIn(e, "production", app)[0].Number; n != rev.Number {
		t.Errorf("a sync after the promotion rolled production out again: revision %d", n)
	}
	servesHost(e, integration, "v2")
}

// revisionsIn reads the revisions of app in env, newest first.
func revisionsIn(e *gitEnv, env, app string) []api.Revision {
	e.t.Helper()
	var revs []api.Revision
	if code := e.getJSON("/api/apps/"+app+"/revisions?limit=100&env="+env, &revs); code != http.StatusOK || len(revs) == 0 {
		e.t.Fatalf("revisions of %s/%s: %d, %d of them", env, app, code, len(revs))
	}
	return revs
}

// servesHost waits up to a minute until every one of 20 requests for
// host answers version.
func servesHost(e *gitEnv, host, version string) {
	e.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		all, last := true, ""
		for range 20 {
			code, body, err := getWith(client, e.b.proxy, host)
			if err != nil || code != http.StatusOK || strings.TrimSpace(body) != version {
				all, last = false, fmt.Sprintf("%d %q %v", code, body, err)
				break
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s does not serve %s: %s\nberth log:\n%s", host, version, last, e.b.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// removeIn removes app from env through the API, once no rollout of
// it is under way (or the rollout would bring back what is removed by
// hand), then what is left of it on the host.
func removeIn(e *gitEnv, env, app string) {
	for deadline := time.Now().Add(time.Minute); e.b != nil && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodDelete, e.b.url("/api/apps/"+app+"?env="+env), nil)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			break
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK || !strings.Contains(string(body), "in progress") {
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound {
				e.t.Errorf("removing %s/%s: %d %s", env, app, res.StatusCode, body)
			}
			break
		}
	}
	removeLeftovers(app)
}
