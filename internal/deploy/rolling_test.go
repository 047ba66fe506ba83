package deploy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

// webSpec is an app "shop" with one routed service, web, at image ref.
// extra is YAML added to the service, indented by four spaces.
func webSpec(ref string, replicas int, extra string) string {
	return fmt.Sprintf(`name: shop
services:
  web:
    image: %s
    deploy:
      replicas: %d
%s    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms, timeout: 2s, healthy_threshold: 1, unhealthy_threshold: 3}
`, ref, replicas, extra)
}

// fastUpdate watches each batch for 50ms instead of 10s.
var fastUpdate = updateConfig("monitor: 50ms")

// updateConfig is a deploy.update_config for webSpec's extra.
func updateConfig(fields string) string {
	return "      update_config: {" + fields + "}\n"
}

func hasEvent(rev deploy.Revision, text string) bool {
	for _, e := range rev.Events {
		if strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}

func eventsOf(rev deploy.Revision) string {
	var b strings.Builder
	for _, e := range rev.Events {
		fmt.Fprintf(&b, "\n  %s %s %s", e.Time.Format("05.000"), e.Service, e.Message)
	}
	return b.String()
}

func TestRolling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// update is the update_config of the second revision, env its
		// variables for the new version.
		update, env string
		outcome     deploy.Outcome
		serving     string // the version serving at the end
		event       string // an event the rollout must have
	}{
		{
			name: "start-first replaces every replica with no failed request", update: "parallelism: 1, monitor: 100ms",
			outcome: deploy.OutcomeSucceeded, serving: "v2", event: "revision 2 is live",
		},
		{
			name: "stop-first in batches of two replaces every replica", update: "parallelism: 2, order: stop-first, monitor: 100ms",
			outcome: deploy.OutcomeSucceeded, serving: "v2", event: "3 of 3 replicas on the new version",
		},
		{
			name: "an unhealthy version is rolled back", update: "parallelism: 1, monitor: 100ms", env: "FAIL_HEALTH: \"1\"",
			outcome: deploy.OutcomeRolledBack, serving: "v1", event: "rolled back: revision 1 is live again",
		},
		{
			name: "failure_action continue goes on past a failed batch", update: "parallelism: 1, monitor: 100ms, failure_action: continue", env: "FAIL_FIRST: \"1\"",
			outcome: deploy.OutcomeSucceeded, serving: "v2", event: "going on despite",
		},
		{
			name: "max_failure_ratio tolerates one failure in three", update: "parallelism: 1, monitor: 100ms, max_failure_ratio: 0.34", env: "FAIL_FIRST: \"1\"",
			outcome: deploy.OutcomeSucceeded, serving: "v2", event: "tolerating a failure (1 so far, max_failure_ratio 0.34)",
		},
		{
			name: "max_failure_ratio below one in three rolls back", update: "parallelism: 1, monitor: 100ms, max_failure_ratio: 0.3", env: "FAIL_FIRST: \"1\"",
			outcome: deploy.OutcomeRolledBack, serving: "v1", event: "rolled back",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
			if rev := h.deploy(webSpec(v1, 3, fastUpdate), nil); rev.Outcome != deploy.OutcomeSucceeded {
				t.Fatalf("revision 1: %s %s%s", rev.Outcome, rev.Reason, eventsOf(rev))
			}
			l := h.load("shop.test", 4)
			extra := updateConfig(tc.update)
			if tc.env != "" {
				extra += "    environment: {" + tc.env + "}\n"
			}
			rev := h.deploy(webSpec(v2, 3, extra), nil)
			l.end(t)
			if rev.Outcome != tc.outcome || !hasEvent(rev, tc.event) {
				t.Fatalf("revision 2: %s (%s), want %s with an event %q:%s", rev.Outcome, rev.Reason, tc.outcome, tc.event, eventsOf(rev))
			}
			for range 20 {
				if v, err := h.get("shop.test"); err != nil || v != tc.serving {
					t.Fatalf("after the rollout GET / = %q, %v; want %s", v, err, tc.serving)
				}
			}
		})
	}
}

func TestFailureActionPauseWaitsForAPromoteOrAnAbort(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{false, true} {
		t.Run(map[bool]string{false: "promote goes on", true: "abort goes back"}[abort], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
			h.deploy(webSpec(v1, 2, fastUpdate), nil)
			l := h.load("shop.test", 2)
			extra := updateConfig("parallelism: 1, monitor: 100ms, failure_action: pause") + "    environment: {FAIL_FIRST: \"1\"}\n"
			rev := h.deployDetached(webSpec(v2, 2, extra), nil)
			h.waitEvent("shop", rev.Number, "paused:")
			st, err := h.engine.Status(ctx(t), "shop")
			if err != nil {
				t.Fatal(err)
			}
			if st.Rollout == nil || st.Rollout.Outcome != deploy.OutcomePaused {
				t.Fatalf("status while paused: %+v", st.Rollout)
			}
			var want deploy.Outcome
			var serving string
			if abort {
				err, want, serving = h.engine.Abort("shop"), deploy.OutcomeAborted, "v1"
			} else {
				err, want, serving = h.engine.Promote("shop"), deploy.OutcomeSucceeded, "v2"
			}
			if err != nil {
				t.Fatal(err)
			}
			got := h.wait("shop", rev.Number)
			l.end(t)
			if got.Outcome != want {
				t.Fatalf("outcome %s (%s), want %s:%s", got.Outcome, got.Reason, want, eventsOf(got))
			}
			if v, err := h.get("shop.test"); err != nil || v != serving {
				t.Fatalf("GET / = %q, %v; want %s", v, err, serving)
			}
		})
	}
}

func TestAFailedRollbackOfAStopFirstRolloutEndsFailed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	h.deploy(webSpec(v1, 2, fastUpdate), nil)
	// The first batch stops a v1 replica before v2 fails; v1 then cannot
	// start again.
	h.breakImage(v1)
	h.logs.expect("reconciling")
	extra := updateConfig("parallelism: 1, order: stop-first, monitor: 100ms") + "    environment: {FAIL_HEALTH: \"1\"}\n"
	rev := h.deploy(webSpec(v2, 2, extra), nil)
	if rev.Outcome != deploy.OutcomeFailed || !strings.Contains(rev.Reason, "could not restore the previous revision") {
		t.Fatalf("outcome %s (%s), want failed:%s", rev.Outcome, rev.Reason, eventsOf(rev))
	}
	// The replica of v1 that was not stopped still serves.
	if v, err := h.get("shop.test"); err != nil || v != "v1" {
		t.Fatalf("GET / = %q, %v; want v1", v, err)
	}
}
