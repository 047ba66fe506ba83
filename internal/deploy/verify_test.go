package deploy_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/memory"
	"github.com/berth-dev/berth/internal/testapp/appserver"
)

// smoke pushes reg.test/shop/smoke:<tag>, the test app's probe as a
// verification job, and returns the image pinned by digest. version
// makes two pushes of one tag differ.
func (h *harness) smoke(tag, version string) string {
	return h.reg.Push("reg.test/shop/smoke", tag, memory.Image{Path: "/smoke", Version: version,
		Program: func(ctx context.Context, p *memory.Process) int {
			client := &http.Client{Transport: &http.Transport{DialContext: p.DialContext, DisableKeepAlives: true}}
			return appserver.Probe(ctx, p.Getenv, client, p.Stdout)
		}})
}

// verifySpec is app shop with a web service at ref of strategy, two
// replicas and update_config's extra keys update, whose verification
// job expects the body ${EXPECT} within ${VERIFY_TIMEOUT} (5m); more is
// more x-berth lines. The web service answers after ${DELAY} (0s).
func verifySpec(ref, strategy, update, more string) string {
	return `name: shop
services:
  web:
    image: ` + ref + `
    environment: {DELAY: "${DELAY:-0s}"}
    deploy:
      replicas: 2
      update_config: {monitor: 100ms` + update + `}
    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms, timeout: 2s, healthy_threshold: 1, unhealthy_threshold: 3}
      strategy: ` + strategy + `
      verify:
        image: reg.test/shop/smoke:v1
        environment: {EXPECT_BODY: "${EXPECT}"}
        timeout: ${VERIFY_TIMEOUT:-5m}
` + more
}

func expect(version string) map[string]string { return map[string]string{"EXPECT": version} }

// eventIndex is the index of the first event of rev with text, -1 if
// none.
func eventIndex(rev deploy.Revision, text string) int {
	return slices.IndexFunc(rev.Events, func(e deploy.Event) bool { return strings.Contains(e.Message, text) })
}

// checkRun fails the test unless rev ran one verification, at at, that
// passed or not as wanted.
func checkRun(t *testing.T, rev deploy.Revision, at string, passed bool) deploy.VerifyRun {
	t.Helper()
	if len(rev.Verify) != 1 {
		t.Fatalf("revision %d ran %d verifications, want 1: %+v%s", rev.Number, len(rev.Verify), rev.Verify, eventsOf(rev))
	}
	v := rev.Verify[0]
	if v.Service != "web" || v.At != at || v.Passed != passed || v.Started.IsZero() || v.Finished.Before(v.Started) {
		t.Fatalf("verification %+v, want one of web %s that passed=%v", v, at, passed)
	}
	if !strings.HasPrefix(v.Image, "reg.test/shop/smoke@sha256:") {
		t.Errorf("the verification ran %q, want the job's image pinned by digest", v.Image)
	}
	return v
}

// lastRun is the last run the driver made.
func (h *harness) lastRun() driver.RunSpec {
	h.t.Helper()
	runs := h.driver.Runs()
	if len(runs) == 0 {
		h.t.Fatal("the driver ran no job")
	}
	return runs[len(runs)-1]
}

// targetOf is the URL a run was given as BERTH_TARGET_URL.
func targetOf(run driver.RunSpec) string {
	for _, kv := range run.Env {
		if v, ok := strings.CutPrefix(kv, "BERTH_TARGET_URL="); ok {
			return v
		}
	}
	return ""
}

