package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchApp is an app of the benchmark's own on berth, removed with its
// containers and network when the benchmark ends.
type benchApp struct {
	tb         testing.TB
	b          *berth
	name, host string
	dir        string
}

func newBenchApp(tb testing.TB, b *berth) *benchApp {
	tb.Helper()
	a := &benchApp{tb: tb, b: b, name: "bench-" + randomSuffix(tb), dir: tb.TempDir()}
	a.host = a.name + ".test"
	tb.Cleanup(a.remove)
	return a
}

// spec writes the app's compose file: one routed service "web".
func (a *benchApp) spec(image string, replicas int, strategy, update string) string {
	a.tb.Helper()
	if update != "" {
		update = "\n      update_config: " + update
	}
	body := fmt.Sprintf(`name: %s
services:
  web:
    image: %s
    deploy:
      replicas: %d%s
    stop_grace_period: 5s
    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 250ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 3}
      strategy: %s
`, a.name, image, replicas, update, a.host, strategy)
	p := filepath.Join(a.dir, "compose.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		a.tb.Fatal(err)
	}
	return p
}

// cmdContext is the berth CLI against the server.
func (a *benchApp) cmdContext(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, berthBin, append(args, "--server", "http://"+a.b.addr)...)
}

// deploy deploys file and fails unless the new revision goes live.
func (a *benchApp) deploy(file string) {
	a.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := a.cmdContext(ctx, "deploy", "-f", file).CombinedOutput(); err != nil {
		a.tb.Fatalf("berth deploy: %v\n%s\nberth log:\n%s", err, out, a.b.output())
	}
}

// remove removes the app through berth, so that it does not bring its
// containers back, then whatever is left by hand.
func (a *benchApp) remove() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_ = a.cmdContext(ctx, "remove", a.name, "--yes").Run()
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=berth.app="+a.name).Output()
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
	}
	if exec.Command("docker", "network", "inspect", "berth-"+a.name).Run() == nil {
		_ = exec.Command("docker", "network", "rm", "berth-"+a.name).Run()
	}
}

// containerAddr is IP:8080 of the app's only container on its network.
func (a *benchApp) containerAddr() string {
	a.tb.Helper()
	id := benchContainerID(a.tb, a.name)
	ip := strings.TrimSpace(run(a.tb, "docker", "inspect", "--format",
		`{{(index .NetworkSettings.Networks "berth-`+a.name+`").IPAddress}}`, id))
	if net.ParseIP(ip) == nil {
		a.tb.Fatalf("container %s has no address on berth-%s: %q", id, a.name, ip)
	}
	return net.JoinHostPort(ip, "8080")
}

func benchContainerID(tb testing.TB, app string) string {
	tb.Helper()
	ids := strings.Fields(run(tb, "docker", "ps", "-q", "--filter", "label=berth.app="+app))
	if len(ids) != 1 {
		tb.Fatalf("app %s runs containers %v, want one", app, ids)
	}
	return ids[0]
}

// benchContainerPID is the host PID of the app's only container.
func benchContainerPID(tb testing.TB, app string) int {
	tb.Helper()
	out := run(tb, "docker", "inspect", "--format", "{{.State.Pid}}", benchContainerID(tb, app))
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || pid <= 0 {
		tb.Fatalf("container of %s has no PID: %q", app, out)
	}
	return pid
}

// benchRequireNginx fails, never skips, when nginx is not installed.
func benchRequireNginx(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	tb.Fatal("nginx not found: run scripts/bench-deploy.sh, which installs it (Debian package nginx) and runs these benchmarks")
	return ""
}

// benchNginxConf is a reverse proxy to one upstream, tuned as nginx's
// own guidance for keep-alive to upstreams says, with every file it
// writes under dir (%[1]s); %[2]s is the upstream, %[3]s where it
// listens.
const benchNginxConf = `worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path %[1]s/client_body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	keepalive_timeout 65s;
	keepalive_requests 1000000;
	upstream app {
		server %[2]s;
		keepalive 64;
		keepalive_requests 1000000;
		keepalive_timeout 60s;
	}
	server {
		listen %[3]s;
		location / {
			proxy_pass http://app;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Host $host;
			proxy_set_header X-Forwarded-Proto $scheme;
		}
	}
}
`

