package proxy

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newProxy starts p behind a test server; both stop with the test.
func newProxy(t testing.TB, opts Options) (*Proxy, *httptest.Server) {
	t.Helper()
	p := New(opts, slog.New(slog.DiscardHandler))
	front := httptest.NewServer(p)
	t.Cleanup(func() {
		front.Close()
		p.Close()
	})
	return p, front
}

// startBackend starts a backend that answers with its name; /status/N
// answers status N and ?sleep=D waits D first.
func startBackend(t testing.TB, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			time.Sleep(d)
		}
		w.Header().Set("X-Backend", name)
		if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			n, _ := strconv.Atoi(code)
			w.WriteHeader(n)
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// backendOf is the Backend for a test server, with its name as ID.
func backendOf(name string, srv *httptest.Server) Backend {
	return Backend{ID: name, Addr: srv.Listener.Addr().String()}
}

// mustSet sets r or fails the test.
func mustSet(t testing.TB, p *Proxy, r Route) {
	t.Helper()
	if err := p.Set(r); err != nil {
		t.Fatal(err)
	}
}

// request is a request to the proxy for host.
func request(t testing.TB, front *httptest.Server, method, host, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, front.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	return req
}

// send sends req with client and returns the response, its body read
// and closed.
func send(t testing.TB, client *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// get sends a GET for host and path through the proxy and returns the
// status and body.
func get(t testing.TB, front *httptest.Server, host, path string) (int, string) {
	t.Helper()
	resp, body := send(t, front.Client(), request(t, front, http.MethodGet, host, path))
	return resp.StatusCode, body
}

// keepAliveClient returns a client that keeps up to n connections open.
func keepAliveClient(t testing.TB, n int) *http.Client {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawBackend listens on loopback and runs serve on every connection it
// accepts, each in a goroutine of its own, closing the connection after;
// it stops with the test. It returns its address.
func rawBackend(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return l.Addr().String()
}
