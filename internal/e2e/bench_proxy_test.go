package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testapp"
)

// The benchmarks here and in bench_deploy_test.go measure the edge proxy
// against the app reached directly and through nginx, and the time a
// deploy takes to move all traffic to a new version; bench_host_test.go
// holds what they share (the app, nginx, process statistics).
// scripts/bench-deploy.sh installs nginx and runs them; they run only with
// -bench, and print their figures as tables on stdout as well as benchmark
// metrics.
//
// BENCH_DURATION (default 10s) is how long each load row is measured,
// after a 2s warm-up; BENCH_RUNS (default 3) is how many deploys of each
// strategy are timed.

const benchWarmup = 2 * time.Second

// BenchmarkProxy loads GET / of one test app container with closed-loop
// keep-alive clients, directly, through berth's proxy and through nginx.
func BenchmarkProxy(b *testing.B) {
	requireDocker(b)
	nginx := benchRequireNginx(b)
	dur := benchEnvDuration(b, "BENCH_DURATION", 10*time.Second)
	srv := startBerth(b, b.TempDir(), benchQuiet(b)...)
	builder := testapp.NewBuilder(b.TempDir())
	builder.Build(b, srv.addr, "bench/proxy", "v1")

	app := newBenchApp(b, srv)
	app.deploy(app.spec(srv.addr+"/bench/proxy:v1", 1, "rolling", ""))
	direct := app.containerAddr()
	nginxAddr, nginxPID := benchStartNginx(b, nginx, direct)
	appPID := benchContainerPID(b, app.name)

	targets := []benchTarget{
		{name: "direct", url: "http://" + direct + "/"},
		{name: "berth", url: "http://" + srv.proxy + "/", host: app.host, pid: srv.cmd.Process.Pid},
		{name: "nginx", url: "http://" + nginxAddr + "/", pid: nginxPID},
	}
	for _, tg := range targets {
		benchExpectVersion(b, tg, "v1")
	}
	var rows []benchLoadResult
	for _, conns := range []int{64, 16} {
		var base benchLoadResult
		for _, tg := range targets {
			b.Run(fmt.Sprintf("%s/conns=%d", tg.name, conns), func(b *testing.B) {
				r := benchLoad(b, tg, conns, direct, appPID, dur)
				if tg.name == "direct" {
					base = r
				} else if len(base.lat) > 0 {
					r.addedP50, r.addedP99 = r.p50-base.p50, r.p99-base.p99
					b.ReportMetric(float64(r.addedP50.Microseconds()), "added-p50-µs")
					b.ReportMetric(float64(r.addedP99.Microseconds()), "added-p99-µs")
				}
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(r.rps(), "req/s")
				b.ReportMetric(float64(r.p50.Microseconds()), "p50-µs")
				b.ReportMetric(float64(r.p99.Microseconds()), "p99-µs")
				if r.errors > 0 {
					b.Errorf("%d of %d requests to %s failed, the first: %s", r.errors, r.errors+len(r.lat), tg.name, r.firstErr)
				}
				rows = append(rows, r)
			})
		}
	}
	benchPrintProxy(rows, dur, nginx)
	benchLogProblems(b, srv)
}

// benchTarget is where a load row sends GET /: url, with Host header
// host when set; pid is the proxy process whose CPU time is counted.
type benchTarget struct {
	name, url, host string
	pid             int
}

type benchLoadResult struct {
	target             string
	conns              int
	dur                time.Duration
	lat                []time.Duration // sorted
	errors             int
	firstErr           string
	p50, p99           time.Duration
	addedP50, addedP99 time.Duration
	proxyCPU, appCPU   time.Duration
	appConns           int // connections from the proxy to the app, mid-row
}

func (r benchLoadResult) rps() float64 { return float64(len(r.lat)) / r.dur.Seconds() }

