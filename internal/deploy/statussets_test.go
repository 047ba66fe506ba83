package deploy_test

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

func TestStatusShowsAPausedCanarySet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	steps := "[{weight: 10, pause: manual}]"
	h.deploy(canarySpec(v1, "", steps, ""), nil)
	rev := h.deployDetached(canarySpec(v2, "", steps, ""), nil)
	h.waitEvent("shop", rev.Number, "paused:")
	st, err := h.engine.Status(ctx(t), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if st.Live != 1 || len(st.Services) != 1 || len(st.Services[0].Sets) != 1 {
		t.Fatalf("status %+v, want live revision 1 and one set besides it", st)
	}
	live, set := st.Services[0], st.Services[0].Sets[0]
	if set.Revision != rev.Number || set.State != deploy.SetWaiting || set.Traffic != 10 || set.Running != 2 || set.Set == live.Set {
		t.Fatalf("the canary's set: %+v (live set %s), want revision %d's 2 replicas with 10%% waiting for promote", set, live.Set, rev.Number)
	}
	if err := h.engine.Promote("shop"); err != nil {
		t.Fatal(err)
	}
	if got := h.wait("shop", rev.Number); got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("promoted: %s (%s)", got.Outcome, got.Reason)
	}
	st, err = h.engine.Status(ctx(t), "shop")
	if err != nil || st.Live != rev.Number || len(st.Services[0].Sets) != 0 {
		t.Fatalf("after the promotion: %+v, %v; want revision %d alone", st, err, rev.Number)
	}
}

func TestStatusShowsTheWarmSetUntilItGoes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
	bg := func(ref string) string {
		return `name: shop
services:
  web:
    image: ` + ref + `
    deploy: {replicas: 2, update_config: {monitor: 50ms}}
    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms}
      strategy: blue-green
      keep_previous: 1s
`
	}
	h.deploy(bg(v1), nil)
	before := time.Now()
	if rev := h.deploy(bg(v2), nil); rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("revision 2: %s (%s)", rev.Outcome, rev.Reason)
	}
	st, err := h.engine.Status(ctx(t), "shop")
	if err != nil || st.Live != 2 || len(st.Services[0].Sets) != 1 {
		t.Fatalf("status %+v, %v; want revision 2 live and revision 1 kept warm", st, err)
	}
	warm := st.Services[0].Sets[0]
	if warm.Revision != 1 || warm.State != deploy.SetWarm || warm.Traffic != 0 || warm.Running != 2 ||
		warm.Until.Before(before) || warm.Until.After(time.Now().Add(time.Second)) {
		t.Fatalf("the warm set: %+v, want revision 1's 2 replicas kept about 1s", warm)
	}
	eventually(t, 10*time.Second, func() error {
		st, err := h.engine.Status(ctx(t), "shop")
		if err != nil || len(st.Services[0].Sets) != 0 {
			return errNotYet
		}
		return nil
	})
}
