package proxyctl

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// inFlight sends a request for host through f's proxy in the background
// and waits until it reached the backend, which signals arrived; the
// returned channel gets its status.
func (f *fixture) inFlight(t *testing.T, host, path string, arrived <-chan struct{}) <-chan int {
	t.Helper()
	status := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, f.front.URL+path, nil)
		req.Host = host
		resp, err := f.front.Client().Do(req)
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not reach the backend")
	}
	return status
}

func TestDrainAcrossTheSocket(t *testing.T) {
	f := serve(t, shortDir(t), proxy.Options{DrainTimeout: 300 * time.Millisecond}, ServerOptions{})
	sb := signallingBackend(t, "slow")
	slow, arrived := sb.Backend, sb.arrived
	fast := backend(t, "fast")

	t.Run("a drain waits for the request in flight", func(t *testing.T) {
		if err := f.client.Set(route("shop.local", 1, slow)); err != nil {
			t.Fatal(err)
		}
		status := f.inFlight(t, "shop.local", "/?sleep=100ms", arrived)
		if err := f.client.Set(route("shop.local", 1, fast)); err != nil {
			t.Fatal(err)
		}
		if err := f.client.Drain(background(t), "slow"); err != nil {
			t.Fatal(err)
		}
		if sb.answered.Load() != 1 {
			t.Fatal("Drain returned before the request in flight was answered")
		}
		if s := <-status; s != http.StatusOK {
			t.Fatalf("the drained request got %d, want 200", s)
		}
	})
	t.Run("a backend still routed is refused", func(t *testing.T) {
		err := f.client.Drain(background(t), "fast")
		if !errors.Is(err, proxy.ErrStillRouted) {
			t.Fatalf("Drain: %v, want ErrStillRouted", err)
		}
	})
	t.Run("a drain that times out says how many it cut", func(t *testing.T) {
		if err := f.client.Set(route("shop.local", 1, slow)); err != nil {
			t.Fatal(err)
		}
		status := f.inFlight(t, "shop.local", "/?sleep=1h", arrived)
		if err := f.client.Set(route("shop.local", 1, fast)); err != nil {
			t.Fatal(err)
		}
		err := f.client.Drain(background(t), "slow")
		var de *proxy.DrainError
		if !errors.As(err, &de) || de.Backend != "slow" || de.Cut != 1 || !errors.Is(err, proxy.ErrDrainTimeout) {
			t.Fatalf("Drain: %#v, want a *proxy.DrainError for slow with one cut", err)
		}
		<-status
	})
	t.Run("a drain whose context ends cuts nothing", func(t *testing.T) {
		if err := f.client.Set(route("shop.local", 1, slow)); err != nil {
			t.Fatal(err)
		}
		status := f.inFlight(t, "shop.local", "/?sleep=400ms", arrived)
		if err := f.client.Set(route("shop.local", 1, fast)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := f.client.Drain(ctx, "slow"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Drain: %v, want the deadline", err)
		}
		if s := <-status; s != http.StatusOK {
			t.Fatalf("the request got %d after the caller gave up, want 200: it was cut", s)
		}
	})
}
