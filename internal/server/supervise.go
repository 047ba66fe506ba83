package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/proxyctl"
	"github.com/berth-dev/berth/internal/version"
)

// processEdge is the edge proxy running as a process of its own (berth
// proxy), so that apps stay reachable while berth serve restarts, is
// upgraded or is down. It starts the proxy, or adopts the one a previous
// berth serve left running; holds a duplicate of its listening socket,
// so that connections wait in the socket's backlog rather than being
// refused while a proxy restarts; starts a new proxy when the one
// serving dies; and hands over to a proxy of its own binary when the
// running one is another build.
//
// Route changes are held back while a handover saves the old proxy's
// state and the new one loads it, so that none is lost between them.
type processEdge struct {
	cfg     config.Config
	command []string // berth's binary and "proxy"
	log     *slog.Logger
	ctl     *proxyctl.Client
	ln      *os.File // the listening socket's duplicate
	addr    net.Addr

	handing sync.RWMutex // held for writing while a proxy takes over

	// otherBuild says the adopted proxy runs another build than this
	// process, and Upgrade should hand over to this one.
	otherBuild bool

	mu      sync.Mutex
	pid     int           // the process serving
	exited  chan struct{} // closes when it exits, for one this process started
	stopped bool          // Shutdown or Leave ran: no restarts
	done    chan struct{} // closes when supervision ends
	stop    context.CancelFunc
}

// Paths of a proxy process's files under the data directory.
func proxyDir(dataDir string) string    { return filepath.Join(dataDir, "proxy") }
func controlPath(dataDir string) string { return filepath.Join(proxyDir(dataDir), "control.sock") }

// proxyReadyTimeout bounds how long a proxy may take to answer on its
// control socket after it was started.
const proxyReadyTimeout = 30 * time.Second

// startProcessEdge adopts the proxy that serves, if one does, or starts
// one; ln, if not nil, is the listening socket an upgrade handed over.
func startProcessEdge(ctx context.Context, cfg config.Config, command []string, ln *os.File, log *slog.Logger) (*processEdge, error) {
	if err := os.MkdirAll(proxyDir(cfg.DataDir), 0o700); err != nil {
		return nil, fmt.Errorf("creating the proxy's directory: %w", err)
	}
	e := &processEdge{cfg: cfg, command: command, log: log, ctl: proxyctl.Dial(controlPath(cfg.DataDir)), ln: ln,
		done: make(chan struct{})}
	ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
	info, err := e.ctl.Info(ictx)
	cancel()
	switch {
	case err == nil && !sameAddress(info.Listen, cfg.ProxyListen):
		log.Warn("the running proxy serves another address than proxy_listen: starting one on the new address",
			"running", info.Listen, "proxy_listen", cfg.ProxyListen, "pid", info.PID)
		if err := e.bind(); err != nil {
			return nil, err
		}
		if err := e.replace(ctx, info.PID); err != nil {
			return nil, err
		}
	case err == nil:
		if e.ln == nil {
			lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			e.ln, err = e.ctl.Listener(lctx)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("taking a copy of the running proxy's socket: %w", err)
			}
		}
		e.pid = info.PID
		e.otherBuild = !sameBuild(info)
		log.Info("the proxy kept serving: adopted it", "pid", info.PID, "addr", info.Listen, "routes", info.Routes)
	default:
		if e.ln == nil {
			if err := e.bind(); err != nil {
				return nil, err
			}
		}
		if err := e.spawn(ctx); err != nil {
			return nil, err
		}
	}
	if e.addr, err = socketAddr(e.ln); err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	e.stop = stop
	go e.supervise(sctx)
	log.Info("proxy listening", "addr", e.addr.String(), "pid", e.pid)
	return e, nil
}

// bind opens the proxy's listening socket on proxy_listen.
func (e *processEdge) bind() error {
	l, err := net.Listen("tcp", e.cfg.ProxyListen)
	if err != nil {
		return fmt.Errorf("listening on %s for the proxy: %w", e.cfg.ProxyListen, err)
	}
	defer l.Close() // the duplicate keeps the socket open
	f, err := listenerFile(l)
	if err != nil {
		return err
	}
	if e.ln != nil {
		e.ln.Close()
	}
	e.ln = f
	return nil
}

