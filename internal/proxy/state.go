package proxy

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// StateVersion is the version of State this build writes and reads.
const StateVersion = 1

// ErrInvalidState is what a state Restore or ParseState refuses matches
// with errors.Is; a route in it that Set would refuse matches
// ErrInvalidRoute or ErrHostTaken instead.
var ErrInvalidState = errors.New("invalid proxy state")

// State is what a proxy knows that is worth keeping across a restart of
// its process: its routes, the health of their backends, the stats of
// the last ten minutes and the key its sticky cookies are signed with.
// It encodes to JSON; durations are in nanoseconds.
type State struct {
	// Version is StateVersion when the state was taken.
	Version int `json:"version"`
	// Routes are in the form Set takes, in host order.
	Routes []Route `json:"routes"`
	// Backends are the health of every routed backend, in ID order.
	Backends []BackendState `json:"backends"`
	// Stats are the series of every (host, set, revision) with requests
	// in the last ten minutes.
	Stats []SeriesState `json:"stats"`
	// StickyKey signs sticky cookies: a proxy restored with it honours
	// the cookies the one before signed. It is a secret.
	StickyKey []byte `json:"sticky_key"`
}

// BackendState is a backend's health and its checker's counts.
type BackendState struct {
	ID      string `json:"id"`
	Healthy bool   `json:"healthy"`
	// Passes and Failures are the health checks that passed or failed
	// in a row, last; zero for a backend without checks.
	Passes   int `json:"passes,omitempty"`
	Failures int `json:"failures,omitempty"`
}

// SeriesState is the history of one (host, set, revision).
type SeriesState struct {
	Host     string `json:"host"`
	Set      string `json:"set"`
	Revision int    `json:"revision"`
	// Seconds are the seconds with requests, oldest first.
	Seconds []SecondState `json:"seconds"`
}

// SecondState counts the requests answered in one second.
type SecondState struct {
	Unix     int64  `json:"unix"`
	Requests uint32 `json:"requests"`
	Errors   uint32 `json:"errors,omitempty"`
	// Latency counts the requests by latency bucket, as pairs of a
	// bucket and its count in bucket order: four buckets per power of
	// two from 8µs, as the stats keep them. Only buckets with requests
	// are listed; their counts add up to Requests.
	Latency [][2]uint32 `json:"latency,omitempty"`
}

// ParseState decodes a state from JSON, such as a file State was saved
// to, and checks it as Restore would.
func ParseState(data []byte) (State, error) {
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("decoding proxy state: %w: %w", ErrInvalidState, err)
	}
	if _, err := s.check(); err != nil {
		return State{}, err
	}
	return s, nil
}

// State returns a snapshot of what the proxy knows, consistent as of one
// moment. It is safe to call while the proxy serves. Seconds older than
// the stats keep are left out.
func (p *Proxy) State() State {
	horizon := time.Now().Unix() - historySeconds
	p.mu.Lock()
	defer p.mu.Unlock()
	s := State{Version: StateVersion, StickyKey: slices.Clone(p.stickyKey)}
	s.Routes = p.routeList()
	for id, b := range p.backends {
		if b.draining.Load() {
			continue
		}
		healthy, counts := b.check.snapshot(b)
		s.Backends = append(s.Backends, BackendState{ID: id, Healthy: healthy, Passes: counts.passes, Failures: counts.failures})
	}
	slices.SortFunc(s.Backends, func(a, b BackendState) int { return cmp.Compare(a.ID, b.ID) })
	for k, ser := range p.series {
		if secs := ser.seconds(horizon); len(secs) > 0 {
			s.Stats = append(s.Stats, SeriesState{Host: k.host, Set: k.set, Revision: k.revision, Seconds: secs})
		}
	}
	slices.SortFunc(s.Stats, func(a, b SeriesState) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Set, b.Set), cmp.Compare(a.Revision, b.Revision))
	})
	return s
}

// Routes returns the routes the proxy serves, in the form Set takes, in
// host order.
func (p *Proxy) Routes() []Route {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.routeList()
}

// routeList copies the routes in host order. Callers hold p.mu.
func (p *Proxy) routeList() []Route {
	var out []Route
	for _, host := range slices.Sorted(maps.Keys(p.routes)) {
		out = append(out, cloneRoute(p.routes[host]))
	}
	return out
}

// cloneRoute copies r, sharing nothing with it.
func cloneRoute(r Route) Route {
	r.Sets = slices.Clone(r.Sets)
	for i := range r.Sets {
		r.Sets[i].Backends = slices.Clone(r.Sets[i].Backends)
	}
	r.Previews = maps.Clone(r.Previews)
	return r
}

// seconds returns the seconds of s after horizon, oldest first.
func (s *series) seconds(horizon int64) []SecondState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SecondState
	for _, sec := range s.ring {
		if sec == nil || sec.unix <= horizon || sec.requests == 0 {
			continue
		}
		st := SecondState{Unix: sec.unix, Requests: sec.requests, Errors: sec.errors}
		for i, c := range sec.hist {
			if c > 0 {
				st.Latency = append(st.Latency, [2]uint32{uint32(i), c})
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b SecondState) int { return cmp.Compare(a.Unix, b.Unix) })
	return out
}

