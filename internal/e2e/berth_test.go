package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// berthBin is the berth binary built once for the whole test run.
var berthBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "berth-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	berthBin = filepath.Join(dir, "berth")
	build := exec.Command("go", "build", "-o", berthBin, "github.com/berth-dev/berth/cmd/berth")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building berth:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// berth is a running `berth serve` process.
type berth struct {
	t     testing.TB
	data  string
	cmd   *exec.Cmd
	addr  string        // host:port of the registry and API
	proxy string        // host:port of the edge proxy
	done  chan struct{} // closes when the berth serve the test started exits
	// logDone closes when no process of berth writes to its log any more.
	logDone chan struct{}
	logPipe string // the log pipe's link in /proc, "pipe:[inode]"

	mu  sync.Mutex
	log strings.Builder
}

var (
	listeningRE = regexp.MustCompile(`msg="registry listening" addr=(\S+)`)
	proxyRE     = regexp.MustCompile(`msg="proxy listening" addr=(\S+)`)
)

// startBerth starts berth on a random loopback port with data in dir and
// waits until it serves.
func startBerth(t testing.TB, dir string, args ...string) *berth {
	t.Helper()
	return startBerthBinary(t, berthBin, dir, args...)
}

// startBerthBinary starts the berth binary at bin.
func startBerthBinary(t testing.TB, bin, dir string, args ...string) *berth {
	t.Helper()
	b := &berth{t: t, data: dir, done: make(chan struct{}), logDone: make(chan struct{})}
	b.cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0",
		"--label", "berth.test=1", "--data", dir}, args...)...)
	// A pipe of the test's own, not StderrPipe: the proxy process and a
	// berth serve an upgrade starts write to it too, and outlive this
	// process.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = w
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.logPipe, _ = os.Readlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()))
	w.Close()
	addr, proxy := make(chan string, 1), make(chan string, 1)
	go b.readLog(r, addr, proxy)
	go func() {
		_ = b.cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		b.kill()
		b.killAll()
		b.removeImages()
	})
	select {
	case a := <-addr:
		b.addr = a
		b.proxy = <-proxy
	case <-b.done:
		t.Fatalf("berth exited before serving:\n%s", b.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("berth did not start in 30s:\n%s", b.output())
	}
	return b
}

func (b *berth) readLog(r io.ReadCloser, addr, proxy chan<- string) {
	defer close(b.logDone)
	defer r.Close()
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		b.mu.Lock()
		b.log.WriteString(line + "\n")
		b.mu.Unlock()
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			select {
			case addr <- m[1]:
			default: // a later berth serve, after the first was found
			}
		}
		if m := proxyRE.FindStringSubmatch(line); m != nil {
			select {
			case proxy <- m[1]:
			default:
			}
		}
	}
}

// killAll kills, the hard way, what of berth is left: the berth serve an
// upgrade started and the proxy process, whose pids are in the data
// directory; then waits for the log to end.
func (b *berth) killAll() {
	for _, f := range []string{"serve.pid", filepath.Join("proxy", "pid")} {
		data, err := os.ReadFile(filepath.Join(b.data, f))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	select {
	case <-b.logDone:
	case <-time.After(10 * time.Second):
		b.t.Errorf("berth's log did not end 10s after every process of it was killed; processes holding it: %s\n%s",
			holders(b.logPipe), b.output())
	}
}

// holders lists the processes that hold the pipe whose link is pipe
// ("pipe:[123]"), as "pid: command line".
func holders(pipe string) string {
	var out []string
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	seen := map[string]bool{}
	for _, fd := range fds {
		if link, err := os.Readlink(fd); err == nil && link == pipe {
			proc := filepath.Dir(filepath.Dir(fd))
			if seen[proc] {
				continue
			}
			seen[proc] = true
			cmd, _ := os.ReadFile(filepath.Join(proc, "cmdline"))
			out = append(out, filepath.Base(proc)+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return strings.Join(out, "; ")
}

// removeImages deletes the images the host pulled from this berth's
// registry (its address is unique to the test), by tag or by digest.
func (b *berth) removeImages() {
	if b.addr == "" {
		return
	}
	for _, pattern := range []string{b.addr + "/*", b.addr + "/*/*", b.addr + "/*/*/*"} {
		out, _ := exec.Command("docker", "images", "-q", "--filter", "reference="+pattern).Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			_ = exec.Command("docker", append([]string{"rmi", "-f"}, ids...)...).Run()
		}
	}
}

func (b *berth) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log.String()
}

func (b *berth) url(path string) string { return "http://" + b.addr + path }

// kill9 ends berth the hard way, as a crash or the OOM killer would.
func (b *berth) kill() {
	if b.cmd.Process != nil {
		_ = b.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-b.done
}

// stop asks berth to shut down cleanly and checks that it did.
func (b *berth) stop() {
	b.t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.t.Fatal(err)
	}
	select {
	case <-b.done:
	case <-time.After(60 * time.Second):
		b.t.Fatalf("berth did not stop within 60s of SIGTERM:\n%s", b.output())
	}
	if code := b.cmd.ProcessState.ExitCode(); code != 0 {
		b.t.Fatalf("berth exited with %d after SIGTERM:\n%s", code, b.output())
	}
}

// run runs a command and returns its combined output, failing the test
// with that output if it fails.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// requireDocker fails the test loudly when no Docker daemon answers.
func requireDocker(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("docker CLI not found: run the project's setup (scripts/setup.sh) first")
	}
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil {
		t.Fatalf("no Docker daemon answers (run scripts/setup.sh): %v\n%s", err, out)
	}
}

func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: run the project's setup (scripts/setup.sh) first", name)
	}
}
