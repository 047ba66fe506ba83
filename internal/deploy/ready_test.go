package deploy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/proxy"
)

// runningHost answers Inspect with a running container; routedReady asks
// nothing else of the host.
type runningHost struct{ driver.Driver }

func (runningHost) Inspect(context.Context, string) (driver.Instance, error) {
	return driver.Instance{State: "running"}, nil
}

// TestRoutedReadyAsksSoonWhileStarting starts the app's listener a moment
// after the first health check, with an interval far beyond the test's
// deadline: the check must be asked again soon, not after the interval.
func TestRoutedReadyAsksSoonWhileStarting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // refused until the app listens again

	var checks atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checks.Add(1)
	})}
	started := make(chan struct{})
	go func() {
		defer close(started)
		time.Sleep(150 * time.Millisecond)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listening again on %s: %v", addr, err)
			return
		}
		go srv.Serve(l)
	}()
	t.Cleanup(func() { <-started; srv.Close() })

	e := &Engine{driver: runningHost{}, probe: &http.Client{}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := proxy.HealthCheck{Path: "/healthz", Interval: time.Hour, Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 3}
	if err := e.routedReady(ctx, hc, driver.Instance{Addr: addr}); err != nil {
		t.Fatalf("not ready: %v", err)
	}
	if n := checks.Load(); n != 1 {
		t.Fatalf("the app answered %d health checks, want 1", n)
	}
}

// TestRoutedReadyFailsOnErrorStatus keeps the interval between checks once
// the app answers, and gives up after unhealthy_threshold error answers.
func TestRoutedReadyFailsOnErrorStatus(t *testing.T) {
	var checks atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checks.Add(1)
		http.Error(w, "sick", http.StatusServiceUnavailable)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	e := &Engine{driver: runningHost{}, probe: &http.Client{}}
	hc := proxy.HealthCheck{Path: "/healthz", Interval: 10 * time.Millisecond, Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 3}
	err = e.routedReady(context.Background(), hc, driver.Instance{Addr: l.Addr().String()})
	var status *proxy.StatusError
	if !errors.As(err, &status) || !strings.Contains(err.Error(), "3 health checks in a row failed") {
		t.Fatalf("got %v, want 3 failed checks ending in a status error", err)
	}
	if n := checks.Load(); n != 3 {
		t.Fatalf("the app answered %d health checks, want 3", n)
	}
}
