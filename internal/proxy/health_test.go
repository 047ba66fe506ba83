package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// flakyBackend answers /up with 200, or 500 while failing is set, and
// counts the probes of each kind; other paths answer with name.
type flakyBackend struct {
	*httptest.Server
	failing      atomic.Bool
	passed, fail atomic.Int64
}

func startFlakyBackend(t testing.TB, name string) *flakyBackend {
	t.Helper()
	f := &flakyBackend{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/up" {
			io.WriteString(w, name)
			return
		}
		if f.failing.Load() {
			f.fail.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		f.passed.Add(1)
	}))
	t.Cleanup(f.Close)
	return f
}

// healthy reports a backend's health, failing the test if unknown.
func healthy(t testing.TB, p *Proxy, id string) bool {
	t.Helper()
	h, known := p.Healthy(id)
	if !known {
		t.Fatalf("backend %s unknown", id)
	}
	return h
}

func TestHealthChecksFollowTheThresholds(t *testing.T) {
	p, front := newProxy(t, Options{})
	a, b := startFlakyBackend(t, "a"), startFlakyBackend(t, "b")
	mustSet(t, p, Route{
		Host:   "shop.local",
		Health: HealthCheck{Path: "/up", Interval: 10 * time.Millisecond, Timeout: time.Second, HealthyThreshold: 2, UnhealthyThreshold: 3},
		Sets:   []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a.Server), backendOf("b", b.Server)}}},
	})
	if !healthy(t, p, "a") {
		t.Fatal("a new backend starts unhealthy")
	}

	t.Run("a failing backend is taken out after three failures", func(t *testing.T) {
		a.failing.Store(true)
		eventually(t, "a to go down", func() bool { return !healthy(t, p, "a") })
		if n := a.fail.Load(); n < 3 {
			t.Fatalf("down after %d failed probes, want 3", n)
		}
		for range 20 {
			if _, body := get(t, front, "shop.local", "/"); body != "b" {
				t.Fatalf("answered by %q while a is down, want b", body)
			}
		}
	})
	t.Run("its health survives a Set that keeps it", func(t *testing.T) {
		mustSet(t, p, Route{
			Host:   "shop.local",
			Health: HealthCheck{Path: "/up", Interval: time.Hour},
			Sets:   []Set{{Name: "green", Weight: 100, Backends: []Backend{backendOf("a", a.Server), backendOf("b", b.Server)}}},
		})
		if healthy(t, p, "a") {
			t.Fatal("a is healthy again after Set")
		}
	})
	t.Run("a route with every backend down answers 503", func(t *testing.T) {
		b.failing.Store(true)
		mustSet(t, p, Route{
			Host:   "shop.local",
			Health: HealthCheck{Path: "/up", Interval: 10 * time.Millisecond, HealthyThreshold: 2, UnhealthyThreshold: 3},
			Sets:   []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a.Server), backendOf("b", b.Server)}}},
		})
		eventually(t, "b to go down", func() bool { return !healthy(t, p, "b") })
		if status, _ := get(t, front, "shop.local", "/"); status != http.StatusServiceUnavailable {
			t.Fatalf("status %d with every backend down, want 503", status)
		}
	})
	t.Run("a recovered backend is back after two passes", func(t *testing.T) {
		before := a.passed.Load()
		a.failing.Store(false)
		eventually(t, "a to come back", func() bool { return healthy(t, p, "a") })
		if n := a.passed.Load() - before; n < 2 {
			t.Fatalf("back after %d passed probes, want 2", n)
		}
		if _, body := get(t, front, "shop.local", "/"); body != "a" {
			t.Fatalf("answered by %q, want a", body)
		}
	})
	t.Run("a route without checks brings its backends back", func(t *testing.T) {
		mustSet(t, p, Route{
			Host: "shop.local",
			Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a.Server), backendOf("b", b.Server)}}},
		})
		if !healthy(t, p, "b") {
			t.Fatal("an unchecked backend stays down")
		}
	})
}

func TestWaitHealthy(t *testing.T) {
	fast := HealthCheck{Path: "/up", Interval: 5 * time.Millisecond, Timeout: time.Second, HealthyThreshold: 3}
	t.Run("a healthy backend passes after the threshold", func(t *testing.T) {
		f := startFlakyBackend(t, "a")
		if err := WaitHealthy(context.Background(), nil, f.Listener.Addr().String(), fast); err != nil {
			t.Fatal(err)
		}
		if n := f.passed.Load(); n != 3 {
			t.Fatalf("%d probes, want 3", n)
		}
	})
	t.Run("a backend that recovers passes once it does", func(t *testing.T) {
		f := startFlakyBackend(t, "a")
		f.failing.Store(true)
		time.AfterFunc(30*time.Millisecond, func() { f.failing.Store(false) })
		if err := WaitHealthy(context.Background(), http.DefaultClient, f.Listener.Addr().String(), fast); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a failing backend returns the last failure when the context ends", func(t *testing.T) {
		f := startFlakyBackend(t, "a")
		f.failing.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := WaitHealthy(ctx, nil, f.Listener.Addr().String(), fast)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusInternalServerError || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitHealthy: %v, want status 500 and the deadline", err)
		}
	})
	t.Run("a backend that is not listening returns the connection error", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := WaitHealthy(ctx, nil, deadAddr(t), fast)
		var se *StatusError
		if err == nil || errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitHealthy: %v, want a connection error and the deadline", err)
		}
	})
	t.Run("a redirect passes", func(t *testing.T) {
		srv := httptest.NewServer(http.RedirectHandler("/elsewhere", http.StatusFound))
		t.Cleanup(srv.Close)
		if err := WaitHealthy(context.Background(), nil, srv.Listener.Addr().String(), fast); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a slow backend fails on the probe timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		hc := fast
		hc.Timeout = 10 * time.Millisecond
		if err := WaitHealthy(ctx, nil, srv.Listener.Addr().String(), hc); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitHealthy: %v, want a timeout", err)
		}
	})
}
