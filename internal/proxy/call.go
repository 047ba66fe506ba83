package proxy

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// call is one proxied request. Its fields are used by the goroutine
// serving the request only; cancel may be called from anywhere.
type call struct {
	p   *Proxy
	set *set
	// stats counts the call, unless nil (a preview).
	stats *series
	// body is the request's body, nil without one.
	body   *clientBody
	target *target
	cancel context.CancelFunc
	start  time.Time
	// cut is set when a drain timeout cancelled the call.
	cut      atomic.Bool
	retried  bool
	recorded bool
	out      flushWriter
	// access takes the backend's address for the access log, unless nil.
	access *accessWriter
}

type callKey struct{}

// newCall starts a call of r, whose body is body, to s, counted in stats
// unless nil, and returns it with the context to send r with.
func newCall(p *Proxy, r *http.Request, s *set, stats *series, body *clientBody) (*call, context.Context) {
	c := &call{p: p, set: s, stats: stats, body: body, start: time.Now()}
	ctx, cancel := context.WithCancel(r.Context())
	c.cancel = cancel
	return c, context.WithValue(ctx, callKey{}, c)
}

// callFrom returns the call a proxied request belongs to, or nil.
func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// bind counts c in flight on t's backend; false means the backend drains.
func (c *call) bind(t *target) bool {
	if !t.b.acquire(c) {
		return false
	}
	c.target = t
	return true
}

// rebind moves c to another backend for a retry.
func (c *call) rebind(t *target) bool {
	if !t.b.acquire(c) {
		return false
	}
	c.target.b.release(c)
	c.target = t
	return true
}

// abort cancels the call for a drain timeout.
func (c *call) abort() {
	c.cut.Store(true)
	c.cancel()
}

// serve forwards r to the bound backend, with ctx from newCall.
func (c *call) serve(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	// Deferred, since ReverseProxy aborts with a panic when copying the
	// response body fails.
	defer func() {
		if c.out.hijacked != nil {
			c.p.upgrades.remove(c.out.hijacked)
		}
		if c.access != nil {
			c.access.upstream = c.target.addr
		}
		c.target.b.release(c)
		c.cancel()
	}()
	c.out.ResponseWriter = w
	c.out.flusher, _ = w.(http.Flusher)
	c.out.upgrades = &c.p.upgrades
	if direct(r) {
		c.serveDirect(ctx, &c.out, r)
		return
	}
	c.p.forward.ServeHTTP(&c.out, r.WithContext(ctx))
}

// record counts the call in its set's stats once, when the response
// header arrives or the proxy answers instead. A preview is not counted.
func (c *call) record(status int) {
	if c.recorded || c.stats == nil {
		return
	}
	c.recorded = true
	now := time.Now()
	c.stats.record(now, status, now.Sub(c.start))
}
