package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// startSlowBackend starts a backend whose requests announce themselves on
// arrived and answer once release is closed.
func startSlowBackend(t testing.TB) (srv *httptest.Server, arrived chan struct{}, release chan struct{}) {
	t.Helper()
	arrived, release = make(chan struct{}, 16), make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
			io.WriteString(w, "slow")
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return srv, arrived, release
}

// result is a finished request.
type result struct {
	status int
	body   string
}

// getAsync sends a GET for host through the proxy in the background.
func getAsync(t testing.TB, front *httptest.Server, host string) <-chan result {
	t.Helper()
	done := make(chan result, 1)
	req := request(t, front, http.MethodGet, host, "/")
	go func() {
		resp, err := front.Client().Do(req)
		if err != nil {
			done <- result{body: err.Error()}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(body)}
	}()
	return done
}

func TestDrainWaitsForTheRequestInFlight(t *testing.T) {
	p, front := newProxy(t, Options{})
	slow, arrived, release := startSlowBackend(t)
	next := startBackend(t, "next")
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("slow", slow)}}}})
	inFlight := getAsync(t, front, "shop.local")
	<-arrived

	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "green", Weight: 100, Backends: []Backend{backendOf("next", next)}}}})
	if _, body := get(t, front, "shop.local", "/"); body != "next" {
		t.Fatalf("a new request went to %q, want next", body)
	}
	drained := make(chan error, 1)
	go func() { drained <- p.Drain(context.Background(), "slow") }()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned %v with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	if healthy, known := p.Healthy("slow"); !healthy || !known {
		t.Fatalf("a draining backend: healthy %v, known %v; want both", healthy, known)
	}

	close(release)
	if r := <-inFlight; r.status != http.StatusOK || r.body != "slow" {
		t.Fatalf("the request in flight got %d %q, want 200 slow", r.status, r.body)
	}
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if _, known := p.Healthy("slow"); known {
		t.Fatal("a drained backend is still known")
	}
}

func TestDrainTimeoutCutsTheRequestsInFlight(t *testing.T) {
	p, front := newProxy(t, Options{DrainTimeout: 100 * time.Millisecond})
	slow, arrived, _ := startSlowBackend(t)
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("slow", slow)}}}})
	first, second := getAsync(t, front, "shop.local"), getAsync(t, front, "shop.local")
	<-arrived
	<-arrived
	p.Remove("shop.local")

	start := time.Now()
	err := p.Drain(context.Background(), "slow")
	var de *DrainError
	if !errors.As(err, &de) || !errors.Is(err, ErrDrainTimeout) || de.Cut != 2 || de.Backend != "slow" {
		t.Fatalf("Drain: %v, want a DrainError with 2 cut", err)
	}
	if took := time.Since(start); took < 100*time.Millisecond || took > time.Second {
		t.Fatalf("Drain took %v, want about the 100ms timeout", took)
	}
	for _, done := range []<-chan result{first, second} {
		if r := <-done; r.status != http.StatusBadGateway {
			t.Fatalf("a cut request got %d %q, want 502", r.status, r.body)
		}
	}
}

func TestDrain(t *testing.T) {
	p, _ := newProxy(t, Options{})
	shop := startBackend(t, "shop")
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("shop", shop)}}}})
	mustSet(t, p, Route{Host: "old.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("old", shop)}}}})
	p.Remove("old.local")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		backend string
		want    error
	}{
		{"an unknown backend returns at once", context.Background(), "nope", nil},
		{"an idle removed backend returns at once", context.Background(), "old", nil},
		{"an idle removed backend returns even with its context done", cancelled, "old", nil},
		{"a routed backend is refused", context.Background(), "shop", ErrStillRouted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Drain(tt.ctx, tt.backend); !errors.Is(err, tt.want) {
				t.Fatalf("Drain: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDrainEndsWithItsContext(t *testing.T) {
	p, front := newProxy(t, Options{})
	slow, arrived, release := startSlowBackend(t)
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("slow", slow)}}}})
	inFlight := getAsync(t, front, "shop.local")
	<-arrived
	p.Remove("shop.local")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Drain(ctx, "slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain: %v, want the context's deadline", err)
	}
	close(release)
	if r := <-inFlight; r.status != http.StatusOK {
		t.Fatalf("the request in flight got %d %q after an abandoned drain, want 200", r.status, r.body)
	}
}

func TestABackendBackInARouteStopsDraining(t *testing.T) {
	p, front := newProxy(t, Options{})
	slow, arrived, release := startSlowBackend(t)
	route := Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("slow", slow)}}}}
	mustSet(t, p, route)
	inFlight := getAsync(t, front, "shop.local")
	<-arrived
	p.Remove("shop.local")
	mustSet(t, p, route)
	if err := p.Drain(context.Background(), "slow"); !errors.Is(err, ErrStillRouted) {
		t.Fatalf("Drain: %v, want ErrStillRouted", err)
	}
	close(release)
	if r := <-inFlight; r.status != http.StatusOK {
		t.Fatalf("the request in flight got %d %q, want 200", r.status, r.body)
	}
}

func TestDrainTimeoutCutsAWebSocket(t *testing.T) {
	p, front := newProxy(t, Options{DrainTimeout: 50 * time.Millisecond})
	mustSet(t, p, Route{Host: "chat.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("ws", startEchoWebSocket(t))}}}})
	conn, br := dialWebSocket(t, front, "chat.local")
	echo(t, conn, br, "hello")
	p.Remove("chat.local")
	var de *DrainError
	if err := p.Drain(context.Background(), "ws"); !errors.As(err, &de) || de.Cut != 1 {
		t.Fatalf("Drain: %v, want one cut", err)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("reading the cut socket: %v, want EOF", err)
	}
}
