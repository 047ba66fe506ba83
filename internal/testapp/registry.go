package testapp

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
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

// BuildBerth compiles berth into dir and returns the binary's path, for
// a TestMain to do once.
func BuildBerth(dir string) (string, error) {
	bin := filepath.Join(dir, "berth")
	build := exec.Command("go", "build", "-o", bin, "github.com/berth-dev/berth/cmd/berth")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building berth: %v\n%s", err, out)
	}
	return bin, nil
}

// Registry is a `berth serve` process on a random loopback port, seen
// through a proxy that counts manifest requests, so that a test can
// tell whether a pull reached the registry.
type Registry struct {
	// Addr is host:port to push to and pull from. Docker speaks plain
	// HTTP to it because it is on 127.0.0.0/8.
	Addr string

	mu        sync.Mutex
	manifests map[string]int // repository -> GET and HEAD of its manifests
}

var listeningRE = regexp.MustCompile(`msg="registry listening" addr=(\S+)`)

// manifestRE matches /v2/<repository>/manifests/<reference>.
var manifestRE = regexp.MustCompile(`^/v2/(.+)/manifests/[^/]+$`)

// ServeRegistry starts berth (the binary at bin) with its data in a
// temporary directory and stops it when the test ends.
func ServeRegistry(t testing.TB, bin string) *Registry {
	t.Helper()
	data := t.TempDir()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--data", data)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting berth: %v", err)
	}
	var log strings.Builder
	var logMu sync.Mutex
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			logMu.Lock()
			log.WriteString(s.Text() + "\n")
			logMu.Unlock()
			if m := listeningRE.FindStringSubmatch(s.Text()); m != nil {
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			// The proxy process, which a stopped berth serve stops, holds
			// the log's pipe too.
			_ = cmd.Process.Kill()
			KillProxy(data)
			<-done
		}
	})
	output := func() string { logMu.Lock(); defer logMu.Unlock(); return log.String() }

	var berth string
	select {
	case berth = <-addr:
	case <-done:
		t.Fatalf("berth exited before serving:\n%s", output())
	case <-time.After(30 * time.Second):
		t.Fatalf("berth did not start in 30s:\n%s", output())
	}
	r := &Registry{manifests: make(map[string]int)}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: berth})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if m := manifestRE.FindStringSubmatch(req.URL.Path); m != nil && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
			r.mu.Lock()
			r.manifests[m[1]]++
			r.mu.Unlock()
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.Addr = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// ManifestRequests returns how many times the manifests of ref's
// repository were fetched or checked (GET or HEAD) through the
// registry; ref is a reference to an image on it.
func (r *Registry) ManifestRequests(ref string) int {
	repo := strings.TrimPrefix(ref, r.Addr+"/")
	if i := strings.IndexAny(repo, "@:"); i >= 0 {
		repo = repo[:i]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.manifests[repo]
}

// KillProxy kills, the hard way, the proxy process of the berth whose
// data directory is dataDir, if one runs.
func KillProxy(dataDir string) {
	data, err := os.ReadFile(filepath.Join(dataDir, "proxy", "pid"))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
