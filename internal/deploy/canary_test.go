package deploy_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

// canary is the x-berth of a canary web service of app shop.
func canarySpec(ref, env, steps, analysis string) string {
	s := `name: shop
services:
  web:
    image: ` + ref + `
    deploy:
      replicas: 2
      update_config: {monitor: 100ms}
`
	if env != "" {
		s += "    environment: {" + env + "}\n"
	}
	s += `    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms, timeout: 2s, healthy_threshold: 1, unhealthy_threshold: 3}
      strategy: canary
      steps: ` + steps + "\n"
	if analysis != "" {
		s += "      analysis: " + analysis + "\n"
	}
	return s
}

func TestAbortAtAHalfCanaryFailsNoRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	steps := "[{weight: 50, pause: manual}]"
	h.deploy(canarySpec(v1, "", steps, ""), nil)
	l := h.load("shop.test", 8)
	rev := h.deployDetached(canarySpec(v2, "", steps, ""), nil)
	h.waitEvent("shop", rev.Number, "paused:")
	eventually(t, 10*time.Second, func() error {
		if v, _ := l.versions.Load("v2"); v == nil || v.(*atomic.Int64).Load() < 20 {
			return errNotYet
		}
		return nil
	})
	if err := h.engine.Abort("shop"); err != nil {
		t.Fatal(err)
	}
	got := h.wait("shop", rev.Number)
	time.Sleep(300 * time.Millisecond) // traffic after the abort
	l.end(t)
	if got.Outcome != deploy.OutcomeAborted {
		t.Fatalf("outcome %s (%s), want aborted:%s", got.Outcome, got.Reason, eventsOf(got))
	}
	for range 20 {
		if v, err := h.get("shop.test"); err != nil || v != "v1" {
			t.Fatalf("after the abort GET / = %q, %v; want v1", v, err)
		}
	}
	if n := len(h.running("shop", "web")); n != 2 {
		t.Fatalf("%d containers run after the abort, want v1's 2", n)
	}
}

func TestCanaryIsPromotedStepByStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	steps := "[{weight: 10, pause: 200ms}, {weight: 50, pause: manual}]"
	h.deploy(canarySpec(v1, "", steps, ""), nil)
	l := h.load("shop.test", 4)
	rev := h.deployDetached(canarySpec(v2, "", steps, ""), nil)
	h.waitEvent("shop", rev.Number, "the canary has 50% of traffic")
	if err := h.engine.Promote("shop"); err != nil {
		t.Fatal(err)
	}
	got := h.wait("shop", rev.Number)
	l.end(t)
	if got.Outcome != deploy.OutcomeSucceeded || !hasEvent(got, "10% of traffic on the canary") || !hasEvent(got, "promoted: all traffic") {
		t.Fatalf("outcome %s (%s):%s", got.Outcome, got.Reason, eventsOf(got))
	}
	if v, err := h.get("shop.test"); err != nil || v != "v2" {
		t.Fatalf("GET / = %q, %v; want v2", v, err)
	}
}

func TestCanaryAnalysisRollsBackAVersionThatFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	steps := "[{weight: 50, pause: 30s}]"
	analysis := "{max_error_rate: 0.1, min_requests: 10, window: 30s}"
	h.deploy(canarySpec(v1, "", steps, analysis), nil)
	rev := h.deployDetached(canarySpec(v2, `FAIL_RATE: "1"`, steps, analysis), nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = h.get("shop.test")
			}
		}
	}()
	got := h.wait("shop", rev.Number)
	close(stop)
	<-done
	if got.Outcome != deploy.OutcomeRolledBack || !hasEvent(got, "with 5xx") {
		t.Fatalf("outcome %s (%s), want rolled back on its 5xx:%s", got.Outcome, got.Reason, eventsOf(got))
	}
}

func TestACanaryIsJudgedOnlyOnItsOwnRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2, v3 := h.image("shop/web", "v1"), h.image("shop/web", "v2"), h.image("shop/web", "v3")
	steps := "[{weight: 50, pause: 3s}]"
	analysis := "{max_error_rate: 0.1, min_requests: 5, window: 1m}"
	h.deploy(canarySpec(v1, "", steps, analysis), nil)
	// Revision 2 fails on its canary's 5xx and is rolled back: its set's
	// failures must not count against revision 3, which runs as the same
	// set.
	rev := h.deployDetached(canarySpec(v2, `FAIL_RATE: "1"`, steps, analysis), nil)
	for {
		_, _ = h.get("shop.test")
		st, err := h.engine.Status(ctx(t), "shop")
		if err != nil {
			t.Fatal(err)
		}
		if st.Rollout == nil {
			break
		}
	}
	if got := h.wait("shop", rev.Number); got.Outcome != deploy.OutcomeRolledBack {
		t.Fatalf("revision 2: %s, want rolled back:%s", got.Outcome, eventsOf(got))
	}
	got := h.deploy(canarySpec(v3, "", steps, analysis), nil)
	if got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("revision 3: %s (%s), want succeeded:%s", got.Outcome, got.Reason, eventsOf(got))
	}
}
