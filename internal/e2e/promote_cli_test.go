package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testapp"
)

// twoEnvironments writes a berth.yaml with integration and production,
// where a promotion into production waits for approval.
func twoEnvironments(t testing.TB) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "berth.yaml")
	body := `environments:
  - name: integration
    host_suffix: int.test
  - name: production
    host_suffix: prod.test
    promotion: {from: integration, approval: manual}
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// removeEverywhere removes app from both environments through the CLI,
// then whatever is left of it on the host.
func removeEverywhere(b *berth, app string) {
	for _, env := range []string{"production", "integration"} {
		_ = exec.Command(berthBin, "remove", app, "--yes", "--env", env, "--server", "http://"+b.addr).Run()
	}
	removeLeftovers(app)
}

// routedOnce is the x-berth part of a routed test service with one
// replica.
func routedOnce(host string) string {
	return fmt.Sprintf(`    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 300ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 2}
`, host)
}

// TestPromotionFromTheCommandLine takes an app from integration to
// production with the CLI alone: deploy --env, promote (which waits for
// approval), pipeline, approve, then history and status across both.
func TestPromotionFromTheCommandLine(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir(), "--config", twoEnvironments(t))
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/promote", "v1")
	e := newDeployEnv(t, b, builder, "e2e/promote")
	t.Cleanup(func() { removeEverywhere(b, e.app) })
	must := func(want []string, args ...string) string {
		t.Helper()
		out, code := e.berthCmd(args...)
		if code != 0 {
			t.Fatalf("berth %s exited %d:\n%s\nberth log:\n%s", strings.Join(args, " "), code, out, b.output())
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("berth %s says no %q:\n%s", strings.Join(args, " "), w, out)
			}
		}
		return out
	}

	file := e.spec("v1", routedOnce(e.host))
	must([]string{"revision 1 of integration/" + e.app, "revision 1 is live"}, "deploy", "-f", file, "--env", "integration")
	if out := must(nil, "status"); strings.Contains(out, "integration:") {
		t.Errorf("berth status heads the apps of the one environment that has some:\n%s", out)
	}
	out, code := e.berthCmd("history", e.app, "--env", "production")
	if code == 0 || !strings.Contains(out, "is not in production but in integration: add --env integration") {
		t.Errorf("history of an app production does not have: exit %d:\n%s", code, out)
	}

	must([]string{"revision 1 of integration/" + e.app + " waits for approval to go into production",
		"berth approve " + e.app + " --env production"}, "promote", e.app, "--to", "production")
	must([]string{"integration", "production", "waits for approval: berth approve " + e.app + " --env production"}, "pipeline", e.app)
	must([]string{"revision 1 of production/" + e.app + " started (promoted from integration revision 1, approved by anonymous)", "is live"},
		"approve", e.app, "--env", "production")
	waitServes(t, b, e.host+".prod.test", "v1")

	must([]string{"promoted from integration revision 1 (approved by anonymous)"}, "history", e.app, "--env", "production")
	if out := must(nil, "history", e.app); strings.Contains(out, "promoted") {
		t.Errorf("integration's history says it was promoted:\n%s", out)
	}
	must([]string{"integration:\n", "\nproduction:\n"}, "status")
	must([]string{"app " + e.app + " in integration, live revision 1", "app " + e.app + " in production, live revision 1"}, "status", e.app)
	must([]string{"runs what integration runs"}, "pipeline", e.app)

	out, code = e.berthCmd("promote", e.app, "--to", "production")
	if code == 0 || !strings.Contains(out, "already runs these digests") {
		t.Errorf("promoting what production runs already: exit %d:\n%s", code, out)
	}
}

// TestPublishDeploysToAnEnvironment publishes a commit and deploys it to
// the environment --deploy names, with the Compose file --compose names.
func TestPublishDeploysToAnEnvironment(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir(), "--config", twoEnvironments(t))
	repo := b.addr + "/pub/env-hello"
	g := newGitRepo(t)
	app := "pub-" + randomSuffix(t)
	t.Cleanup(func() { removeEverywhere(b, app) })
	spec := filepath.Join(t.TempDir(), "shop.yaml")
	body := "name: " + app + "\nservices:\n  web:\n    image: " + repo + ":v0\n" + routedOnce(app+".test")
	if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := g.publish(b, "--image", repo, "--deploy", "production", "--compose", spec)
	if code != 0 || !pinnedRef.MatchString(out) {
		t.Fatalf("publish --deploy production: exit %d, stdout %q:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "deploying revision 1 of production/"+app) || !strings.Contains(errOut, "revision 1 is live") {
		t.Errorf("the rollout in production was not followed:\n%s", errOut)
	}
	digest := out[strings.LastIndexByte(out, '@')+1:]
	status, err := exec.Command(berthBin, "status", app, "--env", "production", "--server", "http://"+b.addr).CombinedOutput()
	if err != nil || !strings.Contains(string(status), digest[:19]) {
		t.Errorf("production does not run the published digest %s (%v):\n%s", digest, err, status)
	}
	if out, _ := exec.Command(berthBin, "status", app, "--env", "integration", "--server", "http://"+b.addr).CombinedOutput(); !strings.Contains(string(out), "app unknown") {
		t.Errorf("integration has the app too:\n%s", out)
	}
	_, errOut, code = g.publish(b, "--image", repo, "--deploy", "production", "--env", "integration", "--compose", spec)
	if code == 0 || !strings.Contains(errOut, "name two environments") {
		t.Errorf("--deploy production --env integration: exit %d:\n%s", code, errOut)
	}

	// The next commit needs no Compose file: the app production runs
	// takes the new digest with the spec it runs there.
	if err := os.WriteFile(filepath.Join(g.dir, "NOTES"), []byte("a change\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.git("add", "NOTES")
	g.git("commit", "-q", "-m", "second")
	out, errOut, code = g.publish(b, "--image", repo, "--deploy", "production")
	if code != 0 || !pinnedRef.MatchString(out) {
		t.Fatalf("publish --deploy production without --compose: exit %d, stdout %q:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "deploying revision 2 of production/"+app) || !strings.Contains(errOut, "revision 2 is live") {
		t.Errorf("the rollout of the app production runs was not followed:\n%s", errOut)
	}
	second := out[strings.LastIndexByte(out, '@')+1:]
	if second == digest {
		t.Fatalf("the second commit published the same digest %s", digest)
	}
	status, err = exec.Command(berthBin, "status", app, "--env", "production", "--server", "http://"+b.addr).CombinedOutput()
	if err != nil || !strings.Contains(string(status), second[:19]) {
		t.Errorf("production does not run the second digest %s (%v):\n%s", second, err, status)
	}
	_, errOut, code = g.publish(b, "--image", b.addr+"/pub/nobody-runs-this", "--deploy", "production")
	if code == 0 || !strings.Contains(errOut, "no app in production runs an image of") {
		t.Errorf("publishing an image no app runs, with --deploy production: exit %d:\n%s", code, errOut)
	}
}

// waitServes waits up to a minute until host answers version through
// the proxy.
func waitServes(t testing.TB, b *berth, host, version string) {
	t.Helper()
	client := httpClient()
	deadline := time.Now().Add(time.Minute)
	for {
		code, body, err := getWith(client, b.proxy, host)
		if err == nil && code == 200 && strings.TrimSpace(body) == version {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answers %d %q %v, want %s\nberth log:\n%s", host, code, body, err, version, b.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
