package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// restored makes a proxy, restores s into it and serves it behind a test
// server; both stop with the test.
func restored(t testing.TB, opts Options, s State) (*Proxy, *httptest.Server) {
	t.Helper()
	p, front := newProxy(t, opts)
	if err := p.Restore(s); err != nil {
		t.Fatal(err)
	}
	return p, front
}

// stallingBackend answers /up never (until the probe gives up) and other
// paths with name, so that a health check started on it changes nothing.
func stallingBackend(t testing.TB, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/up" {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// second is a SecondState of n requests, errs of them errors, all in
// latency bucket 40 (about 1ms).
func secondOf(unix int64, n, errs uint32) SecondState {
	return SecondState{Unix: unix, Requests: n, Errors: errs, Latency: [][2]uint32{{40, n}}}
}

func TestStateRoundTrip(t *testing.T) {
	a, b := stallingBackend(t, "a"), stallingBackend(t, "b")
	now := time.Now().Unix()
	key := bytes.Repeat([]byte{7}, stickyKeySize)
	// The checks never finish a probe, so the counts stay as restored.
	stalled := HealthCheck{Path: "/up", Interval: time.Hour, Timeout: time.Hour, HealthyThreshold: 2, UnhealthyThreshold: 3}
	want := State{
		Version: StateVersion,
		Routes: []Route{
			{Host: "api.local", Sets: []Set{{Name: "blue", Revision: 1, Weight: 100, Backends: []Backend{{ID: "c", Addr: "127.0.0.1:9"}}}}},
			{Host: "shop.local", Sticky: true, Health: stalled, Previews: map[string]string{"canary.shop.local": "green"}, Sets: []Set{
				{Name: "blue", Revision: 4, Weight: 90, Backends: []Backend{backendOf("a", a)}},
				{Name: "green", Revision: 5, Weight: 10, Backends: []Backend{backendOf("b", b)}},
			}},
		},
		Backends: []BackendState{
			{ID: "a", Healthy: true, Passes: 7},
			{ID: "b", Healthy: false, Failures: 4},
			{ID: "c", Healthy: true},
		},
		Stats: []SeriesState{
			{Host: "old.local", Set: "red", Revision: 2, Seconds: []SecondState{secondOf(now-500, 3, 0)}},
			{Host: "shop.local", Set: "blue", Revision: 4, Seconds: []SecondState{secondOf(now-30, 10, 1), secondOf(now-2, 5, 0)}},
		},
		StickyKey: key,
	}

	t.Run("a restored proxy gives back the state it was given", func(t *testing.T) {
		p, _ := restored(t, Options{}, want)
		if got := p.State(); !reflect.DeepEqual(got, want) {
			t.Fatalf("state after a restore:\n%+v\nwant\n%+v", got, want)
		}
	})
	t.Run("the state survives JSON", func(t *testing.T) {
		data, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseState(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("state after JSON:\n%+v\nwant\n%+v", got, want)
		}
	})
	t.Run("a serving proxy's state restores to the same state", func(t *testing.T) {
		p, front := newProxy(t, Options{})
		web := startBackend(t, "web")
		mustSet(t, p, Route{Host: "Web.Local", Sets: []Set{{Name: "blue", Revision: 2, Weight: 100, Backends: []Backend{backendOf("web", web)}}}})
		for _, path := range []string{"/", "/status/500", "/?sleep=5ms"} {
			get(t, front, "web.local", path)
		}
		first := p.State()
		q, _ := restored(t, Options{}, first)
		if got := q.State(); !reflect.DeepEqual(got, first) {
			t.Fatalf("state after a restore:\n%+v\nwant\n%+v", got, first)
		}
		if len(first.Stats) != 1 || first.Stats[0].Seconds[0].Requests == 0 || first.Routes[0].Host != "web.local" {
			t.Fatalf("state %+v, want the route and its stats", first)
		}
	})
	t.Run("seconds older than the stats keep are left out", func(t *testing.T) {
		old := want
		old.Stats = []SeriesState{{Host: "shop.local", Set: "blue", Revision: 4, Seconds: []SecondState{secondOf(now-historySeconds-5, 3, 0), secondOf(now-5, 1, 0)}}}
		p, _ := restored(t, Options{}, old)
		got := p.State().Stats
		if len(got) != 1 || len(got[0].Seconds) != 1 || got[0].Seconds[0].Unix != now-5 {
			t.Fatalf("stats %+v, want the recent second only", got)
		}
	})
}

func TestARestoredProxyServesAtOnceWithTheHealthItHad(t *testing.T) {
	a, b := startFlakyBackend(t, "a"), startFlakyBackend(t, "b")
	route := func(hc HealthCheck) Route {
		return Route{Host: "shop.local", Health: hc, Sets: []Set{
			{Name: "blue", Revision: 1, Weight: 100, Backends: []Backend{backendOf("a", a.Server), backendOf("b", b.Server)}},
		}}
	}
	old := New(Options{}, slog.New(slog.DiscardHandler))
	mustSet(t, old, route(HealthCheck{Path: "/up", Interval: 5 * time.Millisecond, UnhealthyThreshold: 2}))
	a.failing.Store(true)
	eventually(t, "a to go down", func() bool { return !healthy(t, old, "a") })
	// From here on a probe comes once an hour: only the first, at once,
	// runs in the test.
	mustSet(t, old, route(HealthCheck{Path: "/up", Interval: time.Hour, HealthyThreshold: 2}))
	s := old.State()
	old.Close()
	a.failing.Store(false)
	probes := a.passed.Load()

	p, front := restored(t, Options{}, s)
	t.Run("an unhealthy backend stays out though it answers again", func(t *testing.T) {
		if healthy(t, p, "a") {
			t.Fatal("a is healthy right after the restore")
		}
		for range 20 {
			if _, body := get(t, front, "shop.local", "/"); body != "b" {
				t.Fatalf("answered by %q, want b: a was down", body)
			}
		}
	})
	t.Run("the first check runs at once", func(t *testing.T) {
		eventually(t, "a probe of a", func() bool { return a.passed.Load() > probes })
		if healthy(t, p, "a") {
			t.Fatal("a is back after one pass, want two")
		}
	})
	t.Run("the checks go on from their counts", func(t *testing.T) {
		half := State{Version: StateVersion, Routes: s.Routes, Backends: []BackendState{
			{ID: "a", Healthy: false, Passes: 1},
			{ID: "b", Healthy: true},
		}}
		q, _ := restored(t, Options{}, half)
		eventually(t, "a to come back on its second pass", func() bool { return healthy(t, q, "a") })
	})
}

func TestARestoredHealthyBackendServesWithoutACheck(t *testing.T) {
	a := stallingBackend(t, "a")
	s := State{
		Version:  StateVersion,
		Routes:   []Route{{Host: "shop.local", Health: HealthCheck{Path: "/up", Interval: time.Hour, Timeout: time.Hour}, Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a)}}}}},
		Backends: []BackendState{{ID: "a", Healthy: true, Passes: 2}},
	}
	_, front := restored(t, Options{}, s)
	if status, body := get(t, front, "shop.local", "/"); status != http.StatusOK || body != "a" {
		t.Fatalf("answered %d %q while the first probe hangs, want a", status, body)
	}
}

