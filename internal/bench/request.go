package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// StatusError is an HTTP answer whose status the benchmark did not expect.
type StatusError struct {
	Method string
	URL    string
	// Status is the HTTP status code received.
	Status int
	// Body is the start of the response body, usually an OCI error list.
	Body string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// call is one request to a registry and the status that means success.
type call struct {
	method string
	url    *url.URL
	// body, when not nil, is sent with a Content-Length of size.
	body        io.Reader
	size        int64
	contentType string
	accept      string
	want        int
}

// do sends c. It returns the response, whose body the caller must close,
// only when the status is c.want; any other status is a *StatusError.
func (t Target) do(ctx context.Context, c call) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, c.method, c.url.String(), c.body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	if c.body != nil {
		req.ContentLength = c.size
		if c.size == 0 {
			req.Body = http.NoBody
		}
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != c.want {
		defer drain(resp)
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &StatusError{
			Method: c.method,
			URL:    c.url.Redacted(),
			Status: resp.StatusCode,
			Body:   strings.TrimSpace(string(snippet)),
		}
	}
	return resp, nil
}

// send is do for requests whose response body does not matter.
func (t Target) send(ctx context.Context, c call) (*http.Response, error) {
	resp, err := t.do(ctx, c)
	if err != nil {
		return nil, err
	}
	drain(resp)
	return resp, nil
}

// drain reads what is left of a short body and closes it, so the
// connection goes back to the pool.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 1<<20)
	_ = resp.Body.Close()
}
