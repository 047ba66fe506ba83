package demo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is the `berth serve` the demo runs.
type server struct {
	cmd      *exec.Cmd
	registry string // host:port of the registry and API
	proxy    string // host:port of the edge proxy
	log      string // path of its log file
	data     string // its data directory
	done     chan struct{}
}

var (
	registryLine = regexp.MustCompile(`msg="registry listening" addr=(\S+)`)
	proxyLine    = regexp.MustCompile(`msg="proxy listening" addr=(\S+)`)
)

// freeOr returns addr if it can be listened on, else a random loopback
// port, so that the demo runs beside a berth already on the defaults.
func freeOr(addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "127.0.0.1:0"
	}
	ln.Close()
	return addr
}

// startServer runs berth serve with its data and log under dir and waits
// until both listeners are up.
func startServer(ctx context.Context, bin, dir, listen, proxyListen string, labels []string) (*server, error) {
	s := &server{log: filepath.Join(dir, "berth.log"), data: filepath.Join(dir, "data"), done: make(chan struct{})}
	logFile, err := os.Create(s.log)
	if err != nil {
		return nil, fmt.Errorf("creating the server log: %w", err)
	}
	args := []string{"serve", "--data", s.data,
		"--listen", freeOr(listen), "--proxy-listen", freeOr(proxyListen), "--label", "berth.demo=1"}
	for _, l := range labels {
		args = append(args, "--label", l)
	}
	s.cmd = exec.Command(bin, args...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	s.cmd.Stdout = logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting berth serve: %w", err)
	}
	found := make(chan [2]string, 1)
	go s.watchLog(stderr, logFile, found)
	select {
	case addrs := <-found:
		s.registry, s.proxy = addrs[0], addrs[1]
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("berth serve exited before serving; its log is %s", s.log)
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, fmt.Errorf("berth serve did not start within a minute; its log is %s", s.log)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// watchLog copies the server's log to its file and reports the two
// addresses once both are known.
func (s *server) watchLog(r io.Reader, out *os.File, found chan<- [2]string) {
	defer close(s.done)
	defer out.Close()
	var addrs [2]string
	var once sync.Once
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(out, line)
		if m := registryLine.FindStringSubmatch(line); m != nil {
			addrs[0] = m[1]
		}
		if m := proxyLine.FindStringSubmatch(line); m != nil {
			addrs[1] = m[1]
		}
		if addrs[0] != "" && addrs[1] != "" {
			once.Do(func() { found <- addrs })
		}
	}
	_ = s.cmd.Wait()
}

// stop asks berth to shut down and waits for it, killing it after 30s.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		// Its proxy process, which a stopped berth serve stops, shares
		// the log: kill it too.
		if data, err := os.ReadFile(filepath.Join(s.data, "proxy", "pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		<-s.done
	}
}
