package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testapp"
)

// BenchmarkDeployTime times `berth deploy` of a new version of a
// 3-replica app whose health check passes at once, from the start of the
// command until the proxy stops answering from the old version, with a
// poller sending requests through the proxy all along.
func BenchmarkDeployTime(b *testing.B) {
	requireDocker(b)
	runs := benchEnvInt(b, "BENCH_RUNS", 3)
	// Debug logs time each container's start, stop and removal.
	srv := startBerth(b, b.TempDir(), append(benchQuiet(b), "--log-level", "debug")...)
	builder := testapp.NewBuilder(b.TempDir())
	repo := srv.addr + "/bench/deploy"
	for _, v := range []string{"v1", "v2"} {
		// On the host already, as after a first deploy: no pull is timed.
		run(b, "docker", "pull", builder.Build(b, srv.addr, "bench/deploy", v))
	}
	cases := []struct{ name, strategy, update string }{
		{"rolling", "rolling", "{parallelism: 1, delay: 0s, order: start-first, monitor: 0s}"},
		{"blue-green", "blue-green", "{parallelism: 1, delay: 0s, monitor: 0s}"},
	}
	var rows []benchDeployRow
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var timings []benchDeployTiming
			for i := range runs {
				tm := benchTimeDeploy(b, srv, repo, c.strategy, c.update)
				timings = append(timings, tm)
				rows = append(rows, benchDeployRow{name: c.name, run: strconv.Itoa(i + 1), t: tm})
			}
			med := benchMedianTiming(timings)
			// The first run shows where the time goes; so does any run
			// much slower than the others.
			for i, tm := range timings {
				if i == 0 || tm.lastOld > med.lastOld*3/2 {
					b.Logf("run %d of the %s deploy of v2 (ms since `berth deploy` started), as it printed it:\n%s\nberth's log meanwhile:\n%s",
						i+1, c.strategy, tm.printed, tm.berthLog)
				}
			}
			rows = append(rows, benchDeployRow{name: c.name, run: "median", t: med})
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(med.firstNew.Milliseconds()), "first-new-ms")
			b.ReportMetric(float64(med.lastOld.Milliseconds()), "last-old-ms")
			b.ReportMetric(float64(med.exit.Milliseconds()), "cli-exit-ms")
		})
	}
	benchPrintDeploy(rows)
	benchLogProblems(b, srv)
}

// benchDeployTiming is one timed deploy; the durations count from the
// start of `berth deploy`.
type benchDeployTiming struct {
	firstNew, lastOld, exit time.Duration
	requests, failed        int
	firstErr                string
	printed, berthLog       string // what berth deploy and berth serve printed, with times
}

type benchDeployRow struct {
	name, run string
	t         benchDeployTiming
}

// benchTimeDeploy deploys v1 of a new app, then times the deploy of v2.
func benchTimeDeploy(tb testing.TB, srv *berth, repo, strategy, update string) benchDeployTiming {
	tb.Helper()
	app := newBenchApp(tb, srv)
	defer app.remove()
	app.deploy(app.spec(repo+":v1", 3, strategy, update))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := app.cmdContext(ctx, "deploy", "-f", app.spec(repo+":v2", 3, strategy, update))
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	p := benchStartPoller(srv.proxy, app.host, "v1", "v2")
	time.Sleep(500 * time.Millisecond)

	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		p.finish()
		tb.Fatal(err)
	}
	var timeline strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		fmt.Fprintf(&timeline, "%+7dms  %s\n", time.Since(t0).Milliseconds(), sc.Text())
	}
	err = cmd.Wait()
	exit := time.Since(t0)
	if err != nil {
		p.finish()
		tb.Fatalf("berth deploy of v2 (%s): %v\n%s\nberth log:\n%s", strategy, err, timeline.String(), srv.output())
	}
	time.Sleep(2 * time.Second) // long enough to see an old version answer again
	tm := p.finish()
	if tm.firstNew.IsZero() || tm.lastOld.IsZero() {
		tb.Fatalf("the poller did not see both versions (v1 last at %v, v2 first at %v):\n%s", tm.lastOld, tm.firstNew, timeline.String())
	}
	return benchDeployTiming{firstNew: tm.firstNew.Sub(t0), lastOld: tm.lastOld.Sub(t0), exit: exit,
		requests: tm.requests, failed: tm.failed, firstErr: tm.firstErr,
		printed: timeline.String(), berthLog: benchLogSince(srv, t0, t0.Add(exit))}
}

// benchPoller sends GET / for host through the proxy from a few clients,
// each on a keep-alive connection, and notes when versions answer.
type benchPoller struct {
	oldV, newV string
	stop       chan struct{}
	wg         sync.WaitGroup

	mu   sync.Mutex
	seen benchSeen
}

type benchSeen struct {
	firstNew, lastOld time.Time
	requests, failed  int
	firstErr          string
}

// benchPollEvery is each poller client's pace: 4 clients, about 800
// requests a second, enough to place a switch within a couple of
// milliseconds without loading the machine the deploy runs on.
const benchPollEvery = 5 * time.Millisecond

