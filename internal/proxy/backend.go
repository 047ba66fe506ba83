package proxy

import (
	"context"
	"sync"
	"sync/atomic"
)

// backend is the state of one backend, shared by every route and every
// version of the table that holds it.
type backend struct {
	id       string
	inflight atomic.Int64
	healthy  atomic.Bool
	draining atomic.Bool
	// checked is set while active health checks run.
	checked atomic.Bool

	// check is the running health checker; guarded by Proxy.mu.
	check *checker
	// restored are the counters a restored state left for the next
	// checker to start from; guarded by Proxy.mu.
	restored *checkCounts

	mu sync.Mutex
	// calls are the requests in flight, so that a drain timeout can cut
	// them.
	calls map[*call]struct{}
	// idle is closed when inflight drops to zero; nil when nobody waits.
	idle chan struct{}
	// cut is set once the requests in flight were cut: the backend takes
	// no more.
	cut bool
}

func newBackend(id string) *backend {
	b := &backend{id: id, calls: make(map[*call]struct{})}
	b.healthy.Store(true)
	return b
}

// available says whether new requests may go to b.
func (b *backend) available() bool {
	return b.healthy.Load() && !b.draining.Load()
}

// acquire counts c in flight on b, unless b drains.
//
// The count goes up before draining is read, and Drain reads the count
// after Set marked the backend draining, so either the request sees the
// drain and backs off or Drain sees the request and waits for it.
func (b *backend) acquire(c *call) bool {
	b.inflight.Add(1)
	b.mu.Lock()
	if b.cut {
		b.mu.Unlock()
		b.release(nil)
		return false
	}
	b.calls[c] = struct{}{}
	b.mu.Unlock()
	if b.draining.Load() {
		b.release(c)
		return false
	}
	return true
}

// release ends a request acquired on b.
func (b *backend) release(c *call) {
	b.mu.Lock()
	delete(b.calls, c)
	if b.inflight.Add(-1) == 0 && b.idle != nil {
		close(b.idle)
		b.idle = nil
	}
	b.mu.Unlock()
}

// idleChan returns nil when b has no request in flight, or else a channel
// closed when it next has none.
func (b *backend) idleChan() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight.Load() == 0 {
		return nil
	}
	if b.idle == nil {
		b.idle = make(chan struct{})
	}
	return b.idle
}

// cutAll cancels the requests in flight and refuses new ones; it returns
// how many it cut.
func (b *backend) cutAll() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cut = true
	for c := range b.calls {
		c.abort()
	}
	return len(b.calls)
}

// checker is a running health check of one backend.
type checker struct {
	addr string
	hc   HealthCheck
	stop context.CancelFunc

	// mu makes the counts and the backend's health change together, so
	// that a snapshot sees them agree.
	mu     sync.Mutex
	counts checkCounts
}

// checkCounts are a checker's passes and failures in a row.
type checkCounts struct {
	passes, failures int
}

// count takes a probe's outcome into b's health: nil passed. It reports
// whether the health changed, and the counts after the probe.
func (c *checker) count(b *backend, err error) (changed bool, counts checkCounts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.counts.passes, c.counts.failures = c.counts.passes+1, 0
		changed = c.counts.passes >= c.hc.HealthyThreshold && b.healthy.CompareAndSwap(false, true)
	} else {
		c.counts.passes, c.counts.failures = 0, c.counts.failures+1
		changed = c.counts.failures >= c.hc.UnhealthyThreshold && b.healthy.CompareAndSwap(true, false)
	}
	return changed, c.counts
}

// snapshot returns b's health and, while c checks it, the counts.
func (c *checker) snapshot(b *backend) (healthy bool, counts checkCounts) {
	if c == nil {
		return b.healthy.Load(), checkCounts{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return b.healthy.Load(), c.counts
}