func TestBlueGreenSwitchesOnceTheVerificationPasses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	smoke := h.smoke("v1", "1")
	first := h.deploy(verifySpec(v1, "blue-green", "", ""), expect("v1"))
	if first.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("revision 1: %s (%s)%s", first.Outcome, first.Reason, eventsOf(first))
	}
	checkRun(t, first, "once the first version took the traffic", true)
	got := h.deploy(verifySpec(v2, "blue-green", "", ""), expect("v2"))
	if got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("outcome %s (%s)%s", got.Outcome, got.Reason, eventsOf(got))
	}
	v := checkRun(t, got, "before the switch", true)
	if v.ExitCode != 0 || v.Error != "" || !strings.Contains(v.Output, "200 OK\nv2\n") || !strings.Contains(v.Output, "PASS") {
		t.Errorf("the run: exit %d, error %q, output:\n%s", v.ExitCode, v.Error, v.Output)
	}
	passed, switched := eventIndex(got, "verification passed before the switch"), eventIndex(got, "switched all traffic")
	if passed < 0 || switched < passed {
		t.Errorf("want the verification to pass, then the switch:%s", eventsOf(got))
	}
	run := h.lastRun()
	_, port, _ := net.SplitHostPort(h.edge.Listener.Addr().String())
	if run.Image != smoke || run.Revision != got.Number || targetOf(run) != "http://shop-preview.test:"+port+"/" ||
		run.Hosts["shop-preview.test"] != "127.0.0.1" || !slices.Contains(run.Env, "EXPECT_BODY=v2") {
		t.Errorf("the run was %+v; want %s against the preview host through the proxy at 127.0.0.1:%s", run, smoke, port)
	}
	if eventIndex(got, "preview it at http://shop-preview.test:"+port+"/") < 0 {
		t.Errorf("want the preview URL with the proxy's port %s:%s", port, eventsOf(got))
	}
	if got.VerifyImages["web"].Image != smoke {
		t.Errorf("the revision keeps the job's image as %+v, want %s", got.VerifyImages["web"], smoke)
	}
	if v, err := h.get("shop.test"); err != nil || v != "v2" {
		t.Fatalf("GET / = %q, %v; want v2", v, err)
	}
}

func TestBlueGreenRollsBackWhenTheVerificationFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	h.smoke("v1", "1")
	h.deploy(verifySpec(v1, "blue-green", "", ""), expect("v1"))
	l := h.load("shop.test", 4)
	got := h.deploy(verifySpec(v2, "blue-green", "", ""), expect("v3"))
	l.end(t)
	if got.Outcome != deploy.OutcomeRolledBack || !strings.Contains(got.Reason, "the verification job failed before the switch: exit code 1") {
		t.Fatalf("outcome %s (%s), want rolled back on the failed verification%s", got.Outcome, got.Reason, eventsOf(got))
	}
	v := checkRun(t, got, "before the switch", false)
	if v.ExitCode != 1 || !strings.Contains(v.Output, "200 OK\nv2\n") || !strings.Contains(v.Output, `the body does not contain "v3"`) {
		t.Errorf("the run: exit %d, output:\n%s", v.ExitCode, v.Output)
	}
	if !hasEvent(got, "verification failed before the switch: exit code 1") || !hasEvent(got, `the body does not contain "v3"`) || hasEvent(got, "switched all traffic") {
		t.Errorf("events:%s", eventsOf(got))
	}
	if n, _ := l.versions.Load("v2"); n != nil && n.(*atomic.Int64).Load() > 0 {
		t.Errorf("%d requests reached v2, which never passed its verification", n.(*atomic.Int64).Load())
	}
	if v, err := h.get("shop.test"); err != nil || v != "v1" {
		t.Fatalf("GET / = %q, %v; want v1", v, err)
	}
	if n := len(h.running("shop", "web")); n != 2 {
		t.Fatalf("%d containers run, want v1's 2", n)
	}
	// The output is kept with the revision in the store.
	revs, err := h.engine.History("shop", 10)
	if err != nil || len(revs) == 0 || len(revs[0].Verify) != 1 || revs[0].Verify[0].Output != v.Output {
		t.Fatalf("History = %+v, %v; want the run with its output", revs, err)
	}
}

func TestRollingVerifiesAfterTheLastBatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, expect string
		outcome      deploy.Outcome
		serving      string
	}{
		{"a version that passes goes live", "v2", deploy.OutcomeSucceeded, "v2"},
		{"a version that fails is rolled back", "nope", deploy.OutcomeRolledBack, "v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
			h.smoke("v1", "1")
			h.deploy(verifySpec(v1, "rolling", "", ""), expect("v1"))
			got := h.deploy(verifySpec(v2, "rolling", "", ""), expect(tc.expect))
			if got.Outcome != tc.outcome {
				t.Fatalf("outcome %s (%s), want %s%s", got.Outcome, got.Reason, tc.outcome, eventsOf(got))
			}
			checkRun(t, got, "after the last batch", tc.outcome == deploy.OutcomeSucceeded)
			if last, verified := eventIndex(got, "2 of 2 replicas on the new version"), eventIndex(got, "verifying after the last batch"); last < 0 || verified < last {
				t.Errorf("want the verification after the last batch:%s", eventsOf(got))
			}
			_, port, _ := net.SplitHostPort(h.edge.Listener.Addr().String())
			if run := h.lastRun(); targetOf(run) != "http://shop.test:"+port+"/" || run.Hosts["shop.test"] != "127.0.0.1" {
				t.Errorf("the run was %+v, want it against the route's host", run)
			}
			if v, err := h.get("shop.test"); err != nil || v != tc.serving {
				t.Fatalf("GET / = %q, %v; want %s", v, err, tc.serving)
			}
			if n := len(h.running("shop", "web")); n != 2 {
				t.Fatalf("%d containers run, want 2", n)
			}
		})
	}
}

func TestCanaryVerifiesAtTheStepsMarked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	h.smoke("v1", "1")
	steps := "      steps: [{weight: 20, pause: 100ms, verify: true}, {weight: 60, pause: 100ms}]\n"
	h.deploy(verifySpec(v1, "canary", "", steps), expect("v1"))
	got := h.deploy(verifySpec(v2, "canary", "", steps), expect("v2"))
	if got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("outcome %s (%s)%s", got.Outcome, got.Reason, eventsOf(got))
	}
	checkRun(t, got, "at the 20% step", true)
	at20, verified, at60 := eventIndex(got, "20% of traffic"), eventIndex(got, "verification passed at the 20% step"), eventIndex(got, "60% of traffic")
	if at20 < 0 || verified < at20 || at60 < verified {
		t.Errorf("want the verification at the 20%% step, before the 60%% one:%s", eventsOf(got))
	}
	if run := h.lastRun(); !strings.HasPrefix(targetOf(run), "http://shop-preview.test:") {
		t.Errorf("the run was %+v, want it against the canary's preview host", run)
	}
	// A canary that fails its verification goes back at once.
	v3 := h.image("shop/web", "v3")
	got = h.deploy(verifySpec(v3, "canary", "", steps), expect("v2"))
	if got.Outcome != deploy.OutcomeRolledBack || hasEvent(got, "60% of traffic") {
		t.Fatalf("outcome %s (%s), want rolled back at the 20%% step%s", got.Outcome, got.Reason, eventsOf(got))
	}
	checkRun(t, got, "at the 20% step", false)
	if v, err := h.get("shop.test"); err != nil || v != "v2" {
		t.Fatalf("GET / = %q, %v; want v2", v, err)
	}
}

func TestAFailedVerificationFollowsTheFailureAction(t *testing.T) {
	t.Parallel()
	t.Run("pause waits, and promote switches despite it", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
		h.smoke("v1", "1")
		h.deploy(verifySpec(v1, "blue-green", ", failure_action: pause", ""), expect("v1"))
		rev := h.deployDetached(verifySpec(v2, "blue-green", ", failure_action: pause", ""), expect("v3"))
		h.waitEvent("shop", rev.Number, "paused: the verification job failed before the switch")
		if v, err := h.get("shop.test"); err != nil || v != "v1" {
			t.Fatalf("while paused GET / = %q, %v; want v1", v, err)
		}
		if err := h.engine.Promote("shop"); err != nil {
			t.Fatal(err)
		}
		got := h.wait("shop", rev.Number)
		if got.Outcome != deploy.OutcomeSucceeded || !hasEvent(got, "switched all traffic") {
			t.Fatalf("outcome %s (%s), want the switch once promoted%s", got.Outcome, got.Reason, eventsOf(got))
		}
		checkRun(t, got, "before the switch", false)
		if v, err := h.get("shop.test"); err != nil || v != "v2" {
			t.Fatalf("GET / = %q, %v; want v2", v, err)
		}
	})
	t.Run("continue goes on", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
		h.smoke("v1", "1")
		h.deploy(verifySpec(v1, "rolling", ", failure_action: continue", ""), expect("v1"))
		got := h.deploy(verifySpec(v2, "rolling", ", failure_action: continue", ""), expect("v3"))
		if got.Outcome != deploy.OutcomeSucceeded || !hasEvent(got, "going on despite: the verification job failed after the last batch") {
			t.Fatalf("outcome %s (%s)%s", got.Outcome, got.Reason, eventsOf(got))
		}
		checkRun(t, got, "after the last batch", false)
	})
}

