package serving

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A connection accepted before Stop whose request arrives after Stop
// began is answered, not dropped.
func TestStopAnswersARequestOfAConnectionAcceptedBefore(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "answered")
	})}
	s := Start(srv, ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Wait until the server has accepted it.
	for {
		s.mu.Lock()
		n := len(s.fresh)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	time.Sleep(100 * time.Millisecond) // Stop has begun, the request is not sent
	if _, err := fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request sent after Stop began got no answer: %v", err)
	}
	resp.Body.Close()
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if s.Err() != nil {
		t.Fatalf("Err after Stop = %v", s.Err())
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("the listener still accepts after Stop")
	}
}

// A connection that never sends holds Stop up only for FreshWait.
func TestStopDoesNotWaitForeverForASilentConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Start(&http.Server{Handler: http.NotFoundHandler()}, ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for {
		s.mu.Lock()
		n := len(s.fresh)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begun := time.Now()
	if err := s.Stop(ctx); err != nil && !strings.Contains(err.Error(), "context") {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %s with a silent connection (FreshWait %s)", time.Since(begun).Round(time.Millisecond), FreshWait)
	if ctx.Err() != nil {
		t.Fatal("Stop waited for the silent connection until its context ended")
	}
}
