package appserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the server goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func newServer(t testing.TB, vars map[string]string) *Server {
	t.Helper()
	s, err := New(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	srv := newServer(t, map[string]string{"VERSION": "v3", "DELAY": "500ms"})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, &out) }()

	answered := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answered <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answered <- string(body)
	}()
	time.Sleep(200 * time.Millisecond) // the request is in flight
	cancel()

	if got := <-answered; got != "v3\n" {
		t.Fatalf("in-flight request got %q, want v3", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "testapp v3 listening on ") || lines[1] != "testapp v3 stopped" {
		t.Fatalf("stdout = %q", out.String())
	}
}

func TestServeNamesTheSignalThatStoppedIt(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	var out syncBuffer
	served := make(chan error, 1)
	go func() { served <- newServer(t, map[string]string{"VERSION": "v4"}).Serve(ctx, listen(t), &out) }()
	for !strings.Contains(out.String(), "listening on") {
		time.Sleep(10 * time.Millisecond)
	}
	cancel(&Stopped{Signal: "SIGUSR2"})
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[1] != "testapp v4 got SIGUSR2" || lines[2] != "testapp v4 stopped" {
		t.Fatalf("stdout = %q", out.String())
	}
}

func TestExitAfterEndsServeWithTheExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want int
	}{
		{"the code defaults to 1", map[string]string{"EXIT_AFTER": "50ms"}, 1},
		{"EXIT_CODE sets it", map[string]string{"EXIT_AFTER": "50ms", "EXIT_CODE": "3"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out syncBuffer
			err := newServer(t, tc.vars).Serve(context.Background(), listen(t), &out)
			var exit *ExitError
			if !errors.As(err, &exit) || exit.Code != tc.want {
				t.Fatalf("Serve = %v, want an ExitError with code %d", err, tc.want)
			}
			if !strings.HasSuffix(out.String(), fmt.Sprintf("exited with code %d\n", tc.want)) {
				t.Fatalf("stdout = %q", out.String())
			}
		})
	}
}

func TestCheckHealth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		healthy bool
	}{
		{"a healthy app passes", nil, true},
		{"an app with FAIL_HEALTH=1 fails", map[string]string{"FAIL_HEALTH": "1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, tc.vars)
			err := CheckHealth(context.Background(), strings.TrimPrefix(srv.URL, "http://"))
			if (err == nil) != tc.healthy {
				t.Fatalf("CheckHealth = %v, want healthy %v", err, tc.healthy)
			}
		})
	}
}
