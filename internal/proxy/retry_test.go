package proxy

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// deadAddr returns an address that refuses connections.
func deadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// resettingBackend accepts connections and closes them without answering.
func resettingBackend(t testing.TB) string {
	t.Helper()
	return rawBackend(t, func(c net.Conn) {
		buf := make([]byte, 1024)
		c.Read(buf)
		c.(*net.TCPConn).SetLinger(0)
	})
}

func TestRetry(t *testing.T) {
	live := startBackend(t, "live")
	tests := []struct {
		name    string
		dead    string
		method  string
		options Options
		failed  bool
	}{
		{"a GET to a closed listener is answered by another backend", "refused", http.MethodGet, Options{}, false},
		{"a HEAD to a closed listener is answered by another backend", "refused", http.MethodHead, Options{}, false},
		{"an OPTIONS to a reset connection is answered by another backend", "reset", http.MethodOptions, Options{}, false},
		{"a GET to a reset connection is answered by another backend", "reset", http.MethodGet, Options{}, false},
		{"a POST is never retried", "refused", http.MethodPost, Options{}, true},
		{"a DELETE is never retried", "reset", http.MethodDelete, Options{}, true},
		{"nothing is retried with retries off", "refused", http.MethodGet, Options{DisableRetry: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, front := newProxy(t, tt.options)
			addr := deadAddr(t)
			if tt.dead == "reset" {
				addr = resettingBackend(t)
			}
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{
				{ID: "dead", Addr: addr}, backendOf("live", live),
			}}}})
			failed := 0
			for range 10 {
				resp, _ := send(t, front.Client(), request(t, front, tt.method, "shop.local", "/"))
				switch {
				case resp.StatusCode == http.StatusBadGateway:
					failed++
				case resp.StatusCode != http.StatusOK || resp.Header.Get("X-Backend") != "live":
					t.Fatalf("got %d from %q, want 200 from live or 502", resp.StatusCode, resp.Header.Get("X-Backend"))
				}
			}
			if tt.failed && failed == 0 {
				t.Fatal("no request failed, want the ones sent to the dead backend to")
			}
			if !tt.failed && failed > 0 {
				t.Fatalf("%d requests failed, want none", failed)
			}
		})
	}
}

func TestARefusedConnectionTakesACheckedBackendOut(t *testing.T) {
	p, front := newProxy(t, Options{DisableRetry: true})
	live := startBackend(t, "live")
	doomed := httptest.NewServer(http.NotFoundHandler())
	addr := doomed.Listener.Addr().String()
	doomed.Close()
	mustSet(t, p, Route{
		Host:   "shop.local",
		Health: HealthCheck{Path: "/", Interval: time.Hour},
		Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{
			{ID: "doomed", Addr: addr}, backendOf("live", live),
		}}},
	})
	failed := 0
	for range 10 {
		if status, _ := get(t, front, "shop.local", "/"); status != http.StatusOK {
			failed++
		}
	}
	if failed > 1 {
		t.Fatalf("%d requests failed, want at most the first", failed)
	}
	if healthy, _ := p.Healthy("doomed"); healthy {
		t.Fatal("the refusing backend still counts as healthy")
	}
}
