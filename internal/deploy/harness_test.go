package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/memory"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/seal"
)

// harness is a deploy engine on the in-memory driver behind a real edge
// proxy, with a registry of images of webApp.
type harness struct {
	t      *testing.T
	reg    *memory.Registry
	driver *memory.Driver
	proxy  *proxy.Proxy
	edge   *httptest.Server
	engine *deploy.Engine
	dir    string
	logs   *logRecorder
	// broken makes the images listed fail to start, for undo failures.
	broken sync.Map
	// starts counts the containers of each image that started.
	starts sync.Map // ref -> *atomic.Int64
}

// harnessOptions tune newHarness.
type harnessOptions struct {
	engine deploy.Options
	record []string // Compose keys the driver records without applying
	// noProxyAddr leaves engine.ProxyAddr empty; otherwise it is the
	// edge's address.
	noProxyAddr bool
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, reg: memory.NewRegistry(), dir: t.TempDir(), logs: &logRecorder{t: t}}
	log := slog.New(h.logs)
	h.driver = memory.New(h.reg, log, memory.Options{Record: o.record})
	h.proxy = proxy.New(proxy.Options{DrainTimeout: 5 * time.Second}, log)
	h.edge = httptest.NewServer(h.proxy)
	if o.engine.ProxyAddr == "" && !o.noProxyAddr {
		o.engine.ProxyAddr = h.edge.Listener.Addr().String()
	}
	if o.engine.ReadyTimeout == 0 {
		o.engine.ReadyTimeout = 10 * time.Second
	}
	if o.engine.ReconcileEvery == 0 {
		o.engine.ReconcileEvery = time.Hour
	}
	box, err := seal.Load(filepath.Join(h.dir, "secrets.key"), log)
	if err != nil {
		t.Fatal(err)
	}
	o.engine.Secrets = box
	h.start(o.engine)
	t.Cleanup(func() {
		h.stop()
		h.edge.Close()
		h.proxy.Close()
		h.removeAll()
		h.logs.check()
	})
	return h
}

// start opens the engine on the harness's data directory.
func (h *harness) start(o deploy.Options) {
	h.t.Helper()
	e, err := deploy.New(h.dir, h.driver, h.proxy, resolver{h.reg}, slog.New(h.logs), o)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.engine = e
}

// stop closes the engine, as a berth that stops does.
func (h *harness) stop() {
	if h.engine == nil {
		return
	}
	if err := h.engine.Close(); err != nil {
		h.t.Errorf("closing the engine: %v", err)
	}
	h.engine = nil
}

// removeAll removes every container left, so that no goroutine outlives
// the test.
func (h *harness) removeAll() {
	insts, err := h.driver.List(context.Background(), "")
	if err != nil {
		h.t.Error(err)
	}
	for _, i := range insts {
		_ = h.driver.Remove(context.Background(), i.ID)
	}
}

// image pushes a version of webApp as reg.test/<repo>:<tag>.
func (h *harness) image(repo, tag string) string {
	ref := "reg.test/" + repo
	h.reg.Push(ref, tag, memory.Image{Path: "/app", Program: h.webApp(ref + ":" + tag), Env: []string{"VERSION=" + tag}, Version: tag})
	return ref + ":" + tag
}

// breakImage makes containers of ref exit at once with 1 from now on.
func (h *harness) breakImage(ref string) { h.broken.Store(ref, true) }

// deploy deploys spec and waits for the rollout to end.
func (h *harness) deploy(spec string, env map[string]string) deploy.Revision {
	h.t.Helper()
	rev := h.deployDetached(spec, env)
	return h.wait(rev.App, rev.Number)
}

func (h *harness) deployDetached(spec string, env map[string]string) deploy.Revision {
	h.t.Helper()
	rev, err := h.engine.Deploy(ctx(h.t), deploy.Request{File: "compose.yaml", Spec: []byte(spec), Env: env, Actor: "test"})
	if err != nil {
		h.t.Fatalf("Deploy: %v", err)
	}
	return rev
}

// wait follows revision n of app to its end and returns it.
func (h *harness) wait(app string, n int) deploy.Revision {
	h.t.Helper()
	_, events, stop, err := h.engine.Follow(app, n)
	if err != nil {
		h.t.Fatal(err)
	}
	defer stop()
	deadline := time.After(60 * time.Second)
	for events != nil {
		select {
		case _, ok := <-events:
			if !ok {
				events = nil
			}
		case <-deadline:
			h.t.Fatalf("revision %d of %s did not end in 60s", n, app)
		}
	}
	revs, err := h.engine.History(app, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, r := range revs {
		if r.Number == n {
			return r
		}
	}
	h.t.Fatalf("revision %d of %s is not in its history", n, app)
	return deploy.Revision{}
}

// waitEvent waits until revision n of app has an event containing text.
func (h *harness) waitEvent(app string, n int, text string) {
	h.t.Helper()
	eventually(h.t, 30*time.Second, func() error {
		past, _, stop, err := h.engine.Follow(app, n)
		if err != nil {
			return err
		}
		stop()
		for _, e := range past {
			if strings.Contains(e.Message, text) {
				return nil
			}
		}
		return fmt.Errorf("no event of revision %d says %q yet", n, text)
	})
}

// get sends GET / for host through the proxy and returns the version
// that answered.
func (h *harness) get(host string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, h.edge.URL+"/", nil)
	if err != nil {
		return "", err
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return resp.Header.Get("X-Version"), nil
}

// load sends requests for host through the proxy until stopped, and
// counts what answered and what failed.
type load struct {
	ok, failed atomic.Int64
	versions   sync.Map // version -> *atomic.Int64
	errs       sync.Map // error text -> true
	stop       chan struct{}
	done       sync.WaitGroup
}

func (h *harness) load(host string, clients int) *load {
	l := &load{stop: make(chan struct{})}
	for range clients {
		l.done.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				v, err := h.get(host)
				if err != nil {
					l.failed.Add(1)
					l.errs.Store(err.Error(), true)
					continue
				}
				l.ok.Add(1)
				n, _ := l.versions.LoadOrStore(v, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		})
	}
	return l
}

