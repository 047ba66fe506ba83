package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the proxy's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines decodes the JSON lines written so far.
func (b *syncBuffer) lines(t testing.TB) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// wait returns the lines written once there are n, failing the test if
// there are more: a request's line is written just after its response.
func (b *syncBuffer) wait(t testing.TB, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := b.lines(t)
		if len(lines) > n {
			t.Fatalf("%d lines, want %d", len(lines), n)
		}
		if len(lines) == n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d lines after 5s, want %d", len(lines), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAccessLog(t *testing.T) {
	var access syncBuffer
	backend := startBackend(t, "a")
	p, front := newProxy(t, Options{AccessLog: slog.New(slog.NewJSONHandler(&access, nil))})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", backend)}}}})

	tests := []struct {
		name, method, host, path string
		status                   float64
		bytes                    float64
		upstream                 string
	}{
		{"a proxied GET names its backend", http.MethodGet, "shop.local", "/status/201", 201, 1, backend.Listener.Addr().String()},
		{"a proxied POST names its backend", http.MethodPost, "shop.local", "/", 200, 1, backend.Listener.Addr().String()},
		{"a host without a route has no upstream", http.MethodGet, "other.local", "/", 404, float64(len(`berth: no route for host "other.local"`) + 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(access.lines(t))
			req, err := http.NewRequest(tt.method, front.URL+tt.path, strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.method == http.MethodGet {
				req.Body = nil
				req.ContentLength = 0
			}
			req.Host = tt.host
			resp, _ := send(t, http.DefaultClient, req)
			if resp.StatusCode != int(tt.status) {
				t.Fatalf("status %d", resp.StatusCode)
			}
			lines := access.wait(t, before+1)
			l := lines[before]
			for k, want := range map[string]any{
				"msg": "request", "client": "127.0.0.1", "host": tt.host, "method": tt.method, "path": tt.path,
				"status": tt.status, "bytes": tt.bytes,
			} {
				if l[k] != want {
					t.Errorf("%s = %v, want %v", k, l[k], want)
				}
			}
			if got, _ := l["upstream"].(string); got != tt.upstream {
				t.Errorf("upstream = %q, want %q", got, tt.upstream)
			}
			if _, ok := l["duration"].(float64); !ok {
				t.Errorf("duration = %v", l["duration"])
			}
		})
	}
}

func TestBadGatewayIsAWarning(t *testing.T) {
	var logged, access syncBuffer
	// A port nothing listens on: the connection is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	p := New(Options{DisableRetry: true, AccessLog: slog.New(slog.NewJSONHandler(&access, nil))},
		slog.New(slog.NewJSONHandler(&logged, nil)))
	front := httptest.NewServer(p)
	t.Cleanup(func() {
		front.Close()
		p.Close()
	})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "dead", Addr: dead}}}}})
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			req := request(t, front, method, "shop.local", "/cart")
			if method == http.MethodPost {
				req.Body = io.NopCloser(strings.NewReader("x"))
				req.ContentLength = 1
			}
			if resp, _ := send(t, http.DefaultClient, req); resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var warned map[string]any
			for _, l := range logged.lines(t) {
				if l["msg"] == "bad gateway" && l["method"] == method {
					warned = l
				}
			}
			if warned == nil {
				t.Fatalf("no bad gateway line in %v", logged.lines(t))
			}
			if warned["level"] != "WARN" || warned["backend"] != "dead" || warned["upstream"] != dead ||
				!strings.Contains(warned["err"].(string), "refused") {
				t.Fatalf("warning %v", warned)
			}
			lines := access.wait(t, map[string]int{http.MethodGet: 1, http.MethodPost: 2}[method])
			if l := lines[len(lines)-1]; l["status"] != 502.0 || l["upstream"] != dead {
				t.Fatalf("access line %v", l)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Forwarded-For")+"|"+r.Header.Get("X-Real-Ip"))
	}))
	t.Cleanup(echo.Close)
	tests := []struct {
		name    string
		trusted string
		want    string // X-Forwarded-For|X-Real-Ip the backend gets
		client  string // on the access line
	}{
		{"a spoofed X-Forwarded-For from an untrusted peer is not believed", "10.0.0.0/8",
			"127.0.0.1|127.0.0.1", "127.0.0.1"},
		{"X-Forwarded-For from a trusted peer names the client", "127.0.0.0/8",
			"203.0.113.5, 198.51.100.7, 127.0.0.1|198.51.100.7", "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var access syncBuffer
			p, front := newProxy(t, Options{
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix(tt.trusted)},
				AccessLog:      slog.New(slog.NewJSONHandler(&access, nil)),
			})
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("echo", echo)}}}})
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				req := request(t, front, method, "shop.local", "/")
				if method == http.MethodPost {
					req.Body = io.NopCloser(strings.NewReader("x"))
					req.ContentLength = 1
				}
				req.Header.Set("X-Forwarded-For", "203.0.113.5, 198.51.100.7")
				if _, body := send(t, http.DefaultClient, req); body != tt.want {
					t.Errorf("%s: backend got %q, want %q", method, body, tt.want)
				}
			}
			for _, l := range access.wait(t, 2) {
				if l["client"] != tt.client {
					t.Errorf("access line client %v, want %s", l["client"], tt.client)
				}
			}
		})
	}
}
