package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

func TestTheReceiverGetsASignedEvent(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, http.StatusNoContent)
	f.start([]config.Webhook{hook("ci", rc.URL)}, Options{})
	e := event(events.ActionPush, "team/api", "v1.4.2")
	f.bus.Publish(e)

	d := f.waitFor("the delivery", finished(1))[0]
	if d.State != meta.DeliveryDelivered || len(d.Attempts) != 1 || d.Attempts[0].Status != http.StatusNoContent {
		t.Fatalf("delivery %+v", d)
	}
	got := rc.requests()[0]
	if got.verified != nil {
		t.Fatalf("receiver could not verify the signature: %v", got.verified)
	}
	for header, want := range map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    "berth-webhook",
		HeaderEvent:     "push",
		HeaderDelivery:  d.ID,
		HeaderTimestamp: strconv.FormatInt(epoch.Unix(), 10),
	} {
		if v := got.header.Get(header); v != want {
			t.Errorf("%s: %q, want %q", header, v, want)
		}
	}
	var p Payload
	if err := json.Unmarshal(got.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Delivery != d.ID || p.Webhook != "ci" || p.Event != e {
		t.Fatalf("payload %+v, want delivery %s of %+v", p, d.ID, e)
	}
}

func TestWebhooksFilterByActionAndRepository(t *testing.T) {
	for _, tc := range []struct {
		name    string
		actions []string
		repos   string
		action  string
		repo    string
		want    bool
	}{
		{"no actions means pushes", nil, "", "push", "app", true},
		{"no actions means deletes", nil, "", "delete", "app", true},
		{"no actions leaves out pulls", nil, "", "pull", "app", false},
		{"listed actions are wanted", []string{"pull"}, "", "pull", "app", true},
		{"actions not listed are not", []string{"pull"}, "", "push", "app", false},
		{"a star matches within one component", nil, "team/*", "push", "team/api", true},
		{"a star stops at a slash", nil, "team/*", "push", "team/a/b", false},
		{"two stars cross slashes", nil, "team/**", "push", "team/a/b", true},
		{"other repositories are not wanted", nil, "team/**", "push", "other/api", false},
		{"both filters must match", []string{"delete"}, "team/*", "push", "team/api", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := config.Webhook{Name: "h", Actions: tc.actions, Repos: tc.repos}
			if got := wants(h, event(tc.action, tc.repo, "v1")); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOnlyMatchingWebhooksGetDeliveries(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, http.StatusOK)
	teamPushes := hook("team-pushes", rc.URL)
	teamPushes.Actions, teamPushes.Repos = []string{"push"}, "team/**"
	deletes := hook("deletes", rc.URL)
	deletes.Actions = []string{"delete"}
	f.start([]config.Webhook{hook("all", rc.URL), teamPushes, deletes}, Options{})

	// The pull goes first: once the later events are delivered, it has
	// been considered too.
	f.bus.Publish(event(events.ActionPull, "team/api", "v1"))
	f.bus.Publish(event(events.ActionPush, "team/api", "v1"))
	f.bus.Publish(event(events.ActionDelete, "team/api", "v1"))
	f.bus.Publish(event(events.ActionPush, "other", "v1"))

	ds := f.waitFor("five deliveries", finished(5))
	got := map[string][]string{}
	for _, d := range slices.Backward(ds) {
		got[d.Webhook] = append(got[d.Webhook], d.Event.Action+" "+d.Event.Repository)
	}
	want := map[string][]string{
		"all":         {"push team/api", "delete team/api", "push other"},
		"team-pushes": {"push team/api"},
		"deletes":     {"delete team/api"},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s got %v, want %v", name, got[name], w)
		}
	}
}

func TestDeliveriesToOneWebhookKeepEventOrder(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusOK)
	f.start([]config.Webhook{hook("ci", rc.URL)}, Options{})
	for i := range 5 {
		f.bus.Publish(event(events.ActionPush, "app", "v"+strconv.Itoa(i)))
	}
	f.waitFor("five deliveries", finished(5))
	var tags []string
	for _, r := range rc.requests() {
		var p Payload
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		tags = append(tags, p.Event.Tag)
	}
	if want := []string{"v0", "v0", "v1", "v2", "v3", "v4"}; !slices.Equal(tags, want) {
		t.Fatalf("received %v, want %v", tags, want)
	}
}