// Restore loads s into a proxy that has no route yet, before it serves:
// its routes, the health of their backends as it was (an unhealthy one
// stays out until its checks pass, a healthy one is in at once), the
// stats and the sticky cookie key. Health checks start from the counts
// s holds, the first probe at once. A state without a key keeps the one
// the proxy drew. Restore checks all of s before it changes anything:
// a route Set would refuse is an error naming its host.
func (p *Proxy) Restore(s State) error {
	routes, err := s.check()
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return fmt.Errorf("restoring proxy state: %w", ErrClosed)
	case len(p.routes) > 0 || len(p.backends) > 0:
		return errors.New("restoring proxy state: the proxy has routes already")
	}
	if len(s.StickyKey) > 0 {
		p.stickyKey = slices.Clone(s.StickyKey)
	}
	now := time.Now().Unix()
	for _, st := range s.Stats {
		ser := p.seriesFor(canonicalHost(st.Host), st.Set, st.Revision)
		ser.restore(st.Seconds, now-historySeconds, now)
	}
	wanted := make(map[string]bool)
	for _, r := range routes {
		for _, set := range r.Sets {
			for _, b := range set.Backends {
				wanted[b.ID] = true
			}
		}
	}
	for _, bs := range s.Backends {
		if !wanted[bs.ID] {
			continue
		}
		b := newBackend(bs.ID)
		b.healthy.Store(bs.Healthy)
		b.restored = &checkCounts{passes: bs.Passes, failures: bs.Failures}
		p.backends[bs.ID] = b
	}
	p.apply(routes)
	return nil
}

// restore puts the seconds after horizon and up to now into s, which
// has none yet: older ones would count in no window, and later ones
// only once the clock caught up with them.
func (s *series) restore(secs []SecondState, horizon, now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range secs {
		if st.Unix <= horizon || st.Unix > now {
			continue
		}
		i := st.Unix % historySeconds
		if old := s.ring[i]; old != nil && old.unix >= st.Unix {
			continue
		}
		sec := &second{unix: st.Unix, requests: st.Requests, errors: st.Errors}
		for _, bc := range st.Latency {
			sec.hist[bc[0]] = bc[1]
		}
		s.ring[i] = sec
		s.last = max(s.last, st.Unix)
	}
}

// check finds what Restore would refuse in s, and returns its routes
// normalized and keyed by host.
func (s State) check() (map[string]Route, error) {
	if s.Version != StateVersion {
		return nil, fmt.Errorf("restoring proxy state: %w: version %d, this build reads %d", ErrInvalidState, s.Version, StateVersion)
	}
	if len(s.StickyKey) != 0 && len(s.StickyKey) != stickyKeySize {
		return nil, fmt.Errorf("restoring proxy state: %w: sticky key of %d bytes, want %d", ErrInvalidState, len(s.StickyKey), stickyKeySize)
	}
	routes := make(map[string]Route, len(s.Routes))
	for _, r := range s.Routes {
		rt, err := r.normalized()
		if err != nil {
			return nil, fmt.Errorf("restoring proxy state: route %q: %w", r.Host, err)
		}
		if _, ok := routes[rt.Host]; ok {
			return nil, fmt.Errorf("restoring proxy state: %w: route %s listed twice", ErrInvalidState, rt.Host)
		}
		routes[rt.Host] = rt
	}
	if err := checkRoutes(routes); err != nil {
		return nil, fmt.Errorf("restoring proxy state: %w", err)
	}
	ids := make(map[string]bool, len(s.Backends))
	for _, b := range s.Backends {
		switch {
		case ids[b.ID]:
			return nil, fmt.Errorf("restoring proxy state: %w: backend %s listed twice", ErrInvalidState, b.ID)
		case b.Passes < 0 || b.Failures < 0:
			return nil, fmt.Errorf("restoring proxy state: %w: backend %s has negative check counts", ErrInvalidState, b.ID)
		}
		ids[b.ID] = true
	}
	series := make(map[seriesKey]bool, len(s.Stats))
	for _, st := range s.Stats {
		k := seriesKey{canonicalHost(st.Host), st.Set, st.Revision}
		if series[k] {
			return nil, fmt.Errorf("restoring proxy state: %w: stats of %s set %s revision %d listed twice", ErrInvalidState, k.host, k.set, k.revision)
		}
		series[k] = true
		if err := checkSeconds(st.Seconds); err != nil {
			return nil, fmt.Errorf("restoring proxy state: %w: stats of %s set %s revision %d: %w", ErrInvalidState, k.host, k.set, k.revision, err)
		}
	}
	return routes, nil
}

// checkSeconds finds a second that contradicts itself or comes twice.
func checkSeconds(secs []SecondState) error {
	seen := make(map[int64]bool, len(secs))
	for _, sec := range secs {
		if seen[sec.Unix] {
			return fmt.Errorf("second %d listed twice", sec.Unix)
		}
		seen[sec.Unix] = true
		if sec.Errors > sec.Requests {
			return fmt.Errorf("second %d has %d errors in %d requests", sec.Unix, sec.Errors, sec.Requests)
		}
		var sum uint64
		for i, bc := range sec.Latency {
			switch b := bc[0]; {
			case b >= histBuckets:
				return fmt.Errorf("second %d has latency bucket %d outside 0..%d", sec.Unix, b, histBuckets-1)
			case i > 0 && b <= sec.Latency[i-1][0]:
				return fmt.Errorf("second %d lists latency bucket %d out of order", sec.Unix, b)
			}
			sum += uint64(bc[1])
		}
		if sum != uint64(sec.Requests) {
			return fmt.Errorf("second %d has %d latencies for %d requests", sec.Unix, sum, sec.Requests)
		}
	}
	return nil
}
