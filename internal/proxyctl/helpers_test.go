package proxyctl

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// shortDir is a temporary directory with a short path, since a Unix
// socket's path must fit in about a hundred bytes; it goes with the test.
func shortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// fixture is a proxy served in the test, its control API on a socket,
// and a client of it.
type fixture struct {
	p      *proxy.Proxy
	srv    *Server
	client *Client
	front  *httptest.Server // the proxy's own listener
	dir    string
	path   string // the control socket
	state  string // the state file
}

// serve starts a proxy with opts and its control API in dir; everything
// stops with the test. ServerOptions.StatePath defaults to dir/state.json.
func serve(t testing.TB, dir string, popts proxy.Options, opts ServerOptions) *fixture {
	t.Helper()
	f := &fixture{dir: dir, path: filepath.Join(dir, "control.sock")}
	if opts.StatePath == "" {
		opts.StatePath = filepath.Join(dir, "state.json")
	}
	f.state = opts.StatePath
	f.p = proxy.New(popts, slog.New(slog.DiscardHandler))
	f.front = httptest.NewServer(f.p)
	f.srv = NewServer(f.p, opts, slog.New(slog.DiscardHandler))
	l, err := f.srv.Listen(f.path)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(l) }()
	f.client = Dial(f.path)
	t.Cleanup(func() {
		f.client.Close()
		f.srv.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		f.front.Close()
		f.p.Close()
	})
	return f
}

// get sends a GET for host through the fixture's proxy and returns the
// status and body.
func (f *fixture) get(t testing.TB, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.front.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := f.front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// backend starts a server that answers with name; ?sleep=D waits D
// first, /status/N answers N.
func backend(t testing.TB, name string) proxy.Backend {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if code, err := strconv.Atoi(r.URL.Query().Get("status")); err == nil {
			w.WriteHeader(code)
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	return proxy.Backend{ID: name, Addr: srv.Listener.Addr().String()}
}

// signalling is a backend as backend's, that also signals each request
// as it arrives, and counts the ones it answered.
type signalling struct {
	proxy.Backend
	arrived  chan struct{}
	answered atomic.Int64
}

func signallingBackend(t testing.TB, name string) *signalling {
	t.Helper()
	b := &signalling{arrived: make(chan struct{}, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.arrived <- struct{}{}
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		b.answered.Add(1)
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	b.Backend = proxy.Backend{ID: name, Addr: srv.Listener.Addr().String()}
	return b
}

// route is a route for host with one set of the backends.
func route(host string, revision int, backends ...proxy.Backend) proxy.Route {
	return proxy.Route{Host: host, Sets: []proxy.Set{{Name: "blue", Revision: revision, Weight: 100, Backends: backends}}}
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

// tcpListenerFile listens on loopback and returns the listener and a
// file of its socket; both close with the test.
func tcpListenerFile(t testing.TB) (net.Listener, *os.File) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	file, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Close()
		file.Close()
	})
	return l, file
}

// background is a context for calls that the test bounds itself.
func background(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
