package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// checkers counts the health checker goroutines running.
func checkers() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "proxy.(*Proxy).runChecks")
}

// settle waits until at most want goroutines run and returns how many do.
func settle(want int) int {
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

func TestHealthCheckersFollowTheBackends(t *testing.T) {
	p, _ := newProxy(t, Options{})
	a, b := startFlakyBackend(t, "a"), startFlakyBackend(t, "b")
	hc := HealthCheck{Path: "/up", Interval: 5 * time.Millisecond}
	route := func(backends ...Backend) Route {
		return Route{Host: "shop.local", Health: hc, Sets: []Set{{Name: "blue", Weight: 100, Backends: backends}}}
	}
	steps := []struct {
		name  string
		route Route
		want  int
	}{
		{"two backends have two checkers", route(backendOf("a", a.Server), backendOf("b", b.Server)), 2},
		{"a backend that leaves loses its checker", route(backendOf("a", a.Server)), 1},
		{"a backend that joins gets one", route(backendOf("a", a.Server), backendOf("b", b.Server)), 2},
		{"a route without checks stops them", Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a.Server)}}}}, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			mustSet(t, p, s.route)
			eventually(t, "the checkers to settle", func() bool { return checkers() == s.want })
		})
	}
}

func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	p := New(Options{}, slog.New(slog.DiscardHandler))
	front := httptest.NewServer(p)
	a, b := startFlakyBackend(t, "a"), startFlakyBackend(t, "b")
	ws := startEchoWebSocket(t)
	mustSet(t, p, Route{
		Host:   "shop.local",
		Health: HealthCheck{Path: "/up", Interval: 5 * time.Millisecond},
		Sets:   []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a.Server), backendOf("b", b.Server)}}},
	})
	mustSet(t, p, Route{Host: "chat.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("ws", ws)}}}})
	client := &http.Client{Transport: &http.Transport{}}
	for range 20 {
		req := request(t, front, http.MethodGet, "shop.local", "/")
		if resp, _ := send(t, client, req); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	conn, br := dialWebSocket(t, front, "chat.local")
	echo(t, conn, br, "hello")
	conn.Close()
	eventually(t, "the checkers to start", func() bool { return checkers() == 2 })

	p.Close()
	if n := checkers(); n != 0 {
		t.Fatalf("%d checkers running after Close", n)
	}
	client.CloseIdleConnections()
	front.Close()
	a.Close()
	b.Close()
	ws.Close()
	if after := settle(before); after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
