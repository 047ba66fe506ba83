package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/serving"
)

// edge is the edge proxy as Run uses it: the deploy engine's router,
// serving apps in berth's own process or as a process of its own.
type edge interface {
	deploy.Router
	// Addr is where apps are served.
	Addr() net.Addr
	// ListenerFile is a duplicate of the listening socket, for an upgrade
	// to hand to the next berth serve.
	ListenerFile() (*os.File, error)
	// Shutdown stops serving apps: requests in flight finish until ctx
	// ends. It is how berth stops.
	Shutdown(ctx context.Context) error
	// Leave lets the next berth serve, started by an upgrade, serve apps:
	// a proxy of its own goes on serving, one in this process drains.
	Leave(ctx context.Context) error
}

// localEdge is the proxy in berth's own process.
type localEdge struct {
	*proxy.Proxy
	ln       net.Listener
	srv      *serving.Server
	inflight sync.WaitGroup
	log      *slog.Logger
}

// newLocalEdge serves a proxy on ln, or on a new listener on
// cfg.ProxyListen when ln is nil.
func newLocalEdge(cfg config.Config, ln net.Listener, log *slog.Logger) (*localEdge, error) {
	trusted, err := config.ParseTrustedProxies(cfg.Proxy.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("reading proxy.trusted_proxies: %w", err)
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.ProxyListen); err != nil {
			return nil, fmt.Errorf("listening on %s for the proxy: %w", cfg.ProxyListen, err)
		}
	}
	e := &localEdge{
		Proxy: proxy.New(proxy.Options{BodyIdleTimeout: cfg.Proxy.BodyIdleTimeout, TrustedProxies: trusted}, log),
		ln:    ln,
		log:   log,
	}
	// The proxy keeps the default header and idle timeouts, and cuts
	// stalled bodies itself (proxy.body_idle_timeout): its backends'
	// transport may read a body after the handler returned.
	e.srv = serving.Start(newHTTPServer(tracked(&e.inflight, e.Proxy), config.Default().Server, log), ln)
	log.Info("proxy listening", "addr", ln.Addr().String())
	return e, nil
}

func (e *localEdge) Addr() net.Addr { return e.ln.Addr() }

func (e *localEdge) ListenerFile() (*os.File, error) {
	return listenerFile(e.ln)
}

// Shutdown finishes the requests in flight, closes upgraded
// connections such as WebSockets at ctx's deadline, and stops.
func (e *localEdge) Shutdown(ctx context.Context) error {
	if err := e.srv.Stop(ctx); err != nil {
		e.log.Warn("the proxy's shutdown timed out; closed remaining connections", "err", err)
	}
	// Upgraded connections are no longer the server's to wait for or
	// to close: the proxy closes them at the deadline.
	if err := e.Proxy.Shutdown(ctx); err != nil {
		e.log.Info("closed the proxy's upgraded connections at the shutdown deadline", "err", err)
	}
	e.inflight.Wait()
	e.Proxy.Close()
	if err := e.srv.Err(); err != nil {
		return fmt.Errorf("serving apps: %w", err)
	}
	return nil
}

// Leave drains this process's proxy: the next berth serve serves apps on
// the listening socket it was handed.
func (e *localEdge) Leave(ctx context.Context) error { return e.Shutdown(ctx) }

// listenerFile duplicates the socket of a TCP listener.
func listenerFile(ln net.Listener) (*os.File, error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil, fmt.Errorf("%s is not a TCP listener", ln.Addr())
	}
	f, err := tl.File()
	if err != nil {
		return nil, fmt.Errorf("duplicating the listening socket %s: %w", ln.Addr(), err)
	}
	return f, nil
}
