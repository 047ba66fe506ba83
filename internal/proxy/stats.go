package proxy

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Stats sums the traffic of a (host, set, revision) over a window.
type Stats struct {
	// Requests counts the requests answered, whatever their status.
	Requests int64 `json:"requests"`
	// Errors counts 5xx answers: the backends' and the proxy's own 502
	// and 503.
	Errors int64 `json:"errors"`
	// P50 and P99 are latency percentiles, until the response header,
	// within 12.5%; zero without requests. In JSON, in nanoseconds.
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
}

// ErrorRate is Errors over Requests, 0 without requests.
func (s Stats) ErrorRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Requests)
}

// Stats sums the traffic of a set of host's route, as it ran revision,
// over the last window, rounded up to whole seconds, up to ten minutes.
// It returns zero Stats for a set and revision it has not seen. Previews
// are not counted.
func (p *Proxy) Stats(host, set string, revision int, window time.Duration) Stats {
	p.mu.Lock()
	s := p.series[seriesKey{canonicalHost(host), set, revision}]
	p.mu.Unlock()
	if s == nil {
		return Stats{}
	}
	return s.stats(time.Now(), window)
}

// historySeconds is how far back stats go.
const historySeconds = 600

// Latency buckets: bucket 0 holds everything under 2^minShift ns; then
// each power of two from there up to 2^maxShift ns has four buckets of
// equal width; the last bucket holds everything longer.
const (
	minShift    = 13 // 8.192µs
	maxShift    = 36 // 68.7s
	subBuckets  = 4
	histBuckets = 1 + (maxShift-minShift)*subBuckets + 1
)

// second is one second of a series' history.
type second struct {
	unix     int64
	requests uint32
	errors   uint32
	hist     [histBuckets]uint32
}

// seriesKey names a series.
type seriesKey struct {
	host, set string
	revision  int
}

// series is a (host, set, revision)'s history: a ring of seconds, each
// allocated on its first request.
type series struct {
	mu   sync.Mutex
	ring [historySeconds]*second
	last int64
	// counted is the proxy's count of requests recorded in any series,
	// if any.
	counted *atomic.Uint64
}

// seriesFor returns the series of host's set at revision, making it if
// needed. Callers hold p.mu.
func (p *Proxy) seriesFor(host, set string, revision int) *series {
	k := seriesKey{host, set, revision}
	s := p.series[k]
	if s == nil {
		s = &series{counted: &p.counted}
		p.series[k] = s
	}
	return s
}

// Counted returns how many requests the stats have counted since the
// proxy was made. It changes whenever the stats do, for a caller that
// saves them now and then.
func (p *Proxy) Counted() uint64 {
	return p.counted.Load()
}

// pruneSeries drops the series of sets no longer routed once their
// history is empty. Callers hold p.mu.
func (p *Proxy) pruneSeries() {
	horizon := time.Now().Unix() - historySeconds
	for k, s := range p.series {
		if r, ok := p.routes[k.host]; ok && hasSet(r, k.set, k.revision) {
			continue
		}
		s.mu.Lock()
		old := s.last <= horizon
		s.mu.Unlock()
		if old {
			delete(p.series, k)
		}
	}
}

func hasSet(r Route, name string, revision int) bool {
	for _, s := range r.Sets {
		if s.Name == name && s.Revision == revision {
			return true
		}
	}
	return false
}

// record counts one request answered at now.
func (s *series) record(now time.Time, status int, latency time.Duration) {
	unix := now.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.ring[unix%historySeconds]
	if sec == nil {
		sec = &second{}
		s.ring[unix%historySeconds] = sec
	}
	if sec.unix != unix {
		*sec = second{unix: unix}
	}
	sec.requests++
	if status >= 500 && status < 600 {
		sec.errors++
	}
	sec.hist[bucketOf(latency)]++
	s.last = max(s.last, unix)
	if s.counted != nil {
		s.counted.Add(1)
	}
}

// stats sums the seconds in the window that ends at now.
func (s *series) stats(now time.Time, window time.Duration) Stats {
	n := min(max(int64((window+time.Second-1)/time.Second), 1), historySeconds)
	end := now.Unix()
	var st Stats
	var hist [histBuckets]uint64
	s.mu.Lock()
	for _, sec := range s.ring {
		if sec == nil || sec.unix > end || sec.unix <= end-n {
			continue
		}
		st.Requests += int64(sec.requests)
		st.Errors += int64(sec.errors)
		for i, c := range sec.hist {
			hist[i] += uint64(c)
		}
	}
	s.mu.Unlock()
	st.P50 = quantile(&hist, st.Requests, 0.50)
	st.P99 = quantile(&hist, st.Requests, 0.99)
	return st
}

// bucketOf returns the histogram bucket of d.
func bucketOf(d time.Duration) int {
	if d < 1<<minShift {
		return 0
	}
	ns := uint64(d)
	e := bits.Len64(ns) - 1
	if e >= maxShift {
		return histBuckets - 1
	}
	sub := int(ns>>(e-2)) & (subBuckets - 1)
	return 1 + (e-minShift)*subBuckets + sub
}

// bucketMiddle is the duration reported for bucket i.
func bucketMiddle(i int) time.Duration {
	switch {
	case i <= 0:
		return 1 << (minShift - 1)
	case i >= histBuckets-1:
		return 1 << maxShift
	}
	e, sub := minShift+(i-1)/subBuckets, (i-1)%subBuckets
	width := int64(1) << (e - 2)
	return time.Duration(int64(1)<<e + int64(sub)*width + width/2)
}

// quantile returns the q-quantile of the n durations counted in hist.
func quantile(hist *[histBuckets]uint64, n int64, q float64) time.Duration {
	if n == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(n))), 1)
	var seen uint64
	for i, c := range hist {
		if seen += c; seen >= rank {
			return bucketMiddle(i)
		}
	}
	return bucketMiddle(histBuckets - 1)
}
