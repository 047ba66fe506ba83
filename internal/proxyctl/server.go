package proxyctl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// Server serves the control API of one proxy process.
type Server struct {
	p    *proxy.Proxy
	opts ServerOptions
	log  *slog.Logger
	http *http.Server

	// saveMu serializes saves; it guards the fields below.
	saveMu     sync.Mutex
	lastSave   time.Time
	savedCount uint64 // the proxy's Counted as of the last save
	failing    bool   // the last save failed, and was logged
	superseded bool   // a newer process holds the control path, logged

	// control and controlFile are the control socket's path and file as
	// Listen bound them; controlFile is nil until then.
	control     string
	controlFile os.FileInfo

	retireOnce sync.Once
	retireErr  error
	retired    chan struct{} // closed once a retire finished
	closeOnce  sync.Once
	closing    chan struct{} // closed by Close
}

// ServerOptions are what a Server needs besides the proxy.
type ServerOptions struct {
	// StatePath is where the state is saved (atomically: temp file,
	// fsync, rename; mode 0600). Saves are refused without one.
	StatePath string
	// Listener is the proxy's listening socket, handed out by the
	// listener endpoint; without one that endpoint answers 404.
	Listener *os.File
	// Info is what the info endpoint answers; Routes is counted there.
	Info Info
	// Retire stops accepting connections on the proxy's listener and
	// drains the requests in flight, upgraded ones up to drainTimeout.
	// Once it returns the Server saves the state, and the process exits.
	Retire func(ctx context.Context, drainTimeout time.Duration) error
	// Changed is signalled, without blocking, by the proxy's
	// Options.OnChange; Run saves the state when it is.
	Changed <-chan struct{}
}

// NewServer returns the Server of p's control API. A nil log discards.
func NewServer(p *proxy.Proxy, opts ServerOptions, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{p: p, opts: opts, log: log, retired: make(chan struct{}), closing: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/info", s.handleInfo)
	mux.HandleFunc("PUT /v1/routes", s.handleSet)
	mux.HandleFunc("DELETE /v1/routes/{host}", s.handleRemove)
	mux.HandleFunc("POST /v1/drain", s.handleDrain)
	mux.HandleFunc("GET /v1/health", s.handleHealth)
	mux.HandleFunc("GET /v1/stats", s.handleStats)
	mux.HandleFunc("POST /v1/save", s.handleSave)
	mux.HandleFunc("GET /v1/listener", s.handleListener)
	mux.HandleFunc("POST /v1/retire", s.handleRetire)
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s
}

// Listen binds the control socket at path so that a process taking over
// from another takes the path atomically: it binds a temporary name in
// the same directory, makes it mode 0600, and renames it over path. The
// process that held path before keeps its open connections, but new ones
// reach this one. The server remembers the socket, so that it stops
// saving the state once a newer process took the path, and Close removes
// the path only while it is still this socket.
func (s *Server) Listen(path string) (*net.UnixListener, error) {
	tmp := filepath.Join(filepath.Dir(path), ".ctl-"+strconv.Itoa(os.Getpid()))
	// A socket left by an earlier process that had this PID.
	_ = os.Remove(tmp)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("binding the control socket %s: %w", path, err)
	}
	// Closing must not remove a path that may be another process's by
	// then.
	l.SetUnlinkOnClose(false)
	fail := func(err error) (*net.UnixListener, error) {
		l.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("binding the control socket %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fail(err)
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return fail(err)
	}
	// No save may fall between the rename and this server's taking the
	// state file over, in this process or the one before.
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	unlock, err := s.lockState()
	if err != nil {
		return fail(err)
	}
	defer unlock()
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	s.control, s.controlFile = path, fi
	return l, nil
}

// Serve answers the control API on l, a *net.UnixListener, until Close.
func (s *Server) Serve(l net.Listener) error {
	if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving the control API: %w", err)
	}
	return nil
}

// Close stops answering, ends the answers to retires, and removes the
// control socket's path if it is still the one Listen bound.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	err := s.http.Close()
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.controlFile != nil && s.ownsControl() {
		if rerr := os.Remove(s.control); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	if err != nil {
		return fmt.Errorf("closing the control API: %w", err)
	}
	return nil
}

// ownsControl says whether the control path is still the socket Listen
// bound, or is gone: false only once another socket took it.
func (s *Server) ownsControl() bool {
	if s.controlFile == nil {
		return true
	}
	fi, err := os.Stat(s.control)
	if err != nil {
		return true
	}
	return os.SameFile(fi, s.controlFile)
}

// Retire stops the proxy as ServerOptions.Retire does, then saves its
// state, even if stopping went wrong, since the process exits next
// either way. Only the first call retires: the others wait for it and
// return what it did.
func (s *Server) Retire(ctx context.Context, drainTimeout time.Duration) error {
	return s.retire(ctx, drainTimeout, nil)
}

// retire is Retire with answer, called with the outcome of the retire
// this call starts before Retired is closed: the process exits once
// Retired is, so whoever asked for the retire hears how it went first.
func (s *Server) retire(ctx context.Context, drainTimeout time.Duration, answer func(error)) error {
	s.retireOnce.Do(func() {
		defer close(s.retired)
		if answer != nil {
			defer func() { answer(s.retireErr) }()
		}
		if s.opts.Retire == nil {
			s.retireErr = errors.New("retiring the proxy: this server cannot")
			return
		}
		err := s.opts.Retire(ctx, drainTimeout)
		switch serr := s.Save(); {
		case errors.Is(serr, ErrSuperseded):
			s.log.Info("retired without saving the state: a newer proxy keeps it")
		case serr != nil:
			err = errors.Join(err, serr)
		}
		if err != nil {
			s.retireErr = fmt.Errorf("retiring the proxy: %w", err)
		}
	})
	<-s.retired
	return s.retireErr
}

// Retired is closed once a retire finished, whether it went well or not.
func (s *Server) Retired() <-chan struct{} { return s.retired }
