package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// The direct path forwards the common request, one without a body that
// asks for no protocol switch, on the goroutine serving it: the request
// goes out through a pooled connection's buffer in one write and the
// response comes back on the same goroutine. net/http's Transport hands
// each request to a writer and a reader goroutine of the connection,
// which costs more than the forwarding itself on small requests. Other
// requests (bodies, upgrades, Expect) take httputil.ReverseProxy.

// direct reports whether r can take the direct path.
func direct(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false
	}
	return r.ContentLength == 0 && len(r.TransferEncoding) == 0 &&
		r.Header.Get("Upgrade") == "" && r.Header.Get("Expect") == ""
}

// errSwitched is a backend answering 101 to a request that asked for no
// protocol switch.
var errSwitched = errors.New("backend switched protocols unasked")

// errStatus is a backend answering with a status code outside 100-599.
var errStatus = errors.New("backend answered an invalid status code")

// serveDirect forwards r on the direct path.
func (c *call) serveDirect(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	ex, err := c.exchange(ctx, w, r)
	if err != nil {
		c.fail(ctx, w, r, err)
		return
	}
	resp := ex.resp
	c.record(resp.StatusCode)
	h := w.Header()
	removeHopHeaders(resp.Header)
	for k, vv := range resp.Header {
		h[k] = append(h[k], vv...)
	}
	if len(resp.Trailer) > 0 {
		names := make([]string, 0, len(resp.Trailer))
		for k := range resp.Trailer {
			names = append(names, k)
		}
		h.Add("Trailer", strings.Join(names, ", "))
	}
	w.WriteHeader(resp.StatusCode)

	buf := c.p.buffers.Get()
	_, err = io.CopyBuffer(w, ex, buf)
	c.p.buffers.Put(buf)
	if err != nil {
		// The response is cut short: the client must not take it for
		// whole, so its connection is aborted, as ReverseProxy does.
		ex.abandon()
		c.p.log.Debug("proxying response body", "host", r.Host, "backend", c.target.b.id, "err", err)
		panic(http.ErrAbortHandler)
	}
	for k, vv := range resp.Trailer {
		h[http.TrailerPrefix+k] = vv
	}
}

// exchanged is a backend's response header, read on conn.
type exchanged struct {
	resp *http.Response
	conn *conn
	p    *Proxy
	// stop ends the watch that closes conn when the call's context ends;
	// false means it ended and conn is spent.
	stop func() bool
	done bool // the body was read to its end or abandoned
}

// Read reads the response body. At its end the connection goes back to
// the pool at once, before the last bytes reach the client, so that the
// client's next request finds it there.
func (ex *exchanged) Read(p []byte) (int, error) {
	if ex.done {
		return 0, io.EOF
	}
	n, err := ex.resp.Body.Read(p)
	if err == io.EOF {
		ex.done = true
		if ex.stop() && !ex.resp.Close && ex.conn.br.Buffered() == 0 {
			ex.p.conns.put(ex.conn)
		} else {
			ex.conn.Close()
		}
	}
	return n, err
}

// abandon closes the connection of a response not read to its end.
func (ex *exchanged) abandon() {
	if !ex.done {
		ex.done = true
		ex.stop()
		ex.conn.Close()
	}
}

// exchange sends r to the call's backend and reads the response header,
// once more to another backend of the set when the first could not be
// reached (see retryTarget).
func (c *call) exchange(ctx context.Context, w http.ResponseWriter, r *http.Request) (*exchanged, error) {
	ex, err := c.p.exchangeWith(ctx, w, r, c.target.addr)
	if err == nil {
		return ex, nil
	}
	alt := c.retryTarget(ctx, r, err)
	if alt == nil {
		return nil, err
	}
	return c.p.exchangeWith(ctx, w, r, alt.addr)
}

// exchangeWith sends r to addr. A kept-alive connection that fails is
// replaced by a new one, transparently, as net/http does: the backend may
// have closed it meanwhile, or sent on it unasked (a body after a HEAD
// answer), which shows as a malformed response. A timeout is not retried.
func (p *Proxy) exchangeWith(ctx context.Context, w http.ResponseWriter, r *http.Request, addr string) (*exchanged, error) {
	bc, reused, err := p.conns.get(ctx, addr)
	if err != nil {
		return nil, err
	}
	ex, err := p.roundTrip(ctx, w, r, bc)
	if err != nil && reused && ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		if bc, err = p.conns.dial(ctx, addr); err != nil {
			return nil, err
		}
		ex, err = p.roundTrip(ctx, w, r, bc)
	}
	return ex, err
}

