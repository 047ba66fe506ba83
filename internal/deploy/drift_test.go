package deploy_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
)

// driftRecords returns the messages of app's drift records.
func (h *harness) driftRecords(app string) []string {
	h.t.Helper()
	revs, err := h.engine.History(app, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, r := range revs {
		if r.Outcome != deploy.OutcomeCorrected {
			continue
		}
		for _, e := range r.Events {
			out = append(out, e.Message)
		}
	}
	return out
}

func TestDriftIsCorrectedAtOnceAndRecorded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		drift func(h *harness, victim driver.Instance)
		says  string
	}{
		{"a replica removed by hand", func(h *harness, v driver.Instance) {
			if err := h.driver.Remove(ctx(h.t), v.ID); err != nil {
				h.t.Fatal(err)
			}
		}, "1 of 2 replicas were missing"},
		{"a replica stopped by hand", func(h *harness, v driver.Instance) {
			if err := h.driver.Stop(ctx(h.t), v.ID, time.Second); err != nil {
				h.t.Fatal(err)
			}
		}, "had stopped"},
		{"a container started by hand with the live revision's labels", func(h *harness, v driver.Instance) {
			if _, err := h.driver.Start(ctx(h.t), driver.ContainerSpec{App: v.App, Service: v.Service, Revision: v.Revision,
				Set: v.Set, Index: 9, Image: v.Image, Port: 8080}); err != nil {
				h.t.Fatal(err)
			}
		}, "was not started by berth (made by hand with its labels): replaced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The periodic check is an hour away: only the host's events
			// can bring the correction.
			h := newHarness(t, harnessOptions{engine: deploy.Options{ReconcileEvery: time.Hour}})
			v1 := h.image("shop/web", "v1")
			h.deploy(webSpec(v1, 2, fastUpdate), nil)
			tc.drift(h, h.running("shop", "web")[0])
			eventually(t, 20*time.Second, func() error {
				found := h.driftRecords("shop")
				if len(found) == 0 || !strings.Contains(strings.Join(found, "\n"), tc.says) {
					return fmt.Errorf("drift records %q, want one that says %q", found, tc.says)
				}
				if n := len(h.running("shop", "web")); n != 2 {
					return fmt.Errorf("%d replicas run, want 2", n)
				}
				return nil
			})
			for _, r := range h.driftRecords("shop") {
				if strings.Contains(r, "belongs to no live revision") {
					t.Errorf("a correction was recorded twice, the second time as a stray: %q", h.driftRecords("shop"))
				}
			}
			st, err := h.engine.Status(ctx(t), "shop")
			if err != nil || st.Live != 1 {
				t.Fatalf("status after the correction: %+v %v; want revision 1 still live", st, err)
			}
			for range 10 {
				if v, err := h.get("shop.test"); err != nil || v != "v1" {
					t.Fatalf("GET / = %q, %v", v, err)
				}
			}
		})
	}
}

func TestARolloutIsNoDrift(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.deploy(webSpec(h.image("shop/web", "v1"), 2, fastUpdate), nil)
	h.deploy(webSpec(h.image("shop/web", "v2"), 2, fastUpdate), nil)
	time.Sleep(500 * time.Millisecond) // the reconciles its events bring
	if found := h.driftRecords("shop"); len(found) > 0 {
		t.Fatalf("a rollout was recorded as drift: %q", found)
	}
}
