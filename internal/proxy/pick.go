package proxy

import (
	"math"
	"math/rand/v2"
	"net/http"
)

// choice is where one request goes.
type choice struct {
	set    *set
	target *target
	// stick asks for set's sticky cookie on the response.
	stick bool
}

// choose picks the set and backend for r. Without a healthy backend the
// choice has a nil target, and the set the request would have gone to,
// if any.
func (rt *route) choose(r *http.Request, preview *set) choice {
	if preview != nil {
		return choice{set: preview, target: preview.pick(nil)}
	}
	if rt.sticky {
		if c, err := r.Cookie(rt.cookie); err == nil {
			if s := rt.stickySet(c.Value); s != nil {
				if t := s.pick(nil); t != nil {
					return choice{set: s, target: t}
				}
			}
		}
	}
	first := rt.weightedSet()
	if first == nil {
		return choice{}
	}
	if t := first.pick(nil); t != nil {
		return choice{set: first, target: t, stick: rt.sticky}
	}
	for _, s := range rt.weighted {
		if s == first {
			continue
		}
		if t := s.pick(nil); t != nil {
			return choice{set: s, target: t, stick: rt.sticky}
		}
	}
	return choice{set: first}
}

// weightedSet draws a set at random in proportion to the weights.
func (rt *route) weightedSet() *set {
	if rt.total == 0 {
		return nil
	}
	n := rand.IntN(rt.total)
	for _, s := range rt.weighted {
		if n < s.weight {
			return s
		}
		n -= s.weight
	}
	return rt.weighted[len(rt.weighted)-1]
}

// pick returns the available backend with the fewest requests in flight,
// other than skip; ties go round-robin. It returns nil when there is none.
func (s *set) pick(skip *target) *target {
	n := len(s.targets)
	if n == 0 {
		return nil
	}
	start := int(s.next.Add(1) % uint32(n))
	var best *target
	least := int64(math.MaxInt64)
	for i := range n {
		t := &s.targets[(start+i)%n]
		if t == skip || !t.b.available() {
			continue
		}
		if f := t.b.inflight.Load(); f < least {
			best, least = t, f
		}
	}
	return best
}
