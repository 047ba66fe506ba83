package proxyctl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// router is the deploy engine's Router, which Client must be.
type router interface {
	Set(proxy.Route) error
	Remove(host string)
	Drain(ctx context.Context, backendID string) error
	Healthy(backendID string) (healthy, known bool)
	Stats(host, set string, revision int, window time.Duration) proxy.Stats
}

var _ router = (*Client)(nil)

func TestTheClientDrivesTheProxy(t *testing.T) {
	started := time.Now().Truncate(time.Second).UTC()
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{Info: Info{PID: 42, Version: "v1", Executable: "/bin/berth", Listen: "127.0.0.1:8000", Started: started}})
	a, b := backend(t, "a"), backend(t, "b")

	t.Run("a route set through the socket serves", func(t *testing.T) {
		if err := f.client.Set(route("Shop.Local", 3, a)); err != nil {
			t.Fatal(err)
		}
		if status, body := f.get(t, "shop.local", "/"); status != http.StatusOK || body != "a" {
			t.Fatalf("answered %d %q, want a", status, body)
		}
	})
	t.Run("health is read through the socket", func(t *testing.T) {
		if healthy, known := f.client.Healthy("a"); !healthy || !known {
			t.Fatalf("Healthy(a) = %v, %v, want true, true", healthy, known)
		}
		if healthy, known := f.client.Healthy("nobody"); healthy || known {
			t.Fatalf("Healthy(nobody) = %v, %v, want false, false", healthy, known)
		}
	})
	t.Run("stats are read through the socket", func(t *testing.T) {
		f.get(t, "shop.local", "/?status=500")
		got := f.client.Stats("shop.local", "blue", 3, time.Minute)
		if want := f.p.Stats("shop.local", "blue", 3, time.Minute); got != want || got.Requests != 2 || got.Errors != 1 {
			t.Fatalf("Stats = %+v, want %+v: two requests, one error", got, want)
		}
	})
	t.Run("info says which process serves", func(t *testing.T) {
		info, err := f.client.Info(background(t))
		if err != nil {
			t.Fatal(err)
		}
		want := Info{PID: 42, Version: "v1", Executable: "/bin/berth", Listen: "127.0.0.1:8000", Started: started, Routes: 1}
		if info != want {
			t.Fatalf("Info = %+v, want %+v", info, want)
		}
	})
	t.Run("an invalid route keeps its error kind", func(t *testing.T) {
		bad := route("shop.local", 3, a)
		bad.Sets[0].Weight = 200
		err := f.client.Set(bad)
		if !errors.Is(err, proxy.ErrInvalidRoute) || !strings.Contains(err.Error(), "weight 200") {
			t.Fatalf("Set: %v, want ErrInvalidRoute saying why", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != "invalid_route" {
			t.Fatalf("Set: %#v, want an *Error of kind invalid_route", err)
		}
	})
	t.Run("a host another route serves keeps its error kind", func(t *testing.T) {
		r := route("api.local", 1, b)
		r.Previews = map[string]string{"shop.local": "blue"}
		if err := f.client.Set(r); !errors.Is(err, proxy.ErrHostTaken) {
			t.Fatalf("Set: %v, want ErrHostTaken", err)
		}
	})
	t.Run("a route removed through the socket is gone", func(t *testing.T) {
		f.client.Remove("SHOP.local")
		if status, _ := f.get(t, "shop.local", "/"); status != http.StatusNotFound {
			t.Fatalf("answered %d after Remove, want 404", status)
		}
	})
	t.Run("a closed proxy keeps its error kind", func(t *testing.T) {
		f.p.Close()
		if err := f.client.Set(route("shop.local", 3, a)); !errors.Is(err, proxy.ErrClosed) {
			t.Fatalf("Set: %v, want ErrClosed", err)
		}
	})
}

func TestAFailedCallAnswersZeroValues(t *testing.T) {
	dir := shortDir(t)
	c := Dial(filepath.Join(dir, "nobody.sock"))
	defer c.Close()
	if healthy, known := c.Healthy("a"); healthy || known {
		t.Fatalf("Healthy = %v, %v without a proxy, want false, false", healthy, known)
	}
	if st := c.Stats("shop.local", "blue", 1, time.Minute); st != (proxy.Stats{}) {
		t.Fatalf("Stats = %+v without a proxy, want zero", st)
	}
	if err := c.Set(route("shop.local", 1)); err == nil || !strings.Contains(err.Error(), "nobody.sock") {
		t.Fatalf("Set: %v without a proxy, want an error naming the socket", err)
	}
	if _, err := c.Info(background(t)); err == nil {
		t.Fatal("Info without a proxy succeeded")
	}
}

func TestAHungProxyDoesNotHangTheCaller(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "hung.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Accepts connections, reads the requests and never answers.
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	c := Dial(path)
	defer c.Close()
	c.timeout = 100 * time.Millisecond
	calls := map[string]func() bool{
		"Set":     func() bool { return c.Set(route("shop.local", 1)) != nil },
		"Healthy": func() bool { _, known := c.Healthy("a"); return !known },
		"Stats":   func() bool { return c.Stats("shop.local", "blue", 1, time.Minute) == proxy.Stats{} },
		"Info":    func() bool { _, err := c.Info(context.Background()); return errors.Is(err, context.DeadlineExceeded) },
		"Save":    func() bool { return errors.Is(c.Save(context.Background()), context.DeadlineExceeded) },
		"Listener": func() bool {
			_, err := c.Listener(context.Background())
			return errors.Is(err, context.DeadlineExceeded)
		},
		"Remove": func() bool { c.Remove("shop.local"); return true },
	}
	for name, call := range calls {
		t.Run(name+" gives up at its timeout", func(t *testing.T) {
			done := make(chan bool, 1)
			go func() { done <- call() }()
			select {
			case ok := <-done:
				if !ok {
					t.Fatalf("%s answered as if the proxy had", name)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s still waits on a hung proxy", name)
			}
		})
	}
}

func TestRemoveTriesAgainUntilTheProxyAnswers(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "control.sock")
	c := Dial(path)
	defer c.Close()
	a := backend(t, "a")
	// The proxy comes up only after Remove's first tries failed.
	up := make(chan struct{})
	p := proxy.New(proxy.Options{}, nil)
	defer p.Close()
	if err := p.Set(route("shop.local", 1, a)); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, func() {
		defer close(up)
		srv := NewServer(p, ServerOptions{}, nil)
		l, err := srv.Listen(path)
		if err != nil {
			t.Error(err)
			return
		}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
	})
	c.Remove("shop.local")
	<-up
	if rs := p.Routes(); len(rs) != 0 {
		t.Fatalf("routes %v after Remove, want none", rs)
	}
}

func TestTheControlSocketIsPrivate(t *testing.T) {
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{})
	fi, err := os.Stat(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("control socket mode %v, want a socket with mode 0600", fi.Mode())
	}
}
