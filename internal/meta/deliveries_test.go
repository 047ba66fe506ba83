package meta

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/events"
)

// recordDelivery records a delivery to webhook created at now+offset.
func recordDelivery(t testing.TB, db *DB, webhook string, offset time.Duration, state DeliveryState) Delivery {
	t.Helper()
	d, err := db.CreateDelivery(Delivery{
		Webhook: webhook,
		Event:   events.Event{ID: events.NewID(), Action: events.ActionPush, Repository: "app", Tag: "v1"},
		Created: now.Add(offset),
		State:   state,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ids(ds []Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func TestDeliveryIDsSortByCreationTimeThenRecordingOrder(t *testing.T) {
	db := openDB(t)
	later := recordDelivery(t, db, "ci", time.Second, DeliveryPending)
	first := recordDelivery(t, db, "ci", 0, DeliveryPending)
	second := recordDelivery(t, db, "ci", 0, DeliveryPending)
	if !(first.ID < second.ID && second.ID < later.ID) {
		t.Fatalf("IDs %s, %s, %s do not sort by creation", first.ID, second.ID, later.ID)
	}
	got, err := db.Deliveries(0, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{later.ID, second.ID, first.ID}; !slices.Equal(ids(got), want) {
		t.Fatalf("newest first: got %v, want %v", ids(got), want)
	}
}

func TestUpdateDeliveryReplacesTheRecord(t *testing.T) {
	db := openDB(t)
	d := recordDelivery(t, db, "ci", 0, DeliveryPending)
	d.State = DeliveryDelivered
	d.Attempts = append(d.Attempts, Attempt{Time: now, Status: 204, Duration: 3 * time.Millisecond})
	if err := db.UpdateDelivery(d); err != nil {
		t.Fatal(err)
	}
	got, err := db.Delivery(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != DeliveryDelivered || len(got.Attempts) != 1 || got.Attempts[0].Status != 204 {
		t.Fatalf("got %+v", got)
	}
	if got.Event != d.Event || !got.Created.Equal(d.Created) {
		t.Fatalf("event or creation time changed: %+v", got)
	}
}

func TestUnknownDeliveries(t *testing.T) {
	db := openDB(t)
	recordDelivery(t, db, "ci", 0, DeliveryPending)
	for _, id := range []string{"", "not hex", "00", "0000000000000000000000000000abcd"} {
		if _, err := db.Delivery(id); !errors.Is(err, ErrDeliveryUnknown) {
			t.Errorf("Delivery(%q): got %v, want ErrDeliveryUnknown", id, err)
		}
		if err := db.UpdateDelivery(Delivery{ID: id}); !errors.Is(err, ErrDeliveryUnknown) {
			t.Errorf("UpdateDelivery(%q): got %v, want ErrDeliveryUnknown", id, err)
		}
	}
}

func TestPendingDeliveriesSurviveReopeningOldestFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b := recordDelivery(t, db, "ci", time.Minute, DeliveryPending)
	recordDelivery(t, db, "ci", 2*time.Minute, DeliveryDelivered)
	a := recordDelivery(t, db, "chat", 0, DeliveryPending)
	recordDelivery(t, db, "chat", 3*time.Minute, DeliveryFailed)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.PendingDeliveries()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a.ID, b.ID}; !slices.Equal(ids(got), want) {
		t.Fatalf("got %v, want %v", ids(got), want)
	}
}

func TestDeliveriesListsNewestFirst(t *testing.T) {
	db := openDB(t)
	var ci, chat []string
	for i := range 6 {
		hook := "ci"
		if i%2 == 1 {
			hook = "chat"
		}
		d := recordDelivery(t, db, hook, time.Duration(i)*time.Second, DeliveryDelivered)
		if hook == "ci" {
			ci = append([]string{d.ID}, ci...)
		} else {
			chat = append([]string{d.ID}, chat...)
		}
	}
	for _, tc := range []struct {
		name    string
		limit   int
		webhook string
		want    []string
	}{
		{"every delivery without a limit", 0, "", []string{chat[0], ci[0], chat[1], ci[1], chat[2], ci[2]}},
		{"the newest up to the limit", 2, "", []string{chat[0], ci[0]}},
		{"one webhook's deliveries", 0, "ci", ci},
		{"one webhook's newest up to the limit", 2, "chat", chat[:2]},
		{"nothing for an unknown webhook", 10, "nope", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Deliveries(tc.limit, tc.webhook)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Fatalf("got %v, want %v", ids(got), tc.want)
			}
		})
	}
}

func TestPruneKeepsTheNewestFinishedAndEveryPending(t *testing.T) {
	db := openDB(t)
	oldPending := recordDelivery(t, db, "ci", 0, DeliveryPending)
	var finished []string
	for i := 1; i <= 5; i++ {
		state := DeliveryDelivered
		if i == 3 {
			state = DeliveryFailed
		}
		finished = append(finished, recordDelivery(t, db, "ci", time.Duration(i)*time.Second, state).ID)
	}
	newPending := recordDelivery(t, db, "ci", time.Minute, DeliveryPending)

	n, err := db.PruneDeliveries(2)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("pruned %d, want 3", n)
	}
	got, err := db.Deliveries(0, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{newPending.ID, finished[4], finished[3], oldPending.ID}; !slices.Equal(ids(got), want) {
		t.Fatalf("kept %v, want %v", ids(got), want)
	}
	if n, err := db.PruneDeliveries(2); err != nil || n != 0 {
		t.Fatalf("pruning again: %d, %v", n, err)
	}
}
