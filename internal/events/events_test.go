package events

import (
	"sync"
	"testing"
)

func TestEverySubscriberGetsEveryEventInOrder(t *testing.T) {
	b := NewBus()
	s1, s2 := b.Subscribe(10), b.Subscribe(10)
	for _, d := range []string{"a", "b", "c"} {
		b.Publish(Event{Digest: d})
	}
	for _, s := range []*Subscription{s1, s2} {
		for _, want := range []string{"a", "b", "c"} {
			if got := (<-s.C).Digest; got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
		}
	}
}

func TestASlowSubscriberLosesEventsWithoutBlocking(t *testing.T) {
	b := NewBus()
	slow := b.Subscribe(1)
	for range 5 {
		b.Publish(Event{})
	}
	if slow.Dropped() != 4 {
		t.Fatalf("dropped %d, want 4", slow.Dropped())
	}
}

func TestCloseStopsDelivery(t *testing.T) {
	b := NewBus()
	s := b.Subscribe(1)
	s.Close()
	s.Close()
	b.Publish(Event{})
	if _, ok := <-s.C; ok {
		t.Fatal("received after Close")
	}
}

func TestConcurrentPublishAndSubscribe(t *testing.T) {
	b := NewBus()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s := b.Subscribe(100)
			for range 100 {
				b.Publish(Event{})
			}
			s.Close()
		})
	}
	wg.Wait()
}
