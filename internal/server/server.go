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
	"time"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/idlebody"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/serving"
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
	// ProxyCommand runs the edge proxy as a process of its own, berth's
	// binary and "proxy", which outlives a restart, an upgrade or a crash
	// of this one (see processEdge). Without it the proxy serves in this
	// process and stops with it.
	ProxyCommand []string
	// Upgrade asks for the listening sockets to be handed to a new berth
	// serve, UpgradeCommand, and for this one to stop once it has them.
	Upgrade        <-chan struct{}
	UpgradeCommand []string
	// Inherited are the sockets an upgrade handed to this process.
	Inherited *Inherited
}

// storeWait bounds how long a berth serve an upgrade started waits for
// the one it replaces to let go of the stores.
const storeWait = 2 * time.Minute

// Run serves berth with cfg until ctx is cancelled, then shuts down.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	openDB := func() (*meta.DB, error) { return meta.Open(filepath.Join(cfg.DataDir, "meta.db")) }
	var db *meta.DB
	var err error
	if opts.Inherited == nil {
		// First, so that a second berth serve of the data directory stops
		// here, before it touches the proxy the first one serves with.
		if db, err = openDB(); err != nil {
			return err
		}
	}
	ln, e, err := listen(ctx, cfg, opts, log)
	if err != nil {
		if db != nil {
			db.Close()
		}
		return err
	}
	// A start that fails leaves a proxy process serving the routes it
	// has: apps stay up, and the next berth serve adopts it.
	closeAll := func() {
		ln.Close()
		if err := e.Leave(context.WithoutCancel(ctx)); err != nil {
			log.Warn("stopping the proxy", "err", err)
		}
	}
	if opts.Inherited != nil {
		// The sockets are this process's: the one that handed them over
		// stops accepting and lets go of the stores, which are opened
		// once they are free.
		opts.Inherited.sayReady()
		db, err = openWhenFree(ctx, storeWait, openDB, func(err error) bool { return errors.Is(err, meta.ErrLocked) })
		if err != nil {
			closeAll()
			return err
		}
	}
	defer db.Close()
	// The berth serve before this one has let go: its proxy may now be
	// handed over to this build.
	if pe, ok := e.(*processEdge); ok {
		if err := pe.Upgrade(ctx); err != nil {
			log.Error("handing the proxy over to this build: the running one serves on", "err", err)
		}
	}
	blobs, err := blob.Open(cfg.DataDir)
	if err != nil {
		closeAll()
		return err
	}
	parts, err := assemble(cfg, db, blobs, ln.Addr(), e, log)
	if err != nil {
		closeAll()
		return err
	}
	if n, err := parts.registry.SweepUploads(cfg.UploadTTL); err != nil {
		closeAll()
		return err
	} else if n > 0 {
		log.Info("cleaned up uploads left by the previous run", "count", n)
	}

	if parts.access, err = openAccessLog(cfg); err != nil {
		closeAll()
		return err
	}
	defer parts.access.Close()

	var inflight sync.WaitGroup
	var accepting atomic.Bool
	srv := newHTTPServer(tracked(&inflight, parts.accessLogged(idlebody.Handler(parts.routes(&accepting), cfg.Server.BodyIdleTimeout))), cfg.Server, log)
	reg := serving.Start(srv, ln)
	accepting.Store(true)
	if host, _, _ := net.SplitHostPort(cfg.Listen); !cfg.Auth.Enabled() && !config.IsLoopback(host) {
		log.Warn("serving WITHOUT AUTHENTICATION on an address other hosts can reach: anyone can push, delete and deploy",
			"addr", ln.Addr().String())
	}
	log.Info("registry listening", "addr", ln.Addr().String(), "data", cfg.DataDir)
	if err := writePid(cfg.DataDir); err != nil {
		log.Warn("writing the pid file", "err", err)
	}
	if opts.Ready != nil {
		opts.Ready(Listening{Registry: ln.Addr(), Proxy: e.Addr()})
	}

	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	parts.start(background, &workers)
	if opts.Reload != nil && opts.Load != nil {
		workers.Go(func() { reloadLoop(background, parts, opts.Reload, opts.Load) })
	}

	upgraded := wait(ctx, reg, ln, e, cfg, opts, log)
	accepting.Store(false)
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	// After an upgrade the socket stays open in the new berth serve,
	// which accepts what comes next.
	if err := reg.Stop(sctx); err != nil {
		log.Warn("shutdown timed out; closed remaining connections", "err", err)
	}
	if upgraded {
		err = e.Leave(sctx)
	} else {
		err = e.Shutdown(sctx)
	}
	if err != nil {
		log.Warn("stopping the proxy", "err", err)
	}
	cancel()
	// Handlers cut off by Close return promptly; none may still be
	// writing when the background work and then the stores stop.
	inflight.Wait()
	stopBackground()
	workers.Wait()
	parts.close()
	if err := reg.Err(); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	if upgraded {
		log.Info("stopped: the new berth serve has taken over")
		return nil
	}
	log.Info("stopped")
	return nil
}

// listen opens the registry's listening socket and the edge proxy, or
// takes those an upgrade handed over.
func listen(ctx context.Context, cfg config.Config, opts Options, log *slog.Logger) (net.Listener, edge, error) {
	var ln net.Listener
	var err error
	var proxyFile *os.File
	if in := opts.Inherited; in != nil {
		if ln, err = net.FileListener(in.Registry); err != nil {
			return nil, nil, fmt.Errorf("taking the registry's socket over: %w", err)
		}
		in.Registry.Close()
		proxyFile = in.Proxy
	} else if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, nil, fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	var e edge
	if len(opts.ProxyCommand) > 0 {
		e, err = startProcessEdge(ctx, cfg, opts.ProxyCommand, proxyFile, log)
	} else {
		var pl net.Listener
		if proxyFile != nil {
			if pl, err = net.FileListener(proxyFile); err != nil {
				ln.Close()
				return nil, nil, fmt.Errorf("taking the proxy's socket over: %w", err)
			}
			proxyFile.Close()
		}
		e, err = newLocalEdge(cfg, pl, log)
	}
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	return ln, e, nil
}

// wait serves until ctx ends or the registry's server fails, carrying
// out the upgrades asked for meanwhile; it reports whether a new berth
// serve took over.
func wait(ctx context.Context, reg *serving.Server, ln net.Listener, e edge, cfg config.Config, opts Options, log *slog.Logger) bool {
	for {
		select {
		case <-reg.Done():
			return false
		case <-ctx.Done():
			return false
		case <-opts.Upgrade:
			if len(opts.UpgradeCommand) == 0 {
				log.Warn("asked to upgrade, but this berth serve was not told how to start another")
				continue
			}
			_ = ClearUpgradeFailure(cfg.DataDir)
			if err := upgrade(ctx, opts.UpgradeCommand, ln, e, log); err != nil {
				log.Error("the upgrade failed: serving on", "err", err)
				if werr := os.WriteFile(upgradeErrPath(cfg.DataDir), []byte(err.Error()+"\n"), 0o644); werr != nil {
					log.Warn("writing why the upgrade failed", "err", werr)
				}
				continue
			}
			log.Info("upgrading: the new berth serve holds the sockets; finishing here")
			return true
		}
	}
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
