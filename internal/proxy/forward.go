package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"syscall"
)

// rewrite points the outgoing request at the call's backend, keeping the
// client's Host header, with the forwarded headers writeRequest writes.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	c := callFrom(pr.In.Context())
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = c.target.addr
	for k := range pr.Out.Header {
		if dropUnsafe(k) {
			delete(pr.Out.Header, k)
		}
	}
	fw := p.forwardedOf(pr.In)
	if fw.for_ != "" {
		pr.Out.Header.Set("X-Forwarded-For", fw.for_)
	}
	pr.Out.Header.Set("X-Forwarded-Host", fw.host)
	pr.Out.Header.Set("X-Forwarded-Proto", fw.proto)
	if fw.realIP != "" {
		pr.Out.Header.Set("X-Real-Ip", fw.realIP)
	}
}

// respond records a backend's response as its header arrives. A status
// outside 100-599 is refused, as net/http would panic on it.
func (p *Proxy) respond(resp *http.Response) error {
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("%w: %d", errStatus, resp.StatusCode)
	}
	if c := callFrom(resp.Request.Context()); c != nil {
		c.record(resp.StatusCode)
	}
	return nil
}

// fail answers a request the backend could not.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	if c := callFrom(r.Context()); c != nil {
		c.fail(r.Context(), w, r, err)
		return
	}
	http.Error(w, "berth: bad gateway", http.StatusBadGateway)
}

// fail answers the call's request, which the backend could not, with ctx
// the call's context.
//
// A request whose body could not be read from the client failed by the
// client's fault, whatever the backend's side saw: it gets 400, or 408
// when the body stalled past Options.BodyIdleTimeout, and is not counted
// in the set's stats, so that broken requests cannot pass for a broken
// set. A client that went away before the answer is counted as 499,
// which is no error.
func (c *call) fail(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	if c.out.refused {
		// The proxy shut down: no fault of the set's.
		c.recorded = true
		http.Error(w, "berth: shutting down", http.StatusServiceUnavailable)
		return
	}
	if c.body != nil {
		if berr := c.body.failed(); berr != nil {
			c.recorded = true
			c.p.log.Debug("reading request body", "host", r.Host, "set", c.set.name, "err", berr)
			code := clientStatus(berr)
			http.Error(w, "berth: "+strings.ToLower(http.StatusText(code)), code)
			return
		}
	}
	if ctx.Err() != nil && !c.cut.Load() {
		c.record(statusClientGone)
		c.p.log.Debug("client went away", "host", r.Host, "set", c.set.name, "backend", c.target.b.id,
			"upstream", c.target.addr, "err", err)
	} else {
		c.record(http.StatusBadGateway)
		c.p.log.Warn("bad gateway", "host", r.Host, "method", r.Method, "path", r.URL.Path, "set", c.set.name,
			"backend", c.target.b.id, "upstream", c.target.addr, "err", err)
	}
	http.Error(w, "berth: bad gateway", http.StatusBadGateway)
}

// statusClientGone is recorded for a request whose client went away
// before the answer, as nginx logs it.
const statusClientGone = 499

// retrier sends a request once more, to another backend of the same set,
// when its connection failed before any response and repeating it is
// safe.
type retrier struct {
	next http.RoundTripper
	p    *Proxy
}

func (rt retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(req)
	if err == nil {
		return resp, nil
	}
	c := callFrom(req.Context())
	if c == nil {
		return nil, err
	}
	alt := c.retryTarget(req.Context(), req, err)
	if alt == nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL.Host = alt.addr
	return rt.next.RoundTrip(out)
}

// retryTarget takes note of the call's failure to reach its backend,
// err, and returns another backend of the set bound to retry req on, or
// nil when req may not or need not be sent again. A refused connection
// takes a health-checked backend out at once.
func (c *call) retryTarget(ctx context.Context, req *http.Request, err error) *target {
	if ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, syscall.ECONNREFUSED) && c.target.b.checked.Load() && c.target.b.healthy.CompareAndSwap(true, false) {
		c.p.log.Warn("backend down", "backend", c.target.b.id, "addr", c.target.addr, "err", err)
		c.p.changed()
	}
	if c.p.opts.DisableRetry || c.retried || !replayable(req) || !connectionFailed(err) {
		return nil
	}
	alt := c.set.pick(c.target)
	if alt == nil || !c.rebind(alt) {
		return nil
	}
	c.retried = true
	return alt
}

// replayable says whether req may be sent twice.
func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return req.Body == nil || req.Body == http.NoBody
	}
	return false
}

// connectionFailed says whether err means the backend could not be
// reached or dropped the connection before answering, as opposed to a
// timeout of a backend that may still be working on the request.
func connectionFailed(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// bufferPool reuses the buffers ReverseProxy copies bodies with.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any {
		b := make([]byte, 32<<10)
		return &b
	}}}
}

func (bp *bufferPool) Get() []byte  { return *bp.pool.Get().(*[]byte) }
func (bp *bufferPool) Put(b []byte) { bp.pool.Put(&b) }
