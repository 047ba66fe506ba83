package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"syscall"
)

// rewrite points the outgoing request at the call's backend, keeping the
// client's Host header.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	c := callFrom(pr.In.Context())
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = c.target.addr
	if p.opts.TrustForwardedHeaders {
		if prior := pr.In.Header.Values("X-Forwarded-For"); len(prior) > 0 {
			pr.Out.Header["X-Forwarded-For"] = prior
		}
	}
	pr.SetXForwarded()
	if p.opts.TrustForwardedHeaders {
		for _, h := range []string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
			if v := pr.In.Header.Get(h); v != "" {
				pr.Out.Header.Set(h, v)
			}
		}
	}
}

// respond records a backend's response as its header arrives.
func (p *Proxy) respond(resp *http.Response) error {
	if c := callFrom(resp.Request.Context()); c != nil {
		c.record(resp.StatusCode)
	}
	return nil
}

// fail answers a request the backend could not.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	if c := callFrom(r.Context()); c != nil {
		if r.Context().Err() != nil && !c.cut.Load() {
			c.record(statusClientGone)
		} else {
			c.record(http.StatusBadGateway)
		}
		p.log.Debug("proxying request", "host", r.Host, "set", c.set.name, "backend", c.target.b.id, "err", err)
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
	if c == nil || req.Context().Err() != nil {
		return nil, err
	}
	if errors.Is(err, syscall.ECONNREFUSED) && c.target.b.checked.Load() && c.target.b.healthy.CompareAndSwap(true, false) {
		rt.p.log.Warn("backend down", "backend", c.target.b.id, "addr", c.target.addr, "err", err)
	}
	if rt.p.opts.DisableRetry || c.retried || !replayable(req) || !connectionFailed(err) {
		return nil, err
	}
	alt := c.set.pick(c.target)
	if alt == nil || !c.rebind(alt) {
		return nil, err
	}
	c.retried = true
	out := req.Clone(req.Context())
	out.URL.Host = alt.addr
	return rt.next.RoundTrip(out)
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
