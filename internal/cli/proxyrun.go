package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/accesslog"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/proxyctl"
	"github.com/berth-dev/berth/internal/serving"
	"github.com/berth-dev/berth/internal/version"
)

// runProxy serves the edge proxy of cfg until it is retired, over its
// control socket or by a signal.
func runProxy(cfg config.Config, log *slog.Logger) error {
	started := time.Now()
	// Its log may go to a pipe that berth serve, or whatever read it,
	// no longer drains: the apps' traffic matters more than the log.
	signal.Ignore(syscall.SIGPIPE)
	data, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("finding the data directory: %w", err)
	}
	dir := filepath.Join(data, "proxy")
	if err := os.MkdirAll(data, 0o750); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the proxy's directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("making the proxy's directory private: %w", err)
	}
	statePath := filepath.Join(dir, "state.json")

	trusted, err := config.ParseTrustedProxies(cfg.Proxy.TrustedProxies)
	if err != nil {
		return fmt.Errorf("reading proxy.trusted_proxies: %w", err)
	}
	access, err := accesslog.Open(cfg.AccessLog.Proxy, cfg.Log.Format, os.Stderr)
	if err != nil {
		return err
	}
	defer access.Close()

	ln, lnFile, err := proxyListener(cfg.ProxyListen)
	if err != nil {
		return err
	}
	defer lnFile.Close()
	changed := make(chan struct{}, 1)
	p := proxy.New(proxy.Options{
		DrainTimeout:    cfg.ShutdownTimeout,
		BodyIdleTimeout: cfg.Proxy.BodyIdleTimeout,
		TrustedProxies:  trusted,
		AccessLog:       access.Logger,
		OnChange: func() {
			select {
			case changed <- struct{}{}:
			default: // one is pending already
			}
		},
	}, log)
	defer p.Close()
	restored, err := proxyctl.RestoreFile(p, statePath, log)
	if err != nil {
		ln.Close()
		return err
	}

	// Signals from here on wait in sigs: one that comes as soon as the
	// control socket answers is handled, not lost to the command's
	// context, which this process does not watch.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// SIGHUP reopens the access log, for log rotation.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// stopping says a retire closed the listener on purpose.
	var stopping atomic.Bool
	def := config.Default().Server
	apps := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: def.ReadHeaderTimeout,
		IdleTimeout:       def.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Apps are served from here, with the routes restored, before the
	// control socket answers: a supervisor that sees this process on it
	// may retire the one it replaces at once.
	served := serving.Start(apps, ln)
	exe, err := os.Executable()
	if err != nil {
		ln.Close()
		return fmt.Errorf("finding the proxy's own binary: %w", err)
	}
	ctl := proxyctl.NewServer(p, proxyctl.ServerOptions{
		StatePath: statePath,
		Listener:  lnFile,
		Info: proxyctl.Info{PID: os.Getpid(), Version: version.Get().String(), Executable: exe,
			Listen: ln.Addr().String(), Started: started},
		Retire: func(ctx context.Context, d time.Duration) error {
			stopping.Store(true)
			return retireProxy(ctx, served, p, d, log)
		},
		Changed: changed,
	}, log)
	controlPath := filepath.Join(dir, "control.sock")
	cl, err := ctl.Listen(controlPath)
	if err != nil {
		ln.Close()
		return err
	}
	defer ctl.Close()
	controlled := make(chan error, 1)
	go func() { controlled <- ctl.Serve(cl) }()
	saving, stopSaving := context.WithCancel(context.Background())
	saved := make(chan struct{})
	go func() {
		defer close(saved)
		ctl.Run(saving)
	}()
	defer func() {
		stopSaving()
		<-saved
	}()
	// The state file is this process's from now on.
	if err := ctl.Save(); err != nil && !errors.Is(err, proxyctl.ErrSuperseded) {
		log.Warn("saving the proxy's state failed; retrying on the next change", "state", statePath, "err", err)
	}

	pidPath := filepath.Join(dir, "pid")
	if err := writePid(pidPath); err != nil {
		log.Warn("writing the pid file failed", "err", err)
	}
	defer removePid(pidPath, log)
	log.Info("proxy serving", "listen", ln.Addr().String(), "routes", len(p.Routes()), "pid", os.Getpid(),
		"restored", restored, "control", controlPath)

	servedDone := served.Done()
	retiring := false
	for {
		select {
		case <-hup:
			if err := access.Reopen(); err != nil {
				log.Error("reopening the access log failed; writing on to the file open before", "path", cfg.AccessLog.Proxy, "err", err)
			}
		case sig := <-sigs:
			if retiring {
				log.Warn("second signal: exiting at once", "signal", sig.String())
				return exitError{code: 1}
			}
			retiring = true
			log.Info("retiring on a signal", "signal", sig.String())
			go ctl.Retire(context.Background(), cfg.ShutdownTimeout)
		case <-ctl.Retired():
			// The health checks end before the control socket closes,
			// which tells a client that asked to retire that the
			// process is gone.
			p.Close()
			if err := ctl.Retire(context.Background(), cfg.ShutdownTimeout); err != nil {
				return err
			}
			log.Info("proxy retired", "pid", os.Getpid())
			return nil
		case <-servedDone:
			if stopping.Load() || served.Err() == nil {
				// A retire is under way: wait for its end.
				servedDone = nil
				retiring = true
				continue
			}
			return fmt.Errorf("serving apps on %s: %w", ln.Addr(), served.Err())
		case err := <-controlled:
			return err
		}
	}
}

