package proxyctl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// Info describes a running proxy process.
type Info struct {
	PID        int       `json:"pid"`
	Version    string    `json:"version"`    // internal/version's
	Executable string    `json:"executable"` // os.Executable() of the process
	Listen     string    `json:"listen"`     // the address it serves apps on
	Started    time.Time `json:"started"`
	Routes     int       `json:"routes"`
}

// The bodies the control API reads and writes, besides proxy.Route,
// proxy.Stats and Info.

type drainRequest struct {
	Backend string `json:"backend"`
}

type healthAnswer struct {
	Healthy bool `json:"healthy"`
	Known   bool `json:"known"`
}

type retireRequest struct {
	DrainTimeout time.Duration `json:"drain_timeout"` // nanoseconds
}

// retireLine is one line of the answer to a retire: "retiring" at once,
// then "retired" or an error.
type retireLine struct {
	State string `json:"state,omitempty"`
	errorBody
}

// errorBody is how the control API answers a failure: the message, and
// the kind of error, which the client turns back into the proxy's own.
type errorBody struct {
	Error string `json:"error,omitempty"`
	Kind  string `json:"kind,omitempty"`
	// Backend and Cut are those of a *proxy.DrainError.
	Backend string `json:"backend,omitempty"`
	Cut     int    `json:"cut,omitempty"`
}

// Kinds of error on the wire.
const (
	kindInvalidRoute = "invalid_route"
	kindHostTaken    = "host_taken"
	kindClosed       = "closed"
	kindStillRouted  = "still_routed"
	kindDrainTimeout = "drain_timeout"
	kindCanceled     = "canceled"
	kindDeadline     = "deadline_exceeded"
	kindBadRequest   = "bad_request"
	kindNoListener   = "no_listener"
	kindSuperseded   = "superseded"
	kindInternal     = "internal"
)

// errBadRequest is a request the control API cannot read.
var errBadRequest = errors.New("bad request")

// encodeError is the status and body that answer err.
func encodeError(err error) (int, errorBody) {
	body := errorBody{Error: err.Error()}
	var de *proxy.DrainError
	switch {
	case errors.As(err, &de):
		body.Kind, body.Backend, body.Cut = kindDrainTimeout, de.Backend, de.Cut
		return http.StatusGatewayTimeout, body
	case errors.Is(err, proxy.ErrInvalidRoute):
		body.Kind = kindInvalidRoute
		return http.StatusBadRequest, body
	case errors.Is(err, proxy.ErrHostTaken):
		body.Kind = kindHostTaken
		return http.StatusConflict, body
	case errors.Is(err, proxy.ErrStillRouted):
		body.Kind = kindStillRouted
		return http.StatusConflict, body
	case errors.Is(err, proxy.ErrClosed):
		body.Kind = kindClosed
		return http.StatusServiceUnavailable, body
	case errors.Is(err, ErrSuperseded):
		body.Kind = kindSuperseded
		return http.StatusConflict, body
	case errors.Is(err, context.Canceled):
		body.Kind = kindCanceled
		return http.StatusServiceUnavailable, body
	case errors.Is(err, context.DeadlineExceeded):
		body.Kind = kindDeadline
		return http.StatusServiceUnavailable, body
	case errors.Is(err, errBadRequest):
		body.Kind = kindBadRequest
		return http.StatusBadRequest, body
	case errors.Is(err, errNoListener):
		body.Kind = kindNoListener
		return http.StatusNotFound, body
	}
	body.Kind = kindInternal
	return http.StatusInternalServerError, body
}

// Error is a failure the proxy process answered with. It matches the
// proxy's own error of its kind with errors.Is and errors.As:
// proxy.ErrInvalidRoute, proxy.ErrHostTaken, proxy.ErrStillRouted,
// proxy.ErrClosed, a *proxy.DrainError (and so proxy.ErrDrainTimeout),
// ErrSuperseded, context.Canceled or context.DeadlineExceeded.
type Error struct {
	// Kind names the kind of error on the wire, such as "invalid_route".
	Kind string
	// Message is the process's own message.
	Message string
	err     error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the proxy's error of e's kind, if any.
func (e *Error) Unwrap() error { return e.err }

// decode is the error a body from the control API stands for.
func (b errorBody) decode() *Error {
	e := &Error{Kind: b.Kind, Message: b.Error}
	switch b.Kind {
	case kindInvalidRoute:
		e.err = proxy.ErrInvalidRoute
	case kindHostTaken:
		e.err = proxy.ErrHostTaken
	case kindStillRouted:
		e.err = proxy.ErrStillRouted
	case kindClosed:
		e.err = proxy.ErrClosed
	case kindDrainTimeout:
		e.err = &proxy.DrainError{Backend: b.Backend, Cut: b.Cut}
	case kindSuperseded:
		e.err = ErrSuperseded
	case kindCanceled:
		e.err = context.Canceled
	case kindDeadline:
		e.err = context.DeadlineExceeded
	}
	return e
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers err.
func writeError(w http.ResponseWriter, err error) {
	status, body := encodeError(err)
	writeJSON(w, status, body)
}
