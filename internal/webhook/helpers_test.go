package webhook

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

const secret = "0123456789abcdef-test-secret"

var epoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// fakeClock moves its time forward when asked to sleep instead of
// waiting. A frozen one waits for the context to end instead.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	frozen bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		return err
	}
	if c.frozen {
		<-ctx.Done()
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// logBuffer collects log lines from concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is a real store, bus and logger for dispatchers under test.
type fixture struct {
	t     testing.TB
	db    *meta.DB
	bus   *events.Bus
	clock *fakeClock
	logs  *logBuffer
	log   *slog.Logger
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := meta.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &logBuffer{}
	return &fixture{
		t: t, db: db, bus: events.NewBus(), clock: &fakeClock{now: epoch}, logs: logs,
		log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// start runs a dispatcher for hooks on a new subscription until stop is
// called or the test ends; stop returns what Run returned.
func (f *fixture) start(hooks []config.Webhook, opts Options) (stop func() error) {
	return f.startWith(f.bus.Subscribe(64), hooks, opts)
}

func (f *fixture) startWith(sub *events.Subscription, hooks []config.Webhook, opts Options) (stop func() error) {
	f.t.Helper()
	if opts.Clock == nil {
		opts.Clock = f.clock
	}
	d := New(hooks, f.db, nil, f.log, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, sub) }()
	stop = sync.OnceValue(func() error {
		cancel()
		defer sub.Close()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			f.t.Error("Run did not return after its context ended")
			return nil
		}
	})
	f.t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls the store until cond holds for its deliveries, newest
// first, and returns them.
func (f *fixture) waitFor(what string, cond func([]meta.Delivery) bool) []meta.Delivery {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ds, err := f.db.Deliveries(0, "")
		if err != nil {
			f.t.Fatal(err)
		}
		if cond(ds) {
			return ds
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; deliveries: %+v", what, ds)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// finished holds when there are n deliveries and none is pending.
func finished(n int) func([]meta.Delivery) bool {
	return func(ds []meta.Delivery) bool {
		for _, d := range ds {
			if d.State == meta.DeliveryPending {
				return false
			}
		}
		return len(ds) == n
	}
}

func (f *fixture) count(logLine string) int { return strings.Count(f.logs.String(), logLine) }

func hook(name, url string) config.Webhook {
	return config.Webhook{Name: name, URL: url, Secret: secret}
}

func event(action, repo, tag string) events.Event {
	return events.Event{
		ID: events.NewID(), Time: epoch, Action: action, Repository: repo, Tag: tag,
		Digest:    "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
		MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 512, Actor: "ci",
	}
}

// stall is a status that makes a receiver hang until the client gives up.
const stall = 0

// receiver is a webhook endpoint that checks signatures and keeps what it
// got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []request
	inFlight int
	most     int // the most requests handled at once
}

type request struct {
	header   http.Header
	body     []byte
	verified error
}

// newReceiver answers the n-th request (from 0) with statuses[n], or the
// last status once they run out.
func newReceiver(t testing.TB, statuses ...int) *receiver {
	t.Helper()
	rc := unstartedReceiver(t, 0, statuses...)
	rc.Start()
	return rc
}

// newSlowReceiver is a receiver that takes delay to answer.
func newSlowReceiver(t testing.TB, delay time.Duration, statuses ...int) *receiver {
	t.Helper()
	rc := unstartedReceiver(t, delay, statuses...)
	rc.Start()
	return rc
}

// unstartedReceiver is a receiver whose handler a test may wrap before
// calling Start.
func unstartedReceiver(t testing.TB, delay time.Duration, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, request{
			header: r.Header.Clone(), body: body,
			verified: Verify(secret, r.Header.Get(HeaderTimestamp), body, r.Header.Get(HeaderSignature)),
		})
		rc.inFlight++
		rc.most = max(rc.most, rc.inFlight)
		rc.mu.Unlock()
		defer func() {
			rc.mu.Lock()
			rc.inFlight--
			rc.mu.Unlock()
		}()
		time.Sleep(delay)
		status := statuses[min(n, len(statuses)-1)]
		if status == stall {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

// noGoroutinesLeft fails if any goroutine of a dispatcher is still running.
func noGoroutinesLeft(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		leaked := strings.Contains(stacks, "webhook.(*run)") || strings.Contains(stacks, "webhook.(*Dispatcher)")
		if !leaked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dispatcher goroutines left running:\n%s", stacks)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
