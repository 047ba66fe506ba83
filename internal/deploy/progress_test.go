package deploy_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

func TestProgressCountsAgainstTheServiceReplicas(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	h.deploy(webSpec(v1, 3, fastUpdate), nil)
	rev := h.deploy(webSpec(v2, 3, updateConfig("parallelism: 1, order: start-first, monitor: 50ms")), nil)
	if rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("revision 2: %s (%s)%s", rev.Outcome, rev.Reason, eventsOf(rev))
	}
	if !hasEvent(rev, "rolling 3 replicas, 1 at a time") || !hasEvent(rev, "1 of 3 replicas on the new version") {
		t.Fatalf("want the plan and the first batch counted against 3 replicas:%s", eventsOf(rev))
	}
	for _, e := range rev.Events {
		if strings.Contains(e.Message, "on the new version") && !strings.Contains(e.Message, " of 3 replicas ") {
			t.Fatalf("event %q counts against something other than the service's 3 replicas:%s", e.Message, eventsOf(rev))
		}
		if e.Back != 0 {
			t.Fatalf("event %q of a rollout says it goes back to revision %d", e.Message, e.Back)
		}
	}
	one := h.deploy(webSpec(v1, 1, fastUpdate), nil)
	if !hasEvent(one, "rolling 1 replica,") {
		t.Fatalf("want one replica in the singular:%s", eventsOf(one))
	}

	back, err := h.engine.Rollback(ctx(t), "shop", 2, "test")
	if err != nil {
		t.Fatal(err)
	}
	got := h.wait("shop", back.Number)
	traffic := 0
	for _, e := range got.Events {
		if e.Traffic == nil {
			continue
		}
		traffic++
		if e.Back != 2 {
			t.Fatalf("rollback event %q says it goes back to revision %d, want 2", e.Message, e.Back)
		}
	}
	if got.Outcome != deploy.OutcomeSucceeded || traffic == 0 {
		t.Fatalf("rollback: %s (%s), %d traffic events%s", got.Outcome, got.Reason, traffic, eventsOf(got))
	}
}
