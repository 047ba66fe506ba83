package proxy

import (
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrInvalidRoute is returned by Set for a route it cannot serve.
	ErrInvalidRoute = errors.New("invalid route")
	// ErrHostTaken is returned by Set when a host or preview host of the
	// route is already served by another route.
	ErrHostTaken = errors.New("host taken by another route")
	// ErrStillRouted is returned by Drain for a backend that is still in
	// a route: it would keep getting new requests.
	ErrStillRouted = errors.New("backend still routed")
	// ErrDrainTimeout is what a *DrainError matches with errors.Is.
	ErrDrainTimeout = errors.New("drain timed out")
	// ErrClosed is returned by Set after Close.
	ErrClosed = errors.New("proxy closed")
)

// DrainError reports a drain that reached Options.DrainTimeout: the
// requests still in flight on the backend were cut.
type DrainError struct {
	Backend string
	Cut     int
}

func (e *DrainError) Error() string {
	return fmt.Sprintf("draining backend %s: timed out, %d requests in flight cut", e.Backend, e.Cut)
}

// Unwrap makes a DrainError match ErrDrainTimeout.
func (e *DrainError) Unwrap() error { return ErrDrainTimeout }

// StatusError is a health probe answered with a status other than 2xx or
// 3xx.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status %d %s", e.Code, http.StatusText(e.Code))
}
