package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/proxyctl"
	"github.com/berth-dev/berth/internal/testapp"
)

// The berth binary the process tests run, built once when the first of
// them asks, and removed after the package's tests.
var berthBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if berthBuild.dir != "" {
		os.RemoveAll(berthBuild.dir)
	}
	os.Exit(code)
}

// berthBinary builds berth, once.
func berthBinary(t testing.TB) string {
	t.Helper()
	berthBuild.once.Do(func() {
		if berthBuild.dir, berthBuild.err = os.MkdirTemp("", "berth-cli-test"); berthBuild.err != nil {
			return
		}
		berthBuild.bin, berthBuild.err = testapp.BuildBerth(berthBuild.dir)
	})
	if berthBuild.err != nil {
		t.Fatal(berthBuild.err)
	}
	return berthBuild.bin
}

// lockedBuffer is a log that a process writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proxyProcess is a `berth proxy` the test started.
type proxyProcess struct {
	cmd    *exec.Cmd
	log    *lockedBuffer
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// startProxyProcess starts `berth proxy` on data, serving on the
// listening socket ln (inherited as fd 3), and waits until it answers on
// its control socket. It is killed when the test ends, if still running.
func startProxyProcess(t testing.TB, data string, ln *os.File) *proxyProcess {
	t.Helper()
	pp := &proxyProcess{log: &lockedBuffer{}, exited: make(chan struct{})}
	pp.cmd = exec.Command(berthBinary(t), "proxy", "--data", data, "--drain-timeout", "5s", "--log-level", "debug")
	pp.cmd.ExtraFiles = []*os.File{ln}
	pp.cmd.Env = append(os.Environ(), EnvProxyListenerFD+"=3")
	pp.cmd.Stdout, pp.cmd.Stderr = pp.log, pp.log
	pp.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := pp.cmd.Start(); err != nil {
		t.Fatalf("starting berth proxy: %v", err)
	}
	go func() {
		pp.err = pp.cmd.Wait()
		close(pp.exited)
	}()
	t.Cleanup(func() {
		pp.cmd.Process.Kill()
		<-pp.exited
		if t.Failed() {
			t.Logf("berth proxy (pid %d) log:\n%s", pp.cmd.Process.Pid, pp.log)
		}
	})
	c := proxyctl.Dial(controlPathOf(data))
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := c.Info(context.Background())
		if err == nil && info.PID == pp.cmd.Process.Pid {
			return pp
		}
		select {
		case <-pp.exited:
			t.Fatalf("berth proxy exited as it started: %v\n%s", pp.err, pp.log)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("berth proxy did not answer on its control socket: %v\n%s", err, pp.log)
		}
	}
}

// wait waits until the process exits and returns Wait's error.
func (pp *proxyProcess) wait(t testing.TB) error {
	t.Helper()
	select {
	case <-pp.exited:
		return pp.err
	case <-time.After(30 * time.Second):
		t.Fatalf("berth proxy (pid %d) did not exit\n%s", pp.cmd.Process.Pid, pp.log)
		return nil
	}
}

func controlPathOf(data string) string { return filepath.Join(data, "proxy", "control.sock") }

// heldSocket listens on loopback and returns a file of the socket that
// the test holds, so that connections wait in its backlog while no proxy
// accepts. The file is a plain duplicate: passing it to a child through
// ExtraFiles leaves the socket non-blocking for the proxy serving on it.
func heldSocket(t testing.TB) (*os.File, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rc, err := l.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = syscall.Dup(int(s)) }); err != nil || derr != nil {
		t.Fatal(err, derr)
	}
	syscall.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "held-socket")
	t.Cleanup(func() { f.Close() })
	return f, l.Addr().String()
}

// shortTempDir is a temporary directory with a short path, since the
// control socket's path must fit in about a hundred bytes.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// appBackend is an app behind the proxy: it answers with its name (after
// ?sleep=D, if asked, signalling the request as it arrives), and /up
// with 200 unless down is set.
type appBackend struct {
	proxy.Backend
	down    atomic.Bool
	arrived chan string
}

func startAppBackend(t testing.TB, name string) *appBackend {
	t.Helper()
	b := &appBackend{arrived: make(chan string, 64)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/up" {
			if b.down.Load() {
				w.WriteHeader(http.StatusInternalServerError)
			}
			return
		}
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			b.arrived <- r.URL.String()
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	b.Backend = proxy.Backend{ID: name, Addr: srv.Listener.Addr().String()}
	return b
}

