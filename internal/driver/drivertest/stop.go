package drivertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// inFlight sends GET / to addr and returns once the request is written,
// with a channel that receives what it got.
func inFlight(t testing.TB, addr string, wait time.Duration) <-chan error {
	t.Helper()
	wrote := make(chan struct{})
	var once sync.Once
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(wrote) }) }}
	c, cancel := context.WithTimeout(context.Background(), wait)
	done := make(chan error, 1)
	go func() {
		defer cancel()
		r, err := get(httptrace.WithClientTrace(c, trace), addr, "/")
		switch {
		case err != nil:
			done <- err
		case r.status != http.StatusOK || r.body != "v1\n":
			done <- errors.New("answered " + http.StatusText(r.status) + ": " + r.body)
		default:
			done <- nil
		}
	}()
	select {
	case <-wrote:
	case err := <-done:
		t.Fatalf("the request ended before it was sent: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the request was not sent in 10s")
	}
	time.Sleep(200 * time.Millisecond) // for the app to read it
	return done
}

func testStopGraceful(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	spec := s.spec(app)
	spec.Env = []string{"DELAY=2s"}
	inst := start(t, d, spec)
	waitReady(t, inst.Addr)
	answered := inFlight(t, inst.Addr, 30*time.Second)

	begin := time.Now()
	if err := d.Stop(ctx(t), inst.ID, 10*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	took := time.Since(begin)
	if err := <-answered; err != nil {
		t.Fatalf("the request in flight during Stop: %v", err)
	}
	got, err := d.Inspect(ctx(t), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "exited" || got.ExitCode != 0 {
		t.Fatalf("after Stop: state %q, exit code %d, want exited with 0", got.State, got.ExitCode)
	}
	if took > 9*time.Second {
		t.Fatalf("Stop took %s: the app did not exit on SIGTERM", took)
	}
	t.Logf("Stop took %s with a 2s request in flight", took.Round(time.Millisecond))
	if err := d.Stop(ctx(t), inst.ID, time.Second); err != nil {
		t.Fatalf("Stop of a stopped container: %v", err)
	}
}

func testStopKills(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	spec := s.spec(app)
	spec.Env = []string{"DELAY=60s"}
	inst := start(t, d, spec)
	waitReady(t, inst.Addr)
	answered := inFlight(t, inst.Addr, 90*time.Second)

	begin := time.Now()
	if err := d.Stop(ctx(t), inst.ID, time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	took := time.Since(begin)
	if took > 10*time.Second {
		t.Fatalf("Stop with a 1s grace took %s", took)
	}
	if err := <-answered; err == nil {
		t.Fatal("a request in flight in a killed container was answered")
	}
	got, err := d.Inspect(ctx(t), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "exited" || got.ExitCode != 137 {
		t.Fatalf("after Stop: state %q, exit code %d, want exited with 137 (SIGKILL)", got.State, got.ExitCode)
	}
	t.Logf("Stop with a 1s grace took %s", took.Round(time.Millisecond))
}

func testRemoveRunning(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	inst := start(t, d, s.spec(app))
	if err := d.Remove(ctx(t), inst.ID); err != nil {
		t.Fatalf("Remove of a running container: %v", err)
	}
	if _, err := d.Inspect(ctx(t), inst.ID); !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("Inspect after Remove = %v, want ErrNotFound", err)
	}
	expectNoContainers(t, d, app)
}

func testMissingContainer(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	gone := start(t, d, s.spec(app))
	if err := d.Remove(ctx(t), gone.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func(context.Context) error
	}{
		{"Stop", func(c context.Context) error { return d.Stop(c, gone.ID, time.Second) }},
		{"Remove", func(c context.Context) error { return d.Remove(c, gone.ID) }},
		{"Inspect", func(c context.Context) error { _, err := d.Inspect(c, gone.ID); return err }},
		{"Logs", func(c context.Context) error { return d.Logs(c, gone.ID, driver.LogOptions{}, io.Discard) }},
	} {
		t.Run(tc.name+" fails with ErrNotFound", func(t *testing.T) {
			if err := tc.call(ctx(t)); !errors.Is(err, driver.ErrNotFound) {
				t.Fatalf("%s of a removed container = %v, want ErrNotFound", tc.name, err)
			}
		})
	}
}
