package proxyctl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// maxBody bounds a request body: a route with thousands of backends
// still fits.
const maxBody = 4 << 20

// readJSON decodes r's body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: reading the body: %w", errBadRequest, err)
	}
	return nil
}

func (s *Server) handleInfo(w http.ResponseWriter, _ *http.Request) {
	info := s.opts.Info
	info.Routes = len(s.p.Routes())
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) handleSet(w http.ResponseWriter, r *http.Request) {
	var rt proxy.Route
	if err := readJSON(w, r, &rt); err != nil {
		writeError(w, err)
		return
	}
	if err := s.p.Set(rt); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRemove(w http.ResponseWriter, r *http.Request) {
	s.p.Remove(r.PathValue("host"))
	w.WriteHeader(http.StatusNoContent)
}

// handleDrain answers once the backend drained; a client that goes away
// first ends the drain without cutting anything, as a cancelled
// proxy.Drain does.
func (s *Server) handleDrain(w http.ResponseWriter, r *http.Request) {
	var req drainRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := s.p.Drain(r.Context(), req.Backend); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	healthy, known := s.p.Healthy(r.URL.Query().Get("backend"))
	writeJSON(w, http.StatusOK, healthAnswer{Healthy: healthy, Known: known})
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	revision, err := strconv.Atoi(q.Get("revision"))
	if err != nil {
		writeError(w, fmt.Errorf("%w: revision %q", errBadRequest, q.Get("revision")))
		return
	}
	window, err := time.ParseDuration(q.Get("window"))
	if err != nil {
		writeError(w, fmt.Errorf("%w: window %q", errBadRequest, q.Get("window")))
		return
	}
	writeJSON(w, http.StatusOK, s.p.Stats(q.Get("host"), q.Get("set"), revision, window))
}

func (s *Server) handleSave(w http.ResponseWriter, _ *http.Request) {
	if err := s.Save(); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleRetire answers a line at once, retires the proxy, answers a line
// saying how that went, and then holds the connection until the process
// exits or Close runs, so that the client learns when it is gone even if
// a newer process took the control path meanwhile.
func (s *Server) handleRetire(w http.ResponseWriter, r *http.Request) {
	var req retireRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.DrainTimeout <= 0 {
		writeError(w, fmt.Errorf("%w: drain timeout %s", errBadRequest, req.DrainTimeout))
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	_ = enc.Encode(retireLine{State: "retiring"})
	_ = rc.Flush()
	// A client that goes away does not stop the retire half-way; the
	// outcome is written before the process may exit.
	answer := func(err error) {
		if err != nil {
			_, body := encodeError(err)
			_ = enc.Encode(retireLine{errorBody: body})
		} else {
			_ = enc.Encode(retireLine{State: "retired"})
		}
		_ = rc.Flush()
	}
	answered := false
	err := s.retire(context.WithoutCancel(r.Context()), req.DrainTimeout, func(err error) {
		answered = true
		answer(err)
	})
	if !answered {
		answer(err)
	}
	if err != nil {
		return
	}
	select {
	case <-s.closing:
	case <-r.Context().Done():
	}
}
