package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// app holds the state the handlers share.
type app struct {
	cfg     config
	started time.Time
	chance  func() float64 // uniform in [0, 1), for FAIL_RATE
	sockets *sockets
}

func newApp(cfg config) *app {
	return &app{cfg: cfg, started: time.Now(), chance: rand.Float64, sockets: newSockets()}
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.version)
	mux.HandleFunc("GET /healthz", a.health)
	mux.HandleFunc("GET /stream", a.stream)
	mux.HandleFunc("GET /ws", a.websocket)
	return mux
}

// version answers the app's version, after DELAY, or fails FAIL_RATE of
// the time.
func (a *app) version(w http.ResponseWriter, r *http.Request) {
	if a.cfg.delay > 0 {
		t := time.NewTimer(a.cfg.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("X-Version", a.cfg.version)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.cfg.failRate > 0 && a.chance() < a.cfg.failRate {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "failing on purpose")
		return
	}
	fmt.Fprintln(w, a.cfg.version)
}

func (a *app) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.cfg.failHealth || (a.cfg.failHealthAfter > 0 && time.Since(a.started) >= a.cfg.failHealthAfter) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "unhealthy")
		return
	}
	fmt.Fprint(w, "ok")
}

// stream writes ten lines, one every 100ms, flushing each.
func (a *app) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Version", a.cfg.version)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range 10 {
		fmt.Fprintf(w, "%s %d\n", a.cfg.version, i)
		if err := rc.Flush(); err != nil {
			return
		}
		if i == 9 {
			return
		}
		select {
		case <-tick.C:
		case <-r.Context().Done():
			return
		}
	}
}