func TestAVerificationThatOutlivesItsTimeoutFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	h.smoke("v1", "1")
	h.deploy(verifySpec(v1, "blue-green", "", ""), expect("v1"))
	got := h.deploy(verifySpec(v2, "blue-green", "", ""), map[string]string{"EXPECT": "v2", "DELAY": "1m", "VERIFY_TIMEOUT": "300ms"})
	if got.Outcome != deploy.OutcomeRolledBack || !strings.Contains(got.Reason, "did not finish within its timeout of 300ms") {
		t.Fatalf("outcome %s (%s), want rolled back on the timeout%s", got.Outcome, got.Reason, eventsOf(got))
	}
	if v := checkRun(t, got, "before the switch", false); v.ExitCode != -1 || !strings.Contains(v.Error, "timeout of 300ms") {
		t.Errorf("the run: exit %d, error %q", v.ExitCode, v.Error)
	}
}

func TestARollbackRerunsTheJobsDigest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	first := h.smoke("v1", "1")
	h.deploy(verifySpec(v1, "rolling", "", ""), expect("v1"))
	second := h.smoke("v1", "2") // the tag moves
	if got := h.deploy(verifySpec(v2, "rolling", "", ""), expect("v2")); got.Outcome != deploy.OutcomeSucceeded || h.lastRun().Image != second {
		t.Fatalf("revision 2: %s, ran %s; want it to run the tag's new digest %s%s", got.Outcome, h.lastRun().Image, second, eventsOf(got))
	}
	back, err := h.engine.Rollback(ctx(t), "shop", 1, "test")
	if err != nil {
		t.Fatal(err)
	}
	got := h.wait("shop", back.Number)
	if got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("rollback: %s (%s)%s", got.Outcome, got.Reason, eventsOf(got))
	}
	checkRun(t, got, "after the last batch", true)
	if run := h.lastRun(); run.Image != first {
		t.Fatalf("the rollback ran %s, want revision 1's %s", run.Image, first)
	}
}

func TestASpecWithVerifyIsRefusedWithoutAProxyAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{noProxyAddr: true})
	h.smoke("v1", "1")
	_, err := h.engine.Deploy(ctx(t), deploy.Request{File: "compose.yaml", Spec: []byte(verifySpec(h.image("shop/web", "v1"), "rolling", "", "")), Actor: "test"})
	if !errors.Is(err, deploy.ErrSpec) || !strings.Contains(err.Error(), "compose.yaml:13:7:") ||
		!strings.Contains(err.Error(), "services.web.x-berth.verify") || !strings.Contains(err.Error(), "no proxy address") {
		t.Fatalf("Deploy = %v, want ErrSpec placed at x-berth.verify, saying there is no proxy address", err)
	}
	if runs := h.driver.Runs(); len(runs) > 0 {
		t.Fatalf("the driver ran %+v", runs)
	}
}

func TestAVerificationImageThatCannotBeHadIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	_, err := h.engine.Deploy(ctx(t), deploy.Request{File: "compose.yaml", Spec: []byte(verifySpec(h.image("shop/web", "v1"), "rolling", "", "")), Actor: "test"})
	if !errors.Is(err, deploy.ErrSpec) || !strings.Contains(err.Error(), "services.web.x-berth.verify.image") || !strings.Contains(err.Error(), "reg.test/shop/smoke:v1") {
		t.Fatalf("Deploy = %v, want ErrSpec placed at x-berth.verify.image", err)
	}
}
