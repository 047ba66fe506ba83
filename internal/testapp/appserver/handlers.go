package appserver

import (
	"fmt"
	"net/http"
	"time"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.version)
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /stream", s.stream)
	mux.HandleFunc("GET /ws", s.websocket)
	mux.HandleFunc("GET /id", s.id)
	mux.HandleFunc("GET /env", s.env)
	mux.HandleFunc("GET /fs", s.readFile)
	mux.HandleFunc("PUT /fs", s.writeFile)
	mux.HandleFunc("GET /limits", s.limits)
	mux.HandleFunc("GET /resolve", s.resolve)
	return mux
}

// version answers the app's version, after DELAY, or fails FAIL_RATE of
// the time.
func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	if s.cfg.delay > 0 {
		t := time.NewTimer(s.cfg.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("X-Version", s.cfg.version)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.failRate > 0 && s.chance() < s.cfg.failRate {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "failing on purpose")
		return
	}
	fmt.Fprintln(w, s.cfg.version)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.failHealth || (s.cfg.failHealthAfter > 0 && time.Since(s.started) >= s.cfg.failHealthAfter) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "unhealthy")
		return
	}
	fmt.Fprint(w, "ok")
}

// stream writes ten lines, one every 100ms, flushing each.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Version", s.cfg.version)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range 10 {
		fmt.Fprintf(w, "%s %d\n", s.cfg.version, i)
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