// spawn starts a proxy on the listening socket and waits until it
// answers on its control socket.
func (e *processEdge) spawn(ctx context.Context) error {
	args := append(e.command[1:len(e.command):len(e.command)],
		"--data", e.cfg.DataDir,
		"--listen", e.cfg.ProxyListen,
		"--body-idle-timeout", e.cfg.Proxy.BodyIdleTimeout.String(),
		"--drain-timeout", e.cfg.ShutdownTimeout.String(),
		"--log-level", e.cfg.Log.Level,
		"--log-format", e.cfg.Log.Format,
		"--access-log", e.cfg.AccessLog.Proxy,
		"--trusted-proxies", strings.Join(e.cfg.Proxy.TrustedProxies, ","),
	)
	fd, err := rawFd(e.ln)
	if err != nil {
		return fmt.Errorf("starting the proxy: %w", err)
	}
	// A session of its own: a terminal's Ctrl-C or hangup, meant for
	// berth serve, does not take the apps down.
	proc, err := startProcess(append([]string{e.command[0]}, args...),
		append(os.Environ(), "BERTH_PROXY_LISTENER_FD=3"), []uintptr{fd}, true)
	if err != nil {
		return fmt.Errorf("starting the proxy: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_, _ = proc.Wait()
		close(exited)
	}()
	if err := e.waitReady(ctx, proc.Pid, exited); err != nil {
		_ = proc.Kill()
		return err
	}
	e.mu.Lock()
	e.pid, e.exited = proc.Pid, exited
	e.mu.Unlock()
	return nil
}

// waitReady waits until the proxy with pid answers on the control
// socket, or exits.
func (e *processEdge) waitReady(ctx context.Context, pid int, exited <-chan struct{}) error {
	deadline := time.Now().Add(proxyReadyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(wait*2, 100*time.Millisecond) {
		ictx, cancel := context.WithTimeout(ctx, time.Second)
		info, err := e.ctl.Info(ictx)
		cancel()
		if err == nil && info.PID == pid {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("the proxy (pid %d) exited as it started; its log is berth's", pid)
		case <-ctx.Done():
			return fmt.Errorf("waiting for the proxy to start: %w", ctx.Err())
		case <-time.After(wait):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the proxy (pid %d) did not answer on %s within %s", pid, controlPath(e.cfg.DataDir), proxyReadyTimeout)
		}
	}
}

// Upgrade hands the adopted proxy over to one of this build when it runs
// another. It waits until the berth serve that ran before has let go
// (Run calls it once the stores are open), since that one supervises the
// proxy it started until it exits.
func (e *processEdge) Upgrade(ctx context.Context) error {
	if !e.otherBuild {
		return nil
	}
	e.mu.Lock()
	pid := e.pid
	e.mu.Unlock()
	e.log.Info("the running proxy is another build: handing over to this one", "pid", pid, "version", version.Get().String())
	if err := e.replace(ctx, pid); err != nil {
		return err
	}
	e.otherBuild = false
	return nil
}

// replace starts a proxy of this build and retires the one with pid once
// the new one serves. Route changes wait meanwhile.
func (e *processEdge) replace(ctx context.Context, old int) error {
	e.handing.Lock()
	defer e.handing.Unlock()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := e.ctl.Save(sctx)
	cancel()
	if err != nil {
		return fmt.Errorf("saving the running proxy's state before the handover: %w", err)
	}
	if err := e.spawn(ctx); err != nil {
		return fmt.Errorf("handing over to a new proxy (the old one, pid %d, serves on): %w", old, err)
	}
	// The new proxy took the control socket; the old one stops
	// accepting, drains and exits on SIGTERM.
	if p, err := os.FindProcess(old); err == nil {
		_ = p.Signal(syscall.SIGTERM)
	}
	e.log.Info("handed the proxy over", "from", old, "to", e.pid)
	return nil
}

// supervise starts a new proxy when the one serving dies, until ctx
// ends: connections meanwhile wait in the socket's backlog.
func (e *processEdge) supervise(ctx context.Context) {
	defer close(e.done)
	for backoff := 100 * time.Millisecond; ; {
		watched, ok := e.waitExit(ctx)
		if !ok {
			return
		}
		e.mu.Lock()
		stopped, current := e.stopped, e.pid
		e.mu.Unlock()
		if stopped {
			return
		}
		if current != watched {
			continue // a handover retired it: watch the new one
		}
		died := time.Now()
		e.log.Error("the proxy died: starting another with its routes", "pid", watched)
		e.handing.Lock()
		err := e.spawn(ctx)
		e.handing.Unlock()
		if err == nil {
			e.log.Info("the proxy serves again", "pid", e.pid, "after", time.Since(died).Round(time.Millisecond))
			backoff = 100 * time.Millisecond
			continue
		}
		e.log.Error("starting the proxy again", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// waitExit waits until the proxy serving exits, or a handover replaces
// it, and returns its pid; false when ctx ended first.
func (e *processEdge) waitExit(ctx context.Context) (int, bool) {
	e.mu.Lock()
	pid, exited := e.pid, e.exited
	e.mu.Unlock()
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return pid, false
		case <-exited: // a child of this process; nil for an adopted one
			return pid, true
		case <-t.C:
		}
		e.mu.Lock()
		current := e.pid
		e.mu.Unlock()
		// An adopted proxy is not this process's child: ask the kernel.
		if current != pid || (exited == nil && !Alive(pid)) {
			return pid, true
		}
	}
}

func (e *processEdge) Addr() net.Addr { return e.addr }

func (e *processEdge) ListenerFile() (*os.File, error) {
	f, err := dupFile(e.ln)
	if err != nil {
		return nil, fmt.Errorf("duplicating the proxy's listening socket: %w", err)
	}
	return f, nil
}

// Shutdown asks the proxy to stop accepting, drain and exit.
func (e *processEdge) Shutdown(ctx context.Context) error {
	e.end()
	err := e.ctl.Retire(ctx, e.cfg.ShutdownTimeout)
	e.ln.Close()
	e.ctl.Close()
	if err != nil {
		return fmt.Errorf("stopping the proxy: %w", err)
	}
	return nil
}

// Leave stops supervising: the proxy serves on for the next berth serve,
// which adopts it.
func (e *processEdge) Leave(context.Context) error {
	e.end()
	e.ln.Close()
	e.ctl.Close()
	return nil
}

func (e *processEdge) end() {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.stop()
	<-e.done
}

// The deploy engine's router: route changes wait for a handover.

func (e *processEdge) Set(r proxy.Route) error {
	e.handing.RLock()
	defer e.handing.RUnlock()
	return e.ctl.Set(r)
}

func (e *processEdge) Remove(host string) {
	e.handing.RLock()
	defer e.handing.RUnlock()
	e.ctl.Remove(host)
}

func (e *processEdge) Drain(ctx context.Context, backendID string) error {
	return e.ctl.Drain(ctx, backendID)
}

func (e *processEdge) Healthy(backendID string) (healthy, known bool) {
	return e.ctl.Healthy(backendID)
}

func (e *processEdge) Stats(host, set string, revision int, window time.Duration) proxy.Stats {
	return e.ctl.Stats(host, set, revision, window)
}

// sameAddress reports whether a proxy listening on running serves what
// proxy_listen asks for; a port 0 takes any.
func sameAddress(running, want string) bool {
	if running == want {
		return true
	}
	rh, rp, err1 := net.SplitHostPort(running)
	wh, wp, err2 := net.SplitHostPort(want)
	if err1 != nil || err2 != nil {
		return false
	}
	if wp != "0" && wp != rp {
		return false
	}
	rip, wip := net.ParseIP(rh), net.ParseIP(wh)
	return rh == wh || (rip != nil && wip != nil && rip.Equal(wip)) || (wh == "" && rip != nil && rip.IsUnspecified())
}

// dupFile duplicates f's descriptor. It does not go through f.Fd,
// which would put the socket, shared with the proxy that accepts on it,
// in blocking mode.
func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) {
		if nfd, derr = syscall.Dup(int(fd)); derr == nil {
			syscall.CloseOnExec(nfd)
		}
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(nfd), f.Name()+"-"+strconv.Itoa(nfd)), nil
}

// sameBuild reports whether the proxy info describes runs this process's
// binary: the same file, which a new build renamed over the old one is
// not, even with the same path and version.
func sameBuild(info proxyctl.Info) bool {
	theirs, err1 := os.Stat("/proc/" + strconv.Itoa(info.PID) + "/exe")
	ours, err2 := os.Stat("/proc/self/exe")
	if err1 == nil && err2 == nil {
		return os.SameFile(theirs, ours)
	}
	self, _ := os.Executable()
	return info.Version == version.Get().String() && info.Executable == self
}
