package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, ln, config{version: "v3", delay: 500 * time.Millisecond}, &out)
	}()

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

func TestHealthcheckFlag(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		want   int
	}{
		{"a healthy app exits 0", http.StatusOK, 0},
		{"an unhealthy app exits 1", http.StatusInternalServerError, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/healthz" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
			var stderr bytes.Buffer
			code := run([]string{"-healthcheck"}, env(map[string]string{"PORT": port}), io.Discard, &stderr)
			if code != tc.want {
				t.Fatalf("exit code %d, want %d (%s)", code, tc.want, stderr.String())
			}
		})
	}
}
