package drivertest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// verifyHost is the name a run reaches the test's server by, through
// RunSpec.Hosts.
const verifyHost = "verify-target.test"

// runner returns the driver as a driver.Runner, skipping the test for a
// driver that is not one.
func runner(t *testing.T, s *suite) (driver.Driver, driver.Runner) {
	t.Helper()
	d := s.newDriver(t)
	r, ok := d.(driver.Runner)
	if !ok {
		t.Skipf("the %s driver runs no one-off containers", d.Name())
	}
	return d, r
}

// target is a server on the host's loopback, as berth's proxy is, that
// answers GET /ready with "ready" and records the Host of each request.
type target struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hosts []string
	// hit, if set, is called in each request's handler.
	hit func(r *http.Request)
}

func newTarget(t *testing.T) *target {
	tg := &target{}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		tg.hosts = append(tg.hosts, r.Host)
		hit := tg.hit
		tg.mu.Unlock()
		if hit != nil {
			hit(r)
		}
		if r.URL.Path != "/ready" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

// spec is a run of the test app's probe against the target, by the name
// verifyHost.
func (tg *target) spec(s *suite, app string, env ...string) driver.RunSpec {
	_, port, _ := net.SplitHostPort(tg.srv.Listener.Addr().String())
	return driver.RunSpec{
		App: app, Service: "check", Revision: 4, Image: s.image, PullPolicy: driver.PullMissing,
		Command: []string{"-probe"},
		Env:     append([]string{"BERTH_TARGET_URL=http://" + verifyHost + ":" + port + "/", "PROBE_PATH=/ready"}, env...),
		Hosts:   map[string]string{verifyHost: "127.0.0.1"},
	}
}

func (tg *target) requestHosts() []string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]string(nil), tg.hosts...)
}

func testRunPasses(t *testing.T, s *suite) {
	d, r := runner(t, s)
	tg := newTarget(t)
	app := "run-" + randomHex(t, 4)
	res, err := r.Run(ctx(t), tg.spec(s, app, "EXPECT_BODY=ready"))
	if err != nil {
		t.Fatalf("Run: %v (output: %q)", err, res.Output)
	}
	if res.ExitCode != 0 || !strings.Contains(string(res.Output), "200 OK\nready\n") || res.Truncated {
		t.Fatalf("Run = exit %d, output %q (truncated %v); want 0 and the probe's 200 OK and body", res.ExitCode, res.Output, res.Truncated)
	}
	if hosts := tg.requestHosts(); len(hosts) != 1 || !strings.HasPrefix(hosts[0], verifyHost+":") {
		t.Errorf("the target got requests for hosts %q, want one for %s", hosts, verifyHost)
	}
	if insts, err := d.List(ctx(t), app); err != nil || len(insts) != 0 {
		t.Errorf("List after the run = %v, %v; want nothing", insts, err)
	}
}

func testRunFails(t *testing.T, s *suite) {
	_, r := runner(t, s)
	tg := newTarget(t)
	res, err := r.Run(ctx(t), tg.spec(s, "run-"+randomHex(t, 4), "EXPECT_BODY=something else"))
	if err != nil {
		t.Fatalf("Run: %v (output: %q)", err, res.Output)
	}
	if res.ExitCode != 1 || !strings.Contains(string(res.Output), `FAIL: the body does not contain "something else"`) {
		t.Fatalf("Run = exit %d, output %q; want 1 and the probe's FAIL", res.ExitCode, res.Output)
	}
}

func testRunTimeout(t *testing.T, s *suite) {
	d, r := runner(t, s)
	tg := newTarget(t)
	app := "run-" + randomHex(t, 4)
	release := make(chan struct{})
	listed := make(chan error, 1)
	tg.hit = func(r *http.Request) {
		// The run is up: List must not count it as a replica.
		insts, err := d.List(context.Background(), app)
		if err == nil && len(insts) > 0 {
			err = errors.New("List shows the run: " + insts[0].Name)
		}
		select {
		case listed <- err:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	defer close(release)
	c, cancel := context.WithTimeout(ctx(t), 8*time.Second)
	defer cancel()
	begun := time.Now()
	res, err := r.Run(c, tg.spec(s, app, "PROBE_TIMEOUT=10m"))
	if !errors.Is(err, context.DeadlineExceeded) || res.ExitCode != -1 {
		t.Fatalf("Run = exit %d, %v; want -1 and an error wrapping context.DeadlineExceeded", res.ExitCode, err)
	}
	if took := time.Since(begun); took > 30*time.Second {
		t.Errorf("Run returned %s after its context ended", took-8*time.Second)
	}
	select {
	case err := <-listed:
		if err != nil {
			t.Error(err)
		}
	default:
		t.Errorf("the run never reached the target; its output: %q", res.Output)
	}
}

func testRunImageMissing(t *testing.T, s *suite) {
	_, r := runner(t, s)
	spec := newTarget(t).spec(s, "run-"+randomHex(t, 4))
	spec.Image, spec.PullPolicy = s.env.Image(t, "v9"), driver.PullNever
	if _, err := r.Run(ctx(t), spec); !errors.Is(err, driver.ErrImage) {
		t.Fatalf("Run of an image the host lacks under pull policy never = %v, want ErrImage", err)
	}
}
