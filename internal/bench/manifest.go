package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// load is the outcome of many clients fetching one manifest.
type load struct {
	requests int
	elapsed  time.Duration
	// latencies holds every request's latency in ascending order.
	latencies []time.Duration
}

// getManifests runs clients goroutines that each fetch u over and over for
// d, reading every body in full. Each client first makes one untimed
// request to open its connection; then all start together. Any status but
// 200 stops every client and is returned.
func getManifests(ctx context.Context, t Target, u *url.URL, clients int, d time.Duration) (load, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	perClient := make([][]time.Duration, clients)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	var begin time.Time
	for i := range clients {
		ready.Add(1)
		done.Go(func() {
			err := getManifest(ctx, t, u)
			ready.Done()
			if err != nil {
				cancel(err)
				return
			}
			<-start
			lat, err := getUntil(ctx, t, u, begin.Add(d), make([]time.Duration, 0, 1<<14))
			perClient[i] = lat
			if err != nil {
				cancel(err)
			}
		})
	}
	ready.Wait()
	begin = time.Now()
	close(start)
	done.Wait()
	elapsed := time.Since(begin)
	if err := context.Cause(ctx); err != nil {
		return load{}, fmt.Errorf("getting manifest: %w", err)
	}
	all := slices.Concat(perClient...)
	slices.Sort(all)
	return load{requests: len(all), elapsed: elapsed, latencies: all}, nil
}

// getUntil fetches u until deadline, appending each latency to lat.
func getUntil(ctx context.Context, t Target, u *url.URL, deadline time.Time, lat []time.Duration) ([]time.Duration, error) {
	for {
		t0 := time.Now()
		if !t0.Before(deadline) || ctx.Err() != nil {
			return lat, nil
		}
		if err := getManifest(ctx, t, u); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t0))
	}
}

func getManifest(ctx context.Context, t Target, u *url.URL) error {
	resp, err := t.do(ctx, call{method: http.MethodGet, url: u, accept: mediaTypeManifest, want: http.StatusOK})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("reading manifest: %w", err)
	}
	return nil
}