// pastDeadline unblocks every read and write of a connection at once.
var pastDeadline = time.Unix(1, 0)

// roundTrip writes r on bc and reads the response header, passing 1xx
// answers on to w. bc is closed on error.
func (p *Proxy) roundTrip(ctx context.Context, w http.ResponseWriter, r *http.Request, bc *conn) (_ *exchanged, err error) {
	stop := context.AfterFunc(ctx, func() { bc.SetDeadline(pastDeadline) })
	defer func() {
		if err != nil {
			stop()
			bc.Close()
			if ctx.Err() != nil {
				err = fmt.Errorf("%w: %w", err, context.Cause(ctx))
			}
		}
	}()
	if err := p.writeRequest(bc.bw, r); err != nil {
		return nil, err
	}
	if t := p.opts.ResponseHeaderTimeout; t > 0 {
		bc.SetReadDeadline(time.Now().Add(t))
	}
	resp, err := readResponse(bc.br, w, r)
	if err != nil {
		return nil, err
	}
	if p.opts.ResponseHeaderTimeout > 0 {
		bc.SetReadDeadline(time.Time{})
		// Had the context ended meanwhile, its past deadline is gone.
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return &exchanged{resp: resp, conn: bc, p: p, stop: stop}, nil
}

// readResponse reads the final response header to r, passing 1xx
// answers on to w as ReverseProxy does.
func readResponse(br *bufio.Reader, w http.ResponseWriter, r *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, r)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode < 100 || resp.StatusCode > 599:
			return nil, fmt.Errorf("%w: %d", errStatus, resp.StatusCode)
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errSwitched
		case resp.StatusCode >= 200:
			return resp, nil
		}
		h := w.Header()
		for k, vv := range resp.Header {
			h[k] = vv
		}
		w.WriteHeader(resp.StatusCode)
		for k := range resp.Header {
			delete(h, k)
		}
	}
}

// writeRequest writes r as the backend gets it: the client's request
// line and headers but for the hop-by-hop ones and those dropUnsafe
// drops, and the forwarded headers (see forwarded).
func (p *Proxy) writeRequest(bw *bufio.Writer, r *http.Request) error {
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	bw.WriteString(r.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(r.Host)
	bw.WriteString("\r\n")
	listed := r.Header["Connection"]
	for k, vv := range r.Header {
		if hopHeader(k, listed) || dropUnsafe(k) {
			continue
		}
		for _, v := range vv {
			writeHeaderLine(bw, k, v)
		}
	}
	if te := r.Header["Te"]; len(te) > 0 && httpHasToken(te, "trailers") {
		writeHeaderLine(bw, "Te", "trailers")
	}
	fw := p.forwardedOf(r)
	if fw.for_ != "" {
		writeHeaderLine(bw, "X-Forwarded-For", fw.for_)
	}
	writeHeaderLine(bw, "X-Forwarded-Host", fw.host)
	writeHeaderLine(bw, "X-Forwarded-Proto", fw.proto)
	if fw.realIP != "" {
		writeHeaderLine(bw, "X-Real-Ip", fw.realIP)
	}
	bw.WriteString("\r\n")
	return bw.Flush()
}

func writeHeaderLine(bw *bufio.Writer, k, v string) {
	bw.WriteString(k)
	bw.WriteString(": ")
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

// hopHeaders are the headers of one connection, never forwarded
// (RFC 9110, 7.6.1), as ReverseProxy has them.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// hopHeader says whether the canonical header k is hop-by-hop, by name
// or by being listed in the Connection header values listed.
func hopHeader(k string, listed []string) bool {
	for _, h := range hopHeaders {
		if k == h {
			return true
		}
	}
	return len(listed) > 0 && httpHasToken(listed, k)
}

// httpHasToken says whether the comma-separated values hold token,
// case-insensitively.
func httpHasToken(values []string, token string) bool {
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

// removeHopHeaders deletes the hop-by-hop headers of a response.
func removeHopHeaders(h http.Header) {
	listed := h["Connection"]
	for k := range h {
		if hopHeader(k, listed) {
			delete(h, k)
		}
	}
}
