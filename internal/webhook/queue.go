package webhook

import (
	"context"
	"sync"

	"github.com/berth-dev/berth/internal/meta"
)

// queue holds one webhook's deliveries in the order they were recorded.
// It is unbounded so that recording an event never waits for a slow
// receiver; everything in it is also pending in the store.
type queue struct {
	mu    sync.Mutex
	items []meta.Delivery
	ready chan struct{} // signalled when items may have become non-empty
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 1)} }

func (q *queue) push(d meta.Delivery) {
	q.mu.Lock()
	q.items = append(q.items, d)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop returns the oldest delivery, waiting for one; ok is false once ctx
// has ended.
func (q *queue) pop(ctx context.Context) (d meta.Delivery, ok bool) {
	for {
		if ctx.Err() != nil {
			return meta.Delivery{}, false
		}
		q.mu.Lock()
		if len(q.items) > 0 {
			d = q.items[0]
			q.items[0] = meta.Delivery{}
			q.items = q.items[1:]
			q.mu.Unlock()
			return d, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
		}
	}
}
