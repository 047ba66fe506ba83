package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/auth"
)

// errBadRequest marks errors in what the client sent.
var errBadRequest = errors.New("bad request")

// API serves /api/.
type API struct {
	mux     *http.ServeMux
	gate    Gate
	log     *slog.Logger
	sources atomic.Pointer[Sources] // set by HandleSources
	envs    Environments            // set by HandleDeploy
}

// New returns an API with no endpoints; the Handle* methods add them.
// gate may be nil: then everyone is admitted (berth does not
// authenticate).
func New(gate Gate, log *slog.Logger) *API {
	return &API{mux: http.NewServeMux(), gate: gate, log: log}
}

// handler handles one endpoint and returns its response value or error.
type handler func(r *http.Request) (any, error)

// actorKey carries who called through the request context.
type actorKey struct{}

// actorOf returns who made the request, as the gate found.
func actorOf(r *http.Request) string {
	if a, ok := r.Context().Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "anonymous"
}

// stream registers a handler that writes its own response, for callers
// with the right need; an error it returns before writing becomes a JSON
// error.
func (a *API) stream(pattern string, need right, h func(w http.ResponseWriter, r *http.Request) error) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r, ok := a.admit(w, r, need)
		if !ok {
			return
		}
		if err := h(w, r); err != nil {
			a.fail(w, r, err)
		}
	})
}

// handle registers a handler for callers with the right need.
func (a *API) handle(pattern string, need right, h handler) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r, ok := a.admit(w, r, need)
		if !ok {
			return
		}
		v, err := h(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type errorBody struct {
	Error string `json:"error"`
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, auth.ErrUnauthorized):
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="berth"`)
	case errors.Is(err, auth.ErrDenied):
		status = http.StatusForbidden
	case errors.Is(err, auth.ErrThrottled):
		status = http.StatusTooManyRequests
		var throttled *auth.ThrottledError
		if errors.As(err, &throttled) {
			w.Header().Set("Retry-After", throttled.RetryAfterSeconds())
		}
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	}
	var coded interface{ HTTPStatus() int }
	if errors.As(err, &coded) {
		status = coded.HTTPStatus()
	}
	if status >= 500 {
		// The detail (a path, a database message) stays in the log; the
		// client gets the id to find it there.
		id := requestID(r)
		a.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", id, "err", err)
		w.Header().Set("X-Request-Id", id)
		writeJSON(w, status, internalErrorBody{Error: "internal error", RequestID: id})
		return
	}
	writeJSON(w, status, errorBody{Error: err.Error()})
}

// internalErrorBody answers a request that failed on the server's side.
type internalErrorBody struct {
	Error     string `json:"error"`
	RequestID string `json:"requestId"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// intParam reads a non-negative integer query parameter, or def.
func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("%w: %s=%q: want an integer from 0 to %d", errBadRequest, name, v, max)
	}
	return n, nil
}

// timeParam reads a time as RFC 3339 or as a duration before now.
func timeParam(r *http.Request, name string, now time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%w: %s=%q: want an RFC 3339 time or a duration such as 24h", errBadRequest, name, v)
}

// boolParam reads true/false/1/0, or false when absent.
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: %s=%q: want true or false", errBadRequest, name, v)
	}
	return b, nil
}