// benchLoad runs conns closed-loop workers against tg, each on a
// keep-alive connection of its own, for benchWarmup and then dur, and
// keeps the latency of every request sent during dur. app is the app
// container's address, appPID its process.
func benchLoad(tb testing.TB, tg benchTarget, conns int, app string, appPID int, dur time.Duration) benchLoadResult {
	tb.Helper()
	start := time.Now()
	from, until := start.Add(benchWarmup), start.Add(benchWarmup+dur)
	var (
		mu       sync.Mutex
		res      = benchLoadResult{target: tg.name, conns: conns, dur: dur}
		wg       sync.WaitGroup
		cpu0     = make(chan [2]time.Duration, 1)
		upstream = make(chan int, 1)
	)
	go func() {
		time.Sleep(time.Until(from))
		cpu0 <- [2]time.Duration{benchCPU(tg.pid), benchCPU(appPID)}
		time.Sleep(dur / 2)
		holders := []int{os.Getpid()} // direct: the load itself
		if tg.pid != 0 {
			holders = benchFamily(tg.pid)
		}
		upstream <- benchConnsTo(app, holders)
	}()
	for range conns {
		wg.Go(func() {
			tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true, IdleConnTimeout: time.Second,
				DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			req, _ := http.NewRequest(http.MethodGet, tg.url, nil)
			req.Host = tg.host
			lat := make([]time.Duration, 0, 1<<14)
			var errs []string
			for {
				t := time.Now()
				if !t.Before(until) {
					break
				}
				err := benchDo(client, req)
				d := time.Since(t)
				switch {
				case t.Before(from):
				case err != nil:
					errs = append(errs, err.Error())
				default:
					lat = append(lat, d)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.lat = append(res.lat, lat...)
			if len(errs) > 0 && res.firstErr == "" {
				res.firstErr = errs[0]
			}
			res.errors += len(errs)
		})
	}
	wg.Wait()
	c := <-cpu0
	res.proxyCPU, res.appCPU = benchCPU(tg.pid)-c[0], benchCPU(appPID)-c[1]
	res.appConns = <-upstream
	slices.Sort(res.lat)
	res.p50, res.p99 = benchPercentile(res.lat, 0.50), benchPercentile(res.lat, 0.99)
	return res
}

// benchDo sends req and reads the whole answer, which must be a 200.
func benchDo(client *http.Client, req *http.Request) error {
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// benchPercentile is the nearest-rank percentile of sorted.
func benchPercentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// benchExpectVersion checks that tg answers version.
func benchExpectVersion(tb testing.TB, tg benchTarget, version string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, tg.url, nil)
	req.Host = tg.host
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		tb.Fatalf("GET %s (%s): %v", tg.url, tg.name, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != version {
		tb.Fatalf("GET %s (%s) answered %d %q, want %s", tg.url, tg.name, res.StatusCode, body, version)
	}
}

func benchPrintProxy(rows []benchLoadResult, dur time.Duration, nginx string) {
	var w strings.Builder
	fmt.Fprintf(&w, "\nproxy: GET / of one test app container (body %q), closed loop, one keep-alive connection per client,\n", "v1\\n")
	fmt.Fprintf(&w, "%s warm-up then %s measured per row; %s; %s\n", benchWarmup, dur, benchMachine(), benchNginxVersion(nginx))
	fmt.Fprintf(&w, "CPU/req: CPU time the proxy process (nginx: master and workers) and the app container used per request;\n")
	fmt.Fprintf(&w, "app conns: TCP connections the proxy (direct: the load generator) held open to the app halfway through the row\n\n")
	fmt.Fprintf(&w, "%-7s %5s %9s %9s %9s %12s %12s %13s %11s %9s %7s\n",
		"target", "conns", "req/s", "p50", "p99", "+p50 direct", "+p99 direct", "proxy CPU/req", "app CPU/req", "app conns", "errors")
	for _, r := range rows {
		added50, added99, proxyCPU := "-", "-", "-"
		if r.target != "direct" {
			proxyCPU = benchPerReq(r.proxyCPU, len(r.lat))
			if r.addedP50 != 0 || r.addedP99 != 0 {
				added50, added99 = benchMicros(r.addedP50), benchMicros(r.addedP99)
			}
		}
		fmt.Fprintf(&w, "%-7s %5d %9.0f %9s %9s %12s %12s %13s %11s %9d %7d\n", r.target, r.conns, r.rps(),
			benchMicros(r.p50), benchMicros(r.p99), added50, added99, proxyCPU, benchPerReq(r.appCPU, len(r.lat)), r.appConns, r.errors)
	}
	fmt.Print(w.String() + "\n")
}

func benchMicros(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) + "µs" }

func benchPerReq(cpu time.Duration, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fµs", float64(cpu.Nanoseconds())/float64(n)/1e3)
}
