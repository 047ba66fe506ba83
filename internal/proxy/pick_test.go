package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestASlowBackendGetsFewerRequests(t *testing.T) {
	var hits [2]atomic.Int64
	start := func(i int, delay time.Duration) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			time.Sleep(delay)
			io.WriteString(w, "ok")
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{
		backendOf("fast", start(0, 500*time.Microsecond)), backendOf("slow", start(1, 5*time.Millisecond)),
	}}}})
	const clients, each = 8, 50
	client := keepAliveClient(t, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				send(t, client, request(t, front, http.MethodGet, "shop.local", "/"))
			}
		})
	}
	wg.Wait()
	// Round-robin would send half; the fewest in flight sends about a
	// fifth.
	if share := float64(hits[1].Load()) / (clients * each); share > 0.4 {
		t.Fatalf("the slow backend got %.0f%% of the requests, want under 40%%", share*100)
	}
}

func TestPickSkipsUnavailableBackends(t *testing.T) {
	mk := func(id string, healthy, draining bool) target {
		b := newBackend(id)
		b.healthy.Store(healthy)
		b.draining.Store(draining)
		return target{b: b, addr: id + ":80"}
	}
	tests := []struct {
		name    string
		targets []target
		skip    int
		want    string
	}{
		{"an unhealthy backend is skipped", []target{mk("a", false, false), mk("b", true, false)}, -1, "b"},
		{"a draining backend is skipped", []target{mk("a", true, true), mk("b", true, false)}, -1, "b"},
		{"the backend to skip is skipped", []target{mk("a", true, false), mk("b", true, false)}, 0, "b"},
		{"no backend left picks none", []target{mk("a", false, false), mk("b", true, true)}, -1, ""},
		{"an empty set picks none", nil, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &set{targets: tt.targets}
			for range 4 {
				var skip *target
				if tt.skip >= 0 {
					skip = &s.targets[tt.skip]
				}
				got := ""
				if picked := s.pick(skip); picked != nil {
					got = picked.b.id
				}
				if got != tt.want {
					t.Fatalf("picked %q, want %q", got, tt.want)
				}
			}
		})
	}
	t.Run("equal backends take turns", func(t *testing.T) {
		s := &set{targets: []target{mk("a", true, false), mk("b", true, false), mk("c", true, false)}}
		seen := map[string]int{}
		for range 30 {
			seen[s.pick(nil).b.id]++
		}
		if seen["a"] != 10 || seen["b"] != 10 || seen["c"] != 10 {
			t.Fatalf("picks %v, want 10 each", seen)
		}
	})
}