func TestWorkersBoundTheAttemptsInFlight(t *testing.T) {
	f := newFixture(t)
	rc := newSlowReceiver(t, 20*time.Millisecond, http.StatusOK)
	var hooks []config.Webhook
	for _, name := range []string{"a", "b", "c", "d"} {
		hooks = append(hooks, hook(name, rc.URL))
	}
	f.start(hooks, Options{Workers: 2})
	for range 3 {
		f.bus.Publish(event(events.ActionPush, "app", "v1"))
	}
	f.waitFor("twelve deliveries", finished(12))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.most != 2 {
		t.Fatalf("at most %d attempts were in flight at once, want 2", rc.most)
	}
}

func TestPendingDeliveriesAreResumed(t *testing.T) {
	f := newFixture(t)
	e := event(events.ActionPush, "app", "v1")
	earlier := epoch.Add(-time.Minute)
	left, err := f.db.CreateDelivery(meta.Delivery{
		Webhook: "ci", Event: e, Created: earlier, State: meta.DeliveryPending,
		Attempts:    []meta.Attempt{{Time: earlier, Status: http.StatusBadGateway}},
		NextAttempt: earlier.Add(time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := f.db.CreateDelivery(meta.Delivery{
		Webhook: "gone", Event: e, Created: earlier, State: meta.DeliveryPending, NextAttempt: earlier,
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, http.StatusOK)
	f.start([]config.Webhook{hook("ci", rc.URL)}, Options{})

	f.waitFor("both deliveries to end", finished(2))
	if got, _ := f.db.Delivery(left.ID); got.State != meta.DeliveryDelivered || len(got.Attempts) != 2 {
		t.Errorf("resumed delivery %+v", got)
	}
	if reqs := rc.requests(); len(reqs) != 1 || reqs[0].header.Get(HeaderDelivery) != left.ID {
		t.Errorf("receiver got %d requests, want one for %s", len(reqs), left.ID)
	}
	if got, _ := f.db.Delivery(orphan.ID); got.State != meta.DeliveryFailed || len(got.Attempts) != 0 {
		t.Errorf("delivery to an unconfigured webhook %+v", got)
	}
	if f.count(`err="webhook no longer configured"`) != 1 {
		t.Errorf("logs:\n%s", f.logs)
	}
}

func TestDroppedEventsAreReported(t *testing.T) {
	f := newFixture(t)
	sub := f.bus.Subscribe(1)
	for range 3 {
		f.bus.Publish(event(events.ActionPush, "app", "v1"))
	}
	f.startWith(sub, nil, Options{})
	const line = `level=WARN msg="webhook events dropped: the subscription buffer was full" dropped=2 total=2`
	deadline := time.Now().Add(5 * time.Second)
	for f.count(line) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no warning about dropped events; logs:\n%s", f.logs)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestEventsBufferedAtCancellationAreKeptPending(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, http.StatusOK)
	sub := f.bus.Subscribe(8)
	defer sub.Close()
	f.bus.Publish(event(events.ActionPush, "app", "v1"))
	f.bus.Publish(event(events.ActionDelete, "app", "v1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := New([]config.Webhook{hook("ci", rc.URL)}, f.db, nil, f.log, Options{Clock: f.clock})
	if err := d.Run(ctx, sub); err != nil {
		t.Fatal(err)
	}
	pending, err := f.db.PendingDeliveries()
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || len(rc.requests()) != 0 {
		t.Fatalf("%d pending after %d requests, want 2 after none", len(pending), len(rc.requests()))
	}
	noGoroutinesLeft(t)
}
