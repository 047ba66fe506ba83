package e2e

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/server"
	"github.com/berth-dev/berth/internal/testapp"
)

// TestRestartsDropNoAppRequest serves three apps under steady load
// through the proxy while berth is upgraded to another build, killed and
// started again, and while the proxy process itself is killed.
func TestRestartsDropNoAppRequest(t *testing.T) {
	requireDocker(t)
	whole := t // what must outlive a subtest is started on the whole test
	bin := copyBerth(t)
	dir := t.TempDir()
	b := startBerthBinary(t, bin, dir)
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/restart", "v1")
	var hosts []string
	for range 3 {
		e := newDeployEnv(t, b, builder, "e2e/restart")
		e.deploy(e.spec("v1", twoReplicas(e.host)), true)
		hosts = append(hosts, e.host)
	}

	t.Run("an upgrade to another build refuses and fails no request", func(t *testing.T) {
		defer func() {
			if t.Failed() {
				t.Logf("berth's log:\n%s", b.output())
			}
		}()
		l := startSteadyLoad(b.proxy, hosts)
		time.Sleep(500 * time.Millisecond)
		oldServe, oldProxy := readPid(t, dir, "serve.pid"), readPid(t, dir, "proxy/pid")
		anotherBuild(t, bin)
		upgradeBerth(t, bin, dir)
		waitUntil(t, 30*time.Second, "the proxy handed over to the new build", func() bool {
			return readPid(t, dir, "proxy/pid") != oldProxy
		})
		time.Sleep(500 * time.Millisecond)
		r := l.stop()
		t.Logf("handover: %s", r)
		r.expectNone(t)
		if pid := readPid(t, dir, "serve.pid"); pid == oldServe {
			t.Fatalf("berth serve is still pid %d", pid)
		}
		select {
		case <-b.done:
		case <-time.After(time.Minute):
			t.Fatal("the berth serve that handed over did not exit")
		}
		expectLive(t, b, hosts)
	})

	t.Run("berth serve killed with kill -9 leaves apps serving, and comes back with its state", func(t *testing.T) {
		l := startSteadyLoad(b.proxy, hosts)
		time.Sleep(300 * time.Millisecond)
		serve := readPid(t, dir, "serve.pid")
		if err := syscall.Kill(serve, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 10*time.Second, "berth serve is gone", func() bool { return !server.Alive(serve) })
		time.Sleep(time.Second) // apps served by the proxy alone
		again := startBerthBinary(whole, bin, dir)
		time.Sleep(500 * time.Millisecond)
		r := l.stop()
		t.Logf("berth serve killed and started again: %s", r)
		r.expectNone(t)
		if again.proxy != b.proxy {
			t.Errorf("the new berth serve serves apps on %s, the proxy kept serving on %s", again.proxy, b.proxy)
		}
		expectLive(t, again, hosts)
		b = again
	})

	t.Run("the proxy killed with kill -9 is started again with its routes", func(t *testing.T) {
		defer func() {
			if t.Failed() {
				t.Logf("berth's log:\n%s", b.output())
			}
		}()
		l := startSteadyLoad(b.proxy, hosts)
		time.Sleep(300 * time.Millisecond)
		proxy := readPid(t, dir, "proxy/pid")
		if err := syscall.Kill(proxy, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "a new proxy serves", func() bool {
			pid := readPid(t, dir, "proxy/pid")
			return pid != proxy && server.Alive(pid)
		})
		time.Sleep(500 * time.Millisecond)
		r := l.stop()
		// Requests the killed process held fail; new connections wait in
		// the socket's backlog, which berth serve keeps open.
		t.Logf("proxy killed: %s", r)
		if r.refused > 0 {
			t.Errorf("%d connections were refused while the proxy was restarted", r.refused)
		}
		if r.ok == 0 || r.lastOK.Before(r.stopped.Add(-time.Second)) {
			t.Fatalf("no traffic after the proxy was killed: %s", r)
		}
	})

	t.Run("a chunked upload begun before a handover completes after it", func(t *testing.T) {
		blob := bytes.Repeat([]byte("berth upgrade "), 100_000)
		digest := fmt.Sprintf("sha256:%x", sha256.Sum256(blob))
		loc := startUpload(t, b.addr, "e2e/upload")
		loc = patchChunk(t, b.addr, loc, blob[:len(blob)/2], 0)
		anotherBuild(t, bin)
		upgradeBerth(t, bin, dir)
		loc = patchChunk(t, b.addr, loc, blob[len(blob)/2:], len(blob)/2)
		req, _ := http.NewRequest(http.MethodPut, absolute(b.addr, loc)+sep(loc)+"digest="+digest, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("closing the upload after the handover: %d", res.StatusCode)
		}
		res, err = http.Get("http://" + b.addr + "/v2/e2e/upload/blobs/" + digest)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, blob) {
			t.Fatalf("the blob reads back %d bytes, %d pushed", len(got), len(blob))
		}
	})
}

// twoReplicas is a routed service of two replicas on host.
func twoReplicas(host string) string {
	return fmt.Sprintf(`    deploy:
      replicas: 2
      update_config: {monitor: 300ms}
    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 300ms}
`, host)
}