func TestStatsContinueAfterARestore(t *testing.T) {
	old, oldFront := newProxy(t, Options{})
	shop := startBackend(t, "shop")
	mustSet(t, old, Route{Host: "shop.local", Sets: []Set{{Name: "green", Revision: 3, Weight: 100, Backends: []Backend{backendOf("shop", shop)}}}})
	for _, path := range []string{"/", "/", "/status/500", "/?sleep=30ms"} {
		get(t, oldFront, "shop.local", path)
	}
	before := old.Stats("shop.local", "green", 3, time.Minute)

	p, front := restored(t, Options{}, old.State())
	if got := p.Stats("shop.local", "green", 3, time.Minute); got != before {
		t.Fatalf("stats after the restore %+v, want %+v", got, before)
	}
	for _, path := range []string{"/", "/status/503"} {
		get(t, front, "shop.local", path)
	}
	got := p.Stats("shop.local", "green", 3, time.Minute)
	if got.Requests != before.Requests+2 || got.Errors != before.Errors+1 || got.P99 < 25*time.Millisecond {
		t.Fatalf("stats %+v, want %+v and two more requests, one an error", got, before)
	}
	if p.Counted() != 2 {
		t.Fatalf("counted %d since the restore, want 2", p.Counted())
	}
}

func TestStickyCookiesSurviveARestoreWithTheKey(t *testing.T) {
	blue, green := startBackend(t, "blue"), startBackend(t, "green")
	route := Route{Host: "shop.local", Sticky: true, Sets: []Set{
		{Name: "blue", Revision: 1, Weight: 99, Backends: []Backend{backendOf("blue", blue)}},
		{Name: "green", Revision: 2, Weight: 1, Backends: []Backend{backendOf("green", green)}},
	}}
	old, oldFront := newProxy(t, Options{})
	mustSet(t, old, Route{Host: "shop.local", Sticky: true, Sets: []Set{
		{Name: "blue", Revision: 1, Weight: 0, Backends: []Backend{backendOf("blue", blue)}},
		{Name: "green", Revision: 2, Weight: 100, Backends: []Backend{backendOf("green", green)}},
	}})
	signed := stickyCookie(t, oldFront, "shop.local", "green")
	// From here on the canary gets one request in a hundred.
	mustSet(t, old, route)
	s := old.State()
	onGreen := func(t *testing.T, front *httptest.Server, c *http.Cookie) (n int) {
		t.Helper()
		for range 20 {
			req := request(t, front, http.MethodGet, "shop.local", "/")
			req.AddCookie(c)
			resp, body := send(t, front.Client(), req)
			if body == "green" && len(resp.Cookies()) == 0 {
				n++
			}
		}
		return n
	}

	t.Run("a cookie signed before is honoured", func(t *testing.T) {
		_, front := restored(t, Options{}, s)
		if n := onGreen(t, front, signed); n != 20 {
			t.Fatalf("%d of 20 requests with the cookie stayed on green", n)
		}
	})
	t.Run("a forged cookie is still refused", func(t *testing.T) {
		_, front := restored(t, Options{}, s)
		forged := &http.Cookie{Name: signed.Name, Value: "green.2." + strings.Repeat("A", 22)}
		if n := onGreen(t, front, forged); n > 5 {
			t.Fatalf("%d of 20 requests with a forged cookie reached the 1%% canary", n)
		}
	})
	t.Run("without the key the cookie gets a new pick", func(t *testing.T) {
		keyless := s
		keyless.StickyKey = nil
		_, front := restored(t, Options{}, keyless)
		if n := onGreen(t, front, signed); n > 5 {
			t.Fatalf("%d of 20 requests with another key's cookie reached the 1%% canary", n)
		}
	})
}