// end stops the load and fails the test if any request failed.
func (l *load) end(t testing.TB) {
	t.Helper()
	close(l.stop)
	l.done.Wait()
	if n := l.failed.Load(); n > 0 {
		var errs []string
		l.errs.Range(func(k, _ any) bool { errs = append(errs, k.(string)); return true })
		t.Errorf("%d of %d requests failed: %s", n, n+l.ok.Load(), strings.Join(errs, "; "))
	}
	t.Logf("%d requests answered", l.ok.Load())
}

// resolver pins references in the in-memory registry.
type resolver struct{ reg *memory.Registry }

func (r resolver) Resolve(_ context.Context, ref string) (deploy.ServiceImage, error) {
	pinned, err := r.reg.Resolve(ref)
	if err != nil {
		return deploy.ServiceImage{}, err
	}
	_, digest, _ := strings.Cut(pinned, "@")
	return deploy.ServiceImage{Ref: ref, Image: pinned, Digest: digest}, nil
}

// webApp is the program of the harness's images: a web server on port
// 8080 that answers GET / with its VERSION after DELAY, and /healthz with
// 200 unless FAIL_HEALTH=1, FAIL_FIRST=1 for the image's first
// container, or once FAIL_HEALTH_AFTER has passed; FAIL_RATE=1 makes GET / answer 500. It listens only once
// LISTEN_AFTER has passed since it started, never with
// HANG_AFTER_FIRST=1 but for the image's first container.
// With -healthcheck it checks itself instead, and with -exit N it exits
// with N at once, as a job.
func (h *harness) webApp(ref string) memory.Program {
	return func(ctx context.Context, p *memory.Process) int {
		if len(p.Args) > 1 && p.Args[1] == "-healthcheck" {
			resp, err := http.Get("http://" + net.JoinHostPort(p.IP, "8080") + "/healthz")
			if err != nil {
				return 1
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return 1
			}
			return 0
		}
		if len(p.Args) > 2 && p.Args[1] == "-exit" {
			fmt.Fprintln(p.Stdout, "job done")
			code, _ := strconv.Atoi(p.Args[2])
			return code
		}
		if broken, _ := h.broken.Load(ref); broken != nil {
			fmt.Fprintln(p.Stdout, "cannot start")
			return 1
		}
		n, _ := h.starts.LoadOrStore(ref, new(atomic.Int64))
		nth := n.(*atomic.Int64).Add(1)
		// FAIL_FIRST=1 makes the first container of the image unhealthy.
		failHealth := p.Getenv("FAIL_HEALTH") == "1" || (p.Getenv("FAIL_FIRST") == "1" && nth == 1)
		failAfter, _ := time.ParseDuration(p.Getenv("FAIL_HEALTH_AFTER"))
		begun := time.Now()
		listenAfter, _ := time.ParseDuration(p.Getenv("LISTEN_AFTER"))
		if p.Getenv("HANG_AFTER_FIRST") == "1" && nth > 1 {
			listenAfter = time.Hour
		}
		select {
		case <-time.After(listenAfter):
		case <-ctx.Done():
			return 0
		}
		delay, _ := time.ParseDuration(p.Getenv("DELAY"))
		version := p.Getenv("VERSION")
		l, err := p.Listen(8080)
		if err != nil {
			fmt.Fprintln(p.Stdout, err)
			return 1
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			w.Header().Set("X-Version", version)
			if p.Getenv("FAIL_RATE") == "1" {
				http.Error(w, "failing on purpose", http.StatusInternalServerError)
				return
			}
			fmt.Fprintln(w, version)
		})
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
			if failHealth || (failAfter > 0 && time.Since(begun) > failAfter) {
				http.Error(w, "unhealthy", http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, "ok")
		})
		srv := &http.Server{Handler: mux}
		go func() { _ = srv.Serve(l) }()
		fmt.Fprintf(p.Stdout, "web %s listening on %s\n", version, l.Addr())
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return 1
		}
		return 0
	}
}

// logRecorder sends the engine's log to the test's and fails the test
// on an error it did not expect.
type logRecorder struct {
	t        *testing.T
	mu       sync.Mutex
	errors   []string
	expected []string // substrings of error messages a test expects
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	if r.Level >= slog.LevelError {
		l.mu.Lock()
		l.errors = append(l.errors, b.String())
		l.mu.Unlock()
	}
	return nil
}

// expect lets the test log an error containing text.
func (l *logRecorder) expect(text string) {
	l.mu.Lock()
	l.expected = append(l.expected, text)
	l.mu.Unlock()
}

// check fails the test on errors it did not expect.
func (l *logRecorder) check() {
	l.mu.Lock()
	defer l.mu.Unlock()
next:
	for _, e := range l.errors {
		for _, x := range l.expected {
			if strings.Contains(e, x) {
				continue next
			}
		}
		l.t.Errorf("the engine logged an error: %s", e)
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// eventually polls check until it returns nil or wait has passed.
func eventually(t testing.TB, wait time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", wait, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running lists the running containers of app's service.
func (h *harness) running(app, service string) []driver.Instance {
	h.t.Helper()
	insts, err := h.driver.List(ctx(h.t), app)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []driver.Instance
	for _, i := range insts {
		if i.Service == service && i.Running() {
			out = append(out, i)
		}
	}
	return out
}

var errNotYet = errors.New("not yet")
