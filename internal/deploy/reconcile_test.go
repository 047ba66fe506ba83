package deploy_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

// workerSpec is an app with one unrouted service.
// extra is YAML added to the service, indented by four spaces.
func workerSpec(app, ref, extra string) string {
	return `name: ` + app + `
services:
  worker:
    image: ` + ref + `
    deploy: {update_config: {monitor: 50ms}}
` + extra + `    x-berth: {ready_after: 100ms}
`
}

func TestOneAppSlowToComeBackDelaysNoOtherAppsReconcile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{engine: deploy.Options{ReconcileEvery: 100 * time.Millisecond, ReadyTimeout: time.Minute}})
	slow, quick := h.image("aslow/worker", "v1"), h.image("zquick/worker", "v1")
	// aslow's replacement (listed first) never becomes ready: it does not listen, its
	// health check fails within its start period, so it stays starting,
	// and the reconcile waits its ready timeout.
	h.deploy(workerSpec("aslow", slow, `    environment: {HANG_AFTER_FIRST: "1"}
    healthcheck: {test: ["CMD", "/app", "-healthcheck"], interval: 100ms, start_period: 1h}
`), nil)
	h.deploy(workerSpec("zquick", quick, ""), nil)
	h.logs.expect("reconciling")
	for _, app := range []string{"aslow", "zquick"} {
		for _, i := range h.running(app, "worker") {
			if err := h.driver.Remove(ctx(t), i.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// zquick is replaced long before aslow's reconcile gives up.
	eventually(t, 20*time.Second, func() error {
		if len(h.running("zquick", "worker")) != 1 {
			return errNotYet
		}
		return nil
	})
}

func TestADeployDuringAReconcileIsNotUndoneByIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{engine: deploy.Options{ReconcileEvery: 100 * time.Millisecond, ReadyTimeout: 3 * time.Second}})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	steps := "[{weight: 50, pause: manual}]"
	// v1's replacement takes 1.5s to listen: the reconcile that replaces
	// it is still waiting when the canary starts.
	if rev := h.deploy(canarySpec(v1, `LISTEN_AFTER: "1500ms"`, steps, ""), nil); rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("revision 1: %s (%s)", rev.Outcome, rev.Reason)
	}
	for _, i := range h.running("shop", "web")[:1] {
		if err := h.driver.Remove(ctx(t), i.ID); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // the reconcile has started the replacement
	rev := h.deployDetached(canarySpec(v2, "", steps, ""), nil)
	h.waitEvent("shop", rev.Number, "paused:")
	// Past the time the reconcile would have ended and set its route.
	time.Sleep(2 * time.Second)
	var v2Seen atomic.Int64
	for range 200 {
		if v, err := h.get("shop.test"); err == nil && v == "v2" {
			v2Seen.Add(1)
		}
	}
	if v2Seen.Load() == 0 {
		t.Fatal("the canary gets no traffic: a reconcile replaced its route")
	}
	if err := h.engine.Promote("shop"); err != nil {
		t.Fatal(err)
	}
	if got := h.wait("shop", rev.Number); got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("outcome %s (%s):%s", got.Outcome, got.Reason, eventsOf(got))
	}
}

func TestStatusAndFollowDuringRolloutsAreSafe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	refs := []string{h.image("shop/web", "v1"), h.image("shop/web", "v2"), h.image("shop/web", "v3")}
	stop := make(chan struct{})
	done := make(chan struct{})
	e := h.engine
	t.Cleanup(func() {
		close(stop)
		<-done
	})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if st, err := e.Status(ctx(t), "shop"); err == nil && st.Rollout != nil {
				if past, c, end, err := e.Follow("shop", st.Rollout.Revision); err == nil {
					_ = past
					if c != nil {
						select {
						case <-c:
						default:
						}
					}
					end()
				}
			}
			_, _ = e.Apps(ctx(t))
			_, _ = e.History("shop", 10)
		}
	}()
	for _, ref := range refs {
		rev := h.deployDetached(webSpec(ref, 2, updateConfig("parallelism: 1, monitor: 50ms")), nil)
		if got := h.wait("shop", rev.Number); got.Outcome != deploy.OutcomeSucceeded {
			t.Fatalf("revision %d: %s (%s)", rev.Number, got.Outcome, got.Reason)
		}
	}
}

func TestCloseWaitsForAWarmSetThatIsGoing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	bg := func(ref string) string {
		return `name: shop
services:
  web:
    image: ` + ref + `
    environment: {DELAY: "4s"}
    deploy: {update_config: {monitor: 50ms}}
    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms}
      strategy: blue-green
      keep_previous: 200ms
`
	}
	h.deploy(bg(v1), nil)
	// A request to v1 that is still in flight when v1 is retired: the
	// retirement drains it.
	answered := make(chan error, 1)
	go func() {
		_, err := h.get("shop.test")
		answered <- err
	}()
	time.Sleep(100 * time.Millisecond)
	rev := h.deploy(bg(v2), nil)
	if rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("revision 2: %s (%s)", rev.Outcome, rev.Reason)
	}
	time.Sleep(1200 * time.Millisecond) // keep_previous ran out: v1 is draining its 4s request
	h.stop()
	removed := 0
	for _, e := range h.driver.Events() {
		if e.Kind == "remove" && e.Revision == 1 {
			removed++
		}
	}
	if removed != 1 {
		t.Fatalf("Close returned while the warm set was still going (%d of 1 removed)", removed)
	}
	if err := <-answered; err != nil {
		t.Fatalf("the request drained from v1: %v", err)
	}
}
