package proxy

import (
	"log/slog"
	"net/netip"
	"time"
)

// Options tune a Proxy. The zero value is ready to use: a zero or negative
// field takes its default.
type Options struct {
	// DrainTimeout bounds Drain; the requests still in flight then are
	// cut. Default 30s.
	DrainTimeout time.Duration
	// DisableRetry turns off the single retry of an idempotent request
	// without a body whose connection failed before any response. Retries
	// are on by default.
	DisableRetry bool
	// DialTimeout bounds connecting to a backend. Default 2s.
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for a backend's response
	// header once the request is sent. Default none, since streams and
	// long polls may answer late.
	ResponseHeaderTimeout time.Duration
	// MaxIdleConnsPerHost is how many keep-alive connections to each
	// backend stay open between requests. Default 256.
	MaxIdleConnsPerHost int
	// BodyIdleTimeout cuts a request whose body makes no progress for
	// this long: each read of it from the client must return within it.
	// A body that keeps coming is never cut, however slow. Default 30s.
	BodyIdleTimeout time.Duration
	// TrustForwardedHeaders keeps the X-Forwarded-For, -Host and -Proto
	// headers clients send, extending the chain, for a proxy that sits
	// behind another trusted one. By default they are replaced.
	TrustForwardedHeaders bool
	// TrustedProxies are the load balancers in front of the proxy. A
	// request from one of them has its client address read from
	// X-Forwarded-For or Forwarded (see clientaddr.Of), for the access
	// log and the X-Real-Ip backends get, and the chain it sent is
	// extended, as with TrustForwardedHeaders. Others' are replaced.
	TrustedProxies []netip.Prefix
	// AccessLog, when set, gets a line for every request (see
	// accesslog.Line), with the backend's address as upstream.
	AccessLog *slog.Logger
	// OnChange, when set, is called after a change worth saving: a route
	// set or removed, a backend's health changed. It is called without
	// the proxy's locks held, but may be called on a request's goroutine
	// (a refused connection takes a backend out), so it must return at
	// once: signal a channel, and save elsewhere. The stats, which change
	// with every request, do not call it; Counted tells when they did.
	OnChange func()
}

func (o Options) withDefaults() Options {
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.ResponseHeaderTimeout < 0 {
		o.ResponseHeaderTimeout = 0
	}
	if o.BodyIdleTimeout <= 0 {
		o.BodyIdleTimeout = 30 * time.Second
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 256
	}
	return o
}
