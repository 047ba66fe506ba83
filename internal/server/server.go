package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/idlebody"
	"github.com/berth-dev/berth/internal/meta"
)

// Listening says where a running berth accepts requests.
type Listening struct {
	Registry net.Addr // the registry and the JSON API
	Proxy    net.Addr // the edge proxy
}

// Options are what Run needs besides the configuration. Each may be nil.
type Options struct {
	// Ready learns the listening addresses once requests are accepted.
	Ready func(Listening)
	// Reload asks for the configuration to be read again with Load and
	// put into force where it can be without a restart: auth (accounts,
	// grants, anonymous pull) and the immutability rules.
	Reload <-chan struct{}
	Load   func() (config.Config, error)
}

// Run serves berth with cfg until ctx is cancelled, then shuts down.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	db, err := meta.Open(filepath.Join(cfg.DataDir, "meta.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := blob.Open(cfg.DataDir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	proxyLn, err := net.Listen("tcp", cfg.ProxyListen)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listening on %s for the proxy: %w", cfg.ProxyListen, err)
	}
	parts, err := assemble(cfg, db, blobs, ln.Addr(), log)
	if err != nil {
		ln.Close()
		proxyLn.Close()
		return err
	}
	if n, err := parts.registry.SweepUploads(cfg.UploadTTL); err != nil {
		return err
	} else if n > 0 {
		log.Info("cleaned up uploads left by the previous run", "count", n)
	}

	var inflight sync.WaitGroup
	var serving atomic.Bool
	srv := newHTTPServer(tracked(&inflight, idlebody.Handler(parts.routes(&serving), cfg.Server.BodyIdleTimeout)), cfg.Server, log)
	// The proxy keeps the default header and idle timeouts, and cuts
	// stalled bodies itself (proxy.body_idle_timeout): its backends'
	// transport may read a body after the handler returned.
	proxySrv := newHTTPServer(tracked(&inflight, parts.proxy), config.Default().Server, log)
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	go func() { served <- proxySrv.Serve(proxyLn) }()
	serving.Store(true)
	if host, _, _ := net.SplitHostPort(cfg.Listen); !cfg.Auth.Enabled() && !config.IsLoopback(host) {
		log.Warn("serving WITHOUT AUTHENTICATION on an address other hosts can reach: anyone can push, delete and deploy",
			"addr", ln.Addr().String())
	}
	log.Info("registry listening", "addr", ln.Addr().String(), "data", cfg.DataDir)
	log.Info("proxy listening", "addr", proxyLn.Addr().String())
	if opts.Ready != nil {
		opts.Ready(Listening{Registry: ln.Addr(), Proxy: proxyLn.Addr()})
	}

	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	parts.start(background, &workers)
	if opts.Reload != nil && opts.Load != nil {
		workers.Go(func() { reloadLoop(background, parts, opts.Reload, opts.Load) })
	}

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	serving.Store(false)
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	for _, s := range []*http.Server{srv, proxySrv} {
		if err := s.Shutdown(sctx); err != nil {
			s.Close()
			log.Warn("shutdown timed out; closed remaining connections", "err", err)
		}
	}
	// Upgraded connections such as WebSockets are no longer the server's
	// to wait for or to close: the proxy closes them at the deadline.
	if err := parts.proxy.Shutdown(sctx); err != nil {
		log.Info("closed the proxy's upgraded connections at the shutdown deadline", "err", err)
	}
	cancel()
	// Handlers cut off by Close return promptly; none may still be
	// writing when the background work and then the stores stop.
	inflight.Wait()
	stopBackground()
	workers.Wait()
	parts.close()
	for range 2 {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = err
		}
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", serveErr)
	}
	log.Info("stopped")
	return nil
}

// newHTTPServer serves h with the header and idle timeouts of s. It sets
// no ReadTimeout: that would bound a whole upload, however well it goes;
// idlebody cuts a body that stops instead.
func newHTTPServer(h http.Handler, s config.Server, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// tracked counts requests in flight in wg.
func tracked(wg *sync.WaitGroup, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		h.ServeHTTP(w, r)
	})
}
