package deploy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

func TestADeployThatDropsALiveRouteIsRefusedUnlessForced(t *testing.T) {
	t.Parallel()
	unrouted := func(ref string) string {
		return "name: shop\nservices:\n  web:\n    image: " + ref + "\n    deploy: {update_config: {monitor: 50ms}}\n"
	}
	renamed := func(ref string) string {
		s := strings.Replace(webSpec(ref, 1, fastUpdate), "  web:", "  www:", 1)
		return strings.Replace(s, "host: shop.test", "host: www.test", 1)
	}
	moved := func(ref string) string {
		return strings.Replace(webSpec(ref, 1, fastUpdate), "host: shop.test", "host: other.test", 1)
	}
	for _, tc := range []struct {
		name string
		spec func(ref string) string
		says string
	}{
		{"a service that loses its route", unrouted, "service web has no x-berth.route any more"},
		{"a service that is no longer in the spec", renamed, "service web is no longer in the spec"},
		{"a service that moves to another host", moved, "service web moves to other.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			v1, v2 := h.image("shop/web", "v1"), h.image("shop/web", "v2")
			h.deploy(webSpec(v1, 1, fastUpdate), nil)
			_, err := h.engine.Deploy(ctx(t), deploy.Request{File: "compose.yaml", Spec: []byte(tc.spec(v2)), Actor: "test"})
			if !errors.Is(err, deploy.ErrSpec) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("Deploy = %v, want ErrSpec saying %q and how to force it", err, tc.says)
			}
			if v, err := h.get("shop.test"); err != nil || v != "v1" {
				t.Fatalf("after the refusal GET / = %q, %v; want v1", v, err)
			}
			rev, err := h.engine.Deploy(ctx(t), deploy.Request{File: "compose.yaml", Spec: []byte(tc.spec(v2)), Actor: "test", Force: true})
			if err != nil {
				t.Fatalf("Deploy with Force: %v", err)
			}
			if got := h.wait("shop", rev.Number); got.Outcome != deploy.OutcomeSucceeded {
				t.Fatalf("forced revision: %s (%s)", got.Outcome, got.Reason)
			}
			if _, err := h.get("shop.test"); err == nil || !strings.Contains(err.Error(), "404") {
				t.Fatalf("after the forced deploy GET shop.test = %v, want 404", err)
			}
		})
	}
}
