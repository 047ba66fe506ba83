package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// An upgrade hands berth serve's listening sockets to a new berth serve,
// the binary on disk, which takes them over: the registry's socket and
// the proxy's are passed as inherited descriptors (EnvUpgrade says which
// are which), so that connections wait in their backlogs, never refused,
// while one process stops and the next starts. The new process says it
// holds them by writing to a pipe; only then does this one stop
// accepting, finish the requests in flight and close its stores, which
// the new one opens once they are free. A new process that fails to
// start, or says nothing within upgradeReadyTimeout, leaves this one
// serving.

// EnvUpgrade names the descriptors an upgrading berth serve hands over:
// "registry=3,proxy=4,ready=5".
const EnvUpgrade = "BERTH_UPGRADE"

// upgradeReadyTimeout bounds how long a new berth serve may take to say
// it holds the sockets.
const upgradeReadyTimeout = time.Minute

// Inherited are the descriptors an upgrade handed to this process.
type Inherited struct {
	Registry *os.File // the registry's listening socket
	Proxy    *os.File // the proxy's listening socket
	Ready    *os.File // written to once this process holds them
}

// InheritedFromEnv reads what an upgrade handed over, nil when this
// process was not started by one. The value is checked whole before any
// descriptor is taken.
func InheritedFromEnv(getenv func(string) string) (*Inherited, error) {
	v := getenv(EnvUpgrade)
	if v == "" {
		return nil, nil
	}
	fds := map[string]int{}
	for part := range strings.SplitSeq(v, ",") {
		name, num, ok := strings.Cut(part, "=")
		fd, err := strconv.Atoi(num)
		switch {
		case !ok || err != nil || fd < 3:
			return nil, fmt.Errorf("%s=%q: want registry=N,proxy=N,ready=N", EnvUpgrade, v)
		case name != "registry" && name != "proxy" && name != "ready":
			return nil, fmt.Errorf("%s=%q: unknown descriptor %q", EnvUpgrade, v, name)
		}
		fds[name] = fd
	}
	if len(fds) != 3 {
		return nil, fmt.Errorf("%s=%q: want registry, proxy and ready", EnvUpgrade, v)
	}
	file := func(name string) *os.File { return os.NewFile(uintptr(fds[name]), "berth-upgrade-"+name) }
	return &Inherited{Registry: file("registry"), Proxy: file("proxy"), Ready: file("ready")}, nil
}

// sayReady tells the berth serve that started this one that it holds
// the sockets.
func (in *Inherited) sayReady() {
	_, _ = in.Ready.WriteString("ready\n")
	in.Ready.Close()
}

// upgrade starts command, the new berth serve, with the registry's
// listener and the proxy's socket, and waits until it says it holds
// them. An error means it did not, and this process serves on.
func upgrade(ctx context.Context, command []string, registry net.Listener, e edge, log *slog.Logger) error {
	tl, ok := registry.(*net.TCPListener)
	if !ok {
		return fmt.Errorf("the registry's listener %s is not TCP", registry.Addr())
	}
	regFd, err := rawFd(tl)
	if err != nil {
		return err
	}
	proxyFile, err := e.ListenerFile()
	if err != nil {
		return err
	}
	defer proxyFile.Close()
	proxyFd, err := rawFd(proxyFile)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("making the upgrade's pipe: %w", err)
	}
	defer r.Close()
	proc, err := startProcess(command, append(os.Environ(), EnvUpgrade+"=registry=3,proxy=4,ready=5"),
		[]uintptr{regFd, proxyFd, w.Fd()}, false)
	w.Close()
	if err != nil {
		return err
	}
	log.Info("upgrading: started a new berth serve", "pid", proc.Pid, "binary", command[0])
	said := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("it said %q", line)
		}
		said <- err
	}()
	select {
	case err := <-said:
		if err != nil {
			go func() { _, _ = proc.Wait() }()
			return fmt.Errorf("the new berth serve (pid %d) exited before it took the sockets: %w", proc.Pid, err)
		}
		// It runs on after this process exits; reap it if this one
		// outlives it.
		go func() { _, _ = proc.Wait() }()
		return nil
	case <-time.After(upgradeReadyTimeout):
	case <-ctx.Done():
	}
	_ = proc.Kill()
	go func() { _, _ = proc.Wait() }()
	return fmt.Errorf("the new berth serve (pid %d) did not take the sockets within %s", proc.Pid, upgradeReadyTimeout)
}

// Files of a running berth serve under the data directory: its pid, and
// why its last upgrade failed.
func pidPath(dataDir string) string        { return filepath.Join(dataDir, "serve.pid") }
func upgradeErrPath(dataDir string) string { return filepath.Join(dataDir, "upgrade.failed") }

// writePid records this process as the berth serve of dataDir.
func writePid(dataDir string) error {
	tmp := pidPath(dataDir) + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, pidPath(dataDir))
}

// ReadPid returns the pid of the berth serve of dataDir.
func ReadPid(dataDir string) (int, error) {
	data, err := os.ReadFile(pidPath(dataDir))
	if err != nil {
		return 0, fmt.Errorf("finding the berth serve of %s: %w", dataDir, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("finding the berth serve of %s: %s holds no pid", dataDir, pidPath(dataDir))
	}
	return pid, nil
}

// UpgradeFailure returns why the last upgrade of dataDir's berth serve
// failed, "" when none did since ClearUpgradeFailure.
func UpgradeFailure(dataDir string) string {
	data, err := os.ReadFile(upgradeErrPath(dataDir))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// ClearUpgradeFailure forgets the last upgrade's failure.
func ClearUpgradeFailure(dataDir string) error {
	if err := os.Remove(upgradeErrPath(dataDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// openWhenFree opens the metadata store, waiting while the berth serve
// an upgrade replaces still holds it.
func openWhenFree[T any](ctx context.Context, wait time.Duration, open func() (T, error), inUse func(error) bool) (T, error) {
	deadline := time.Now().Add(wait)
	for {
		v, err := open()
		if err == nil || !inUse(err) || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