func TestRestoreRefusesABadState(t *testing.T) {
	now := time.Now().Unix()
	shop := func(mod func(*Route)) []Route {
		r := Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "a", Addr: "127.0.0.1:9"}}}}}
		if mod != nil {
			mod(&r)
		}
		return []Route{r}
	}
	stats := func(secs ...SecondState) []SeriesState {
		return []SeriesState{{Host: "shop.local", Set: "blue", Seconds: secs}}
	}
	tests := []struct {
		name  string
		state State
		is    error
		says  string
	}{
		{"a state of another version", State{Version: StateVersion + 1}, ErrInvalidState, "version 2"},
		{"a state without a version", State{Routes: shop(nil)}, ErrInvalidState, "version 0"},
		{"a route with a bad weight", State{Version: StateVersion, Routes: shop(func(r *Route) { r.Sets[0].Weight = 101 })}, ErrInvalidRoute, `route "shop.local"`},
		{"a route without a host", State{Version: StateVersion, Routes: shop(func(r *Route) { r.Host = "" })}, ErrInvalidRoute, `route ""`},
		{"a route with a bad health check", State{Version: StateVersion, Routes: shop(func(r *Route) { r.Health.Path = "up" })}, ErrInvalidRoute, `route "shop.local"`},
		{"a host listed twice", State{Version: StateVersion, Routes: append(shop(nil), shop(func(r *Route) { r.Host = "SHOP.local" })...)}, ErrInvalidState, "shop.local listed twice"},
		{"a preview host of another route", State{Version: StateVersion, Routes: append(shop(func(r *Route) { r.Previews = map[string]string{"api.local": "blue"} }),
			Route{Host: "api.local"})}, ErrHostTaken, "api.local"},
		{"a backend at two addresses", State{Version: StateVersion, Routes: append(shop(nil),
			Route{Host: "api.local", Sets: []Set{{Name: "x", Backends: []Backend{{ID: "a", Addr: "127.0.0.1:10"}}}}})}, ErrInvalidRoute, "backend a"},
		{"a sticky key of the wrong size", State{Version: StateVersion, StickyKey: []byte("short")}, ErrInvalidState, "sticky key of 5 bytes"},
		{"a backend listed twice", State{Version: StateVersion, Backends: []BackendState{{ID: "a"}, {ID: "a"}}}, ErrInvalidState, "backend a listed twice"},
		{"negative check counts", State{Version: StateVersion, Backends: []BackendState{{ID: "a", Failures: -1}}}, ErrInvalidState, "negative"},
		{"a latency bucket out of range", State{Version: StateVersion, Stats: stats(SecondState{Unix: now, Requests: 1, Latency: [][2]uint32{{histBuckets, 1}}})}, ErrInvalidState, "bucket 94 outside"},
		{"a latency bucket listed twice", State{Version: StateVersion, Stats: stats(SecondState{Unix: now, Requests: 2, Latency: [][2]uint32{{3, 1}, {3, 1}}})}, ErrInvalidState, "out of order"},
		{"more errors than requests", State{Version: StateVersion, Stats: stats(SecondState{Unix: now, Requests: 1, Errors: 2, Latency: [][2]uint32{{3, 1}}})}, ErrInvalidState, "2 errors in 1 requests"},
		{"latencies that do not add up", State{Version: StateVersion, Stats: stats(SecondState{Unix: now, Requests: 2, Latency: [][2]uint32{{3, 1}}})}, ErrInvalidState, "1 latencies for 2 requests"},
		{"a second listed twice", State{Version: StateVersion, Stats: stats(secondOf(now, 1, 0), secondOf(now, 1, 0))}, ErrInvalidState, "listed twice"},
		{"a series listed twice", State{Version: StateVersion, Stats: append(stats(), stats()...)}, ErrInvalidState, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			p, _ := newProxy(t, Options{})
			err := p.Restore(tt.state)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("Restore: %v, want %v saying %q", err, tt.is, tt.says)
			}
			if len(p.Routes()) != 0 {
				t.Fatalf("routes %v after a refused restore, want none", p.Routes())
			}
			data, err := json.Marshal(tt.state)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseState(data); !errors.Is(err, tt.is) {
				t.Fatalf("ParseState: %v, want %v", err, tt.is)
			}
		})
	}
	t.Run("a proxy that has routes refuses a restore", func(t *testing.T) {
		p, _ := newProxy(t, Options{})
		mustSet(t, p, shop(nil)[0])
		if err := p.Restore(State{Version: StateVersion}); err == nil || !strings.Contains(err.Error(), "has routes already") {
			t.Fatalf("Restore: %v, want it refused", err)
		}
	})
	t.Run("a closed proxy refuses a restore", func(t *testing.T) {
		p, _ := newProxy(t, Options{})
		p.Close()
		if err := p.Restore(State{Version: StateVersion}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Restore: %v, want ErrClosed", err)
		}
	})
	t.Run("garbage is refused", func(t *testing.T) {
		for _, data := range []string{"", "{", "[]", `{"version":1,"routes":{}}`, `{"version":1,"stats":[{"seconds":[{"latency":[[-1,1]]}]}]}`} {
			if _, err := ParseState([]byte(data)); !errors.Is(err, ErrInvalidState) {
				t.Fatalf("ParseState(%q): %v, want ErrInvalidState", data, err)
			}
		}
	})
}