// appGet sends a GET for host to the proxy socket at addr, on a
// connection of its own, and returns the status and body.
func appGet(addr, host, path string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Host = host
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// mustAppGet is appGet that fails the test on an error.
func mustAppGet(t testing.TB, addr, host, path string) (int, string) {
	t.Helper()
	status, body, err := appGet(addr, host, path)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// savedProxyState reads the state file of the proxy of data, or the
// zero State while there is none.
func savedProxyState(t testing.TB, data string) proxy.State {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(data, "proxy", "state.json"))
	if err != nil {
		return proxy.State{}
	}
	s, err := proxy.ParseState(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFor polls cond for up to ten seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAKilledProxyProcessComesBackWithItsRoutesAndHealth(t *testing.T) {
	data := shortTempDir(t)
	ln, addr := heldSocket(t)
	first := startProxyProcess(t, data, ln)
	ctl := proxyctl.Dial(controlPathOf(data))
	defer ctl.Close()
	a, b := startAppBackend(t, "a"), startAppBackend(t, "b")
	b.down.Store(true)
	err := ctl.Set(proxy.Route{Host: "shop.local",
		Health: proxy.HealthCheck{Path: "/up", Interval: 20 * time.Millisecond, UnhealthyThreshold: 2},
		Sets:   []proxy.Set{{Name: "blue", Revision: 1, Weight: 100, Backends: []proxy.Backend{a.Backend, b.Backend}}}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to be saved as down", func() bool {
		for _, bs := range savedProxyState(t, data).Backends {
			if bs.ID == "b" && !bs.Healthy {
				return true
			}
		}
		return false
	})
	for range 5 {
		if status, body := mustAppGet(t, addr, "shop.local", "/"); status != http.StatusOK || body != "a" {
			t.Fatalf("answered %d %q, want a", status, body)
		}
	}
	waitFor(t, "the requests to be saved", func() bool {
		var n uint32
		for _, st := range savedProxyState(t, data).Stats {
			for _, sec := range st.Seconds {
				n += sec.Requests
			}
		}
		return n == 5
	})

	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	first.wait(t)
	// A request while no proxy runs waits in the socket's backlog.
	killed := time.Now()
	type answer struct {
		status int
		body   string
		err    error
		at     time.Time
	}
	queued := make(chan answer, 1)
	go func() {
		status, body, err := appGet(addr, "shop.local", "/")
		queued <- answer{status, body, err, time.Now()}
	}()
	time.Sleep(50 * time.Millisecond)
	spawned := time.Now()
	second := startProxyProcess(t, data, ln)
	ready := time.Now()

	t.Run("a request made while no proxy ran is answered from the saved routes", func(t *testing.T) {
		got := <-queued
		if got.err != nil || got.status != http.StatusOK || got.body != "a" {
			t.Fatalf("the queued request: %d %q %v, want a", got.status, got.body, got.err)
		}
		t.Logf("gap: a request made 50ms after the kill was answered %v after it; the new proxy answered on its control socket %v after it was started, and the request %v after that",
			got.at.Sub(killed).Round(time.Millisecond), ready.Sub(spawned).Round(time.Millisecond), got.at.Sub(ready).Round(time.Millisecond))
	})
	t.Run("the health is as it was: the down backend stays out", func(t *testing.T) {
		if healthy, known := ctl.Healthy("b"); healthy || !known {
			t.Fatalf("Healthy(b) = %v, %v, want down and known", healthy, known)
		}
		for range 20 {
			if status, body := mustAppGet(t, addr, "shop.local", "/"); status != http.StatusOK || body != "a" {
				t.Fatalf("answered %d %q, want a", status, body)
			}
		}
	})
	t.Run("the stats go on from before the kill", func(t *testing.T) {
		if st := ctl.Stats("shop.local", "blue", 1, time.Minute); st.Requests < 5+1+20 {
			t.Fatalf("stats %+v, want the requests before the kill counted too", st)
		}
	})
	t.Run("the pid file names the new process", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(data, "proxy", "pid"))
		if err != nil || strings.TrimSpace(string(raw)) != strconv.Itoa(second.cmd.Process.Pid) {
			t.Fatalf("pid file %q, %v, want %d", raw, err, second.cmd.Process.Pid)
		}
	})
	t.Run("its files are private", func(t *testing.T) {
		for name, want := range map[string]os.FileMode{"": 0o700, "state.json": 0o600, "control.sock": 0o600} {
			fi, err := os.Stat(filepath.Join(data, "proxy", name))
			if err != nil || fi.Mode().Perm() != want {
				t.Fatalf("proxy/%s: %v, %v, want mode %v", name, fi.Mode(), err, want)
			}
		}
	})
}

func TestProxyProcessesHandOver(t *testing.T) {
	data := shortTempDir(t)
	ln, addr := heldSocket(t)
	first := startProxyProcess(t, data, ln)
	ctl := proxyctl.Dial(controlPathOf(data))
	defer ctl.Close()
	slow := startAppBackend(t, "slow")
	if err := ctl.Set(proxy.Route{Host: "shop.local", Sets: []proxy.Set{{Name: "blue", Revision: 1, Weight: 100, Backends: []proxy.Backend{slow.Backend}}}}); err != nil {
		t.Fatal(err)
	}
	// A slow request in flight on the first process, the only one
	// accepting yet.
	inFlight := func(t *testing.T, pause time.Duration) <-chan string {
		t.Helper()
		done := make(chan string, 1)
		go func() {
			status, body, err := appGet(addr, "shop.local", "/?sleep="+pause.String())
			done <- fmt.Sprint(status, " ", body, " ", err)
		}()
		select {
		case <-slow.arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow request did not arrive")
		}
		return done
	}
	firstRequest := inFlight(t, time.Second)
	if err := ctl.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The socket the second process gets is the one the first hands out.
	handed, err := ctl.Listener(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer handed.Close()
	second := startProxyProcess(t, data, handed)

	t.Run("the second process takes the control path", func(t *testing.T) {
		info, err := ctl.Info(context.Background())
		if err != nil || info.PID != second.cmd.Process.Pid || info.Routes != 1 {
			t.Fatalf("Info = %+v, %v, want the second process (pid %d) with the route", info, err, second.cmd.Process.Pid)
		}
		if err := ctl.Set(proxy.Route{Host: "new.local", Sets: []proxy.Set{{Name: "blue", Weight: 100, Backends: []proxy.Backend{slow.Backend}}}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the first drains its request in flight on SIGTERM and exits", func(t *testing.T) {
		waitFor(t, "the second process to save its routes", func() bool { return len(savedProxyState(t, data).Routes) == 2 })
		if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if got := <-firstRequest; got != "200 slow <nil>" {
			t.Fatalf("the request in flight on the retiring process got %q", got)
		}
		if err := first.wait(t); err != nil {
			t.Fatalf("the first process exited with %v, want 0", err)
		}
	})
	t.Run("the first left the state file to the second", func(t *testing.T) {
		if rs := savedProxyState(t, data).Routes; len(rs) != 2 {
			t.Fatalf("routes saved %+v, want the second process's two: the first wrote its own over them", rs)
		}
	})
	t.Run("the second keeps serving", func(t *testing.T) {
		for range 10 {
			if status, body := mustAppGet(t, addr, "new.local", "/"); status != http.StatusOK || body != "slow" {
				t.Fatalf("answered %d %q, want the route set on the second process", status, body)
			}
		}
	})
	t.Run("a retire over the socket drains and returns once the process is gone", func(t *testing.T) {
		request := inFlight(t, 500*time.Millisecond)
		if err := ctl.Retire(context.Background(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		select {
		case <-second.exited:
		case <-time.After(2 * time.Second):
			t.Fatal("Retire returned and the process still runs")
		}
		if second.err != nil {
			t.Fatalf("the retired process exited with %v, want 0", second.err)
		}
		if got := <-request; got != "200 slow <nil>" {
			t.Fatalf("the request in flight on the retired process got %q", got)
		}
		for _, name := range []string{"pid", "control.sock"} {
			if _, err := os.Stat(filepath.Join(data, "proxy", name)); !os.IsNotExist(err) {
				t.Fatalf("proxy/%s left after a clean exit: %v", name, err)
			}
		}
		if rs := savedProxyState(t, data).Routes; len(rs) != 2 {
			t.Fatalf("routes saved %+v, want both", rs)
		}
	})
}

func TestAProxyProcessWithACorruptStateStartsEmpty(t *testing.T) {
	data := shortTempDir(t)
	if err := os.MkdirAll(filepath.Join(data, "proxy"), 0o700); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(data, "proxy", "state.json")
	if err := os.WriteFile(state, []byte(`{"version":1,"routes":[{"host":`), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, addr := heldSocket(t)
	pp := startProxyProcess(t, data, ln)
	if status, _ := mustAppGet(t, addr, "shop.local", "/"); status != http.StatusNotFound {
		t.Fatalf("answered %d without routes, want 404", status)
	}
	aside, _ := filepath.Glob(state + ".corrupt-*")
	if len(aside) != 1 || !strings.Contains(pp.log.String(), "moved it aside") {
		t.Fatalf("moved aside: %v; log:\n%s", aside, pp.log)
	}
}

func TestASecondSignalStopsTheProxyProcessAtOnce(t *testing.T) {
	data := shortTempDir(t)
	ln, addr := heldSocket(t)
	pp := startProxyProcess(t, data, ln)
	ctl := proxyctl.Dial(controlPathOf(data))
	defer ctl.Close()
	slow := startAppBackend(t, "slow")
	if err := ctl.Set(proxy.Route{Host: "shop.local", Sets: []proxy.Set{{Name: "blue", Weight: 100, Backends: []proxy.Backend{slow.Backend}}}}); err != nil {
		t.Fatal(err)
	}
	go appGet(addr, "shop.local", "/?sleep=1m")
	<-slow.arrived
	if err := pp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the proxy to start retiring", func() bool { return strings.Contains(pp.log.String(), "draining requests in flight") })
	if err := pp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exit *exec.ExitError
	if err := pp.wait(t); !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exited with %v after a second signal, want status 1 before the request in flight ended", err)
	}
}

func TestARetiringProxyProcessHandsOverToOneThatTakesThePath(t *testing.T) {
	data := shortTempDir(t)
	ln, addr := heldSocket(t)
	first := startProxyProcess(t, data, ln)
	ctl := proxyctl.Dial(controlPathOf(data))
	defer ctl.Close()
	slow := startAppBackend(t, "slow")
	if err := ctl.Set(proxy.Route{Host: "shop.local", Sets: []proxy.Set{{Name: "blue", Weight: 100, Backends: []proxy.Backend{slow.Backend}}}}); err != nil {
		t.Fatal(err)
	}
	request := make(chan string, 1)
	go func() {
		status, body, err := appGet(addr, "shop.local", "/?sleep=1s")
		request <- fmt.Sprint(status, " ", body, " ", err)
	}()
	<-slow.arrived
	// The first stops accepting and drains; a second starts meanwhile,
	// from the state the first saved, and takes the control path.
	retired := make(chan error, 1)
	go func() { retired <- ctl.Retire(context.Background(), 5*time.Second) }()
	waitFor(t, "the first to stop accepting", func() bool { return strings.Contains(first.log.String(), "draining requests in flight") })
	second := startProxyProcess(t, data, ln)

	if got := <-request; got != "200 slow <nil>" {
		t.Fatalf("the request in flight on the retiring process got %q", got)
	}
	select {
	case err := <-retired:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Retire still waits after the first process drained")
	}
	if err := first.wait(t); err != nil {
		t.Fatalf("the first process exited with %v, want 0", err)
	}
	for range 10 {
		if status, body := mustAppGet(t, addr, "shop.local", "/"); status != http.StatusOK || body != "slow" {
			t.Fatalf("answered %d %q after the handover, want slow", status, body)
		}
	}
	if info, err := ctl.Info(context.Background()); err != nil || info.PID != second.cmd.Process.Pid {
		t.Fatalf("Info = %+v, %v, want the second process", info, err)
	}
}

func TestARetiringProxyProcessExitsThoughItsSocketWasMadeBlocking(t *testing.T) {
	data := shortTempDir(t)
	ln, addr := heldSocket(t)
	pp := startProxyProcess(t, data, ln)
	ctl := proxyctl.Dial(controlPathOf(data))
	defer ctl.Close()
	app := startAppBackend(t, "app")
	if err := ctl.Set(proxy.Route{Host: "shop.local", Sets: []proxy.Set{{Name: "blue", Weight: 100, Backends: []proxy.Backend{app.Backend}}}}); err != nil {
		t.Fatal(err)
	}
	// What the Fd of a file from net's File does to the socket that all
	// its descriptors share, as exec.Cmd.ExtraFiles calls it.
	rc, err := ln.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	// The proxy accepts this one, and its next accept blocks in the
	// kernel.
	if status, body := mustAppGet(t, addr, "shop.local", "/"); status != http.StatusOK || body != "app" {
		t.Fatalf("answered %d %q", status, body)
	}
	signalled := time.Now()
	if err := pp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := pp.wait(t); err != nil {
		t.Fatalf("exited with %v, want 0", err)
	}
	t.Logf("exited %v after SIGTERM, with a drain timeout of 5s", time.Since(signalled).Round(time.Millisecond))
}