// benchStartNginx runs nginx in front of upstream on a free loopback
// port until the benchmark ends, and returns that address and the
// master's PID.
func benchStartNginx(tb testing.TB, bin, upstream string) (string, int) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "berth-bench-nginx-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	// nginx's workers run as nobody and create their temp files in dir.
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, benchNginxConf, dir, upstream, addr), 0o644); err != nil {
		tb.Fatal(err)
	}
	errLog := filepath.Join(dir, "error.log")
	cmd := exec.Command(bin, "-p", dir, "-e", errLog, "-c", conf, "-g", "daemon off;")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting nginx: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return addr, cmd.Process.Pid
			}
		}
		select {
		case <-done:
			log, _ := os.ReadFile(errLog)
			tb.Fatalf("nginx exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(errLog)
			tb.Fatalf("nginx did not answer 200 on %s within 10s (last: %v); error log:\n%s", addr, err, log)
		}
	}
}

func benchNginxVersion(bin string) string {
	out, _ := exec.Command(bin, "-v").CombinedOutput()
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: ")
}

// benchCPU is the user and system CPU time of process pid and of its
// children (nginx's workers), 0 for pid 0.
func benchCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	var total time.Duration
	for _, p := range benchFamily(pid) {
		if f := benchStat(p); len(f) > 12 {
			utime, _ := strconv.ParseInt(f[11], 10, 64)
			stime, _ := strconv.ParseInt(f[12], 10, 64)
			total += time.Duration(utime+stime) * tick
		}
	}
	return total
}

// benchConnsTo counts the TCP connections to addr (IPv4 host:port)
// that the processes pids hold established, from /proc.
func benchConnsTo(addr string, pids []int) int {
	host, port, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host).To4()
	p, _ := strconv.Atoi(port)
	if ip == nil {
		return 0
	}
	owned := map[string]bool{}
	for _, proc := range pids {
		fds, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(proc), "fd"))
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(proc), "fd", fd.Name()))
			if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
				owned[strings.TrimSuffix(inode, "]")] = true
			}
		}
	}
	// The kernel prints the address as a little-endian word.
	want := fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], p)
	data, _ := os.ReadFile("/proc/net/tcp")
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && f[2] == want && f[3] == "01" && owned[f[9]] {
			n++
		}
	}
	return n
}

// benchFamily is pid and the PIDs of its children.
func benchFamily(pid int) []int {
	out := []int{pid}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == pid {
			continue
		}
		if f := benchStat(p); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// benchStat is the fields of /proc/pid/stat after the command name,
// which may hold spaces: state, ppid, ... utime (index 11), stime (12).
func benchStat(pid int) []string {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	_, rest, ok := strings.Cut(string(data), ") ")
	if !ok {
		return nil
	}
	return strings.Fields(rest)
}

// benchMachine describes the CPUs and how busy they are.
func benchMachine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := "unknown"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s, load average now %s", runtime.NumCPU(), model, runtime.Version(), load)
}

// benchEnv reads a positive value of the environment variable key with
// parse, or def when it is unset.
func benchEnv[T time.Duration | int](tb testing.TB, key string, def T, parse func(string) (T, error), what string) T {
	tb.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil || x <= 0 {
		tb.Fatalf("%s=%q is not a positive %s", key, v, what)
	}
	return x
}

func benchEnvDuration(tb testing.TB, key string, def time.Duration) time.Duration {
	tb.Helper()
	return benchEnv(tb, key, def, time.ParseDuration, "duration")
}

func benchEnvInt(tb testing.TB, key string, def int) int {
	tb.Helper()
	return benchEnv(tb, key, def, strconv.Atoi, "number")
}

// benchQuiet returns the arguments of berth serve that turn its access
// logs off, as nginx's are: the benchmarks measure the proxy, not a log
// that the test's pipe keeps in memory.
func benchQuiet(b *testing.B) []string {
	path := filepath.Join(b.TempDir(), "berth.yaml")
	if err := os.WriteFile(path, []byte("access_log:\n  registry: off\n  proxy: off\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return []string{"--config", path}
}
