package appserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func newTestServer(t testing.TB, vars map[string]string) *httptest.Server {
	t.Helper()
	s, err := New(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func get(t testing.TB, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestRoutes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		vars       map[string]string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"root answers the default version", nil, "/", 200, "dev\n"},
		{"root answers VERSION", map[string]string{"VERSION": "v1.2.3"}, "/", 200, "v1.2.3\n"},
		{"root fails every request at FAIL_RATE=1", map[string]string{"FAIL_RATE": "1"}, "/", 500, "failing on purpose\n"},
		{"root never fails at FAIL_RATE=0", map[string]string{"FAIL_RATE": "0"}, "/", 200, "dev\n"},
		{"healthz answers ok", nil, "/healthz", 200, "ok"},
		{"healthz fails with FAIL_HEALTH=1", map[string]string{"FAIL_HEALTH": "1"}, "/healthz", 500, "unhealthy"},
		{"healthz fails once FAIL_HEALTH_AFTER has passed", map[string]string{"FAIL_HEALTH_AFTER": "1ns"}, "/healthz", 500, "unhealthy"},
		{"healthz passes before FAIL_HEALTH_AFTER", map[string]string{"FAIL_HEALTH_AFTER": "1h"}, "/healthz", 200, "ok"},
		{"an unknown path is not found", nil, "/nope", 404, "404 page not found\n"},
		{"ws without an upgrade is refused", nil, "/ws", 400, "expected a WebSocket upgrade\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, tc.vars)
			resp, body := get(t, srv.URL+tc.path)
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestRootSetsTheVersionHeader(t *testing.T) {
	srv := newTestServer(t, map[string]string{"VERSION": "v9"})
	resp, _ := get(t, srv.URL+"/")
	if got := resp.Header.Get("X-Version"); got != "v9" {
		t.Fatalf("X-Version = %q, want v9", got)
	}
}

func TestRootWaitsForDelay(t *testing.T) {
	srv := newTestServer(t, map[string]string{"DELAY": "300ms"})
	start := time.Now()
	get(t, srv.URL+"/")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("answered after %s, want at least 300ms", d)
	}
}

func TestStreamWritesTenLinesOverASecond(t *testing.T) {
	srv := newTestServer(t, map[string]string{"VERSION": "v2"})
	start := time.Now()
	_, body := get(t, srv.URL+"/stream")
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) != 10 || lines[0] != "v2 0" || lines[9] != "v2 9" {
		t.Fatalf("stream body = %q", body)
	}
	if d := time.Since(start); d < 850*time.Millisecond {
		t.Fatalf("stream took %s, want about 1s", d)
	}
}

func TestLoadConfigRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
	}{
		{"a port that is not a number", map[string]string{"PORT": "http"}},
		{"a port out of range", map[string]string{"PORT": "70000"}},
		{"a delay that is not a duration", map[string]string{"DELAY": "soon"}},
		{"a negative delay", map[string]string{"DELAY": "-1s"}},
		{"a fail rate above one", map[string]string{"FAIL_RATE": "1.5"}},
		{"a fail-health-after that is not a duration", map[string]string{"FAIL_HEALTH_AFTER": "later"}},
		{"an exit-after that is not a duration", map[string]string{"EXIT_AFTER": "soon"}},
		{"an exit code above 255", map[string]string{"EXIT_CODE": "256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := loadConfig(env(tc.vars)); err == nil {
				t.Fatal("loadConfig accepted it")
			}
		})
	}
}
