package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testapp"
)

// TestAWebPageCannotDeploy drives a real `berth serve` without accounts on
// loopback, as the README's first command starts it, the way a web page
// in the user's browser could, and checks that the CLI and docker still
// work beside it.
func TestAWebPageCannotDeploy(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/xsite", "v1") // docker push passes the guard
	e := newDeployEnv(t, b, builder, "e2e/xsite")
	file := e.spec("v1", fmt.Sprintf(`    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 300ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 2}
`, e.host))
	spec, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	deployBody, _ := json.Marshal(map[string]string{"file": file, "spec": string(spec)})

	send := func(method, path, body string, header map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, b.url(path), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(data)
	}

	t.Run("a cross-origin deploy sent as plain text is refused and starts nothing", func(t *testing.T) {
		code, body := send(http.MethodPost, "/api/apps/deploy", string(deployBody),
			map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain;charset=UTF-8"})
		if code != http.StatusForbidden || !strings.Contains(body, "evil.example") {
			t.Fatalf("answered %d %s, want 403 naming the origin", code, body)
		}
		if got := e.containers(); len(got) != 0 {
			t.Fatalf("containers of the app after the refused deploy: %v", got)
		}
		if code, _ := send(http.MethodGet, "/api/apps/"+e.app, "", nil); code != http.StatusNotFound {
			t.Fatalf("the app is known after the refused deploy: %d", code)
		}
	})
	t.Run("a cross-origin garbage collection is refused", func(t *testing.T) {
		code, body := send(http.MethodPost, "/api/registry/gc", "",
			map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"})
		if code != http.StatusForbidden {
			t.Fatalf("answered %d %s, want 403", code, body)
		}
	})
	t.Run("a rebound host name is refused", func(t *testing.T) {
		for _, path := range []string{"/api/apps", "/v2/_catalog"} {
			code, body := send(http.MethodGet, path, "", map[string]string{"Host": "rebind.attacker.example"})
			if code != http.StatusMisdirectedRequest || !strings.Contains(body, "allowed_hosts") {
				t.Fatalf("%s answered %d %s, want 421 saying how to allow the name", path, code, body)
			}
		}
	})
	t.Run("the CLI still deploys, collects garbage and removes", func(t *testing.T) {
		e.deploy(file, true)
		e.serves("v1", 5)
		if out, code := e.berthCmd("registry", "gc", "--dry-run"); code != 0 {
			t.Fatalf("berth registry gc --dry-run exited %d:\n%s", code, out)
		}
		if out, code := e.berthCmd("remove", e.app, "--yes"); code != 0 {
			t.Fatalf("berth remove exited %d:\n%s", code, out)
		}
	})
}
