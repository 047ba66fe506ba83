package proxyctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Retire asks the process that holds the control socket to stop
// accepting connections, drain its requests in flight (upgraded ones,
// such as WebSockets and streams, for up to drainTimeout), save its
// state and exit. It returns once the process has exited, which it
// learns from the connection the request went on closing, or once ctx
// ends. An error the process met while retiring is returned; it exits
// all the same.
func (c *Client) Retire(ctx context.Context, drainTimeout time.Duration) error {
	data, err := json.Marshal(retireRequest{DrainTimeout: drainTimeout})
	if err != nil {
		return fmt.Errorf("retiring the proxy: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://proxy/v1/retire", bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("retiring the proxy: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("retiring the proxy on %s: %w", c.path, ctxErr(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answerError(resp)
	}
	lines := newRetireReader(resp.Body)
	var failed error
	for {
		line, ok := lines.next()
		if !ok {
			if ctx.Err() != nil {
				return fmt.Errorf("retiring the proxy: %w", ctx.Err())
			}
			// The connection closed: the process is gone.
			return failed
		}
		if line.Error != "" {
			failed = line.errorBody.decode()
		}
	}
}

// retireReader reads the lines of the answer to a retire.
type retireReader struct {
	dec *json.Decoder
}

func newRetireReader(r io.Reader) *retireReader {
	return &retireReader{dec: json.NewDecoder(r)}
}

// next returns the next line, or false once the answer ended, with the
// connection or with something that is not a line.
func (r *retireReader) next() (retireLine, bool) {
	var line retireLine
	if err := r.dec.Decode(&line); err != nil {
		return retireLine{}, false
	}
	return line, true
}
