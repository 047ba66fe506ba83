package appserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout bounds how long a stop waits for in-flight requests.
const shutdownTimeout = 20 * time.Second

// Server is the test app: its settings and the state its handlers
// share.
type Server struct {
	cfg     config
	getenv  func(string) string
	started time.Time
	chance  func() float64 // uniform in [0, 1), for FAIL_RATE
	sockets *sockets
}

// New returns the app configured by the variables getenv reads (see the
// package documentation), or an error naming a variable that has a bad
// value.
func New(getenv func(string) string) (*Server, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, getenv: getenv, started: time.Now(), chance: rand.Float64, sockets: newSockets()}, nil
}

// Port is the port the app listens on: PORT, or 8080.
func (s *Server) Port() string { return s.cfg.port }

// Version is the version the app reports: VERSION, or "dev".
func (s *Server) Version() string { return s.cfg.version }

// Handler answers the app's routes, for a test that serves it itself.
func (s *Server) Handler() http.Handler { return s.routes() }

// Stopped is why the app stops: a process cancels the context Serve
// runs under with the signal it got as the cause
// (context.WithCancelCause), and Serve prints "testapp <version> got
// <Signal>" before it shuts down, so that a test sees which signal
// stopped it.
type Stopped struct{ Signal string }

func (s *Stopped) Error() string { return "stopped by " + s.Signal }

// ExitError is what Serve returns when EXIT_AFTER made the app exit by
// itself: a process exits with Code.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	return fmt.Sprintf("exiting with code %d as EXIT_AFTER asks", e.Code)
}

// Serve answers HTTP on ln until ctx ends (naming the signal when its
// cause is a *Stopped), then shuts down gracefully: it stops accepting
// connections, lets in-flight requests finish (up to
// 20s) and closes WebSockets with status 1001. With EXIT_AFTER it shuts
// down the same way once that has passed and returns an *ExitError. It
// prints one line to stdout when it starts and one when it stops.
func (s *Server) Serve(ctx context.Context, ln net.Listener, stdout io.Writer) error {
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(s.sockets.closeAll)
	fmt.Fprintf(stdout, "testapp %s listening on %s\n", s.cfg.version, ln.Addr())

	var exit <-chan time.Time
	if s.cfg.exitAfter > 0 {
		t := time.NewTimer(s.cfg.exitAfter)
		defer t.Stop()
		exit = t.C
	}
	var exitErr error
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
		var stopped *Stopped
		if errors.As(context.Cause(ctx), &stopped) {
			fmt.Fprintf(stdout, "testapp %s got %s\n", s.cfg.version, stopped.Signal)
		}
	case <-exit:
		exitErr = &ExitError{Code: s.cfg.exitCode}
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		fmt.Fprintf(stdout, "testapp %s stopped: %v\n", s.cfg.version, err)
		return fmt.Errorf("shutting down: %w", err)
	}
	if exitErr != nil {
		fmt.Fprintf(stdout, "testapp %s exited with code %d\n", s.cfg.version, s.cfg.exitCode)
		return exitErr
	}
	fmt.Fprintf(stdout, "testapp %s stopped\n", s.cfg.version)
	return nil
}

// CheckHealth asks the app at addr (host:port) for its health: nil
// when GET /healthz answers 200.
func CheckHealth(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz answered %s", resp.Status)
	}
	return nil
}
