package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDirectPathTakesOnlyPlainRequests(t *testing.T) {
	tests := []struct {
		name   string
		method string
		body   string
		header map[string]string
		want   bool
	}{
		{"a GET", http.MethodGet, "", nil, true},
		{"a HEAD", http.MethodHead, "", nil, true},
		{"an OPTIONS", http.MethodOptions, "", nil, true},
		{"a POST", http.MethodPost, "", nil, false},
		{"a DELETE", http.MethodDelete, "", nil, false},
		{"a GET with a body", http.MethodGet, "body", nil, false},
		{"a WebSocket upgrade", http.MethodGet, "", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}, false},
		{"a GET expecting 100-continue", http.MethodGet, "", map[string]string{"Expect": "100-continue"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := direct(r); got != tt.want {
				t.Fatalf("direct = %v, want %v", got, tt.want)
			}
		})
	}
}

// oneShotBackend answers every request on a connection and then closes
// it without saying so, as a backend whose keep-alive timeout is shorter
// than the proxy's does. It counts the connections it accepted.
func oneShotBackend(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	accepted = new(atomic.Int32)
	addr = rawBackend(t, func(c net.Conn) {
		accepted.Add(1)
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
		// Let the proxy pool the connection before it goes.
		time.Sleep(20 * time.Millisecond)
	})
	return addr, accepted
}

func TestDirectPathReplacesAConnectionTheBackendClosed(t *testing.T) {
	addr, accepted := oneShotBackend(t)
	p, front := newProxy(t, Options{DisableRetry: true})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "a", Addr: addr}}}}})
	for i := range 5 {
		if code, body := get(t, front, "shop.local", "/"); code != http.StatusOK || body != "ok" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
		time.Sleep(50 * time.Millisecond) // the backend has closed it by now
	}
	if n := accepted.Load(); n != 5 {
		t.Fatalf("backend accepted %d connections for 5 requests, want 5", n)
	}
}

func TestDirectPathReusesConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", srv)}}}})
	for range 20 {
		if code, _ := get(t, front, "shop.local", "/"); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("20 sequential requests opened %d connections, want 1", n)
	}
	eventually(t, "the connection back in the pool", func() bool { return p.conns.count() == 1 })
}

func TestDirectPathHonoursConnectionClose(t *testing.T) {
	srv := startBackend(t, "a")
	srv.Config.SetKeepAlivesEnabled(false)
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", srv)}}}})
	for range 3 {
		if code, body := get(t, front, "shop.local", "/"); code != http.StatusOK || body != "a" {
			t.Fatalf("%d %q", code, body)
		}
	}
	if n := p.conns.count(); n != 0 {
		t.Fatalf("%d connections pooled that the backend closed", n)
	}
}

func TestDirectPathPassesResponsesWhole(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hints":
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Link")
			io.WriteString(w, "final")
		case "/trailer":
			w.Header().Set("Trailer", "X-Checksum")
			io.WriteString(w, "body")
			w.Header().Set("X-Checksum", "abc")
		case "/hop":
			w.Header().Set("Connection", "X-Private")
			w.Header().Set("X-Private", "for the proxy only")
			w.Header().Set("Keep-Alive", "timeout=5")
			w.Header().Set("Set-Cookie", "app=1")
			io.WriteString(w, "hop")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Content-Length", "4")
			io.WriteString(w, "full")
		}
	}))
	t.Cleanup(srv.Close)
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "shop.local", Sticky: true, Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", srv)}}}})

	t.Run("1xx answers pass before the final one", func(t *testing.T) {
		var hints []int
		req := request(t, front, http.MethodGet, "shop.local", "/hints")
		ctx := withGot1xx(req.Context(), func(code int) { hints = append(hints, code) })
		resp, body := send(t, front.Client(), req.WithContext(ctx))
		if resp.StatusCode != http.StatusOK || body != "final" || len(hints) != 1 || hints[0] != http.StatusEarlyHints {
			t.Fatalf("%d %q, 1xx %v", resp.StatusCode, body, hints)
		}
	})
	t.Run("trailers pass", func(t *testing.T) {
		resp, body := send(t, front.Client(), request(t, front, http.MethodGet, "shop.local", "/trailer"))
		if body != "body" || resp.Trailer.Get("X-Checksum") != "abc" {
			t.Fatalf("body %q, trailer %v", body, resp.Trailer)
		}
	})
	t.Run("hop-by-hop headers stay behind, the sticky cookie joins the app's", func(t *testing.T) {
		resp, body := send(t, front.Client(), request(t, front, http.MethodGet, "shop.local", "/hop"))
		if body != "hop" || resp.Header.Get("X-Private") != "" || resp.Header.Get("Keep-Alive") != "" {
			t.Fatalf("body %q, header %v", body, resp.Header)
		}
		if cookies := resp.Header.Values("Set-Cookie"); len(cookies) != 2 {
			t.Fatalf("Set-Cookie %q, want the sticky cookie and the app's", cookies)
		}
	})
	t.Run("HEAD and 204 have no body", func(t *testing.T) {
		resp, body := send(t, front.Client(), request(t, front, http.MethodHead, "shop.local", "/"))
		if resp.StatusCode != http.StatusOK || body != "" || resp.ContentLength != 4 {
			t.Fatalf("HEAD: %d %q length %d", resp.StatusCode, body, resp.ContentLength)
		}
		resp, body = send(t, front.Client(), request(t, front, http.MethodGet, "shop.local", "/empty"))
		if resp.StatusCode != http.StatusNoContent || body != "" {
			t.Fatalf("204: %d %q", resp.StatusCode, body)
		}
	})
	eventually(t, "one connection in the pool", func() bool { return p.conns.count() == 1 })
}