// proxyListener returns the socket to serve apps on, and a file of it to
// hand out: the one inherited as EnvProxyListenerFD if set, or else one
// bound on addr. Never both.
func proxyListener(addr string) (net.Listener, *os.File, error) {
	if v, ok := os.LookupEnv(EnvProxyListenerFD); ok {
		fd, err := strconv.Atoi(v)
		if err != nil || fd < 3 {
			return nil, nil, fmt.Errorf("%s=%q: want an inherited descriptor, 3 or more", EnvProxyListenerFD, v)
		}
		f := os.NewFile(uintptr(fd), "proxy-listener")
		l, err := net.FileListener(f)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("serving on the inherited socket %s=%d: %w", EnvProxyListenerFD, fd, err)
		}
		return l, f, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listening on %s for the proxy: %w", addr, err)
	}
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		l.Close()
		return nil, nil, fmt.Errorf("holding the proxy's socket: %w", err)
	}
	return l, f, nil
}

// retireProxy stops accepting connections and lets the requests in
// flight finish, for up to drainTimeout; then it closes those left,
// upgraded ones included. It closes this process's descriptor of the
// listening socket only: the socket stays open through the ones berth
// serve and a newer proxy hold, and connections wait in it for them. A
// connection accepted before is answered, not dropped (see serving).
func retireProxy(ctx context.Context, served *serving.Server, p *proxy.Proxy, drainTimeout time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	log.Info("retiring: stopping accepting, draining requests in flight", "drain_timeout", drainTimeout)
	if err := served.Stop(ctx); err != nil {
		log.Info("closed the connections still open at the drain timeout", "drain_timeout", drainTimeout)
	}
	if err := p.Shutdown(ctx); err != nil {
		log.Info("closed the upgraded connections at the drain timeout", "err", err)
	}
	return nil
}

// writePid writes this process's pid to path atomically.
func writePid(path string) error {
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// removePid removes the pid file if it still names this process: a
// newer proxy may have written its own.
func removePid(path string, log *slog.Logger) {
	data, err := os.ReadFile(path)
	if err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(os.Getpid()) {
		return
	}
	if err := os.Remove(path); err != nil {
		log.Warn("removing the pid file failed", "err", err)
	}
}
