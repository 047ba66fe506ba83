package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// traffic is a steady stream of requests through the proxy, as users of
// the app would send, counting which version answered.
type traffic struct {
	mu     sync.Mutex
	counts map[string]int // version -> answers since the last take
	failed int
	total  map[string]int
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

// startTraffic sends requests for host to the proxy from a few clients
// until stopped, each about every 20ms.
func startTraffic(proxy, host string) *traffic {
	ctx, cancel := context.WithCancel(context.Background())
	t := &traffic{counts: map[string]int{}, total: map[string]int{}, stop: cancel}
	for range 4 {
		client := &http.Client{Timeout: 5 * time.Second}
		t.wg.Go(func() {
			for ctx.Err() == nil {
				v, err := ask(ctx, client, proxy, host)
				t.mu.Lock()
				if err != nil && ctx.Err() == nil {
					t.failed++
				} else if err == nil {
					t.counts[v]++
					t.total[v]++
				}
				t.mu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	return t
}

// ask sends one request and returns the version that answered.
func ask(ctx context.Context, client *http.Client, proxy, host string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+proxy+"/", nil)
	if err != nil {
		return "", err
	}
	req.Host = host
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", res.Status)
	}
	return res.Header.Get("X-Version"), nil
}

// take returns the answers per version since the last take.
func (t *traffic) take() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.counts
	t.counts = map[string]int{}
	return c
}

// finish stops the traffic and returns the answers per version and the
// failed requests over its whole life.
func (t *traffic) finish() (map[string]int, int) {
	t.stop()
	t.wg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total, t.failed
}

// shareLine draws each version's share of counts as a bar, versions in
// the order given.
func shareLine(counts map[string]int, versions []string) string {
	n := 0
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return "no answers yet"
	}
	var parts []string
	for _, v := range versions {
		pct := 100 * counts[v] / n
		bar := strings.Repeat("█", pct/5) + strings.Repeat("░", 20-pct/5)
		parts = append(parts, fmt.Sprintf("%s %s %3d%%", v, bar, pct))
	}
	for v, c := range counts { // a version nobody expected is shown, not hidden
		if !slices.Contains(versions, v) && c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d answers", v, c))
		}
	}
	return strings.Join(parts, "  ") + fmt.Sprintf("  (%d requests)", n)
}
