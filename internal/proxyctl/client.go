package proxyctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// callTimeout bounds every call but Drain and Retire, so that a hung
// proxy cannot hang its caller.
const callTimeout = 5 * time.Second

// Client calls the control API of the proxy process whose control socket
// is at a path. It has the methods of the deploy engine's router. Every
// call dials the path anew, so that it reaches the process that holds the
// path now, not one that a newer process took it from. It is safe for
// concurrent use.
type Client struct {
	path      string
	transport *http.Transport
	http      *http.Client
	timeout   time.Duration // callTimeout, but in tests
}

// Dial returns a Client of the control socket at path. It connects only
// when called.
func Dial(path string) *Client {
	t := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives:  true,
		DisableCompression: true,
	}
	return &Client{path: path, transport: t, http: &http.Client{Transport: t}, timeout: callTimeout}
}

// Close lets go of what the client holds. It may be called again.
func (c *Client) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}

// bound gives ctx the default call timeout, unless it ends sooner.
func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// call sends method path with in, if not nil, as JSON, and decodes the
// answer into out, if not nil. An answer other than 2xx is an *Error.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://proxy"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("calling the proxy on %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return answerError(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("reading the proxy's answer to %s %s: %w", method, path, err)
	}
	return nil
}

// Set adds or replaces the route for r.Host, as proxy.Set does; an
// invalid route is an error matching proxy.ErrInvalidRoute.
func (c *Client) Set(r proxy.Route) error {
	ctx, cancel := c.bound(context.Background())
	defer cancel()
	return c.call(ctx, http.MethodPut, "/v1/routes", r, nil)
}

// removeBackoff are the waits between the tries of Remove: about two
// seconds of trying in all.
var removeBackoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}

// Remove takes the route for host away, as proxy.Remove does. It returns
// nothing, as proxy.Remove does not, so it tries for about two seconds
// (five tries, each bounded by the call timeout in all) and then gives
// up without a word: the caller's next reconcile removes the route again.
func (c *Client) Remove(host string) {
	ctx, cancel := c.bound(context.Background())
	defer cancel()
	path := "/v1/routes/" + url.PathEscape(host)
	for i := 0; ; i++ {
		if c.call(ctx, http.MethodDelete, path, nil, nil) == nil || i == len(removeBackoff) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(removeBackoff[i]):
		}
	}
}

// Drain waits until the backend has no request in flight, as
// proxy.Drain does, for as long as ctx lets it: a backend still routed
// is an error matching proxy.ErrStillRouted, and a drain that timed out
// is a *proxy.DrainError with the number of requests cut.
func (c *Client) Drain(ctx context.Context, backendID string) error {
	err := c.call(ctx, http.MethodPost, "/v1/drain", drainRequest{Backend: backendID}, nil)
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err // the proxy's own message says what it drained
	}
	return fmt.Errorf("draining backend %s: %w", backendID, ctxErr(ctx, err))
}

// Healthy reports a backend's health as proxy.Healthy does; a failed
// call answers (false, false).
func (c *Client) Healthy(backendID string) (healthy, known bool) {
	ctx, cancel := c.bound(context.Background())
	defer cancel()
	var a healthAnswer
	if err := c.call(ctx, http.MethodGet, "/v1/health?backend="+url.QueryEscape(backendID), nil, &a); err != nil {
		return false, false
	}
	return a.Healthy, a.Known
}

// Stats returns the stats of host's set at revision over window, as
// proxy.Stats does; a failed call answers zero Stats.
func (c *Client) Stats(host, set string, revision int, window time.Duration) proxy.Stats {
	ctx, cancel := c.bound(context.Background())
	defer cancel()
	q := url.Values{"host": {host}, "set": {set}, "revision": {strconv.Itoa(revision)}, "window": {window.String()}}
	var st proxy.Stats
	if err := c.call(ctx, http.MethodGet, "/v1/stats?"+q.Encode(), nil, &st); err != nil {
		return proxy.Stats{}
	}
	return st
}

// Info describes the process that holds the control socket.
func (c *Client) Info(ctx context.Context) (Info, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	var info Info
	if err := c.call(ctx, http.MethodGet, "/v1/info", nil, &info); err != nil {
		return Info{}, err
	}
	return info, nil
}

// Save makes the process write its state file now.
func (c *Client) Save(ctx context.Context) error {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	return c.call(ctx, http.MethodPost, "/v1/save", nil, nil)
}