func TestDirectPathResponseHeaderTimeout(t *testing.T) {
	srv := startBackend(t, "slow")
	p, front := newProxy(t, Options{ResponseHeaderTimeout: 50 * time.Millisecond})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("slow", srv)}}}})
	if code, _ := get(t, front, "shop.local", "/?sleep=1s"); code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", code)
	}
	if n := p.conns.count(); n != 0 {
		t.Fatalf("a timed-out connection was pooled")
	}
	if code, body := get(t, front, "shop.local", "/"); code != http.StatusOK || body != "slow" {
		t.Fatalf("after a timeout: %d %q", code, body)
	}
}

func TestDirectPathClientGoneMidBody(t *testing.T) {
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // the proxy closed the connection
		close(gone)
	}))
	t.Cleanup(srv.Close)
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", srv)}}}})

	ctx, cancel := context.WithCancel(context.Background())
	resp, err := front.Client().Do(request(t, front, http.MethodGet, "shop.local", "/").WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(resp.Body).ReadString('\n'); line != "first\n" {
		t.Fatalf("first line %q", line)
	}
	cancel()
	resp.Body.Close()
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the backend's connection stayed open after the client went")
	}
	eventually(t, "the call to end", func() bool { return p.conns.count() == 0 && idleBackend(p, "a") })
}

// idleBackend says whether the backend id has no request in flight.
func idleBackend(p *Proxy, id string) bool {
	p.mu.Lock()
	b := p.backends[id]
	p.mu.Unlock()
	return b != nil && b.inflight.Load() == 0
}

func TestIdleConnectionsTimeOut(t *testing.T) {
	cs := newConns(time.Second, 4)
	t.Cleanup(cs.close)
	a, b := net.Pipe()
	t.Cleanup(func() { b.Close() })
	old := &conn{Conn: a, addr: "x"}
	cs.put(old)
	fresh := &conn{Conn: nopConn{}, addr: "x"}
	cs.put(fresh)
	cs.mu.Lock()
	old.idle = time.Now().Add(-2 * idleTimeout)
	cs.mu.Unlock()
	cs.closeStale()
	if n := cs.count(); n != 1 {
		t.Fatalf("%d idle connections after the sweep, want 1", n)
	}
	if _, err := b.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("the stale connection is still open: %v", err)
	}
	if c := cs.take("x"); c != fresh {
		t.Fatal("the fresh connection is not the one reused")
	}
}

// nopConn is a connection that is never used.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// withGot1xx reports each 1xx answer a client request gets to got.
func withGot1xx(ctx context.Context, got func(code int)) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			got(code)
			return nil
		},
	})
}

func TestAnInvalidStatusFromABackendIsABadGateway(t *testing.T) {
	addr := rawBackend(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.WriteString(c, "HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n")
	})
	p, front := newProxy(t, Options{DisableRetry: true})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "zero", Addr: addr}}}}})
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp, _ := send(t, front.Client(), request(t, front, method, "shop.local", "/"))
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("%s: status %d, want 502", method, resp.StatusCode)
		}
	}
}

// TestDirectPathDropsAConnectionTheBackendSentOnUnasked has a backend
// send a body after its answer to a HEAD, on a kept-alive connection:
// the next request must not read it as its answer.
func TestDirectPathDropsAConnectionTheBackendSentOnUnasked(t *testing.T) {
	addr := rawBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.Method == http.MethodHead {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
				time.Sleep(20 * time.Millisecond) // after the proxy pooled it
				io.WriteString(c, "extra")
				continue
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	p, front := newProxy(t, Options{DisableRetry: true})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "a", Addr: addr}}}}})
	if resp, _ := send(t, front.Client(), request(t, front, http.MethodHead, "shop.local", "/")); resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: %d", resp.StatusCode)
	}
	time.Sleep(50 * time.Millisecond)
	if code, body := get(t, front, "shop.local", "/"); code != http.StatusOK || body != "ok" {
		t.Fatalf("GET after the HEAD: %d %q, want 200 ok", code, body)
	}
}

// count is how many connections are idle.
func (cs *conns) count() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	n := 0
	for _, list := range cs.idle {
		n += len(list)
	}
	return n
}
