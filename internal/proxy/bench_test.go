package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/accesslog"
)

// BenchmarkProxy compares requests through the proxy with requests sent
// to the backend directly, from 32 concurrent keep-alive clients.
func BenchmarkProxy(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	b.Cleanup(backend.Close)
	p, front := newProxy(b, Options{})
	mustSet(b, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", backend)}}}})

	// The same, with an access log line per request in a file.
	access, err := accesslog.Open(filepath.Join(b.TempDir(), "access.log"), "text", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { access.Close() })
	logged, loggedFront := newProxy(b, Options{AccessLog: access.Logger})
	mustSet(b, logged, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("a", backend)}}}})

	b.Run("direct", func(b *testing.B) { load(b, backend.URL, "") })
	b.Run("proxy", func(b *testing.B) { load(b, front.URL, "shop.local") })
	b.Run("proxy-accesslog", func(b *testing.B) { load(b, loggedFront.URL, "shop.local") })
}

// load sends b.N GETs to url with host from 32 keep-alive clients and
// reports requests per second and the latency percentiles.
func load(b *testing.B, url, host string) {
	const clients = 32
	client := keepAliveClient(b, clients)
	var next atomic.Int64
	latencies := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime(b)
	for i := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if host != "" {
					req.Host = host
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[i] = append(latencies[i], time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime(b)-cpu
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/req")
}

// cpuTime is the CPU time the process used so far: the clients, the
// proxy and the backend together.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
