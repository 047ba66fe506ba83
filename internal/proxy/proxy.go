package proxy

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"
)

// PreviewHeader names the set a request to a route's own host previews.
const PreviewHeader = "X-Berth-Preview"

// Proxy is an http.Handler that serves the routes it is given. It is safe
// for concurrent use.
type Proxy struct {
	opts      Options
	log       *slog.Logger
	table     atomic.Pointer[table]
	forward   *httputil.ReverseProxy
	transport *http.Transport
	conns     *conns // the direct path's connections
	buffers   *bufferPool
	probes    *http.Client
	stickyKey []byte // replaced by Restore only, before serving
	upgrades  upgrades
	counted   atomic.Uint64 // requests recorded in the stats

	// mu serializes changes to the table and guards the fields below.
	mu       sync.Mutex
	routes   map[string]Route
	backends map[string]*backend
	series   map[seriesKey]*series
	closed   bool
	checks   sync.WaitGroup
}

// New returns a Proxy with no routes. A nil log discards.
func New(opts Options, log *slog.Logger) *Proxy {
	opts = opts.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{
		opts:     opts,
		log:      log,
		routes:   make(map[string]Route),
		backends: make(map[string]*backend),
		series:   make(map[seriesKey]*series),
		// Cookies signed with it last as long as the process: see
		// sticky.go.
		stickyKey: newStickyKey(),
	}
	p.conns = newConns(opts.DialTimeout, opts.MaxIdleConnsPerHost)
	p.buffers = newBufferPool()
	p.transport = &http.Transport{
		DialContext:           (&net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		// Encodings pass through as the backend chose them.
		DisableCompression: true,
	}
	p.forward = &httputil.ReverseProxy{
		Rewrite:   p.rewrite,
		Transport: retrier{next: p.transport, p: p},
		// Not -1: flushWriter flushes every write without flushing the
		// header alone first, which costs a write and a goroutine per
		// request. Streams of unknown length and server-sent events get
		// their header flushed at once by ReverseProxy anyway.
		FlushInterval:  0,
		BufferPool:     p.buffers,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		ErrorHandler:   p.fail,
		ModifyResponse: p.respond,
	}
	p.probes = probeClient()
	p.table.Store(&table{})
	return p
}

// ServeHTTP routes r to a backend of its host's route.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if log := p.opts.AccessLog; log != nil {
		p.serveLogged(w, r, log)
		return
	}
	p.serveHTTP(w, r, nil)
}

// serveHTTP is ServeHTTP, with the access log's notes taken in access
// unless nil.
func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request, access *accessWriter) {
	if body := wrapBody(w, r, p.opts.BodyIdleTimeout); body != nil {
		defer body.finish()
		p.serve(w, r, body, access)
		return
	}
	p.serve(w, r, nil, access)
}

// serve routes r, whose body, if any, is body.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request, body *clientBody, access *accessWriter) {
	host := canonicalHost(r.Host)
	// Backends start draining only after a newer table is published: a
	// request that finds its backends draining reads the table again.
	for range 3 {
		t := p.table.Load()
		e, ok := t.hosts[host]
		if !ok {
			http.Error(w, fmt.Sprintf("berth: no route for host %q", host), http.StatusNotFound)
			return
		}
		preview := e.preview
		if name := r.Header.Get(PreviewHeader); preview == nil && name != "" {
			if preview = e.route.sets[name]; preview == nil {
				http.Error(w, fmt.Sprintf("berth: no set %q on host %q", name, host), http.StatusNotFound)
				return
			}
		}
		ch := e.route.choose(r, preview)
		// A preview's client chose its set: its requests say nothing of
		// how the set does with the traffic the weights send it.
		var stats *series
		if preview == nil && ch.set != nil {
			stats = ch.set.stats
		}
		if ch.target == nil {
			if p.table.Load() != t {
				continue
			}
			p.unavailable(w, host, stats)
			return
		}
		c, ctx := newCall(p, r, ch.set, stats, body)
		c.access = access
		if !c.bind(ch.target) {
			c.cancel()
			continue
		}
		if ch.stick {
			http.SetCookie(w, &http.Cookie{
				Name: e.route.cookie, Value: ch.set.cookie, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
			})
		}
		c.serve(ctx, w, r)
		return
	}
	p.unavailable(w, host, nil)
}

// unavailable answers a request that found no healthy backend, counted
// in stats unless nil.
func (p *Proxy) unavailable(w http.ResponseWriter, host string, stats *series) {
	if stats != nil {
		stats.record(time.Now(), http.StatusServiceUnavailable, 0)
	}
	w.Header().Set("Retry-After", "1")
	http.Error(w, fmt.Sprintf("berth: no healthy backend for host %q", host), http.StatusServiceUnavailable)
}

// Healthy reports a backend's health, and whether the proxy knows it: a
// backend is known while it is routed and while it drains.
func (p *Proxy) Healthy(backendID string) (healthy, known bool) {
	p.mu.Lock()
	b := p.backends[backendID]
	p.mu.Unlock()
	if b == nil {
		return false, false
	}
	return b.healthy.Load(), true
}

// Close stops the health checks and closes idle connections to backends.
// The routes keep being served; Set fails from now on.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for _, b := range p.backends {
		p.stopChecks(b)
	}
	p.mu.Unlock()
	p.checks.Wait()
	p.transport.CloseIdleConnections()
	p.conns.close()
	p.probes.CloseIdleConnections()
}