// copyBerth copies the berth binary to a path of the test's own, which
// an upgrade replaces.
func copyBerth(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(berthBin)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "berth")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// anotherBuild replaces the binary at bin with another build of it, as
// an upgrade's package manager would: a new file renamed over the old.
// Bytes appended to an executable change it and not what it runs.
func anotherBuild(t testing.TB, bin string) {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte(fmt.Sprintf("\nanother build %d\n", time.Now().UnixNano()))...)
	tmp := bin + ".new"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
}

// upgradeBerth runs berth serve --upgrade for the berth of dir.
func upgradeBerth(t testing.TB, bin, dir string) {
	t.Helper()
	out, err := runCommand(bin, "serve", "--upgrade", "--data", dir)
	if err != nil || !strings.Contains(out, "took over") {
		t.Fatalf("berth serve --upgrade: %v\n%s", err, out)
	}
}

func runCommand(name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// readPid reads a pid file of berth's data directory.
func readPid(t testing.TB, dir, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return pid
}

func waitUntil(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: not yet: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectLive checks through the API that every app is live, and through
// the proxy that each answers.
func expectLive(t testing.TB, b *berth, hosts []string) {
	t.Helper()
	out, err := runCommand(berthBin, "status", "--server", "http://"+b.addr)
	if err != nil {
		t.Fatalf("berth status: %v\n%s", err, out)
	}
	for _, h := range hosts {
		app := strings.TrimSuffix(h, ".test")
		if !strings.Contains(out, app) {
			t.Errorf("berth status does not list %s:\n%s", app, out)
		}
		if code, _, err := getHost(b.proxy, h, true); err != nil || code != http.StatusOK {
			t.Errorf("GET %s: %d %v", h, code, err)
		}
	}
}

// steadyLoad sends requests for each host through the proxy, on kept-alive
// connections and on a new connection each, and times every answer.
type steadyLoad struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	res   loadResult
}

// loadResult is what a steady load saw.
type loadResult struct {
	ok, failed, refused int
	first               []string // the first failures
	okAt                []time.Time
	lastOK, stopped     time.Time
}

func (r loadResult) gap() time.Duration {
	times := slices.Clone(r.okAt)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	var longest time.Duration
	for i := 1; i < len(times); i++ {
		longest = max(longest, times[i].Sub(times[i-1]))
	}
	return longest
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d answered, %d failed (%d refused), longest gap between answers %s, first failures %q",
		r.ok, r.failed, r.refused, r.gap().Round(time.Millisecond), r.first)
}

// expectNone fails the test on any failed or refused request.
func (r loadResult) expectNone(t testing.TB) {
	t.Helper()
	if r.failed > 0 || r.ok < 50 {
		t.Fatalf("want no failed request and steady traffic: %s", r)
	}
}

func startSteadyLoad(proxy string, hosts []string) *steadyLoad {
	l := &steadyLoad{stopc: make(chan struct{})}
	for _, h := range hosts {
		for _, keepAlive := range []bool{true, false} {
			l.wg.Go(func() {
				client := &http.Client{Timeout: 15 * time.Second}
				if !keepAlive {
					client.Transport = &http.Transport{DisableKeepAlives: true}
				}
				for {
					select {
					case <-l.stopc:
						return
					default:
					}
					code, _, err := getWith(client, proxy, h)
					now := time.Now()
					l.mu.Lock()
					switch {
					case err == nil && code == http.StatusOK:
						l.res.ok++
						l.res.okAt = append(l.res.okAt, now)
						l.res.lastOK = now
					default:
						l.res.failed++
						if errors.Is(err, syscall.ECONNREFUSED) {
							l.res.refused++
						}
						if len(l.res.first) < 5 {
							l.res.first = append(l.res.first, fmt.Sprintf("%s: %d %v", now.UTC().Format("15:04:05.000"), code, err))
						}
					}
					l.mu.Unlock()
				}
			})
		}
	}
	return l
}

func (l *steadyLoad) stop() loadResult {
	close(l.stopc)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.res.stopped = time.Now()
	return l.res
}

func getWith(client *http.Client, proxy, host string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+proxy+"/", nil)
	req.Host = host
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

func getHost(proxy, host string, keepAlive bool) (int, string, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	if !keepAlive {
		client.Transport = &http.Transport{DisableKeepAlives: true}
	}
	return getWith(client, proxy, host)
}

// startUpload begins an upload to repo and returns its location.
func startUpload(t testing.TB, addr, repo string) string {
	t.Helper()
	res, err := http.Post("http://"+addr+"/v2/"+repo+"/blobs/uploads/", "application/octet-stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("starting an upload: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// patchChunk sends chunk at offset and returns the next location.
func patchChunk(t testing.TB, addr, loc string, chunk []byte, offset int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, absolute(addr, loc), bytes.NewReader(chunk))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Range", fmt.Sprintf("%d-%d", offset, offset+len(chunk)-1))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("PATCH of %d bytes at %d: %d", len(chunk), offset, res.StatusCode)
	}
	return res.Header.Get("Location")
}

func absolute(addr, loc string) string {
	if strings.HasPrefix(loc, "http") {
		return loc
	}
	return "http://" + addr + loc
}

func sep(loc string) string {
	if strings.Contains(loc, "?") {
		return "&"
	}
	return "?"
}