func TestOnChange(t *testing.T) {
	changes := make(chan State, 16)
	var p *Proxy
	p, front := newProxy(t, Options{OnChange: func() {
		// The proxy's locks are not held: taking a state would
		// deadlock otherwise.
		changes <- p.State()
	}})
	next := func(t *testing.T, what string) State {
		t.Helper()
		select {
		case s := <-changes:
			return s
		case <-time.After(5 * time.Second):
			t.Fatalf("no change reported after %s", what)
			return State{}
		}
	}
	a := startFlakyBackend(t, "a")
	route := Route{Host: "shop.local", Health: HealthCheck{Path: "/up", Interval: 5 * time.Millisecond, UnhealthyThreshold: 2},
		Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", a.Server)}}}}

	t.Run("a route set is a change", func(t *testing.T) {
		mustSet(t, p, route)
		if s := next(t, "Set"); len(s.Routes) != 1 {
			t.Fatalf("state %+v, want the route", s)
		}
	})
	t.Run("a backend's health is a change", func(t *testing.T) {
		a.failing.Store(true)
		if s := next(t, "a health change"); len(s.Backends) != 1 || s.Backends[0].Healthy {
			t.Fatalf("state %+v, want a down", s)
		}
		a.failing.Store(false)
		if s := next(t, "a health change"); !s.Backends[0].Healthy {
			t.Fatalf("state %+v, want a back", s)
		}
	})
	t.Run("requests are no change", func(t *testing.T) {
		before := p.Counted()
		get(t, front, "shop.local", "/")
		select {
		case s := <-changes:
			t.Fatalf("change reported after a request: %+v", s)
		case <-time.After(20 * time.Millisecond):
		}
		if p.Counted() != before+1 {
			t.Fatalf("counted %d, want %d", p.Counted(), before+1)
		}
	})
	t.Run("a route removed is a change", func(t *testing.T) {
		p.Remove("shop.local")
		if s := next(t, "Remove"); len(s.Routes) != 0 {
			t.Fatalf("state %+v, want no route", s)
		}
	})
	t.Run("a refused connection that takes a backend out is a change", func(t *testing.T) {
		mustSet(t, p, Route{Host: "dead.local", Health: HealthCheck{Path: "/up", Interval: time.Hour, Timeout: time.Hour},
			Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "dead", Addr: deadAddr(t)}}}}})
		next(t, "Set")
		get(t, front, "dead.local", "/")
		for {
			s := next(t, "a refused connection")
			if len(s.Backends) == 1 && !s.Backends[0].Healthy {
				break
			}
		}
	})
}

