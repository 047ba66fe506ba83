package registry

import (
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// recent remembers when digests were last looked at (a HEAD before a
// push, a mount, a pull), so that garbage collection leaves alone content
// a client has just been told exists and may be about to reference.
type recent struct {
	mu     sync.Mutex
	seen   map[digest.Digest]time.Time
	window time.Duration
	limit  int // prune when the map grows past this
}

func newRecent(window time.Duration) *recent {
	return &recent{seen: make(map[digest.Digest]time.Time), window: window, limit: 1 << 16}
}

func (r *recent) touch(d digest.Digest, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[d] = now
	if len(r.seen) > r.limit {
		for k, t := range r.seen {
			if now.Sub(t) > r.window {
				delete(r.seen, k)
			}
		}
		r.limit = max(1<<16, 2*len(r.seen))
	}
}

func (r *recent) within(d digest.Digest, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.seen[d]
	return ok && now.Sub(t) <= r.window
}

// sampler lets through at most one event per key per interval.
type sampler struct {
	mu       sync.Mutex
	last     map[string]time.Time
	interval time.Duration
}

func newSampler(interval time.Duration) *sampler {
	return &sampler{last: make(map[string]time.Time), interval: interval}
}

func (s *sampler) allow(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.last[key]; ok && now.Sub(t) < s.interval {
		return false
	}
	if len(s.last) > 1<<14 {
		for k, t := range s.last {
			if now.Sub(t) >= s.interval {
				delete(s.last, k)
			}
		}
	}
	s.last[key] = now
	return true
}
