package proxy

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestStatsCountRequestsErrorsAndLatency(t *testing.T) {
	p, front := newProxy(t, Options{})
	shop := startBackend(t, "shop")
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Revision: 3, Weight: 100, Backends: []Backend{backendOf("shop", shop)}}}})
	mustSet(t, p, Route{Host: "dead.local", Sets: []Set{{Name: "green", Revision: 1, Weight: 100, Backends: []Backend{{ID: "dead", Addr: deadAddr(t)}}}}})
	mustSet(t, p, Route{Host: "empty.local", Sets: []Set{{Name: "red", Revision: 1, Weight: 100}}})
	for _, path := range []string{"/", "/", "/", "/", "/", "/", "/status/404", "/?sleep=40ms", "/status/500", "/status/503"} {
		get(t, front, "shop.local", path)
	}
	get(t, front, "dead.local", "/")
	get(t, front, "empty.local", "/")

	blue := p.Stats("SHOP.local", "blue", 3, time.Minute)
	if blue.Requests != 10 || blue.Errors != 2 {
		t.Fatalf("blue counted %d requests and %d errors, want 10 and 2", blue.Requests, blue.Errors)
	}
	if blue.P50 <= 0 || blue.P50 > 20*time.Millisecond {
		t.Fatalf("blue p50 %v, want a few milliseconds at most", blue.P50)
	}
	if blue.P99 < 35*time.Millisecond || blue.P99 > 100*time.Millisecond {
		t.Fatalf("blue p99 %v, want the 40ms request", blue.P99)
	}
	if got := blue.ErrorRate(); got != 0.2 {
		t.Fatalf("blue error rate %v, want 0.2", got)
	}
	for host, set := range map[string]string{"dead.local": "green", "empty.local": "red"} {
		if st := p.Stats(host, set, 1, time.Minute); st.Requests != 1 || st.Errors != 1 {
			t.Fatalf("%s counted %d requests and %d errors, want the proxy's own error", set, st.Requests, st.Errors)
		}
	}
	for _, tt := range []struct {
		set      string
		revision int
	}{{"purple", 3}, {"blue", 2}} {
		if st := p.Stats("shop.local", tt.set, tt.revision, time.Minute); st != (Stats{}) {
			t.Fatalf("set %s at revision %d, unknown, has stats %+v", tt.set, tt.revision, st)
		}
	}
}

func TestANewRevisionStartsWithoutStats(t *testing.T) {
	p, front := newProxy(t, Options{})
	shop := startBackend(t, "shop")
	route := func(revision int) Route {
		return Route{Host: "shop.local", Sets: []Set{{Name: "green", Revision: revision, Weight: 100, Backends: []Backend{backendOf("shop", shop)}}}}
	}
	mustSet(t, p, route(1))
	for range 6 {
		get(t, front, "shop.local", "/status/500")
	}
	mustSet(t, p, route(2))
	if st := p.Stats("shop.local", "green", 2, time.Minute); st != (Stats{}) {
		t.Fatalf("revision 2 starts with the stats %+v of the set's previous revision", st)
	}
	get(t, front, "shop.local", "/")
	if st := p.Stats("shop.local", "green", 2, time.Minute); st.Requests != 1 || st.Errors != 0 {
		t.Fatalf("revision 2 counted %d requests and %d errors, want 1 and 0", st.Requests, st.Errors)
	}
	if st := p.Stats("shop.local", "green", 1, time.Minute); st.Requests != 6 || st.Errors != 6 {
		t.Fatalf("revision 1 kept %d requests and %d errors, want 6 and 6", st.Requests, st.Errors)
	}
}

func TestSeriesWindows(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var s series
	for _, ago := range []time.Duration{700 * time.Second, 300 * time.Second, 120 * time.Second, 30 * time.Second, 0} {
		s.record(now.Add(-ago), http.StatusOK, time.Millisecond)
	}
	s.record(now.Add(-30*time.Second), http.StatusBadGateway, time.Millisecond)
	tests := []struct {
		name           string
		window         time.Duration
		requests, errs int64
	}{
		{"a zero window holds the current second", 0, 1, 0},
		{"a minute holds the last minute", time.Minute, 3, 1},
		{"a window rounds up to whole seconds", 30*time.Second + time.Millisecond, 3, 1},
		{"five minutes reach the edge", 5 * time.Minute, 4, 1},
		{"ten minutes hold everything kept", 10 * time.Minute, 5, 1},
		{"a longer window holds only ten minutes", time.Hour, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.stats(now, tt.window)
			if st.Requests != tt.requests || st.Errors != tt.errs {
				t.Fatalf("counted %d requests and %d errors, want %d and %d", st.Requests, st.Errors, tt.requests, tt.errs)
			}
		})
	}
	t.Run("a second reused by the ring forgets its old counts", func(t *testing.T) {
		later := now.Add(10 * time.Minute)
		s.record(later, http.StatusOK, time.Millisecond)
		if st := s.stats(later, 0); st.Requests != 1 {
			t.Fatalf("counted %d requests, want 1", st.Requests)
		}
	})
}

func TestPercentilesAreWithinTheirBucketPrecision(t *testing.T) {
	for d := time.Duration(1 << minShift); d < time.Minute; d = d * 107 / 100 {
		var hist [histBuckets]uint64
		hist[bucketOf(d)]++
		got := quantile(&hist, 1, 0.5)
		if err := math.Abs(float64(got-d)) / float64(d); err > 0.125 {
			t.Fatalf("%v reported as %v, off by %.1f%%", d, got, err*100)
		}
	}
	t.Run("percentiles of a spread", func(t *testing.T) {
		var s series
		now := time.Unix(1_800_000_000, 0)
		for i := 1; i <= 1000; i++ {
			s.record(now, http.StatusOK, time.Duration(i)*time.Millisecond)
		}
		st := s.stats(now, time.Second)
		for _, c := range []struct {
			got, want time.Duration
		}{{st.P50, 500 * time.Millisecond}, {st.P99, 990 * time.Millisecond}} {
			if err := math.Abs(float64(c.got-c.want)) / float64(c.want); err > 0.125 {
				t.Fatalf("percentile %v, want %v within 12.5%%", c.got, c.want)
			}
		}
	})
	t.Run("extremes land in the end buckets", func(t *testing.T) {
		if bucketOf(0) != 0 || bucketOf(time.Microsecond) != 0 || bucketOf(time.Hour) != histBuckets-1 {
			t.Fatal("extremes in the wrong buckets")
		}
	})
}
