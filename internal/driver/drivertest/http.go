package drivertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// response is what the test app answered.
type response struct {
	status  int
	version string // the X-Version header
	body    string
}

// get sends GET path to the app at addr, on a connection of its own:
// a graceful stop waits for a new connection's request but closes an
// idle kept-alive one, and an address may pass to another container.
func get(c context.Context, addr, path string) (response, error) {
	req, err := http.NewRequestWithContext(c, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return response{}, err
	}
	resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, version: resp.Header.Get("X-Version"), body: string(body)}, nil
}

// waitReady waits until the app at addr answers GET /healthz, and
// returns how long that took.
func waitReady(t testing.TB, addr string) time.Duration {
	t.Helper()
	if addr == "" {
		t.Fatal("the instance has no address")
	}
	start := time.Now()
	eventually(t, 30*time.Second, func() error {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r, err := get(c, addr, "/healthz")
		if err != nil {
			return err
		}
		if r.status != http.StatusOK {
			return fmt.Errorf("GET /healthz answered %d %q", r.status, r.body)
		}
		return nil
	})
	return time.Since(start)
}
