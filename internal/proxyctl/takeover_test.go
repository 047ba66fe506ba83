package proxyctl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

func TestANewerServerTakesTheControlPath(t *testing.T) {
	dir := shortDir(t)
	old := serve(t, dir, proxy.Options{}, ServerOptions{Info: Info{PID: 1}})
	sb := signallingBackend(t, "slow")
	slow, arrived := sb.Backend, sb.arrived
	if err := old.client.Set(route("shop.local", 1, slow)); err != nil {
		t.Fatal(err)
	}
	if err := old.client.Save(background(t)); err != nil {
		t.Fatal(err)
	}
	// A drain through the old process, under way when the new one takes
	// over, goes on on its connection.
	status := old.inFlight(t, "shop.local", "/?sleep=200ms", arrived)
	old.p.Remove("shop.local")
	drained := make(chan error, 1)
	go func() { drained <- old.client.Drain(background(t), "slow") }()
	time.Sleep(20 * time.Millisecond) // the drain's connection is open

	saved := savedState(t, old.state)
	newer := serve(t, dir, proxy.Options{}, ServerOptions{Info: Info{PID: 2}})

	t.Run("calls reach the newer process", func(t *testing.T) {
		info, err := old.client.Info(background(t))
		if err != nil || info.PID != 2 {
			t.Fatalf("Info = %+v, %v, want pid 2", info, err)
		}
	})
	t.Run("the older process keeps its open connections", func(t *testing.T) {
		if err := <-drained; err != nil {
			t.Fatalf("the drain begun before the takeover: %v", err)
		}
		if s := <-status; s != http.StatusOK {
			t.Fatalf("the drained request got %d", s)
		}
	})
	t.Run("the older process no longer writes the state file", func(t *testing.T) {
		if err := old.srv.Save(); !errors.Is(err, ErrSuperseded) {
			t.Fatalf("Save: %v, want ErrSuperseded", err)
		}
		if got := savedState(t, old.state); !reflect.DeepEqual(got.Routes, saved.Routes) {
			t.Fatalf("routes %+v in the state file, want %+v", got.Routes, saved.Routes)
		}
		if err := newer.srv.Save(); err != nil {
			t.Fatal(err)
		}
		if got := savedState(t, newer.state); len(got.Routes) != 0 {
			t.Fatalf("routes %+v in the newer process's state, want none", got.Routes)
		}
	})
	t.Run("closing the older process leaves the path to the newer one", func(t *testing.T) {
		if err := old.srv.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := newer.client.Info(background(t)); err != nil {
			t.Fatalf("Info after the older process closed: %v", err)
		}
	})
	t.Run("closing the newer process removes the path", func(t *testing.T) {
		if err := newer.srv.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(newer.path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the control socket is still there: %v", err)
		}
	})
}

func TestRetire(t *testing.T) {
	var gotTimeout atomic.Int64
	var f *fixture
	f = serve(t, shortDir(t), proxy.Options{}, ServerOptions{Retire: func(ctx context.Context, drainTimeout time.Duration) error {
		gotTimeout.Store(int64(drainTimeout))
		// What a process does: stop accepting and drain.
		f.front.Config.Shutdown(ctx)
		return nil
	}})
	a := backend(t, "a")
	if err := f.client.Set(route("shop.local", 1, a)); err != nil {
		t.Fatal(err)
	}
	// What the process does once retired: exit, which Close stands for.
	go func() {
		<-f.srv.Retired()
		time.Sleep(50 * time.Millisecond)
		f.srv.Close()
	}()
	start := time.Now()
	if err := f.client.Retire(background(t), 7*time.Second); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("Retire returned after %v, before the process was gone", waited)
	}
	if d := time.Duration(gotTimeout.Load()); d != 7*time.Second {
		t.Fatalf("retired with drain timeout %v, want 7s", d)
	}
	if rs := savedState(t, f.state).Routes; len(rs) != 1 {
		t.Fatalf("saved routes %+v, want the route", rs)
	}
	if _, err := net.Dial("tcp", f.front.Listener.Addr().String()); err == nil {
		t.Fatal("the proxy still accepts after retiring")
	}
	t.Run("a second retire answers what the first did", func(t *testing.T) {
		if err := f.srv.Retire(context.Background(), time.Second); err != nil {
			t.Fatal(err)
		}
	})
}

func TestARetireThatFailsSaysWhyAndStillSaves(t *testing.T) {
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{Retire: func(context.Context, time.Duration) error {
		return errors.New("the listener would not close")
	}})
	if err := f.client.Set(route("shop.local", 1, backend(t, "a"))); err != nil {
		t.Fatal(err)
	}
	go func() {
		<-f.srv.Retired()
		f.srv.Close()
	}()
	err := f.client.Retire(background(t), time.Second)
	if err == nil || !strings.Contains(err.Error(), "the listener would not close") {
		t.Fatalf("Retire: %v, want the process's failure", err)
	}
	if rs := savedState(t, f.state).Routes; len(rs) != 1 {
		t.Fatalf("saved routes %+v, want the route: the process exits all the same", rs)
	}
}

func TestARetireWithoutATimeoutIsRefused(t *testing.T) {
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{Retire: func(context.Context, time.Duration) error { return nil }})
	err := f.client.Retire(background(t), 0)
	var e *Error
	if !errors.As(err, &e) || e.Kind != "bad_request" {
		t.Fatalf("Retire: %v, want a bad request", err)
	}
}

func TestTheListeningSocketIsHandedOut(t *testing.T) {
	l, file := tcpListenerFile(t)
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{Listener: file})
	got, err := f.client.Listener(background(t))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	dup, err := net.FileListener(got)
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	if dup.Addr().String() != l.Addr().String() {
		t.Fatalf("handed out a socket on %s, want %s", dup.Addr(), l.Addr())
	}
	// The same socket: closing the first listener leaves it open, and a
	// connection made now is accepted on the copy.
	l.Close()
	c, err := net.Dial("tcp", dup.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	accepted, err := dup.Accept()
	if err != nil {
		t.Fatal(err)
	}
	accepted.Close()

	t.Run("a process without one says so", func(t *testing.T) {
		g := serve(t, shortDir(t), proxy.Options{}, ServerOptions{})
		_, err := g.client.Listener(background(t))
		var e *Error
		if !errors.As(err, &e) || e.Kind != "no_listener" {
			t.Fatalf("Listener: %v, want no_listener", err)
		}
	})
	t.Run("nothing is left open in the asking process", func(t *testing.T) {
		before := openFiles(t)
		for range 5 {
			f, err := f.client.Listener(background(t))
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		eventually(t, "as many descriptors open as before", func() bool { return openFiles(t) <= before })
	})
}

// openFiles counts the test process's open descriptors.
func openFiles(t testing.TB) int {
	t.Helper()
	names, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

func TestSaveLeavesTheStateAndItsLockOnly(t *testing.T) {
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{})
	if err := f.srv.Save(); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(f.dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{f.path, f.state, f.state + ".lock"}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
}
