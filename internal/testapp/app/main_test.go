package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer safe to write from the app's goroutines.
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

// freePort returns a loopback port nothing listens on.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestAStopSignalIsNamedAndStopsGracefully(t *testing.T) {
	var out syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run([]string{"-version", "v7"}, env(map[string]string{"PORT": freePort(t)}), &out, io.Discard)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "listening on") {
		if time.Now().After(deadline) {
			t.Fatalf("the app did not start: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit code %d, want 0", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not stop on SIGUSR1")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[1] != "testapp v7 got SIGUSR1" || lines[2] != "testapp v7 stopped" {
		t.Fatalf("stdout = %q", out.String())
	}
}

func TestExitAfterSetsTheExitCode(t *testing.T) {
	code := run(nil, env(map[string]string{"PORT": freePort(t), "EXIT_AFTER": "10ms", "EXIT_CODE": "4"}), io.Discard, io.Discard)
	if code != 4 {
		t.Fatalf("exit code %d, want 4", code)
	}
}

func TestProbeFlag(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("v2\n"))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		expect string
		want   int
	}{
		{"an answer with the body expected exits 0", "v2", 0},
		{"an answer without it exits 1", "v3", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"-probe"}, env(map[string]string{"BERTH_TARGET_URL": srv.URL + "/", "EXPECT_BODY": tc.expect}), &stdout, &stderr)
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tc.want, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "200 OK\nv2\n") {
				t.Errorf("stdout lacks the status and body:\n%s", stdout.String())
			}
		})
	}
}
