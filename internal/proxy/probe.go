package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"time"
)

// WaitHealthy probes http://addr+hc.Path until HealthyThreshold probes in
// a row pass (2xx or 3xx within Timeout), Interval apart, the first at
// once. When ctx ends first it returns an error matching both ctx's error
// and the last failure, such as a *StatusError. A nil client probes
// without keep-alive and without following redirects, as the proxy's own
// checks do. The zero fields of hc take the defaults documented on
// HealthCheck.
func WaitHealthy(ctx context.Context, client *http.Client, addr string, hc HealthCheck) error {
	if err := hc.validate(); err != nil {
		return fmt.Errorf("waiting for %s: %w", addr, err)
	}
	hc = hc.withDefaults()
	if client == nil {
		client = probeClient()
		defer client.CloseIdleConnections()
	}
	url := "http://" + addr + hc.Path
	tick := time.NewTicker(hc.Interval)
	defer tick.Stop()
	var last error
	for passes := 0; ; {
		err := probe(ctx, client, url, hc.Timeout)
		switch {
		case err == nil:
			passes++
		case ctx.Err() == nil || last == nil:
			// A probe cut short by ctx says less than the one before.
			passes, last = 0, err
		}
		if passes >= hc.HealthyThreshold {
			return nil
		}
		select {
		case <-ctx.Done():
			if last == nil {
				return fmt.Errorf("waiting for %s to be healthy: %w", addr, ctx.Err())
			}
			return fmt.Errorf("waiting for %s to be healthy: %w, last probe: %w", addr, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// Probe makes one health check request to url, as the proxy's checks
// do: nil for a 2xx or 3xx answer within timeout, a *StatusError for
// another answer, and the connection's error when there is none.
func Probe(ctx context.Context, client *http.Client, url string, timeout time.Duration) error {
	return probe(ctx, client, url, timeout)
}

// probe makes one health check request.
func probe(ctx context.Context, client *http.Client, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("probing %s: %w", url, err)
	}
	req.Header.Set("User-Agent", "berth-health")
	resp, err := client.Do(req)
	if ue := (*neturl.Error)(nil); errors.As(err, &ue) {
		err = ue.Err
	}
	if err != nil {
		return fmt.Errorf("probing %s: %w", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("probing %s: %w", url, &StatusError{Code: resp.StatusCode})
	}
	return nil
}

// probeClient makes a fresh connection for every probe, so that a probe
// tests that the backend still accepts them, and takes a redirect as an
// answer.
func probeClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