func benchStartPoller(proxyAddr, host, oldV, newV string) *benchPoller {
	p := &benchPoller{oldV: oldV, newV: newV, stop: make(chan struct{})}
	for range 4 {
		p.wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1, IdleConnTimeout: time.Second}}
			defer client.CloseIdleConnections()
			tick := time.NewTicker(benchPollEvery)
			defer tick.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-tick.C:
				}
				p.poll(client, proxyAddr, host)
			}
		})
	}
	return p
}

func (p *benchPoller) poll(client *http.Client, proxyAddr, host string) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+proxyAddr+"/", nil)
	req.Host = host
	res, err := client.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	now := time.Now()
	version := strings.TrimSpace(string(body))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen.requests++
	switch {
	case err == nil && res.StatusCode == http.StatusOK && version == p.newV:
		if p.seen.firstNew.IsZero() || now.Before(p.seen.firstNew) {
			p.seen.firstNew = now
		}
	case err == nil && res.StatusCode == http.StatusOK && version == p.oldV:
		if now.After(p.seen.lastOld) {
			p.seen.lastOld = now
		}
	default:
		p.seen.failed++
		if p.seen.firstErr == "" {
			if err != nil {
				p.seen.firstErr = err.Error()
			} else {
				p.seen.firstErr = fmt.Sprintf("%d %q", res.StatusCode, version)
			}
		}
	}
}

// finish stops the poller and returns what it saw.
func (p *benchPoller) finish() benchSeen {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen
}

// benchMedian is the median of ds, -1 for none.
func benchMedian(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return -1
	}
	ds = slices.Sorted(slices.Values(ds))
	if n := len(ds); n%2 == 0 {
		return (ds[n/2-1] + ds[n/2]) / 2
	}
	return ds[len(ds)/2]
}

func benchMedianTiming(ts []benchDeployTiming) benchDeployTiming {
	pick := func(f func(benchDeployTiming) time.Duration) time.Duration {
		ds := make([]time.Duration, 0, len(ts))
		for _, t := range ts {
			ds = append(ds, f(t))
		}
		return benchMedian(ds)
	}
	var m benchDeployTiming
	m.firstNew = pick(func(t benchDeployTiming) time.Duration { return t.firstNew })
	m.lastOld = pick(func(t benchDeployTiming) time.Duration { return t.lastOld })
	m.exit = pick(func(t benchDeployTiming) time.Duration { return t.exit })
	for _, t := range ts {
		m.requests += t.requests
		m.failed += t.failed
	}
	return m
}

func benchPrintDeploy(rows []benchDeployRow) {
	var w strings.Builder
	fmt.Fprintf(&w, "\ndeploy: v1 -> v2 of a 3-replica app, image already on the host, health GET /healthz every 250ms\n")
	fmt.Fprintf(&w, "(healthy_threshold 1, passes at once); rolling: parallelism 1, delay 0s, order start-first, monitor 0s;\n")
	fmt.Fprintf(&w, "blue-green: monitor 0s; times from the start of `berth deploy`; a poller sends GET / through the proxy\n")
	fmt.Fprintf(&w, "every %s from 4 keep-alive clients (median row: sums of requests and failures); overlap: while both\n", benchPollEvery)
	fmt.Fprintf(&w, "versions answered (last v1 - first v2; negative: none answered in between); %s\n\n", benchMachine())
	fmt.Fprintf(&w, "%-11s %-6s %15s %14s %8s %12s %9s %7s\n",
		"strategy", "run", "first v2 answer", "last v1 answer", "overlap", "deploy exits", "requests", "failed")
	for _, r := range rows {
		fmt.Fprintf(&w, "%-11s %-6s %15s %14s %8s %12s %9d %7d", r.name, r.run, benchMillis(r.t.firstNew),
			benchMillis(r.t.lastOld), benchMillis(r.t.lastOld-r.t.firstNew), benchMillis(r.t.exit), r.t.requests, r.t.failed)
		if r.t.firstErr != "" {
			fmt.Fprintf(&w, "  first failure: %s", r.t.firstErr)
		}
		w.WriteString("\n")
	}
	fmt.Print(w.String() + "\n")
}

// benchLogSince is berth's log from from to until, each line led by
// its time in ms since from.
func benchLogSince(srv *berth, from, until time.Time) string {
	var w strings.Builder
	for line := range strings.SplitSeq(srv.output(), "\n") {
		v, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, v)
		if err != nil || at.Before(from.Truncate(time.Millisecond)) || at.After(until) {
			continue
		}
		_, msg, _ := strings.Cut(line, " level=")
		fmt.Fprintf(&w, "%+7dms  level=%s\n", at.Sub(from).Milliseconds(), msg)
	}
	return w.String()
}

// benchLogProblems logs the warnings and errors berth logged.
func benchLogProblems(tb testing.TB, srv *berth) {
	var w strings.Builder
	for line := range strings.SplitSeq(srv.output(), "\n") {
		if strings.Contains(line, " level=WARN ") || strings.Contains(line, " level=ERROR ") {
			w.WriteString(line + "\n")
		}
	}
	if w.Len() > 0 {
		tb.Logf("berth logged warnings or errors:\n%s", w.String())
	}
}

func benchMillis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + "ms" }
