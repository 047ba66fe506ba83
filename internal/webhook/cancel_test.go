package webhook

import (
	"net/http"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

func TestCancellingLetsTheAttemptInFlightFinish(t *testing.T) {
	f := newFixture(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	rc := unstartedReceiver(t, 0, http.StatusOK)
	inner := rc.Config.Handler
	rc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		inner.ServeHTTP(w, r)
	})
	rc.Start()
	stop := f.start([]config.Webhook{hook("ci", rc.URL)}, Options{})
	f.bus.Publish(event(events.ActionPush, "app", "v1"))
	<-arrived

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case <-stopped:
		t.Fatal("Run returned while an attempt was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	noGoroutinesLeft(t)
	ds, err := f.db.Deliveries(0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != meta.DeliveryDelivered {
		t.Fatalf("deliveries %+v, want one delivered", ds)
	}
}

func TestARestartDuringABackoffLosesNothing(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, http.StatusServiceUnavailable, http.StatusOK)
	hooks := []config.Webhook{hook("ci", rc.URL)}
	// A frozen clock never finishes waiting for the retry.
	stop := f.start(hooks, Options{Clock: &fakeClock{now: epoch, frozen: true}})
	f.bus.Publish(event(events.ActionPush, "app", "v1"))
	waiting := f.waitFor("a retry to be scheduled", func(ds []meta.Delivery) bool {
		return len(ds) == 1 && len(ds[0].Attempts) == 1
	})[0]
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	noGoroutinesLeft(t)
	if waiting.State != meta.DeliveryPending || waiting.NextAttempt.IsZero() {
		t.Fatalf("delivery %+v, want pending with a next attempt", waiting)
	}

	f.start(hooks, Options{})
	d := f.waitFor("the resumed delivery", finished(1))[0]
	if d.ID != waiting.ID || d.State != meta.DeliveryDelivered || len(d.Attempts) != 2 {
		t.Fatalf("delivery %+v, want %s delivered on its second attempt", d, waiting.ID)
	}
}
