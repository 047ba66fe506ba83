package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/proxyctl"
)

// TestAccessLogs checks that a real berth serve writes one access line
// for a registry request, on its stderr, and the proxy process one for a
// proxied request, in the file access_log.proxy names, with the client
// a trusted load balancer forwarded.
func TestAccessLogs(t *testing.T) {
	dir := t.TempDir()
	proxyLog := filepath.Join(dir, "proxy-access.log")
	cfg := filepath.Join(dir, "berth.yaml")
	if err := os.WriteFile(cfg, []byte("access_log:\n  registry: stderr\n  proxy: "+proxyLog+
		"\nproxy:\n  trusted_proxies: [127.0.0.1]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startBerth(t, filepath.Join(dir, "data"), "--config", cfg)

	req, _ := http.NewRequest(http.MethodGet, srv.url("/v2/"), nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9") // from no trusted proxy: not believed
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	registryLine := regexp.MustCompile(`level=INFO msg=request client=127\.0\.0\.1 host=` + regexp.QuoteMeta(srv.addr) +
		` method=GET path=/v2/ status=200 bytes=\d+ duration=\S+ account=anonymous`)
	waitFor(t, "the registry's access line", func() bool {
		return len(registryLine.FindAllString(srv.output(), -1)) == 1
	})

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Real-Ip"))
	}))
	defer backend.Close()
	ctl := proxyctl.Dial(filepath.Join(srv.data, "proxy", "control.sock"))
	defer ctl.Close()
	if err := ctl.Set(proxy.Route{Host: "logged.test", Sets: []proxy.Set{{Name: "blue", Weight: 100,
		Backends: []proxy.Backend{{ID: "logged", Addr: backend.Listener.Addr().String()}}}}}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, "http://"+srv.proxy+"/hello", nil)
	req.Host = "logged.test"
	req.Header.Set("X-Forwarded-For", "198.51.100.7") // from a trusted load balancer
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "198.51.100.7" {
		t.Fatalf("through the proxy: %d %q", resp.StatusCode, body)
	}
	proxyLine := regexp.MustCompile(`level=INFO msg=request client=198\.51\.100\.7 host=logged\.test method=GET path=/hello status=200 bytes=12 duration=\S+ upstream=` +
		regexp.QuoteMeta(backend.Listener.Addr().String()))
	waitFor(t, "the proxy's access line", func() bool {
		data, _ := os.ReadFile(proxyLog)
		return len(proxyLine.FindAllString(string(data), -1)) == 1
	})
	if fi, err := os.Stat(proxyLog); err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Fatalf("the proxy's access log: %v, %v", fi, err)
	}
	if strings.Contains(srv.output(), "host=logged.test method=GET") {
		t.Fatal("the proxy's access line went to stderr too")
	}

	// Rotation: the file is moved away, SIGHUP makes the proxy open a new
	// one by the name.
	if err := os.Rename(proxyLog, proxyLog+".1"); err != nil {
		t.Fatal(err)
	}
	pid, err := os.ReadFile(filepath.Join(srv.data, "proxy", "pid"))
	if err != nil {
		t.Fatal(err)
	}
	run(t, "kill", "-HUP", strings.TrimSpace(string(pid)))
	waitFor(t, "the proxy's access log reopened", func() bool {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("the proxy after SIGHUP: %v", err)
		}
		resp.Body.Close()
		data, _ := os.ReadFile(proxyLog)
		return proxyLine.Match(data)
	})
}
