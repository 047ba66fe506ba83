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
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/registry"
)

// Run serves berth with cfg until ctx is cancelled, then shuts down. ready,
// if not nil, receives the listening address once requests are accepted.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(net.Addr)) error {
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
	authz, tokens, err := newAuth(cfg, log)
	if err != nil {
		return err
	}
	reg := registry.New(blobs, db, log, registry.Options{Authorizer: authz})
	if n, err := reg.SweepUploads(cfg.UploadTTL); err != nil {
		return err
	} else if n > 0 {
		log.Info("cleaned up uploads left by the previous run", "count", n)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	var inflight sync.WaitGroup
	srv := &http.Server{
		Handler:           tracked(&inflight, handler(reg, tokens)),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("registry listening", "addr", ln.Addr().String(), "data", cfg.DataDir)
	if ready != nil {
		ready(ln.Addr())
	}

	upkeep, stopUpkeep := context.WithCancel(ctx)
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		sweepLoop(upkeep, reg, cfg.UploadTTL, log)
	}()

	select {
	case err := <-served:
		stopUpkeep()
		<-janitorDone
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	stopUpkeep()
	<-janitorDone
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		log.Warn("shutdown timed out; closed remaining connections", "err", err)
	}
	// Handlers cut off by Close return promptly; none may still be
	// writing when the stores close.
	inflight.Wait()
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("stopped")
	return nil
}

// tracked counts requests in flight in wg.
func tracked(wg *sync.WaitGroup, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		h.ServeHTTP(w, r)
	})
}

// handler routes /v2 to the registry without cleaning the path, so that a
// hostile path is refused by the registry rather than redirected, and
// /token to the token endpoint when there is one.
func handler(reg, tokens http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/") {
			reg.ServeHTTP(w, r)
			return
		}
		if tokens != nil && r.URL.Path == "/token" {
			tokens.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
}

// sweepLoop expires idle uploads until ctx ends.
func sweepLoop(ctx context.Context, reg *registry.Registry, ttl time.Duration, log *slog.Logger) {
	every := min(max(ttl/4, 10*time.Second), 10*time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := reg.SweepUploads(ttl); err != nil {
				log.Warn("sweeping uploads failed", "err", err)
			}
		}
	}
}
