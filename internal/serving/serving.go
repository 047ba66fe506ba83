package serving

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// FreshWait bounds how long Stop waits for connections accepted before
// it began to send their first request.
const FreshWait = 2 * time.Second

// Server serves an http.Server on a listener until Stop.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{} // closes when Serve returns
	err  error         // what Serve returned

	mu      sync.Mutex
	fresh   map[net.Conn]struct{} // accepted, no request read yet
	settled chan struct{}         // closed and replaced when fresh shrinks
}

// Start serves srv on ln in a goroutine. It sets srv.ConnState, calling
// the one srv had after its own.
func Start(srv *http.Server, ln net.Listener) *Server {
	s := &Server{srv: srv, ln: ln, done: make(chan struct{}), fresh: map[net.Conn]struct{}{}, settled: make(chan struct{})}
	next := srv.ConnState
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		s.track(c, st)
		if next != nil {
			next(c, st)
		}
	}
	go func() {
		s.err = srv.Serve(ln)
		close(s.done)
	}()
	return s
}

func (s *Server) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == http.StateNew {
		s.fresh[c] = struct{}{}
		return
	}
	if _, ok := s.fresh[c]; ok {
		delete(s.fresh, c)
		close(s.settled)
		s.settled = make(chan struct{})
	}
}

// Done closes when Serve has returned, as Stop or a failure makes it.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is what Serve returned, once Done is closed; nil when Stop ended
// it.
func (s *Server) Err() error {
	if errors.Is(s.err, http.ErrServerClosed) || errors.Is(s.err, net.ErrClosed) {
		return nil
	}
	return s.err
}

// Stop stops accepting, waits for the connections accepted to send their
// first request (up to FreshWait), and drains the requests in flight
// until ctx ends, when it closes what is left. It returns ctx's error if
// requests were cut.
func (s *Server) Stop(ctx context.Context) error {
	// In a goroutine: closing waits for an accept blocked in the kernel,
	// on a socket another process put in blocking mode.
	go s.ln.Close()
	select {
	case <-s.done:
	case <-ctx.Done():
	}
	deadline := time.NewTimer(FreshWait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		n, settled := len(s.fresh), s.settled
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-settled:
			continue
		case <-deadline.C:
		case <-ctx.Done():
		}
		break
	}
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(ctx) }()
	var err error
	select {
	case err = <-shut:
	case <-ctx.Done():
		// Shutdown returns soon after its deadline, unless Serve is
		// still in an accept blocked in the kernel: Shutdown, and Close,
		// wait for Serve. Then give up on it; the process exits.
		select {
		case err = <-shut:
		case <-time.After(time.Second):
			s.closeNow()
			return fmt.Errorf("stopping the server: %w (its listener's accept is blocked)", ctx.Err())
		}
	}
	if err != nil {
		s.closeNow()
		return err
	}
	return nil
}

// closeNow closes the connections left, waiting at most a second: Close
// too waits for a Serve blocked in accept.
func (s *Server) closeNow() {
	closed := make(chan struct{})
	go func() {
		s.srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Second):
	}
}