// FuzzParseState feeds ParseState what a state file might hold after a
// crash or a hand edit, and restores what it accepts.
func FuzzParseState(f *testing.F) {
	now := time.Now().Unix()
	valid, err := json.Marshal(State{
		Version: StateVersion,
		Routes: []Route{{Host: "shop.local", Sticky: true, Health: HealthCheck{Path: "/up"}, Previews: map[string]string{"p.local": "blue"},
			Sets: []Set{{Name: "blue", Revision: 2, Weight: 100, Backends: []Backend{{ID: "a", Addr: "127.0.0.1:9"}}}}}},
		Backends:  []BackendState{{ID: "a", Healthy: false, Failures: 3}},
		Stats:     []SeriesState{{Host: "shop.local", Set: "blue", Revision: 2, Seconds: []SecondState{secondOf(now-1, 2, 1)}}},
		StickyKey: bytes.Repeat([]byte{1}, stickyKeySize),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"stats":[{"host":"a","seconds":[{"unix":-5,"requests":1,"latency":[[0,1]]}]}]}`))
	f.Add([]byte(`{"version":1,"routes":[{"host":"a","sets":[{"name":"x","weight":50,"backends":[{"id":"b","addr":":1"}]}]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseState(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidState) && !errors.Is(err, ErrInvalidRoute) && !errors.Is(err, ErrHostTaken) {
				t.Fatalf("ParseState: %v, want an error of the state", err)
			}
			return
		}
		// Nothing is probed: the addresses are the input's.
		for i := range s.Routes {
			s.Routes[i].Health.Path = ""
		}
		p := New(Options{}, slog.New(slog.DiscardHandler))
		defer p.Close()
		if err := p.Restore(s); err != nil {
			t.Fatalf("Restore of a state ParseState accepted: %v", err)
		}
		p.State()
	})
}
